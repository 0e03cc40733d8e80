/**
 * The planner: which stacks to scan. For every target region of every account (the service's own and, in organization
 * mode, each member account through its read-only role) it lists the active stacks and sends one ScanRequest per stack
 * to the scan queue, plus one account request per account and region so the account-level checks run once there.
 */
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs";
import { awsClient } from "../live/clients.ts";
import { CloudFormationReader } from "../live/cloudformation.ts";
import { batches, inParallel, LiveSession } from "../live/session.ts";
import { homeTarget, memberCredentials, memberRoleArn, MemberSession, serviceAccount } from "./aws.ts";
import type { ServiceConfig } from "./config.ts";
import { describeRequest, type ScanRequest } from "./messages.ts";

export interface PlanResult {
  /** Requests the queue accepted. */
  requests: number;
  /** SendMessageBatch calls (retries of failed entries included). */
  batches: number;
  /** What could not be listed or sent, one line each. */
  errors: string[];
  /** Requests planned (accepted or not), stack requests, and the (account, region) pairs listed. */
  planned: number;
  stacks: number;
  scopes: { account: string; region: string; stacks: number; listed: boolean }[];
}

export interface PlanOptions {
  reason?: "schedule" | "manual";
}

/** SQS SendMessageBatch takes at most ten entries. */
const BATCH_SIZE = 10;
/** Accounts listed at once; each lists its regions in parallel. */
const ACCOUNT_CONCURRENCY = 4;
/** SendMessageBatch calls in flight at once: an organization's plan is thousands of batches. */
const SEND_CONCURRENCY = 8;

export async function planScan(config: ServiceConfig, now: Date = new Date(), options: PlanOptions = {}): Promise<PlanResult> {
  const reason = options.reason ?? "schedule";
  const home = homeTarget(config);
  const errors: string[] = [];
  const ownAccount = await serviceAccount(home);

  const accounts: { account: string; roleArn?: string }[] = [{ account: ownAccount }];
  if (config.organization) {
    if (!config.organization.accounts) {
      errors.push("organization mode: no member accounts listed (set MEMBER_ACCOUNTS); only the service's own account is planned");
    }
    for (const account of new Set(config.organization.accounts ?? [])) {
      if (account === ownAccount) continue;
      accounts.push({ account, roleArn: memberRoleArn(account, config.organization.memberRoleName, home.region) });
    }
  }

  const requestsByScope = new Map<string, ScanRequest[]>();
  const scopes: PlanResult["scopes"] = [];
  await inParallel(accounts, ACCOUNT_CONCURRENCY, async ({ account, roleArn }) => {
    const credentials = roleArn ? memberCredentials(roleArn, home, "stackwarden-plan", config.organization?.externalId) : undefined;
    await Promise.all(
      config.regions.map(async (region) => {
        const target = { region, ...(config.endpointUrl ? { endpointUrl: config.endpointUrl } : {}) };
        const session = roleArn && credentials ? new MemberSession(target, roleArn, credentials, { now }) : new LiveSession(target, { now });
        const stacks = await session.reader(CloudFormationReader).activeStacks();
        const role = roleArn ? { roleArn } : {};
        if (!stacks) {
          errors.push(`${account} ${region}: the stacks could not be listed: ${session.failures.map((failure) => `${failure.service}:${failure.operation}: ${failure.message}`).join("; ")}`);
          scopes.push({ account, region, stacks: 0, listed: false });
          return;
        }
        for (const failure of session.failures) errors.push(`${account} ${region}: ${failure.service}:${failure.operation}: ${failure.message}`);
        const requests: ScanRequest[] = [];
        requestsByScope.set(`${account} ${region}`, requests);
        for (const stack of stacks) {
          if (stack.account !== account) {
            errors.push(`${account} ${region}: stack ${stack.name} belongs to account ${stack.account} (its ARN says so); not planned`);
            continue;
          }
          requests.push({ kind: "stack", account, region, stack: stack.name, ...role, reason });
        }
        requests.push({ kind: "account", account, region, ...role, reason });
        scopes.push({ account, region, stacks: stacks.length, listed: true });
      }),
    );
  });

  const requests = interleaved([...requestsByScope.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, scoped]) => scoped));
  const sent = await sendRequests(config, requests);
  errors.push(...sent.errors);
  return {
    requests: sent.accepted,
    batches: sent.batches,
    errors,
    planned: requests.length,
    stacks: requests.filter((request) => request.kind === "stack").length,
    scopes: scopes.sort((a, b) => a.account.localeCompare(b.account) || a.region.localeCompare(b.region)),
  };
}

/**
 * One request of each (account, region) in turn: the scanner's bounded concurrency then spreads over every account's
 * CloudFormation rate limit instead of spending it all on one account at a time.
 */
function interleaved(lists: readonly ScanRequest[][]): ScanRequest[] {
  const result: ScanRequest[] = [];
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let index = 0; index < longest; index++) {
    for (const list of lists) if (index < list.length) result.push(list[index]!);
  }
  return result;
}

/** Sends requests ten at a time, several batches at once; entries SQS refuses (or a call that fails) are sent once more, the rest reported. */
export async function sendRequests(config: ServiceConfig, requests: readonly ScanRequest[]): Promise<{ accepted: number; batches: number; errors: string[] }> {
  const sqs = awsClient(SQSClient, homeTarget(config));
  let accepted = 0;
  let calls = 0;
  const errors: string[] = [];
  const send = async (entries: { id: string; request: ScanRequest }[]): Promise<{ failed: { id: string; request: ScanRequest; reason: string }[] }> => {
    calls += 1;
    const Entries: SendMessageBatchRequestEntry[] = entries.map(({ id, request }) => ({ Id: id, MessageBody: JSON.stringify(request) }));
    try {
      const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: config.queueUrl, Entries }));
      const byId = new Map(entries.map((entry) => [entry.id, entry]));
      const failed = (response.Failed ?? []).map((failure) => ({ ...byId.get(failure.Id ?? "")!, reason: `${failure.Code ?? "error"}${failure.SenderFault ? " (sender fault)" : ""}: ${failure.Message ?? "no message"}` })).filter((entry) => entry.request);
      accepted += (response.Successful ?? []).length;
      return { failed };
    } catch (error) {
      const reason = `SendMessageBatch failed: ${(error as Error).name}: ${(error as Error).message}`;
      return { failed: entries.map((entry) => ({ ...entry, reason })) };
    }
  };
  const entries = requests.map((request, index) => ({ id: `r${index}`, request }));
  const retry: { id: string; request: ScanRequest }[] = [];
  await inParallel(batches(entries, BATCH_SIZE), SEND_CONCURRENCY, async (batch) => {
    const { failed } = await send(batch);
    retry.push(...failed.map(({ id, request }) => ({ id, request })));
  });
  await inParallel(batches(retry, BATCH_SIZE), SEND_CONCURRENCY, async (batch) => {
    const { failed } = await send(batch);
    for (const failure of failed) errors.push(`${describeRequest(failure.request)}: not queued after a retry: ${failure.reason}`);
  });
  return { accepted, batches: calls, errors };
}
