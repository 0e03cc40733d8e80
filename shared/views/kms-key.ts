import type { TemplatePath } from "../template/parse.ts";
import { DEFAULT_PSEUDO_PARAMETERS, type ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isSymbolic, stringValue } from "../template/values.ts";
import { readPolicyDocument, type PolicyDocument } from "./policy-document.ts";
import { defineView, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

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

export const kmsKeyViews = defineView<KmsKeyView>({
  name: "kms-key",
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
