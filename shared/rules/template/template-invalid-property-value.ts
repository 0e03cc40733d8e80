import { describeProblem, propertyProblems } from "../../template/property-check.ts";
import type { TemplatePath } from "../../template/parse.ts";
import { isRecord, listValue, stringValue, toEvidence } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";
import { CREATE_BLOCKED_RUNTIMES } from "./lambda-runtimes.ts";

/** Resource types whose Runtime becomes a Lambda function's runtime (SAM's transform copies it). */
const FUNCTION_TYPES = new Set(["AWS::Lambda::Function", "AWS::Serverless::Function"]);

/** Canned ACLs S3 still accepts when ACLs are disabled (they grant nothing beyond the bucket owner); as cfn-lint E3045. */
const OWNER_ONLY_ACLS = new Set(["Private", "BucketOwnerFullControl", "BucketOwnerRead"]);

/**
 * The object ownership a bucket gets: its OwnershipControls rule, or BucketOwnerEnforced (ACLs disabled), S3's default
 * for new buckets since April 2023. undefined when the template does not fix it.
 */
function objectOwnershipOf(properties: Record<string, unknown>): string | undefined {
  const controls = properties.OwnershipControls;
  if (controls === undefined) return "BucketOwnerEnforced";
  if (!isRecord(controls)) return undefined;
  const rules = listValue(controls.Rules);
  if (rules.length === 0) return controls.Rules === undefined ? "BucketOwnerEnforced" : undefined;
  return stringValue(isRecord(rules[0]) ? rules[0].ObjectOwnership : undefined);
}

/** A function's runtime and where it is written: its own Runtime, or for a SAM function the Globals section's. */
function runtimeOf(type: string, properties: Record<string, unknown>, logicalId: string, globalRuntime: string | undefined): { runtime?: string; path: TemplatePath } {
  const own: TemplatePath = ["Resources", logicalId, "Properties", "Runtime"];
  if (!FUNCTION_TYPES.has(type)) return { path: own };
  const runtime = stringValue(properties.Runtime);
  if (runtime !== undefined || properties.Runtime !== undefined || type !== "AWS::Serverless::Function" || globalRuntime === undefined) {
    return runtime === undefined ? { path: own } : { runtime, path: own };
  }
  return { runtime: globalRuntime, path: ["Globals", "Function", "Runtime"] };
}

export default defineRule({
  id: "template-invalid-property-value",
  title: "Property value the resource schema does not allow",
  severity: "high",
  description:
    "A resource property has a value outside what the CloudFormation resource schema allows: a value not in the " +
    "property's list of allowed values, a list where a single value belongs (or the reverse), a non-boolean where a " +
    "boolean belongs, a property name the resource type does not have, a required property left out, or a Lambda runtime " +
    "AWS no longer lets you create functions with (python3.7, nodejs14.x, go1.x, java8...), or a bucket ACL (AccessControl " +
    "LogDeliveryWrite, PublicRead...) on a bucket whose ACLs are disabled, as they are by default since April 2023. CloudFormation " +
    "fails the deployment, or the setting the author meant (often a security one) is never applied. Only values the " +
    "template fixes are judged.",
  remediation:
    "Use a value the resource type documents (the finding lists the allowed values), the right shape (list or single " +
    "value, object or string), the property name exactly as the resource reference spells it, and every property it " +
    "marks required; for a Lambda function, a runtime AWS still supports (the finding names the successor); for a bucket " +
    "ACL, a bucket policy granting the service (or OwnershipControls ObjectOwnership BucketOwnerPreferred where an ACL is unavoidable).",
  seeds: ["003 §2"],
  anchors: ["cfn-lint E3030", "cfn-lint E3002", "cfn-lint E3003", "cfn-lint E3012", "cfn-lint E2531", "cfn-lint E2533", "cfn-lint E3045"],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    const hits: Hit[] = [];
    const globals = template.body.Globals;
    const globalFunction = isRecord(globals) && isRecord(globals.Function) ? globals.Function : undefined;
    const globalRuntime = globalFunction?.Runtime === undefined ? undefined : stringValue(template.resolved.resolve(globalFunction.Runtime));
    for (const resource of template.resolved.resources.values()) {
      const { runtime, path: runtimePath } = runtimeOf(resource.type, resource.properties, resource.logicalId, globalRuntime);
      const blocked = runtime === undefined ? undefined : CREATE_BLOCKED_RUNTIMES[runtime];
      if (runtime !== undefined && blocked !== undefined) {
        hits.push({
          resource: { logicalId: resource.logicalId, type: resource.type },
          path: runtimePath,
          message:
            `${resource.logicalId} (${resource.type}): Runtime ${runtime} was deprecated on ${blocked.deprecated} and AWS has refused ` +
            `to create functions with it since ${blocked.createBlocked}, so the stack cannot create this function (and the runtime ` +
            `gets no security patches); move to ${blocked.successor}`,
          detail: "blocked-runtime:Runtime",
          evidence: { value: runtime, createBlocked: blocked.createBlocked, deprecated: blocked.deprecated, successor: blocked.successor },
        });
      }
      // Custom resources take any properties; SAM types are expanded by the transform, which has its own checks.
      if (resource.type === "AWS::CloudFormation::CustomResource" || resource.type.startsWith("AWS::Serverless::")) continue;
      if (resource.type === "AWS::S3::Bucket") {
        const acl = stringValue(resource.properties.AccessControl);
        const ownership = objectOwnershipOf(resource.properties);
        if (acl !== undefined && !OWNER_ONLY_ACLS.has(acl) && ownership === "BucketOwnerEnforced") {
          const declared = resource.properties.OwnershipControls !== undefined;
          hits.push({
            resource: { logicalId: resource.logicalId, type: resource.type },
            path: ["Resources", resource.logicalId, "Properties", "AccessControl"],
            message:
              `${resource.logicalId} (${resource.type}): AccessControl is ${acl}, but the bucket's object ownership is BucketOwnerEnforced ` +
              `(${declared ? "set in OwnershipControls" : "S3's default for new buckets since April 2023, as no OwnershipControls is set"}), which ` +
              "disables ACLs: S3 rejects the bucket (InvalidBucketAclWithObjectOwnership). Grant access with a bucket policy instead, or " +
              "set OwnershipControls ObjectOwnership to BucketOwnerPreferred if a service really needs the ACL",
            detail: "acl-with-ownership-enforced:AccessControl",
            evidence: { value: acl, objectOwnership: ownership, ownershipDeclared: declared },
          });
        }
      }
      const problems = propertyProblems(resource.type, resource.properties, ["Resources", resource.logicalId, "Properties"]);
      for (const problem of problems) {
        hits.push({
          resource: { logicalId: resource.logicalId, type: resource.type },
          path: problem.path,
          message: `${resource.logicalId} (${resource.type}): ${describeProblem(problem)}`,
          detail: `${problem.kind}:${[...problem.path.slice(3), ...(problem.kind === "missing-required" ? [problem.name] : [])].join(".")}`,
          evidence: { value: toEvidence(problem.value), expected: problem.expected },
        });
      }
    }
    return hits;
  },
});
