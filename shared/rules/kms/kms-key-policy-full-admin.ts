import { display } from "../../template/values.ts";
import { kmsKeyViews, type KmsKeyView } from "../../views/kms-key.ts";
import type { PolicyStatement } from "../../views/policy-document.ts";
import { defineRule, type Hit } from "../rule.ts";
import { allowsAnyone, describeActions, grantsAllKmsActions, rootAccountOf, statementDetail, statementLabel } from "./key-policy.ts";

/** Principals of an Allow statement other than the owning account's root. */
function otherPrincipals(statement: PolicyStatement, key: KmsKeyView): string[] {
  const principals = statement.principals;
  const others: string[] = [];
  if (allowsAnyone(statement)) others.push(statement.notPrincipals ? "every principal except those in NotPrincipal" : "\"*\"");
  for (const principal of principals?.aws ?? []) {
    if (principal === "*") continue;
    const account = rootAccountOf(principal);
    if (account === undefined) others.push(display(principal));
    else if (key.account !== undefined && /^\d{12}$/.test(account) && account !== key.account) others.push(`the root of another account (${account})`);
  }
  for (const kind of ["service", "federated", "canonicalUser"] as const) {
    for (const principal of principals?.[kind] ?? []) others.push(display(principal));
  }
  return others;
}

/** Statements that give a non-root IAM principal its own key-admin or key-user access: the AWS console's separated layout. */
function separateKeyStatements(key: KmsKeyView): PolicyStatement[] {
  return (key.policy?.statements ?? []).filter(
    (statement) =>
      statement.effect === "Allow" &&
      !allowsAnyone(statement) &&
      (statement.principals?.aws ?? []).some((principal) => rootAccountOf(principal) === undefined) &&
      !grantsAllKmsActions(statement),
  );
}

export default defineRule({
  id: "kms-key-policy-full-admin",
  title: "KMS key policy grants kms:* to a principal",
  severity: "medium",
  description:
    "A key policy statement that allows kms:* (or *) gives its principal both control of the key (PutKeyPolicy, " +
    "ScheduleKeyDeletion, DisableKey) and use of it (Decrypt), with no separation of duties. To a role, user, service or " +
    "another account this is high: one compromised principal can read every secret under the key or destroy it. To the " +
    "account root alone (AWS's default key policy) it is medium: it delegates all control of the key to IAM, so any IAM " +
    "principal with a kms:* or *:* policy (every administrator) can use, re-policy or delete the key. When the policy " +
    "also carries explicit key-administrator and key-user statements (the AWS console's default layout) the root " +
    "statement is reported at info only: the key follows AWS's documented structure, and keeping the root statement is " +
    "what AWS recommends so the key never becomes unmanageable. The AWS-documented key-administrator statement " +
    "(kms:Create*, kms:Put*, kms:ScheduleKeyDeletion... without kms:Encrypt/Decrypt) is not a finding.",
  remediation:
    "Give roles and users only the actions they need: key administrators kms:Create*, kms:Describe*, kms:Enable*, " +
    "kms:List*, kms:Put*, kms:Update*, kms:Revoke*, kms:Disable*, kms:Get*, kms:Delete*, kms:TagResource, " +
    "kms:UntagResource, kms:ScheduleKeyDeletion, kms:CancelKeyDeletion; key users kms:Encrypt, kms:Decrypt, " +
    "kms:ReEncrypt*, kms:GenerateDataKey*, kms:DescribeKey. Keep the account-root statement only if IAM should govern " +
    "the key, and then add explicit key-administrator and key-user statements for the roles that manage and use it.",
  seeds: ["000 §1", "003 §1"],
  anchors: ["guard KMS_NO_WILDCARD_PRINCIPAL"],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const key of context.views(kmsKeyViews)) {
      for (const statement of key.policy?.statements ?? []) {
        if (statement.effect !== "Allow" || !grantsAllKmsActions(statement)) continue;
        const others = otherPrincipals(statement, key);
        const where = `${key.logicalId} key policy ${statementLabel(statement)}`;
        const evidence = { statement: { sid: statement.sid, actions: statement.actions, notActions: statement.notActions, principals: statement.principals, notPrincipals: statement.notPrincipals }, defaultPolicy: key.defaultPolicy };
        const base = { resource: { logicalId: key.logicalId, type: key.type }, path: statement.at, detail: statementDetail(statement) };
        if (others.length > 0) {
          hits.push({
            ...base,
            severity: "high",
            message: `${where} grants ${describeActions(statement)} to ${others.join(", ")}: full control and use of the key with no separation of duties`,
            evidence,
          });
          continue;
        }
        const separate = separateKeyStatements(key);
        const opening = !key.defaultPolicy
          ? `${where} grants`
          : context.source === "template"
            ? `${key.logicalId} declares no KeyPolicy, so AWS applies its default policy, which grants`
            : `${key.logicalId} has AWS's default key policy, which grants`;
        if (separate.length === 0) {
          hits.push({
            ...base,
            message:
              `${opening} ${describeActions(statement)} to the account root and no separate key-administrator or key-user statement: ` +
              "this delegates all control of the key to IAM, so any IAM principal with kms:* (every administrator) can decrypt with, re-policy or delete it",
            evidence,
          });
        } else {
          hits.push({
            ...base,
            severity: "info",
            message:
              `${opening} ${describeActions(statement)} to the account root beside explicit key statements (${separate.map(statementLabel).join(", ")}); ` +
              "this is the AWS console's default layout, reported at info because IAM policies can still give any principal of the account full use and control of the key",
            evidence: { ...evidence, separateStatements: separate.map((item) => item.sid ?? statementDetail(item)) },
          });
        }
      }
    }
    return hits;
  },
});
