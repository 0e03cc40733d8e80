import { lookupTable, stringValue } from "../../template/values.ts";
import { iamPrincipalViews } from "../../views/iam-policy.ts";
import { defineRule, type Hit } from "../rule.ts";
import { managedPolicyArnsValue } from "./drift.ts";

/** The AWS managed policy an ARN names (arn:<partition>:iam::aws:policy/[path/]Name), or undefined. */
function awsManagedPolicyName(arn: unknown): string | undefined {
  const text = stringValue(arn);
  return text === undefined ? undefined : /^arn:[a-z-]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(text)?.[1];
}

const ADMIN_POLICIES = new Set(["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"]);

function isFullAccess(name: string): boolean {
  return ADMIN_POLICIES.has(name) || /FullAccess(?:V\d+)?$/.test(name);
}

/**
 * AWS managed policies that are not "full access" by name but grant more than the job they are attached for needs
 * (seed 004 §2), with what they grant and what to use instead. Severity is the catalogue's medium unless noted.
 */
const BROADER_THAN_NEEDED: Readonly<Record<string, { grants: string; instead: string; severity?: "info"; why?: string }>> = lookupTable({
  CloudWatchAgentServerPolicy: {
    grants: "log writes to every log group and metric writes in every namespace",
    instead: "a policy scoped to the agent's own log groups",
    severity: "info",
    why: "lowered to info: AWS recommends it for the agent and the excess is write access to logs and metrics only",
  },
  AmazonEC2RoleforSSM: {
    grants: "s3:GetObject and s3:PutObject on every bucket, among others (AWS deprecated it)",
    instead: "AmazonSSMManagedInstanceCore",
  },
  AWSLambdaExecute: {
    grants: "s3:GetObject and s3:PutObject on every bucket and logs:* on every log group",
    instead: "AWSLambdaBasicExecutionRole plus an S3 policy scoped to the function's bucket",
  },
});

export default defineRule({
  id: "iam-role-broad-managed-policy",
  title: "Role, user or group has a broad AWS managed policy",
  severity: "medium",
  description:
    "AWS managed policies such as AdministratorAccess, PowerUserAccess, IAMFullAccess and the *FullAccess family grant " +
    "every action of one or all services on every resource, and AWS widens them as services grow. A workload principal " +
    "with one of them can do far more than its job needs. A few others are broader than the job they are usually " +
    "attached for (CloudWatchAgentServerPolicy, the deprecated AmazonEC2RoleforSSM, AWSLambdaExecute).",
  remediation:
    "Remove the managed policy ARN from ManagedPolicyArns and grant the actions the workload calls in an inline policy " +
    "or an AWS::IAM::ManagedPolicy scoped to its resources (or a narrower AWS managed policy such as a *ReadOnlyAccess one).",
  seeds: ["004 §2"],
  anchors: ["cdk-nag IAM4", "prowler iam_aws_attached_policy_no_administrative_privileges"],
  judges: ["template", "live", "drift"],
  drift: [{ view: iamPrincipalViews, property: "ManagedPolicyArns", value: managedPolicyArnsValue }],
  check(context) {
    const hits: Hit[] = [];
    for (const principal of context.views(iamPrincipalViews)) {
      for (const attachment of principal.managedPolicyArns ?? []) {
        const name = awsManagedPolicyName(attachment.arn);
        if (name === undefined) continue;
        const resource = { logicalId: principal.logicalId, type: principal.type, ...(principal.physicalId ? { physicalId: principal.physicalId } : {}) };
        const who = `${principal.kind[0]!.toUpperCase()}${principal.kind.slice(1)} ${principal.logicalId}`;
        const evidence = { managedPolicyArn: stringValue(attachment.arn) };
        if (isFullAccess(name)) {
          const what = name === "AdministratorAccess" ? "full administrator access" : name === "PowerUserAccess" ? "every action outside IAM and Organizations" : name === "IAMFullAccess" ? "full control of IAM (privilege escalation)" : "every action of a whole service on every resource";
          hits.push({ resource, path: attachment.at, message: `${who} has the AWS managed policy ${name}, which grants ${what}`, detail: name, evidence });
          continue;
        }
        const broad = BROADER_THAN_NEEDED[name];
        if (!broad) continue;
        hits.push({
          resource,
          path: attachment.at,
          ...(broad.severity ? { severity: broad.severity } : {}),
          message: `${who} has the AWS managed policy ${name}, which grants ${broad.grants}: more than its use needs; use ${broad.instead}` +
            (broad.why ? ` (${broad.why})` : ""),
          detail: name,
          evidence,
        });
      }
    }
    return hits;
  },
});
