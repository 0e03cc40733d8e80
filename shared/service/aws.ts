/**
 * The service's own AWS side: where its table, topic and queue live (the home target), which account it runs in, and
 * the credentials of a member account's read-only role (organization mode).
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { awsClient, clientConfig, type AwsTarget } from "../live/clients.ts";
import { LiveSession } from "../live/session.ts";
import { regionOfQueue, regionOfTopic, type ServiceConfig } from "./config.ts";

/** The region of the service's table, topic and queue: the topic ARN names it (the queue URL does on AWS too). */
export function homeTarget(config: ServiceConfig): AwsTarget {
  const region = regionOfTopic(config.topicArn) ?? regionOfQueue(config.queueUrl) ?? process.env.AWS_REGION ?? config.regions[0]!;
  return { region, ...(config.endpointUrl ? { endpointUrl: config.endpointUrl } : {}) };
}

const callerAccounts = new Map<string, Promise<string>>();

/** The account the service runs in (STS GetCallerIdentity, once per process and endpoint). */
export function serviceAccount(target: AwsTarget): Promise<string> {
  const key = `${target.region}|${target.endpointUrl ?? ""}`;
  let account = callerAccounts.get(key);
  if (!account) {
    account = awsClient(STSClient, target)
      .send(new GetCallerIdentityCommand({}))
      .then((identity) => {
        if (!identity.Account) throw new Error("STS GetCallerIdentity returned no account");
        return identity.Account;
      });
    // A failed lookup is not cached: the next request asks again.
    account.catch(() => callerAccounts.delete(key));
    callerAccounts.set(key, account);
  }
  return account;
}

/** The partition of a region: aws, aws-cn, aws-us-gov. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function memberRoleArn(account: string, roleName: string, region: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:role/${roleName}`;
}

/** Temporary credentials of a member account's role, assumed from the service's own credentials (refreshed as they expire). */
export function memberCredentials(roleArn: string, target: AwsTarget, sessionName: string, externalId?: string): AwsCredentialIdentityProvider {
  const base = clientConfig(target);
  return fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 900, ...(externalId ? { ExternalId: externalId } : {}) },
    ...(base.credentials ? { masterCredentials: base.credentials as { accessKeyId: string; secretAccessKey: string } } : {}),
    clientConfig: { region: target.region, ...(target.endpointUrl ? { endpoint: target.endpointUrl } : {}) },
  });
}

/**
 * A live session that reads with a member account's role. The shared client factory has no credentials option, so
 * this session makes its own clients (the same configuration plus the role's credentials), one per service and role.
 */
export class MemberSession extends LiveSession {
  private static readonly clients = new Map<string, unknown>();

  constructor(
    target: AwsTarget,
    private readonly roleArn: string,
    private readonly credentials: AwsCredentialIdentityProvider,
    options: { now?: Date } = {},
  ) {
    super(target, options);
  }

  override client<C>(Client: new (config: Record<string, unknown>) => C): C {
    const key = [Client.name, this.roleArn, this.target.region, this.target.endpointUrl ?? ""].join("|");
    let client = MemberSession.clients.get(key) as C | undefined;
    if (!client) {
      client = new Client({ ...clientConfig(this.target), credentials: this.credentials });
      MemberSession.clients.set(key, client);
    }
    return client;
  }
}
