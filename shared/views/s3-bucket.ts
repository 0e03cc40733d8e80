import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, Composite, isRecord, isSymbolic, listValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { readPolicyDocument, type PolicyStatement } from "./policy-document.ts";
import { S3Reader, type LiveBucket } from "../live/s3.ts";
import type { LiveScope, LiveStack } from "../live/session.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

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

/** Marks a live bucket policy that no AWS::S3::BucketPolicy of the stack declares (put out of band, or by another stack). */
export const POLICY_OUTSIDE_STACK = "a bucket policy not declared in the stack";

function liveEncryption(bucket: LiveBucket, logicalId: string): BucketEncryptionRule[] {
  // Unread: no rule, so nothing is judged.
  if (bucket.encryption === undefined) return [];
  if (bucket.encryption === null || bucket.encryption.length === 0) return [{ algorithm: "AES256", implicit: true, at: ["Resources", logicalId] }];
  return bucket.encryption.map((rule, index) => {
    const entry: BucketEncryptionRule = {
      algorithm: rule.algorithm,
      at: propertyPath(logicalId, "BucketEncryption", "ServerSideEncryptionConfiguration", index, "ServerSideEncryptionByDefault", "SSEAlgorithm"),
    };
    if (rule.kmsKeyId !== undefined) entry.kmsKeyId = rule.kmsKeyId;
    if (rule.bucketKeyEnabled !== undefined) entry.bucketKeyEnabled = rule.bucketKeyEnabled;
    return entry;
  });
}

function livePublicAccessBlock(bucket: LiveBucket, logicalId: string): PublicAccessBlock {
  const read = bucket.publicAccessBlock;
  const declared = read !== undefined && read !== null;
  const at: TemplatePath = declared ? propertyPath(logicalId, "PublicAccessBlockConfiguration") : ["Resources", logicalId];
  const settings = {} as Record<PublicAccessBlockSetting, boolean | undefined>;
  const settingAt = {} as Record<PublicAccessBlockSetting, TemplatePath>;
  for (const setting of PUBLIC_ACCESS_BLOCK_SETTINGS) {
    settings[setting] = read === undefined ? undefined : read === null ? false : read[setting];
    settingAt[setting] = declared ? [...at, setting] : at;
  }
  return { settings, declared, settingAt, at };
}

/**
 * The view of a bucket as the S3 reader read it. `logicalId` is the stack's for a stack bucket, or the bucket name for
 * one outside the stack; `policyDeclaredBy` names the stack's bucket policies for it (or says the policy is not the
 * stack's). `template` is the deployed template, for facts only it holds (which load balancers log to the bucket).
 */
export function liveBucketView(bucket: LiveBucket, logicalId: string, policyDeclaredBy: string[], template?: ResolvedTemplate): S3BucketView {
  const policyAt: TemplatePath = policyDeclaredBy.length > 0 && policyDeclaredBy[0] !== POLICY_OUTSIDE_STACK ? propertyPath(policyDeclaredBy[0]!, "PolicyDocument") : ["Resources", logicalId];
  const view: S3BucketView = {
    logicalId,
    type: "AWS::S3::Bucket",
    physicalId: bucket.name,
    bucketName: bucket.name,
    encryption: liveEncryption(bucket, logicalId),
    publicAccessBlock: livePublicAccessBlock(bucket, logicalId),
    policyStatements: bucket.policy ? readPolicyDocument(bucket.policy, policyAt).statements : [],
    policyDeclaredBy: bucket.policy ? (policyDeclaredBy.length > 0 ? policyDeclaredBy : [POLICY_OUTSIDE_STACK]) : [],
    policyUnknown: bucket.policy === undefined,
    sseS3OnlyLogWriters: [],
  };
  if (template && template.resources.get(logicalId)?.type === "AWS::S3::Bucket") {
    const bucketName = template.resources.get(logicalId)!.properties.BucketName;
    view.sseS3OnlyLogWriters = sseS3OnlyLogTargets(template)
      .filter((target) => namesBucket(target.bucket, logicalId, bucketName) || target.bucket === bucket.name)
      .map((target) => target.writer);
  }
  return view;
}

/** Logical ids of the bucket policies that the stack's deployed template attaches to the bucket. */
export function stackPoliciesOf(stack: LiveStack, logicalId: string, bucketName: string): string[] {
  const template = stack.template;
  if (!template) return [];
  const templateName = template.resources.get(logicalId)?.properties.BucketName;
  return resourcesOfType(template, "AWS::S3::BucketPolicy")
    .filter(({ properties }) => properties.Bucket !== undefined && (namesBucket(properties.Bucket, logicalId, templateName) || properties.Bucket === bucketName))
    .map((policy) => policy.logicalId);
}

function bucketsFromLive(scope: LiveScope): S3BucketView[] {
  if (scope.scope !== "stack") return [];
  const reader = scope.session.reader(S3Reader);
  const views: S3BucketView[] = [];
  for (const resource of liveResourcesOfType(scope, "AWS::S3::Bucket")) {
    const bucket = reader.bucket(resource.physicalId);
    if (!bucket || bucket.missing) continue;
    if (bucket.encryption === undefined && bucket.publicAccessBlock === undefined && bucket.policy === undefined) continue;
    views.push(liveBucketView(bucket, resource.logicalId, stackPoliciesOf(scope, resource.logicalId, resource.physicalId), scope.template));
  }
  return views;
}

export const s3BucketViews = defineView<S3BucketView>({
  name: "s3-bucket",
  fromLive: bucketsFromLive,
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
