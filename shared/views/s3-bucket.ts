import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, Composite, isRecord, isSymbolic, listValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { readPolicyDocument, type PolicyStatement } from "./policy-document.ts";
import { defineView, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

/** One default-encryption rule of the bucket. */
export interface BucketEncryptionRule {
  /** "AES256" (SSE-S3), "aws:kms" (SSE-KMS) or "aws:kms:dsse" (DSSE-KMS); undefined when the template does not fix it. */
  algorithm: string | undefined;
  /** The KMS key named for SSE-KMS/DSSE-KMS; absent means the AWS managed key aws/s3. */
  kmsKeyId?: unknown;
  bucketKeyEnabled?: boolean;
  /** S3's own SSE-S3 default, present because the bucket declares no default encryption (S3 applies it to every bucket since January 2023). */
  implicit?: boolean;
  at: TemplatePath;
}

export const PUBLIC_ACCESS_BLOCK_SETTINGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;
export type PublicAccessBlockSetting = (typeof PUBLIC_ACCESS_BLOCK_SETTINGS)[number];

export interface PublicAccessBlock {
  /** Each of the four settings: a setting the template leaves out is off; undefined when the template does not fix it. */
  settings: Record<PublicAccessBlockSetting, boolean | undefined>;
  /** Whether the bucket declares a public access block configuration at all. */
  declared: boolean;
  /** Where each setting is written (or the configuration, or the bucket, when it is not). */
  settingAt: Record<PublicAccessBlockSetting, TemplatePath>;
  at: TemplatePath;
}

export interface S3BucketView extends ResourceView {
  /** The bucket name as resolved (a string, a symbolic value, or undefined when CloudFormation generates it). */
  bucketName: unknown;
  /** Default encryption rules; S3's implicit SSE-S3 rule when none is declared. */
  encryption: BucketEncryptionRule[];
  publicAccessBlock: PublicAccessBlock;
  /** Bucket policy statements, from every bucket policy that names this bucket. */
  policyStatements: PolicyStatement[];
  /** Logical ids of the bucket policies merged into policyStatements. */
  policyDeclaredBy: string[];
  /** A policy that may apply to this bucket could not be read (its document is not fixed by the template). */
  policyUnknown: boolean;
  /** Load balancers (ALB, Classic) that deliver access logs here; they support SSE-S3 only. */
  sseS3OnlyLogWriters: string[];
}

/** Does a value that names a bucket (Ref, GetAtt, literal name or s3 ARN) name this one? */
function namesBucket(value: unknown, logicalId: string, bucketName: unknown): boolean {
  if (value instanceof ResourceRef || value instanceof ResourceAttribute) return value.logicalId === logicalId;
  if (bucketName === undefined) return false;
  const text = typeof value === "string" ? value : value instanceof Composite ? String(value) : undefined;
  const name = typeof bucketName === "string" ? bucketName : bucketName instanceof Composite ? String(bucketName) : undefined;
  if (text === undefined || name === undefined) return false;
  return text === name || text === `arn:aws:s3:::${name}` || /^arn:[^:]+:s3:::/.test(text) && text.endsWith(`:::${name}`);
}

function encryptionOf(logicalId: string, properties: Record<string, unknown>): BucketEncryptionRule[] {
  const encryption = properties.BucketEncryption;
  const bucketAt: TemplatePath = ["Resources", logicalId];
  if (encryption === undefined) return [{ algorithm: "AES256", implicit: true, at: bucketAt }];
  if (!isRecord(encryption) || isSymbolic(encryption.ServerSideEncryptionConfiguration)) {
    return [{ algorithm: undefined, at: propertyPath(logicalId, "BucketEncryption") }];
  }
  const entries = listValue(encryption.ServerSideEncryptionConfiguration);
  if (entries.length === 0) return [{ algorithm: "AES256", implicit: true, at: propertyPath(logicalId, "BucketEncryption") }];
  return entries.map((entry, index) => {
    const at = propertyPath(logicalId, "BucketEncryption", "ServerSideEncryptionConfiguration", index);
    if (!isRecord(entry)) return { algorithm: undefined, at };
    const byDefault = entry.ServerSideEncryptionByDefault;
    const rule: BucketEncryptionRule = { algorithm: undefined, at };
    if (byDefault === undefined) {
      rule.algorithm = "AES256";
      rule.implicit = true;
    } else if (isRecord(byDefault)) {
      rule.algorithm = stringValue(byDefault.SSEAlgorithm);
      if ("SSEAlgorithm" in byDefault) rule.at = [...at, "ServerSideEncryptionByDefault", "SSEAlgorithm"];
      if (byDefault.KMSMasterKeyID !== undefined) rule.kmsKeyId = byDefault.KMSMasterKeyID;
    }
    const bucketKey = booleanValue(entry.BucketKeyEnabled);
    if (bucketKey !== undefined) rule.bucketKeyEnabled = bucketKey;
    return rule;
  });
}

function publicAccessBlockOf(logicalId: string, properties: Record<string, unknown>): PublicAccessBlock {
  const configuration = properties.PublicAccessBlockConfiguration;
  const declared = configuration !== undefined;
  const at: TemplatePath = declared ? propertyPath(logicalId, "PublicAccessBlockConfiguration") : ["Resources", logicalId];
  const settings = {} as Record<PublicAccessBlockSetting, boolean | undefined>;
  const settingAt = {} as Record<PublicAccessBlockSetting, TemplatePath>;
  for (const setting of PUBLIC_ACCESS_BLOCK_SETTINGS) {
    if (!declared) {
      settings[setting] = false;
      settingAt[setting] = at;
    } else if (!isRecord(configuration)) {
      settings[setting] = undefined;
      settingAt[setting] = at;
    } else {
      const value = configuration[setting];
      settings[setting] = value === undefined ? false : booleanValue(value);
      settingAt[setting] = value === undefined ? at : [...at, setting];
    }
  }
  return { settings, declared, settingAt, at };
}

/** Buckets that ALB or Classic load balancers of the template write access logs to (those accept SSE-S3 only). */
function sseS3OnlyLogTargets(template: ResolvedTemplate): { writer: string; bucket: unknown }[] {
  const targets: { writer: string; bucket: unknown }[] = [];
  for (const balancer of resourcesOfType(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")) {
    const type = stringValue(balancer.properties.Type) ?? "application";
    if (type !== "application") continue;
    const attributes = listValue(balancer.properties.LoadBalancerAttributes).filter(isRecord);
    const valueOf = (name: string) => attributes.find((attribute) => attribute.Key === name)?.Value;
    if (booleanValue(valueOf("access_logs.s3.enabled")) !== true) continue;
    targets.push({ writer: balancer.logicalId, bucket: valueOf("access_logs.s3.bucket") });
  }
  for (const balancer of resourcesOfType(template, "AWS::ElasticLoadBalancing::LoadBalancer")) {
    const logging = balancer.properties.AccessLoggingPolicy;
    if (!isRecord(logging) || booleanValue(logging.Enabled) !== true) continue;
    targets.push({ writer: balancer.logicalId, bucket: logging.S3BucketName });
  }
  return targets;
}

export const s3BucketViews = defineView<S3BucketView>({
  name: "s3-bucket",
  fromTemplate(template: ResolvedTemplate) {
    const policies = resourcesOfType(template, "AWS::S3::BucketPolicy");
    const logTargets = sseS3OnlyLogTargets(template);
    return resourcesOfType(template, "AWS::S3::Bucket").map((bucket) => {
      const { logicalId, properties } = bucket;
      const bucketName = properties.BucketName;
      const view: S3BucketView = {
        logicalId,
        type: bucket.type,
        at: ["Resources", logicalId],
        bucketName,
        encryption: encryptionOf(logicalId, properties),
        publicAccessBlock: publicAccessBlockOf(logicalId, properties),
        policyStatements: [],
        policyDeclaredBy: [],
        policyUnknown: false,
        sseS3OnlyLogWriters: logTargets.filter((target) => namesBucket(target.bucket, logicalId, bucketName)).map((target) => target.writer),
      };
      for (const policy of policies) {
        if (!namesBucket(policy.properties.Bucket, logicalId, bucketName)) continue;
        const document = policy.properties.PolicyDocument;
        view.policyDeclaredBy.push(policy.logicalId);
        if (document === undefined || isSymbolic(document) || (isRecord(document) && isSymbolic(document.Statement))) view.policyUnknown = true;
        else view.policyStatements.push(...readPolicyDocument(document, propertyPath(policy.logicalId, "PolicyDocument")).statements);
      }
      return view;
    });
  },
});
