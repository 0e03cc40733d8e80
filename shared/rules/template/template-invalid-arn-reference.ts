import { arnPositions, arnProblem } from "../../template/arn-positions.ts";
import type { TemplatePath } from "../../template/parse.ts";
import { isRecord } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";
import managedPolicies from "./aws-managed-policy-paths.json" with { type: "json" };

/** AWS managed policy name -> the path it lives under ("" for the root, "service-role/", "job-function/"...). */
const MANAGED_POLICY_PATHS = new Map<string, string>(
  Object.entries(managedPolicies.paths as Record<string, string[]>).flatMap(([path, names]) => names.map((name) => [name, path] as const)),
);
/** IAM matches policy names case-insensitively. */
const PATH_BY_LOWER_NAME = new Map([...MANAGED_POLICY_PATHS].map(([name, path]) => [name.toLowerCase(), path]));

const MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/(.*?)([^/]+)$/;

export default defineRule({
  id: "template-invalid-arn-reference",
  title: "A value that must be an ARN is not one",
  severity: "high",
  description:
    "Where CloudFormation or IAM needs an ARN (an IAM policy Resource, a principal, an aws:SourceArn condition, a SourceArn, " +
    "RoleArn, TopicArn or other ...Arn property), the template builds it from `Ref`/`${X}` of a resource whose Ref is a " +
    "name, id or URL (`!Sub '${LogGroup}:*'`, `!Sub '${RestApi}/*/GET/x'`, `!Ref Bucket`), nests an ARN inside an ARN " +
    "(`arn:aws:s3:::${Bucket.Arn}/*`), or names an AWS managed policy under the wrong path (AWSLambdaBasicExecutionRole " +
    "lives under service-role/). The stack fails to deploy, or the policy silently matches nothing.",
  remediation:
    "Use `!GetAtt X.Arn` where the resource has an Arn attribute (append `:*` or `/*` to it when needed), or build the ARN " +
    "around the name: `!Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'`, `!Sub 'arn:${AWS::Partition}:execute-api:${AWS::Region}:" +
    "${AWS::AccountId}:${RestApi}/*/GET/x'`. Never put `${X.Arn}` inside another `arn:` string. Write AWS managed policy ARNs " +
    "with their path, e.g. `arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`.",
  seeds: ["000 §5"],
  anchors: ["cfn-lint E1040", "cfn-lint W1031"],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    const hits: Hit[] = [];
    for (const resource of template.resolved.resources.values()) {
      const subject = { logicalId: resource.logicalId, type: resource.type };
      for (const position of arnPositions(resource)) {
        const problem = arnProblem(position);
        if (!problem) continue;
        hits.push({
          resource: subject,
          path: position.path,
          message: `${resource.logicalId}: ${problem}`,
          detail: position.path.slice(3).join("."),
          evidence: { value: position.value, where: position.where },
        });
      }
      forEachPolicyArn(resource.properties, ["Resources", resource.logicalId, "Properties"], (text, livePath) => {
        const path = [...livePath];
        const match = MANAGED_POLICY_ARN.exec(text);
        if (!match) return;
        const [, writtenPath, name] = match as unknown as [string, string, string];
        if (/[*?]/.test(name)) return;
        const expectedPath = PATH_BY_LOWER_NAME.get(name.toLowerCase());
        if (expectedPath === writtenPath) return;
        if (expectedPath === undefined) {
          hits.push({
            resource: subject,
            path,
            message:
              `${resource.logicalId}: ${text} names no AWS managed policy (${name} is not one${closestPolicy(name)}); ` +
              `medium, not high: StackWarden's list of AWS managed policies is a snapshot, and AWS adds new ones`,
            severity: "medium",
            detail: `managed-policy:${name}`,
            evidence: { value: text },
          });
          return;
        }
        hits.push({
          resource: subject,
          path,
          message:
            `${resource.logicalId}: AWS managed policy ${name} lives at arn:aws:iam::aws:policy/${expectedPath}${name}, ` +
            `but the template writes ${text}`,
          detail: `managed-policy:${name}`,
          evidence: { value: text, expected: `arn:aws:iam::aws:policy/${expectedPath}${name}` },
        });
      });
    }
    return hits;
  },
});

/** ", did you mean service-role/AWS_ConfigRole?" when a known policy differs only in case, "_" or "-". */
function closestPolicy(name: string): string {
  const squash = (text: string) => text.toLowerCase().replace(/[_-]/g, "");
  const wanted = squash(name);
  const candidates = [...MANAGED_POLICY_PATHS]
    .filter(([known]) => squash(known) === wanted || squash(known) === `aws${wanted}`)
    .map(([known, path]) => `${path}${known}`);
  return candidates.length > 0 ? `; did you mean ${candidates.join(" or ")}?` : "";
}

/**
 * Every string of the properties that could be a managed policy ARN. `path` is a stack, pushed and popped on the way:
 * `visit` copies it if it keeps it.
 */
function forEachPolicyArn(node: unknown, path: (string | number)[], visit: (text: string, path: TemplatePath) => void): void {
  if (typeof node === "string") {
    if (node.includes(":iam::aws:policy/")) visit(node, path);
  } else if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      path.push(index);
      forEachPolicyArn(node[index], path, visit);
      path.pop();
    }
  } else if (isRecord(node)) {
    for (const key of Object.keys(node)) {
      path.push(key);
      forEachPolicyArn(node[key], path, visit);
      path.pop();
    }
  }
}
