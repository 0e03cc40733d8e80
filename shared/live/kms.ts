import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient, type KeyMetadata } from "@aws-sdk/client-kms";
import { inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** What the scan read about one key. A field is undefined when its read failed or its answer was unusable (recorded). */
export interface LiveKmsKey {
  /** The id the stack gives (the key id; an ARN works too). */
  id: string;
  metadata?: KeyMetadata;
  /** The key policy as parsed JSON. */
  policy?: Record<string, unknown>;
  /** Undefined as well when rotation does not apply (asymmetric, HMAC, imported material, AWS managed, replica). */
  rotationEnabled?: boolean;
  /** KMS answered NotFoundException: the key is gone. */
  missing?: boolean;
}

const SERVICE = "kms";
const KEY_TYPES = ["AWS::KMS::Key", "AWS::KMS::ReplicaKey"];
/** States in which KMS refuses GetKeyRotationStatus (KMSInvalidStateException). */
const ROTATION_UNREADABLE_STATES = new Set(["PendingDeletion", "PendingReplicaDeletion", "PendingImport", "Unavailable", "Creating", "Updating"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Automatic rotation exists only for symmetric encryption keys with KMS-generated material that a customer manages. */
export function rotationApplies(metadata: KeyMetadata): boolean {
  const spec = metadata.KeySpec ?? metadata.CustomerMasterKeySpec;
  return (
    spec === "SYMMETRIC_DEFAULT" &&
    metadata.KeyUsage === "ENCRYPT_DECRYPT" &&
    metadata.Origin === "AWS_KMS" &&
    metadata.KeyManager === "CUSTOMER" &&
    metadata.MultiRegionConfiguration?.MultiRegionKeyType !== "REPLICA" &&
    !ROTATION_UNREADABLE_STATES.has(metadata.KeyState ?? "")
  );
}

/**
 * Reads the stack's KMS keys: DescribeKey, GetKeyPolicy ("default", the only policy name KMS has) and, for symmetric
 * customer keys, GetKeyRotationStatus: at most three calls per key, however many rules judge it. KMS has no batch read
 * and no API that tells when a key was last used (that takes CloudTrail Lake or Athena over the trail's logs), so
 * kms-key-unused judges live keys by the deployed template's references and the key's enabled state.
 */
export class KmsReader implements ServiceReader {
  static readonly service = SERVICE;
  static readonly actions = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus"] as const;
  static readonly resourceTypes = KEY_TYPES;

  private readonly keys = new Map<string, LiveKmsKey>();

  constructor(private readonly session: LiveSession) {}

  async load(resources: readonly StackResource[]): Promise<void> {
    const ids = [
      ...new Set(
        resources
          .filter((resource) => KEY_TYPES.includes(resource.type) && resource.physicalId && resource.status !== "DELETE_COMPLETE" && !this.keys.has(resource.physicalId))
          .map((resource) => resource.physicalId!),
      ),
    ];
    for (const id of ids) this.keys.set(id, { id });
    await inParallel(ids, 8, (id) => this.readKey(this.keys.get(id)!));
  }

  key(id: string): LiveKmsKey | undefined {
    return this.keys.get(id);
  }

  private client(): KMSClient {
    return this.session.client(KMSClient);
  }

  private async readKey(key: LiveKmsKey): Promise<void> {
    // The policy does not depend on the metadata: both go out together, and one failing does not cost the other.
    await Promise.all([this.describe(key), this.readPolicy(key)]);
    if (key.metadata && rotationApplies(key.metadata)) await this.readRotation(key);
  }

  private async describe(key: LiveKmsKey): Promise<void> {
    const operation = "DescribeKey";
    const result = await this.session.call(SERVICE, operation, () => this.client().send(new DescribeKeyCommand({ KeyId: key.id })), { target: key.id });
    if (!result.ok) {
      if (!result.absent && result.failure.kind === "not-found") key.missing = true;
      return;
    }
    const metadata = result.value.KeyMetadata;
    if (!metadata || typeof metadata.KeyId !== "string" || typeof metadata.Enabled !== "boolean") {
      this.session.fail(SERVICE, operation, "malformed-response", `DescribeKey for key ${key.id} returned no KeyMetadata with KeyId and Enabled`, key.id);
      return;
    }
    // moto leaves KeyUsage out; a SYMMETRIC_DEFAULT key can only be ENCRYPT_DECRYPT, so the answer still says it.
    if (metadata.KeyUsage === undefined && (metadata.KeySpec ?? metadata.CustomerMasterKeySpec) === "SYMMETRIC_DEFAULT") metadata.KeyUsage = "ENCRYPT_DECRYPT";
    key.metadata = metadata;
  }

  private async readPolicy(key: LiveKmsKey): Promise<void> {
    const operation = "GetKeyPolicy";
    const result = await this.session.call(SERVICE, operation, () => this.client().send(new GetKeyPolicyCommand({ KeyId: key.id, PolicyName: "default" })), { target: key.id });
    if (!result.ok) {
      // Every key has the policy "default": not found means the key is gone.
      if (!result.absent && result.failure.kind === "not-found") key.missing = true;
      return;
    }
    const text: unknown = result.value.Policy;
    if (typeof text !== "string") {
      this.session.fail(
        SERVICE,
        operation,
        "malformed-response",
        `GetKeyPolicy for key ${key.id} returned the policy as ${text === undefined ? "nothing" : Array.isArray(text) ? "a list" : typeof text} instead of JSON text (an emulator's shape AWS never sends); the key policy was not judged`,
        key.id,
      );
      return;
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      const pythonRepr = /^\s*\{\s*'/.test(text) || /:\s*(True|False|None)\b/.test(text);
      this.session.fail(
        SERVICE,
        operation,
        "malformed-response",
        `GetKeyPolicy for key ${key.id} returned a policy that is not JSON${pythonRepr ? " (it looks like Python repr text, an emulator's quirk)" : ""}: ${text.slice(0, 80)}; the key policy was not judged`,
        key.id,
      );
      return;
    }
    if (!isRecord(document) || document.Statement === undefined) {
      this.session.fail(SERVICE, operation, "malformed-response", `GetKeyPolicy for key ${key.id} returned JSON that is not a policy document (no Statement); the key policy was not judged`, key.id);
      return;
    }
    key.policy = document;
  }

  private async readRotation(key: LiveKmsKey): Promise<void> {
    const operation = "GetKeyRotationStatus";
    const result = await this.session.call(SERVICE, operation, () => this.client().send(new GetKeyRotationStatusCommand({ KeyId: key.id })), { target: key.id });
    if (!result.ok) return;
    const enabled: unknown = result.value.KeyRotationEnabled;
    if (typeof enabled !== "boolean") {
      this.session.fail(SERVICE, operation, "malformed-response", `GetKeyRotationStatus for key ${key.id} has no boolean KeyRotationEnabled`, key.id);
      return;
    }
    key.rotationEnabled = enabled;
  }
}
