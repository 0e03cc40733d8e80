import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { numberValue, stringValue } from "../template/values.ts";
import { pointsAt, recordAt } from "./references.ts";
import { SecretsManagerReader, type LiveSecret } from "../live/secretsmanager.ts";
import type { LiveScope } from "../live/session.ts";
import { defineView, liveResourcesOfType, resourcesOfType, type ResourceView } from "./view.ts";

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
  fromLive(scope: LiveScope) {
    if (scope.scope !== "stack") return [];
    const reader = scope.session.reader(SecretsManagerReader);
    return liveResourcesOfType(scope, "AWS::SecretsManager::Secret").flatMap((resource) => {
      const secret = reader.secret(resource.physicalId);
      if (!secret) return [];
      // Whether Secrets Manager generated the value is not in DescribeSecret; the deployed template says.
      const generated = scope.template?.resources.get(resource.logicalId)?.properties.GenerateSecretString !== undefined;
      const view: SecretView = { logicalId: resource.logicalId, type: resource.type, physicalId: secret.arn, name: secret.name, generated };
      if (secret.kmsKeyId !== undefined) view.kmsKeyId = secret.kmsKeyId;
      const rotation = liveRotation(secret);
      if (rotation) view.rotation = rotation;
      return [view];
    });
  },
});

function liveRotation(secret: LiveSecret): SecretRotation | undefined {
  if (!secret.rotation) return undefined;
  const rotation: SecretRotation = {};
  if (secret.rotation.automaticallyAfterDays !== undefined) rotation.automaticallyAfterDays = secret.rotation.automaticallyAfterDays;
  if (secret.rotation.scheduleExpression !== undefined) rotation.scheduleExpression = secret.rotation.scheduleExpression;
  if (secret.rotation.rotationLambdaArn !== undefined) rotation.rotator = secret.rotation.rotationLambdaArn;
  return rotation;
}
