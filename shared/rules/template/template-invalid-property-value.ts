import { describeProblem, propertyProblems } from "../../template/property-check.ts";
import { toEvidence } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "template-invalid-property-value",
  title: "Property value the resource schema does not allow",
  severity: "high",
  description:
    "A resource property has a value outside what the CloudFormation resource schema allows: a value not in the " +
    "property's list of allowed values, a list where a single value belongs (or the reverse), a non-boolean where a " +
    "boolean belongs, a property name the resource type does not have, or a required property left out. CloudFormation " +
    "fails the deployment, or the setting the author meant (often a security one) is never applied. Only values the " +
    "template fixes are judged.",
  remediation:
    "Use a value the resource type documents (the finding lists the allowed values), the right shape (list or single " +
    "value, object or string), the property name exactly as the resource reference spells it, and every property it " +
    "marks required.",
  seeds: ["003 §2"],
  anchors: ["cfn-lint E3030", "cfn-lint E3002", "cfn-lint E3003", "cfn-lint E3012"],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    const hits: Hit[] = [];
    for (const resource of template.resolved.resources.values()) {
      // Custom resources take any properties; SAM types are expanded by the transform, which has its own checks.
      if (resource.type === "AWS::CloudFormation::CustomResource" || resource.type.startsWith("AWS::Serverless::")) continue;
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
