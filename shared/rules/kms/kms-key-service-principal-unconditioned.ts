import { display } from "../../template/values.ts";
import { kmsKeyViews } from "../../views/kms-key.ts";
import { defineRule, type Hit } from "../rule.ts";
import { confusedDeputyGuards, describeActions, statementDetail, statementLabel } from "./key-policy.ts";

export default defineRule({
  id: "kms-key-service-principal-unconditioned",
  title: "KMS key policy lets an AWS service use the key for anyone",
  severity: "medium",
  description:
    "A key policy statement that allows a Service principal (cloudtrail.amazonaws.com, logs.amazonaws.com, " +
    "s3.amazonaws.com...) with no aws:SourceArn, aws:SourceAccount, kms:EncryptionContext:*, kms:ViaService or " +
    "kms:CallerAccount condition lets that service use the key on behalf of any customer's resource: another account " +
    "can point its own trail, log group or bucket at this key and make the service encrypt or decrypt with it " +
    "(the confused-deputy problem).",
  remediation:
    "Add a Condition to the statement that ties the service to your resources, for example " +
    "StringEquals aws:SourceAccount: !Ref AWS::AccountId, ArnLike aws:SourceArn: the trail or log group ARN, or " +
    "ArnLike kms:EncryptionContext:aws:logs:arn / kms:EncryptionContext:aws:cloudtrail:arn with your account's ARNs.",
  seeds: ["001 §1"],
  anchors: [],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const key of context.views(kmsKeyViews)) {
      for (const statement of key.policy?.statements ?? []) {
        const services = statement.effect === "Allow" ? statement.principals?.service ?? [] : [];
        if (services.length === 0 || confusedDeputyGuards(statement).length > 0) continue;
        const conditionKeys = Object.values(statement.conditions).flatMap((block) => Object.keys(block));
        hits.push({
          resource: { logicalId: key.logicalId, type: key.type },
          path: statement.at,
          message:
            `${key.logicalId} key policy ${statementLabel(statement)} allows ${services.map(display).join(", ")} to call ${describeActions(statement)} ` +
            (conditionKeys.length > 0 ? `with conditions (${conditionKeys.join(", ")}) that do not` : "with no condition to") +
            " tie the service to this account's resources (aws:SourceArn, aws:SourceAccount, kms:EncryptionContext, kms:ViaService or kms:CallerAccount)",
          detail: statementDetail(statement),
          evidence: { statement: { sid: statement.sid, services, actions: statement.actions, notActions: statement.notActions, conditions: statement.conditions } },
        });
      }
    }
    return hits;
  },
});
