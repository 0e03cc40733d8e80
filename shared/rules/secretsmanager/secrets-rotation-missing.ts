import { secretViews } from "../../views/secret.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "secrets-rotation-missing",
  title: "Secrets Manager secret never rotates",
  severity: "medium",
  description:
    "A secret with no rotation keeps the same value for as long as it exists: a copy leaked through a log, a laptop or a " +
    "former colleague stays valid indefinitely. Secrets Manager rotates a secret only when an " +
    "AWS::SecretsManager::RotationSchedule names it.",
  remediation:
    "Add an AWS::SecretsManager::RotationSchedule with SecretId: !Ref TheSecret, RotationRules {AutomaticallyAfterDays: 30} " +
    "(or a ScheduleExpression) and either a HostedRotationLambda (RotationType: MySQLSingleUser, PostgreSQLSingleUser, ...) " +
    "or RotationLambdaARN; for RDS, ManageMasterUserPassword: true lets RDS own and rotate the secret instead.",
  seeds: ["001 §3", "004 §8"],
  anchors: ["cdk-nag SMG4", "securityhub SecretsManager.1"],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    for (const secret of context.views(secretViews)) {
      if (secret.rotation) continue;
      hits.push({
        resource: { logicalId: secret.logicalId, type: secret.type, ...(secret.physicalId ? { physicalId: secret.physicalId } : {}) },
        message:
          context.source === "live"
            ? `Secret ${secret.logicalId}${secret.name ? ` (${secret.name})` : ""} does not rotate (Secrets Manager reports rotation disabled), so its value never changes`
            : `Secret ${secret.logicalId}${secret.name ? ` (${secret.name})` : ""} has no RotationSchedule, so its value never changes`,
        ...(secret.at ? { path: secret.at } : {}),
        evidence: { name: secret.name, generated: secret.generated, rotation: null },
      });
    }
    return hits;
  },
});
