/**
 * What each seed example in examples/ must yield. `templateRules` are the catalogue rows that judge
 * templates (T) and cite the seed in their seed column; `liveOnlyRules` cite the seed but judge only live
 * state, so a template cannot show them. examples.test.ts checks this list against
 * ../shared/rules-catalogue.md when it is present, so the two cannot drift apart.
 */
export interface SeedExample {
  /** The analysis in ../shared/seeds/. */
  seed: string;
  /** The example's file name, the same in examples/ and examples/fixed/. */
  example: string;
  /** A scan policy in examples/policies/, for rules that judge only against a policy; the demo uses it too. */
  policyFile?: string;
  templateRules: readonly string[];
  liveOnlyRules: readonly string[];
}

export const SEED_EXAMPLES: readonly SeedExample[] = [
  {
    seed: "000_ab4c8d00712215cc.txt",
    example: "nova-ebs-kms-web.yaml",
    templateRules: [
      "kms-key-policy-full-admin", // §1
      "kms-key-unused", // §2
      "ec2-sg-unattached", // §2
      "ec2-sg-egress-unrestricted", // §3
      "rds-single-az", // §4
      "template-invalid-arn-reference", // §5
    ],
    liveOnlyRules: [],
  },
  {
    seed: "001_1acb9e3760c30c5f.txt",
    example: "novacart-security-foundation.yaml",
    templateRules: [
      "kms-key-policy-public", // §1
      "kms-key-service-principal-unconditioned", // §1
      "kms-key-rotation-disabled", // (whole analysis)
      "ec2-sg-ingress-open-admin-port", // §2
      "ec2-sg-ingress-open-world", // §2
      "rds-enhanced-monitoring-off", // §3
      "wafv2-webacl-no-rate-limit", // §3
      "cloudfront-s3-origin-without-oac", // §3
      "apigw-config-weak", // §3
      "secrets-rotation-missing", // §3
      "lambda-async-no-failure-destination", // §3
      "cloudwatch-alarms-missing", // §3
      "iam-permission-boundary-weak", // §5
      "cloudtrail-log-validation-off", // §6
      "cloudtrail-bucket-policy-missing", // §6
      "template-parameter-unconstrained", // compliance §1
      "ha-single-instance", // architecture §1-2
    ],
    liveOnlyRules: [],
  },
  {
    seed: "002_c5812fd110864305.txt",
    example: "secure-financial-environment.json",
    templateRules: [
      "ec2-ebs-unencrypted", // §2
      "cloudtrail-not-kms-encrypted", // §2
      "s3-not-kms-encrypted", // §2
      "wafv2-webacl-unassociated", // §3
      "iam-policy-wildcard-action", // §4
      "iam-policy-wildcard-resource", // §4
      "cloudtrail-single-region", // §5
      "vpc-nacl-permissive", // §6
      "template-hardcoded-values", // §7
    ],
    liveOnlyRules: ["account-regions-missing", "cloudtrail-not-logging"],
  },
  {
    seed: "003_fc27bd1edff3972d.txt",
    example: "nova-clinical-data-platform.yaml",
    // §3: the prompt allowed egress to the partner range only.
    policyFile: "policies/nova-clinical-data-platform.yaml",
    templateRules: [
      "kms-key-policy-full-admin", // §1
      "s3-public-access-not-blocked", // §2
      "s3-tls-not-enforced", // §2
      "s3-not-kms-encrypted", // §2
      "template-invalid-property-value", // §2
      "ec2-sg-egress-outside-allowlist", // §3
      "ec2-imdsv1-allowed", // §3
      "rds-single-az", // §4
      "rds-storage-unencrypted", // §4
      "rds-publicly-accessible", // §4
      "rds-deletion-protection-off", // §4
      "rds-performance-insights-off", // §4
      "apigw-stage-logging-off", // §5
      "apigw-config-weak", // §5
      "config-recorder-missing", // §6
      "template-unresolved-reference", // §6
      "iam-mfa-policy-weak", // §7
      "sns-topic-unencrypted", // §8
      "budget-no-notification", // §8
      "vpc-flow-logs-missing", // §9
    ],
    liveOnlyRules: [],
  },
  {
    seed: "004_ef683bb121e480d7.txt",
    example: "multi-account-security-baseline.yaml",
    templateRules: [
      "iam-policy-wildcard-resource", // §2
      "iam-role-broad-managed-policy", // §2
      "iam-mfa-policy-weak", // §3
      "ec2-ebs-unencrypted", // §6
      "elb-listener-not-https", // §7
      "secrets-rotation-missing", // §8
      "secrets-plaintext", // §8
      "secrets-duplicated", // §8
      "rds-backup-retention-short", // §9
      "template-hardcoded-values", // §11
      "template-stateful-no-deletion-policy", // §12
    ],
    liveOnlyRules: ["iam-access-key-stale", "securityhub-disabled", "ec2-ebs-default-encryption-off"],
  },
];
