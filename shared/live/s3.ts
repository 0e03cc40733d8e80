import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import { PUBLIC_ACCESS_BLOCK_SETTINGS, type PublicAccessBlockSetting } from "../views/s3-bucket.ts";
import { awsClient } from "./clients.ts";
import { inParallel, type CallResult, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** One default-encryption rule as GetBucketEncryption gives it. */
export interface LiveBucketEncryptionRule {
  algorithm: string;
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

/**
 * What the scan read about one bucket. For each aspect: `undefined` = not read (or the read failed, or the answer was
 * unusable: the failure is recorded), `null` = S3 answered that it is not configured.
 */
export interface LiveBucket {
  name: string;
  encryption?: LiveBucketEncryptionRule[] | null;
  publicAccessBlock?: Record<PublicAccessBlockSetting, boolean> | null;
  /** The bucket policy as parsed JSON. */
  policy?: Record<string, unknown> | null;
  /** S3 answered NoSuchBucket: the bucket is gone. */
  missing?: boolean;
}

const SERVICE = "s3";
const BUCKET_TYPE = "AWS::S3::Bucket";
type Aspect = "encryption" | "publicAccessBlock" | "policy";

/** A bucket in another region answers 301 (or 400 IllegalLocationConstraintException) and names its region in this header. */
function redirectRegion(error: unknown): string | undefined {
  const record = error as { name?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string | undefined> } } | undefined;
  const status = record?.$metadata?.httpStatusCode;
  if (status !== 301 && !(status === 400 && record?.name === "IllegalLocationConstraintException")) return undefined;
  return record?.$response?.headers?.["x-amz-bucket-region"];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads S3 buckets: default encryption, public access block and bucket policy, one call each per bucket (S3 has no
 * batch read). Buckets outside the stack (a trail's delivery bucket) can be read by name, policy only.
 */
export class S3Reader implements ServiceReader {
  static readonly service = SERVICE;
  static readonly actions = ["s3:GetEncryptionConfiguration", "s3:GetBucketPublicAccessBlock", "s3:GetBucketPolicy"] as const;
  static readonly resourceTypes = [BUCKET_TYPE];

  private readonly buckets = new Map<string, LiveBucket>();
  /** Reads started, by aspect and bucket, so two readers asking for one bucket at once share the request. */
  private readonly reads = new Map<string, Promise<void>>();

  constructor(private readonly session: LiveSession) {}

  async load(resources: readonly StackResource[]): Promise<void> {
    const names = [...new Set(resources.filter((resource) => resource.type === BUCKET_TYPE && resource.physicalId && resource.status !== "DELETE_COMPLETE").map((resource) => resource.physicalId!))];
    await inParallel(names, 8, async (name) => {
      // One after another: a bucket that is gone answers NoSuchBucket once, not three times.
      for (const aspect of ["encryption", "publicAccessBlock", "policy"] as const) {
        await this.read(aspect, name);
        if (this.buckets.get(name)?.missing) return;
      }
    });
  }

  /** Reads only the policies of these buckets (delivery buckets of trails, inside or outside the stack). */
  async loadPolicies(names: readonly string[]): Promise<void> {
    await inParallel([...new Set(names)], 8, (name) => this.read("policy", name));
  }

  bucket(name: string): LiveBucket | undefined {
    return this.buckets.get(name);
  }

  private entry(name: string): LiveBucket {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = { name };
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  private read(aspect: Aspect, name: string): Promise<void> {
    const key = `${aspect}|${name}`;
    let pending = this.reads.get(key);
    if (!pending) {
      pending = aspect === "encryption" ? this.readEncryption(name) : aspect === "publicAccessBlock" ? this.readPublicAccessBlock(name) : this.readPolicy(name);
      this.reads.set(key, pending);
    }
    return pending;
  }

  /** Sends to the bucket's own region when S3 says it lives elsewhere (a trail may deliver to a bucket in another region). */
  private send<T>(name: string, operation: string, request: (client: S3Client) => Promise<T>, absentOn: string): Promise<CallResult<T>> {
    return this.session.call(
      SERVICE,
      operation,
      async () => {
        try {
          return await request(this.session.client(S3Client));
        } catch (error) {
          const region = redirectRegion(error);
          if (!region || region === this.session.region) throw error;
          return await request(awsClient(S3Client, { ...this.session.target, region }));
        }
      },
      { target: name, absentOn: [absentOn] },
    );
  }

  private noteMissing(name: string, result: CallResult<unknown>): void {
    if (!result.ok && !result.absent && result.failure.kind === "not-found") this.entry(name).missing = true;
  }

  private async readEncryption(name: string): Promise<void> {
    const operation = "GetBucketEncryption";
    const result = await this.send(name, operation, (client) => client.send(new GetBucketEncryptionCommand({ Bucket: name })), "ServerSideEncryptionConfigurationNotFoundError");
    this.noteMissing(name, result);
    if (!result.ok) {
      if (result.absent) this.entry(name).encryption = null;
      return;
    }
    const rules: unknown = result.value.ServerSideEncryptionConfiguration?.Rules;
    if (!Array.isArray(rules)) {
      this.session.fail(SERVICE, operation, "malformed-response", `GetBucketEncryption for bucket ${name} has no ServerSideEncryptionConfiguration.Rules list`, name);
      return;
    }
    const read: LiveBucketEncryptionRule[] = [];
    for (const rule of rules) {
      const byDefault = isRecord(rule) ? rule.ApplyServerSideEncryptionByDefault : undefined;
      if (!isRecord(byDefault) || typeof byDefault.SSEAlgorithm !== "string") {
        this.session.fail(SERVICE, operation, "malformed-response", `GetBucketEncryption for bucket ${name} has a rule without ApplyServerSideEncryptionByDefault.SSEAlgorithm`, name);
        return;
      }
      const entry: LiveBucketEncryptionRule = { algorithm: byDefault.SSEAlgorithm };
      if (typeof byDefault.KMSMasterKeyID === "string" && byDefault.KMSMasterKeyID !== "") entry.kmsKeyId = byDefault.KMSMasterKeyID;
      if (isRecord(rule) && typeof rule.BucketKeyEnabled === "boolean") entry.bucketKeyEnabled = rule.BucketKeyEnabled;
      read.push(entry);
    }
    this.entry(name).encryption = read;
  }

  private async readPublicAccessBlock(name: string): Promise<void> {
    const operation = "GetPublicAccessBlock";
    const result = await this.send(name, operation, (client) => client.send(new GetPublicAccessBlockCommand({ Bucket: name })), "NoSuchPublicAccessBlockConfiguration");
    this.noteMissing(name, result);
    if (!result.ok) {
      if (result.absent) this.entry(name).publicAccessBlock = null;
      return;
    }
    const configuration: unknown = result.value.PublicAccessBlockConfiguration;
    if (!isRecord(configuration) || PUBLIC_ACCESS_BLOCK_SETTINGS.some((setting) => configuration[setting] !== undefined && typeof configuration[setting] !== "boolean")) {
      this.session.fail(SERVICE, operation, "malformed-response", `GetPublicAccessBlock for bucket ${name} did not return the four boolean settings`, name);
      return;
    }
    // A setting S3 leaves out of the configuration is off.
    this.entry(name).publicAccessBlock = Object.fromEntries(PUBLIC_ACCESS_BLOCK_SETTINGS.map((setting) => [setting, configuration[setting] === true])) as Record<PublicAccessBlockSetting, boolean>;
  }

  private async readPolicy(name: string): Promise<void> {
    const operation = "GetBucketPolicy";
    const result = await this.send(name, operation, (client) => client.send(new GetBucketPolicyCommand({ Bucket: name })), "NoSuchBucketPolicy");
    this.noteMissing(name, result);
    if (!result.ok) {
      if (result.absent) this.entry(name).policy = null;
      return;
    }
    const text: unknown = result.value.Policy;
    if (typeof text !== "string") {
      this.session.fail(SERVICE, operation, "malformed-response", `GetBucketPolicy for bucket ${name} returned the policy as ${text === undefined ? "nothing" : typeof text}, not as JSON text`, name);
      return;
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      this.session.fail(SERVICE, operation, "malformed-response", `GetBucketPolicy for bucket ${name} returned a policy that is not JSON: ${text.slice(0, 80)}`, name);
      return;
    }
    if (!isRecord(document) || document.Statement === undefined) {
      this.session.fail(SERVICE, operation, "malformed-response", `GetBucketPolicy for bucket ${name} returned JSON that is not a policy document (no Statement)`, name);
      return;
    }
    this.entry(name).policy = document;
  }
}
