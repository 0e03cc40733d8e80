import type { TemplatePath } from "../template/parse.ts";
import { DEFAULT_PSEUDO_PARAMETERS, type ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isSymbolic, stringValue } from "../template/values.ts";
import { readPolicyDocument, type PolicyDocument } from "./policy-document.ts";
import { KmsReader } from "../live/kms.ts";
import type { LiveScope } from "../live/session.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

export interface KmsKeyView extends ResourceView {
  /** "SYMMETRIC_DEFAULT", "RSA_2048", "HMAC_256"...; undefined when the template does not fix it. */
  keySpec: string | undefined;
  /** "ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC"...; undefined when the template does not fix it. */
  keyUsage: string | undefined;
  /** "AWS_KMS" or "EXTERNAL" (imported key material); undefined when not fixed. */
  origin: string | undefined;
  /** A symmetric encryption key (the only kind KMS rotates automatically); undefined when spec or usage is unknown. */
  symmetric: boolean | undefined;
  enabled: boolean | undefined;
  rotationEnabled: boolean | undefined;
  /** A multi-Region replica: its rotation follows the primary key. */
  replica: boolean;
  /** The key policy; AWS's default policy (account root, kms:*) when the template declares none; undefined when the template does not fix it. */
  policy: PolicyDocument | undefined;
  /** True when `policy` is AWS's default key policy because none was declared. */
  defaultPolicy: boolean;
  /** The account that owns the key; undefined when not known (an offline template scan only has a placeholder account id). */
  account: string | undefined;
  rotationAt: TemplatePath;
  policyAt: TemplatePath;
  /** Live only: KMS's key state ("Enabled", "Disabled", "PendingDeletion"...). */
  state?: string;
  /** Live only: "CUSTOMER" or "AWS". */
  manager?: string;
}

const SYMMETRIC_SPEC = "SYMMETRIC_DEFAULT";
const ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT";

/** The key policy AWS attaches when CreateKey gets none: the account root may do everything, which hands control to IAM. */
export function defaultKeyPolicy(account: string, partition: string, at: TemplatePath): PolicyDocument {
  return {
    at,
    statements: [
      {
        sid: "Enable IAM User Permissions",
        effect: "Allow",
        principals: { anyone: false, aws: [`arn:${partition}:iam::${account}:root`], service: [], federated: [], canonicalUser: [] },
        actions: ["kms:*"],
        resources: ["*"],
        conditions: {},
        at,
      },
    ],
  };
}

/** A property value that is fixed text or absent gets the default; anything the template cannot fix stays undefined. */
function fixedOr(value: unknown, fallback: string): string | undefined {
  if (value === undefined) return fallback;
  return stringValue(value);
}

function booleanOr(value: unknown, fallback: boolean): boolean | undefined {
  if (value === undefined) return fallback;
  return booleanValue(value);
}

const ROOT_ARN = /^arn:aws[a-z-]*:iam::\d{12}:root$/;

/** Is a live policy AWS's default key policy (the account root alone may do everything)? */
function isDefaultPolicy(policy: PolicyDocument): boolean {
  const [only] = policy.statements;
  if (!only || policy.statements.length !== 1) return false;
  const aws = only.principals?.aws ?? [];
  return (
    only.effect === "Allow" &&
    JSON.stringify(only.actions) === JSON.stringify(["kms:*"]) &&
    JSON.stringify(only.resources) === JSON.stringify(["*"]) &&
    Object.keys(only.conditions).length === 0 &&
    only.principals?.anyone === false &&
    aws.length === 1 &&
    typeof aws[0] === "string" &&
    ROOT_ARN.test(aws[0]) &&
    only.principals.service.length + only.principals.federated.length + only.principals.canonicalUser.length === 0
  );
}

function keysFromLive(scope: LiveScope): KmsKeyView[] {
  if (scope.scope !== "stack") return [];
  const reader = scope.session.reader(KmsReader);
  const views: KmsKeyView[] = [];
  for (const resource of liveResourcesOfType(scope, "AWS::KMS::Key", "AWS::KMS::ReplicaKey")) {
    const key = reader.key(resource.physicalId);
    if (!key || key.missing || (!key.metadata && !key.policy)) continue;
    const { logicalId } = resource;
    const metadata = key.metadata;
    const keySpec = metadata?.KeySpec ?? metadata?.CustomerMasterKeySpec;
    const keyUsage = metadata?.KeyUsage;
    const policyAt = propertyPath(logicalId, "KeyPolicy");
    const policy = key.policy ? readPolicyDocument(key.policy, policyAt) : undefined;
    const account = metadata?.AWSAccountId ?? /^arn:[^:]+:kms:[^:]*:(\d{12}):/.exec(metadata?.Arn ?? resource.physicalId)?.[1] ?? scope.stack.account;
    const view: KmsKeyView = {
      logicalId,
      type: resource.type,
      physicalId: resource.physicalId,
      keySpec,
      keyUsage,
      origin: metadata?.Origin,
      symmetric: keySpec === undefined || keyUsage === undefined ? undefined : keySpec === SYMMETRIC_SPEC && keyUsage === ENCRYPT_DECRYPT,
      enabled: metadata?.Enabled,
      rotationEnabled: key.rotationEnabled,
      replica: resource.type === "AWS::KMS::ReplicaKey" || metadata?.MultiRegionConfiguration?.MultiRegionKeyType === "REPLICA",
      policy,
      defaultPolicy: policy !== undefined && isDefaultPolicy(policy),
      account,
      rotationAt: propertyPath(logicalId, "EnableKeyRotation"),
      policyAt,
    };
    if (metadata?.KeyState !== undefined) view.state = metadata.KeyState;
    if (metadata?.KeyManager !== undefined) view.manager = metadata.KeyManager;
    views.push(view);
  }
  return views;
}

export const kmsKeyViews = defineView<KmsKeyView>({
  name: "kms-key",
  fromLive: keysFromLive,
  fromTemplate(template: ResolvedTemplate) {
    const resolvedAccount = stringValue(template.resolve({ Ref: "AWS::AccountId" }));
    const account = resolvedAccount === DEFAULT_PSEUDO_PARAMETERS["AWS::AccountId"] ? undefined : resolvedAccount;
    const partition = stringValue(template.resolve({ Ref: "AWS::Partition" })) ?? "aws";
    return resourcesOfType(template, "AWS::KMS::Key", "AWS::KMS::ReplicaKey").map((resource) => {
      const { logicalId, properties } = resource;
      const replica = resource.type === "AWS::KMS::ReplicaKey";
      const keySpec = replica ? undefined : fixedOr(properties.KeySpec, SYMMETRIC_SPEC);
      const keyUsage = replica ? undefined : fixedOr(properties.KeyUsage, ENCRYPT_DECRYPT);
      const policyAt = propertyPath(logicalId, "KeyPolicy");
      const declared = properties.KeyPolicy;
      let policy: PolicyDocument | undefined;
      if (declared === undefined) policy = defaultKeyPolicy(resolvedAccount ?? DEFAULT_PSEUDO_PARAMETERS["AWS::AccountId"], partition, ["Resources", logicalId]);
      else if (!isSymbolic(declared)) policy = readPolicyDocument(declared, policyAt);
      return {
        logicalId,
        type: resource.type,
        at: ["Resources", logicalId],
        keySpec,
        keyUsage,
        origin: replica ? undefined : fixedOr(properties.Origin, "AWS_KMS"),
        symmetric: keySpec === undefined || keyUsage === undefined ? undefined : keySpec === SYMMETRIC_SPEC && keyUsage === ENCRYPT_DECRYPT,
        enabled: booleanOr(properties.Enabled, true),
        rotationEnabled: replica ? undefined : booleanOr(properties.EnableKeyRotation, false),
        replica,
        policy,
        defaultPolicy: declared === undefined,
        account,
        rotationAt: "EnableKeyRotation" in properties ? propertyPath(logicalId, "EnableKeyRotation") : ["Resources", logicalId],
        policyAt: declared === undefined ? ["Resources", logicalId] : policyAt,
      };
    });
  },
});
