import { CloudFormationReader } from "./cloudformation.ts";
import { ConfigReader } from "./config.ts";
import { Ec2Reader } from "./ec2.ts";
import { IamReader } from "./iam.ts";
import { LambdaReader } from "./lambda.ts";
import { RdsReader } from "./rds.ts";
import { SecretsManagerReader } from "./secretsmanager.ts";
import { SecurityHubReader } from "./securityhub.ts";
import type { ServiceReaderClass } from "./session.ts";
import { SnsReader } from "./sns.ts";

/** Every service reader a live scan loads, in no particular order: each fetches only the resource types it serves. */
export const LIVE_READERS: readonly ServiceReaderClass<object>[] = [CloudFormationReader, Ec2Reader, RdsReader, IamReader, SnsReader, SecretsManagerReader, LambdaReader, SecurityHubReader, ConfigReader];
