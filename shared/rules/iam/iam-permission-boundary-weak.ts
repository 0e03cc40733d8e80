import { describeAttachments, iamPolicyViews } from "../../views/iam-policy.ts";
import { actionMatches, statementCovers, type PolicyStatement } from "../../views/policy-document.ts";
import { defineRule, type Hit } from "../rule.ts";
import { policyLabel } from "./actions.ts";

/** Actions that destroy data or the means to read it; a boundary should not leave them open. */
const DESTRUCTIVE_DATA_ACTIONS = [
  "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket", "s3:PutLifecycleConfiguration",
  "dynamodb:DeleteTable", "dynamodb:DeleteBackup",
  "rds:DeleteDBInstance", "rds:DeleteDBCluster", "rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot",
  "kms:ScheduleKeyDeletion", "kms:DisableKey",
  "ec2:DeleteVolume", "ec2:DeleteSnapshot",
  "logs:DeleteLogGroup", "secretsmanager:DeleteSecret",
  "backup:DeleteRecoveryPoint", "backup:DeleteBackupVault",
  "efs:DeleteFileSystem", "elasticfilesystem:DeleteFileSystem",
];

/** Services a boundary must deny outright so the principal can never manage identities, the organisation or the account. */
const MUST_DENY_SERVICES = ["iam", "organizations", "account"];

function unconditionalOnEverything(statement: PolicyStatement): boolean {
  return Object.keys(statement.conditions).length === 0 && !statement.notResources && (statement.resources ?? []).includes("*");
}

/** Does a Deny statement cover every action of the service? */
function deniesWholeService(statement: PolicyStatement, service: string): boolean {
  if (statement.effect !== "Deny" || !unconditionalOnEverything(statement)) return false;
  if (statement.actions) return statement.actions.some((pattern) => actionMatches(pattern, `${service}:*`));
  return !(statement.notActions ?? []).some((pattern) => pattern.toLowerCase().startsWith(`${service}:`) || pattern === "*");
}

/** Does an Allow statement reach at least one action of the service? */
function allowsSomeOfService(statement: PolicyStatement, service: string): boolean {
  if (statement.effect !== "Allow") return false;
  if (statement.notActions) return !statement.notActions.some((pattern) => actionMatches(pattern, `${service}:*`));
  return (statement.actions ?? []).some((pattern) => pattern === "*" || pattern.toLowerCase().startsWith(`${service}:`) || /^\*:/.test(pattern));
}

export default defineRule({
  id: "iam-permission-boundary-weak",
  title: "Permissions boundary leaves destructive or privilege actions open",
  severity: "medium",
  description:
    "A permissions boundary caps what a role or user can ever be granted. A boundary that allows destructive data " +
    "actions (s3:DeleteObject, s3:DeleteBucket, dynamodb:DeleteTable, kms:ScheduleKeyDeletion...) lets any later, " +
    "broader identity policy delete data, and one without explicit Deny statements for iam:*, organizations:* and " +
    "account:* does not stop the principal from escalating its own privileges or changing the account once someone " +
    "widens the boundary's Allow.",
  remediation:
    "Allow only the actions the workload needs (for example s3:GetObject and s3:PutObject on its own prefix) and add a " +
    "statement with Effect Deny, Action [iam:*, organizations:*, account:*], Resource \"*\" to the boundary policy.",
  seeds: ["001 §5"],
  anchors: [],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    for (const policy of context.views(iamPolicyViews)) {
      // A document the template does not fix (a parameter, unreadable JSON text) cannot be judged.
      if (policy.boundaryOf.length === 0 || policy.document.statements.length === 0) continue;
      const resource = { logicalId: policy.logicalId, type: policy.type, ...(policy.physicalId ? { physicalId: policy.physicalId } : {}) };
      const statements = policy.document.statements;
      const boundaryOf = describeAttachments(policy.boundaryOf);
      const deniedOutright = (action: string) => statements.some((statement) => statement.effect === "Deny" && unconditionalOnEverything(statement) && statementCovers(statement, action));
      const destructive = DESTRUCTIVE_DATA_ACTIONS.filter(
        (action) => statements.some((statement) => statement.effect === "Allow" && statementCovers(statement, action)) && !deniedOutright(action),
      );
      if (destructive.length > 0) {
        const firstAllow = statements.find((statement) => statement.effect === "Allow" && destructive.some((action) => statementCovers(statement, action)));
        hits.push({
          resource,
          path: firstAllow?.at ?? policy.at,
          message: `Permissions boundary ${policyLabel(policy)} (boundary of ${boundaryOf}) allows destructive data actions: ${destructive.join(", ")}`,
          detail: "destructive",
          evidence: { destructiveActions: destructive, boundaryOf: policy.boundaryOf },
        });
      }
      const undenied = MUST_DENY_SERVICES.filter((service) => !statements.some((statement) => deniesWholeService(statement, service)));
      if (undenied.length > 0) {
        const reachable = undenied.filter((service) => statements.some((statement) => allowsSomeOfService(statement, service)));
        const patterns = undenied.map((service) => `${service}:*`).join(", ");
        hits.push({
          resource,
          path: policy.document.at,
          ...(reachable.length === 0 ? { severity: "low" as const } : {}),
          message: reachable.length > 0
            ? `Permissions boundary ${policyLabel(policy)} (boundary of ${boundaryOf}) has no explicit Deny of ${patterns}, and its Allow reaches ${reachable.map((service) => `${service} actions`).join(", ")}: the principal can manage identities or the account`
            : `Permissions boundary ${policyLabel(policy)} (boundary of ${boundaryOf}) has no explicit Deny of ${patterns} (lowered to low: nothing it allows today reaches them, but a later widening of its Allow would)`,
          detail: "missing-denies",
          evidence: { missingDenies: undenied.map((service) => `${service}:*`), allowedToday: reachable },
        });
      }
    }
    return hits;
  },
});
