import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** A secret's rotation as DescribeSecret gives it (present only while rotation is enabled). */
export interface LiveSecretRotation {
  automaticallyAfterDays?: number;
  scheduleExpression?: string;
  rotationLambdaArn?: string;
}

export interface LiveSecret {
  arn: string;
  name: string;
  kmsKeyId?: string;
  /** Undefined when the secret does not rotate (RotationEnabled absent or false). */
  rotation?: LiveSecretRotation;
  /** Set when the secret is scheduled for deletion. */
  deletedDate?: Date;
}

const SECRET_TYPE = "AWS::SecretsManager::Secret";

/** Reads Secrets Manager secrets (the stack's AWS::SecretsManager::Secret physical id is the secret ARN): one DescribeSecret each. */
export class SecretsManagerReader implements ServiceReader {
  static readonly service = "secretsmanager";
  static readonly actions = ["secretsmanager:DescribeSecret"] as const;
  static readonly resourceTypes: readonly string[] = [SECRET_TYPE];

  private readonly secrets = new Map<string, LiveSecret>();
  private readonly requested = new Set<string>();
  private readonly client: SecretsManagerClient;

  constructor(private readonly session: LiveSession) {
    this.client = session.client(SecretsManagerClient);
  }

  async load(resources: readonly StackResource[]): Promise<void> {
    const arns = [...new Set(resources.filter((resource) => resource.type === SECRET_TYPE && resource.physicalId && resource.status !== "DELETE_COMPLETE").map((resource) => resource.physicalId!))].filter(
      (arn) => !this.requested.has(arn),
    );
    for (const arn of arns) this.requested.add(arn);
    await inParallel(arns, 8, (arn) => this.read(arn));
  }

  /** The secret with this ARN (or name); undefined when not read, gone, or its read failed. */
  secret(arnOrName: string): LiveSecret | undefined {
    return this.secrets.get(arnOrName);
  }

  private async read(id: string): Promise<void> {
    const result = await this.session.call("secretsmanager", "DescribeSecret", () => this.client.send(new DescribeSecretCommand({ SecretId: id })), { target: id });
    if (!result.ok) return;
    const { ARN, Name, KmsKeyId, RotationEnabled, RotationRules, RotationLambdaARN, DeletedDate } = result.value;
    if (typeof Name !== "string" || (RotationEnabled !== undefined && typeof RotationEnabled !== "boolean")) {
      this.session.fail("secretsmanager", "DescribeSecret", "malformed-response", `DescribeSecret returned no Name or a RotationEnabled that is not a boolean for ${id}`, id);
      return;
    }
    const secret: LiveSecret = { arn: typeof ARN === "string" ? ARN : id, name: Name };
    if (typeof KmsKeyId === "string" && KmsKeyId !== "") secret.kmsKeyId = KmsKeyId;
    if (DeletedDate instanceof Date) secret.deletedDate = DeletedDate;
    if (RotationEnabled === true) {
      const rotation: LiveSecretRotation = {};
      if (typeof RotationRules?.AutomaticallyAfterDays === "number") rotation.automaticallyAfterDays = RotationRules.AutomaticallyAfterDays;
      if (typeof RotationRules?.ScheduleExpression === "string") rotation.scheduleExpression = RotationRules.ScheduleExpression;
      if (typeof RotationLambdaARN === "string" && RotationLambdaARN !== "") rotation.rotationLambdaArn = RotationLambdaARN;
      secret.rotation = rotation;
    }
    this.secrets.set(id, secret);
  }
}
