import { comparablePolicy } from "../../views/comparable-policy.ts";
import { kmsKeyViews, type KmsKeyView } from "../../views/kms-key.ts";
import { defineRule, type DriftProperty, type Hit } from "../rule.ts";
import { allowsAnyone, callerPinningKeys, describeActions, statementDetail, statementLabel } from "./key-policy.ts";

export default defineRule({
  id: "kms-key-policy-public",
  title: "KMS key policy allows any principal",
  severity: "critical",
  description:
    "A key policy statement that allows Principal \"*\" (or {AWS: \"*\"}, or uses NotPrincipal) with no condition pinning the " +
    "caller's account, organisation, source resource or VPC endpoint lets any AWS principal in any account use or manage " +
    "the key, so whoever can reach the ciphertext can decrypt it. A key policy is the key's primary access control: IAM " +
    "policies in the account cannot take this grant back.",
  remediation:
    "Name the principals that need the key in Principal (the account root to delegate to IAM, or specific role ARNs). If a " +
    "wildcard principal is needed (the AWS-managed-key pattern), add a Condition that pins it, such as " +
    "StringEquals kms:CallerAccount: !Ref AWS::AccountId together with kms:ViaService, or aws:PrincipalOrgID.",
  seeds: ["001 §1"],
  anchors: ["cfn_nag F76", "checkov CKV_AWS_33", "prowler kms_key_not_publicly_accessible", "securityhub KMS.5"],
  judges: ["template", "live", "drift"],
  // The whole policy, normalised: one property for the three key-policy rules, so one change is reported once.
  drift: [{ view: kmsKeyViews, property: "KeyPolicy", value: (key) => comparablePolicy(key.policy) } satisfies DriftProperty<KmsKeyView>],
  check(context) {
    const hits: Hit[] = [];
    for (const key of context.views(kmsKeyViews)) {
      for (const statement of key.policy?.statements ?? []) {
        if (!allowsAnyone(statement) || callerPinningKeys(statement).length > 0) continue;
        const who = statement.notPrincipals ? "every principal except those in NotPrincipal" : "any principal (\"*\")";
        const conditionKeys = Object.values(statement.conditions).flatMap((block) => Object.keys(block));
        hits.push({
          resource: { logicalId: key.logicalId, type: key.type },
          path: statement.at,
          message:
            `${key.logicalId} key policy ${statementLabel(statement)} allows ${who} to call ${describeActions(statement)} ` +
            (conditionKeys.length > 0
              ? `with conditions (${conditionKeys.join(", ")}) that do not pin the caller's account, organisation, source ARN or VPC endpoint`
              : "with no condition") +
            ", so principals in any AWS account can use the key",
          detail: statementDetail(statement),
          evidence: { statement: { sid: statement.sid, actions: statement.actions, notActions: statement.notActions, principals: statement.principals, notPrincipals: statement.notPrincipals, conditions: statement.conditions } },
        });
      }
    }
    return hits;
  },
});
