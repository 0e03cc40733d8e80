import { CloudFormationDriftReader, type PropertyDifference } from "../../live/cloudformation-drift.ts";
import { defineRule, type Hit } from "../rule.ts";

function describeDifference(difference: PropertyDifference): string {
  const values = difference.difference === "ADD" ? `added ${difference.actual ?? ""}` : difference.difference === "REMOVE" ? `removed ${difference.expected ?? ""}` : `${difference.expected ?? "(not set)"} -> ${difference.actual ?? "(not set)"}`;
  return `${difference.path} ${values.trim()}`;
}

export default defineRule({
  id: "drift-cfn-reported",
  title: "CloudFormation's drift detection reports the resource changed or deleted",
  severity: "info",
  description:
    "CloudFormation's own drift detection (run with --cfn-drift) compares every property it models with the template, " +
    "not only security properties, and reports the resource MODIFIED or DELETED. StackWarden's own drift rules say what " +
    "the change means for security; this finding passes on what CloudFormation saw, property by property.",
  remediation:
    "Review the differences in the CloudFormation console (Stack actions > View drift results). Bring the resource back " +
    "in line by redeploying the stack, or write the live value into the template when the change is wanted.",
  seeds: ["004 §12"],
  anchors: [],
  judges: ["drift"],
  check(context) {
    const stack = context.live;
    if (stack?.scope !== "stack") return [];
    const report = stack.session.reader(CloudFormationDriftReader).report(stack.stack.id);
    if (!report) return [];
    return report.drifts.map((drift): Hit => {
      const differences = drift.differences.map(describeDifference);
      return {
        resource: { logicalId: drift.logicalId, type: drift.type, ...(drift.physicalId ? { physicalId: drift.physicalId } : {}) },
        message:
          drift.status === "DELETED"
            ? `CloudFormation's drift detection reports ${drift.logicalId} DELETED`
            : `CloudFormation's drift detection reports ${drift.logicalId} MODIFIED${differences.length > 0 ? `: ${differences.join("; ")}` : ""}`,
        detail: drift.status,
        evidence: { status: drift.status, differences: drift.differences, stackDriftStatus: report.stackDriftStatus },
      };
    });
  },
});
