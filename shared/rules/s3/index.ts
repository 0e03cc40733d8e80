import type { Rule } from "../rule.ts";
import s3NotKmsEncrypted from "./s3-not-kms-encrypted.ts";
import s3PublicAccessNotBlocked from "./s3-public-access-not-blocked.ts";
import s3TlsNotEnforced from "./s3-tls-not-enforced.ts";

export const S3_RULES: readonly Rule[] = [s3PublicAccessNotBlocked, s3TlsNotEnforced, s3NotKmsEncrypted];
