import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { numberValue, stringValue } from "../template/values.ts";
import { pointsAt, recordAt } from "./references.ts";
import { defineView, resourcesOfType, type ResourceView } from "./view.ts";

export interface SecretRotation {
  /** Logical id of the AWS::SecretsManager::RotationSchedule (absent live). */
  declaredBy?: string;
  automaticallyAfterDays?: number;
  scheduleExpression?: string;
  /** The rotation Lambda's ARN, or "hosted:<type>" for a HostedRotationLambda. */
  rotator?: unknown;
  at?: TemplatePath;
}

export interface SecretView extends ResourceView {
  name?: string;
  kmsKeyId?: unknown;
  /** Secrets Manager generates the value (GenerateSecretString) rather than the template supplying it. */
  generated: boolean;
  /** The rotation in force; undefined when the secret does not rotate. */
  rotation?: SecretRotation;
}

export const secretViews = defineView<SecretView>({
  name: "secret",
  fromTemplate(template: ResolvedTemplate) {
    const schedules = resourcesOfType(template, "AWS::SecretsManager::RotationSchedule");
    return resourcesOfType(template, "AWS::SecretsManager::Secret").map((secret) => {
      const { logicalId, properties } = secret;
      const view: SecretView = { logicalId, type: secret.type, at: ["Resources", logicalId], generated: properties.GenerateSecretString !== undefined };
      const name = stringValue(properties.Name);
      if (name !== undefined) view.name = name;
      if (properties.KmsKeyId !== undefined) view.kmsKeyId = properties.KmsKeyId;
      for (const schedule of schedules) {
        const secretId = schedule.properties.SecretId;
        const literal = stringValue(secretId);
        const names = pointsAt(secretId, logicalId) || (literal !== undefined && name !== undefined && (literal === name || literal.includes(`:secret:${name}`)));
        if (!names) continue;
        const rules = recordAt(schedule.properties, "RotationRules");
        const rotation: SecretRotation = { declaredBy: schedule.logicalId, at: ["Resources", schedule.logicalId] };
        const days = numberValue(rules.AutomaticallyAfterDays);
        if (days !== undefined) rotation.automaticallyAfterDays = days;
        const expression = stringValue(rules.ScheduleExpression);
        if (expression !== undefined) rotation.scheduleExpression = expression;
        const hosted = recordAt(schedule.properties, "HostedRotationLambda");
        if (schedule.properties.RotationLambdaARN !== undefined) rotation.rotator = schedule.properties.RotationLambdaARN;
        else if (Object.keys(hosted).length > 0) rotation.rotator = `hosted:${stringValue(hosted.RotationType) ?? "?"}`;
        view.rotation = rotation;
      }
      return view;
    });
  },
});
