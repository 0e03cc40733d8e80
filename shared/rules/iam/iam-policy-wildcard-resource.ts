import { iamPolicyViews, isBoundaryOnly } from "../../views/iam-policy.ts";
import { resourceIsWildcard } from "../../views/policy-document.ts";
import { defineRule, type Hit } from "../rule.ts";
import { attachmentNote, isLogDelivery, isScopableWrite, policyLabel, scopedByResourceTag, statementKey, statementLabel } from "./actions.ts";

export default defineRule({
  id: "iam-policy-wildcard-resource",
  title: "IAM policy allows write actions on every resource",
  severity: "medium",
  description:
    "An Allow of write or permission-management actions (s3:PutObject, kms:Decrypt, iam:PassRole, sts:AssumeRole, " +
    "logs:PutLogEvents...) on Resource \"*\" applies them to every resource of that kind in the account, not just the " +
    "ones the workload owns. Read-only actions (Get/List/Describe) and the few write actions IAM only authorises on " +
    "\"*\" (cloudwatch:PutMetricData, xray:PutTraceSegments, ...) are not findings, nor are statements narrowed by a " +
    "resource-tag condition. Whole-service wildcards are left to iam-policy-wildcard-action.",
  remediation:
    "Scope Resource to the ARNs the workload uses: !GetAtt Table.Arn, !Sub '${Bucket.Arn}/*', !GetAtt Key.Arn, " +
    "!Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${FunctionName}:*'. " +
    "Where the resources cannot be named in advance, add an aws:ResourceTag condition.",
  seeds: ["002 §4", "004 §2"],
  anchors: ["cfn_nag W11", "cfn_nag W12", "cdk-nag IAM5"],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const policy of context.views(iamPolicyViews)) {
      if (isBoundaryOnly(policy)) continue;
      policy.document.statements.forEach((statement, index) => {
        if (statement.effect !== "Allow" || !statement.actions || !resourceIsWildcard(statement)) return;
        if (scopedByResourceTag(statement)) return;
        const writes = statement.actions.filter(isScopableWrite);
        if (writes.length === 0) return;
        const onlyLogDelivery = writes.every(isLogDelivery);
        hits.push({
          resource: { logicalId: policy.logicalId, type: policy.type, ...(policy.physicalId ? { physicalId: policy.physicalId } : {}) },
          path: statement.at,
          ...(onlyLogDelivery ? { severity: "low" as const } : {}),
          message: `${policyLabel(policy)} ${statementLabel(statement, index)} allows ${writes.join(", ")} on ${statement.notResources ? "every resource but its NotResource" : 'Resource "*"'}, ` +
            `although these actions can be scoped to specific ARNs` +
            (onlyLogDelivery ? " (lowered to low: it only lets the principal write log lines to any log group)" : "") +
            attachmentNote(policy),
          detail: `${policy.key}:${statementKey(statement, index)}`,
          evidence: { policy: policy.policyName ?? policy.key, actions: writes, resources: statement.resources ?? null, notResources: statement.notResources ?? null },
        });
      });
    }
    return hits;
  },
});
