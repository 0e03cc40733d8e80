import type { Rule } from "../rule.ts";
import cloudtrailSingleRegion from "./cloudtrail-single-region.ts";
import cloudtrailLogValidationOff from "./cloudtrail-log-validation-off.ts";
import cloudtrailNotKmsEncrypted from "./cloudtrail-not-kms-encrypted.ts";
import cloudtrailBucketPolicyMissing from "./cloudtrail-bucket-policy-missing.ts";
import cloudtrailNotLogging from "./cloudtrail-not-logging.ts";

export const CLOUDTRAIL_RULES: readonly Rule[] = [
  cloudtrailSingleRegion,
  cloudtrailLogValidationOff,
  cloudtrailNotKmsEncrypted,
  cloudtrailBucketPolicyMissing,
  cloudtrailNotLogging,
];
