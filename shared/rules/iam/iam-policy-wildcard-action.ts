import { iamPolicyViews, iamPrincipalViews, isBoundaryOnly } from "../../views/iam-policy.ts";
import { resourceIsWildcard } from "../../views/policy-document.ts";
import { defineRule, type Hit } from "../rule.ts";
import { inlinePoliciesValue, policyStatementsValue } from "./drift.ts";
import { attachmentNote, isFullWildcard, isServiceWildcard, policyLabel, statementKey, statementLabel } from "./actions.ts";

export default defineRule({
  id: "iam-policy-wildcard-action",
  title: "IAM policy allows every action (or every action of a service)",
  severity: "critical",
  description:
    "An Allow of Action \"*\" on Resource \"*\" makes the principal an administrator of the account; \"*\" on narrower " +
    "resources, or \"service:*\", still grants every present and future action of the service, including permission " +
    "and deletion actions nobody meant to grant. NotAction in an Allow grants everything it does not list and counts as " +
    "a wildcard. Deny statements are never findings.",
  remediation:
    "List the actions the workload calls (for example s3:GetObject, s3:PutObject) and scope Resource to the ARNs it " +
    "uses. Replace NotAction in Allow statements by an explicit Action list. If the principal really needs administrator " +
    "access, grant it through an audited, MFA-protected role, not a workload role.",
  seeds: ["002 §4"],
  anchors: ["cfn_nag F3", "cfn_nag F4", "checkov CKV_AWS_62", "checkov CKV_AWS_63", "cdk-nag IAM5", "securityhub IAM.1"],
  judges: ["template", "live", "drift"],
  drift: [
    { view: iamPolicyViews, property: "PolicyStatements", value: policyStatementsValue },
    { view: iamPrincipalViews, property: "InlinePolicies", value: inlinePoliciesValue },
  ],
  check(context) {
    const hits: Hit[] = [];
    for (const policy of context.views(iamPolicyViews)) {
      if (isBoundaryOnly(policy)) continue;
      policy.document.statements.forEach((statement, index) => {
        if (statement.effect !== "Allow") return;
        const allResources = resourceIsWildcard(statement);
        const everything = statement.notActions !== undefined || (statement.actions ?? []).some(isFullWildcard);
        const services = (statement.actions ?? []).filter(isServiceWildcard);
        if (!everything && services.length === 0) return;
        const where = `${policyLabel(policy)} ${statementLabel(statement, index)}`;
        const resourceText = allResources ? `on Resource "*"` : "on the resources it lists";
        const conditioned = Object.keys(statement.conditions).length > 0 ? " (a Condition narrows when, not what)" : "";
        let message: string;
        if (statement.notActions !== undefined) {
          message = `${where} allows every action except ${statement.notActions.join(", ")} (NotAction in an Allow) ${resourceText}${conditioned}`;
        } else if (everything) {
          message = `${where} allows Action "*" ${resourceText}${allResources ? ": full administrator access" : ""}${conditioned}`;
        } else {
          message = `${where} allows every action of ${services.join(", ")} ${resourceText}${conditioned}`;
        }
        hits.push({
          resource: { logicalId: policy.logicalId, type: policy.type, ...(policy.physicalId ? { physicalId: policy.physicalId } : {}) },
          path: statement.at,
          severity: everything && allResources ? "critical" : "high",
          message: message + attachmentNote(policy),
          detail: `${policy.key}:${statementKey(statement, index)}`,
          evidence: {
            policy: policy.policyName ?? policy.key,
            actions: statement.actions ?? null,
            notActions: statement.notActions ?? null,
            resources: statement.resources ?? null,
            notResources: statement.notResources ?? null,
          },
        });
      });
    }
    return hits;
  },
});
