import { ApiGatewayReader } from "./apigateway.ts";
import { CloudFormationReader } from "./cloudformation.ts";
import { CloudFrontReader } from "./cloudfront.ts";
import { CloudTrailReader } from "./cloudtrail.ts";
import { ConfigReader } from "./config.ts";
import { Ec2Reader } from "./ec2.ts";
import { Elbv2Reader } from "./elbv2.ts";
import { IamReader } from "./iam.ts";
import { KmsReader } from "./kms.ts";
import { LambdaReader } from "./lambda.ts";
import { RdsReader } from "./rds.ts";
import { S3Reader } from "./s3.ts";
import { SecretsManagerReader } from "./secretsmanager.ts";
import { SecurityHubReader } from "./securityhub.ts";
import type { ServiceReaderClass } from "./session.ts";
import { SnsReader } from "./sns.ts";
import { Wafv2Reader } from "./wafv2.ts";

/** Every service reader a live scan loads; each fetches only the resource types it serves, once per scan and region. */
export const LIVE_READERS: readonly ServiceReaderClass<object>[] = [
  CloudFormationReader,
  Ec2Reader,
  KmsReader,
  RdsReader,
  CloudTrailReader,
  S3Reader,
  IamReader,
  Wafv2Reader,
  Elbv2Reader,
  ApiGatewayReader,
  CloudFrontReader,
  SnsReader,
  SecretsManagerReader,
  LambdaReader,
  SecurityHubReader,
  ConfigReader,
];
