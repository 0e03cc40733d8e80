import type { Rule } from "../rule.ts";
import kmsKeyPolicyFullAdmin from "./kms-key-policy-full-admin.ts";
import kmsKeyPolicyPublic from "./kms-key-policy-public.ts";
import kmsKeyRotationDisabled from "./kms-key-rotation-disabled.ts";
import kmsKeyServicePrincipalUnconditioned from "./kms-key-service-principal-unconditioned.ts";
import kmsKeyUnused from "./kms-key-unused.ts";

export const KMS_RULES: readonly Rule[] = [
  kmsKeyPolicyPublic,
  kmsKeyPolicyFullAdmin,
  kmsKeyServicePrincipalUnconditioned,
  kmsKeyRotationDisabled,
  kmsKeyUnused,
];
