import type { Rule } from "./rule.ts";
import { KMS_RULES } from "./kms/index.ts";
import { EC2_RULES } from "./ec2/index.ts";
import { VPC_RULES } from "./vpc/index.ts";
import { RDS_RULES } from "./rds/index.ts";
import { CLOUDTRAIL_RULES } from "./cloudtrail/index.ts";
import { IAM_RULES } from "./iam/index.ts";
import { S3_RULES } from "./s3/index.ts";
import { WAFV2_RULES } from "./wafv2/index.ts";
import { ELB_RULES } from "./elb/index.ts";
import { APIGATEWAY_RULES } from "./apigateway/index.ts";
import { CLOUDFRONT_RULES } from "./cloudfront/index.ts";
import { SECRETSMANAGER_RULES } from "./secretsmanager/index.ts";
import { LAMBDA_RULES } from "./lambda/index.ts";
import { SNS_RULES } from "./sns/index.ts";
import { BUDGETS_RULES } from "./budgets/index.ts";
import { CLOUDWATCH_RULES } from "./cloudwatch/index.ts";
import { CONFIG_RULES } from "./config/index.ts";
import { TEMPLATE_RULES } from "./template/index.ts";
import { SECURITYHUB_RULES } from "./securityhub/index.ts";
import { ACCOUNT_RULES } from "./account/index.ts";
import { DRIFT_RULES } from "./drift/index.ts";
import { SCAN_RULES } from "./scan/index.ts";

/** Every rule StackWarden runs, in catalogue order; each service folder lists its own. */
export const ALL_RULES: readonly Rule[] = [
  ...KMS_RULES,
  ...EC2_RULES,
  ...VPC_RULES,
  ...RDS_RULES,
  ...CLOUDTRAIL_RULES,
  ...IAM_RULES,
  ...S3_RULES,
  ...WAFV2_RULES,
  ...ELB_RULES,
  ...APIGATEWAY_RULES,
  ...CLOUDFRONT_RULES,
  ...SECRETSMANAGER_RULES,
  ...LAMBDA_RULES,
  ...SNS_RULES,
  ...BUDGETS_RULES,
  ...CLOUDWATCH_RULES,
  ...CONFIG_RULES,
  ...SECURITYHUB_RULES,
  ...ACCOUNT_RULES,
  ...TEMPLATE_RULES,
  ...DRIFT_RULES,
  ...SCAN_RULES,
];

export const RULE_IDS: ReadonlySet<string> = new Set(ALL_RULES.map((rule) => rule.id));
