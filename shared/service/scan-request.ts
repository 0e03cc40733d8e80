/**
 * One queue message's work: scan one stack (or one account and region's account-level checks), record the outcome in
 * the findings table (lifecycle, idempotent per scanId), and publish one alert for what is new, marking it notified
 * only when SNS took it (a failed publish leaves the findings pending: the next scan of the stack sends them).
 */
import { SEVERITIES, type Severity } from "../findings/finding.ts";
import { publishAlert } from "../findings/notify.ts";
import { FindingsStore, type RecordResult, type ScanOutcome, type StackKey, type StoredFinding } from "../findings/store.ts";
import { ACCOUNT_SCOPE_NAME } from "../judge-live.ts";
import { LIVE_READERS } from "../live/readers.ts";
import { scanLive, type LiveScanOptions, type LiveScanResult } from "../scan-live.ts";
import { homeTarget, memberCredentials, memberRoleArn, serviceAccount } from "./aws.ts";
import type { ServiceConfig } from "./config.ts";
import { describeRequest, InvalidMessageError, type ScanRequest } from "./messages.ts";

export interface ScanRequestResult {
  key: StackKey;
  scanId: string;
  /** The same scanId was recorded before (a redelivery): the table did not change. */
  alreadyRecorded: boolean;
  /** Whether the scan could judge the whole stack (else nothing was resolved). */
  complete: boolean;
  new: number;
  regressed: number;
  resolved: number;
  open: number;
  suppressed: number;
  /** New and regressed findings by severity (each fingerprint once). */
  newBySeverity: Record<Severity, number>;
  /** 1 when an alert was published, else 0. */
  alertsPublished: number;
  /** Findings the alert carried (or would have carried). */
  alerted: number;
  /** Why the alert could not be published: the findings stay pending and the next scan sends them. */
  alertError?: string;
  /** Errors the scan reported (failed reads, rules that could not judge). */
  errors: number;
  errorMessages: string[];
  /** AWS API calls the scan made. */
  apiCalls: number;
  scanDurationMs: number;
  durationMs: number;
}

/** The scan could not run at all (the stack does not exist, or could not be described): SQS should deliver it again. */
export class ScanFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScanFailedError";
  }
}

export interface ScanRequestOptions {
  now?: () => Date;
  /** Per-attempt timeout and attempts of every AWS call (defaults in shared/live/clients.ts). */
  requestTimeoutMs?: number;
  maxAttempts?: number;
  /** The live scan (tests replace it to see the options it is given). */
  scan?: (options: LiveScanOptions) => Promise<LiveScanResult>;
}

export async function scanRequest(request: ScanRequest, scanId: string, config: ServiceConfig, options: ScanRequestOptions = {}): Promise<ScanRequestResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const startedClock = performance.now();
  const home = homeTarget(config);
  const roleArn = await roleFor(request, config);

  const scanOptions: LiveScanOptions = {
    regions: [request.region],
    policy: config.policy,
    now: started,
    ...(config.endpointUrl ? { endpointUrl: config.endpointUrl } : {}),
    ...(roleArn ? { credentials: { id: roleArn, provider: memberCredentials(roleArn, home, "stackwarden-scan", config.organization?.externalId) } } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(request.kind === "stack" ? { stacks: [request.stack], accountChecks: false } : { stacks: [], accountChecks: true, ...accountReaders(request, config) }),
  };
  const result = await (options.scan ?? scanLive)(scanOptions);
  const scanDurationMs = Math.round(performance.now() - startedClock);
  const key: StackKey = { account: request.account, region: request.region, stack: request.kind === "stack" ? request.stack : ACCOUNT_SCOPE_NAME };
  const outcome = outcomeOf(request, key, result, { scanId, startedAt: started.toISOString(), durationMs: scanDurationMs });

  const store = new FindingsStore({ tableName: config.tableName, target: home, ...(options.now ? { now: options.now } : {}) });
  const recorded = await store.recordScan(key, outcome);

  const pending = await store.pendingAlerts(key, config.policy.alertMinSeverity);
  let alertsPublished = 0;
  let alertError: string | undefined;
  // Claimed first: a scan of the same stack running now (the schedule's and a deploy event's) must not send them too.
  const claimed = pending.length > 0 ? new Set(await store.claimAlerts(key, pending.map((finding) => finding.fingerprint), scanId)) : new Set<string>();
  const alerted = pending.filter((finding) => claimed.has(finding.fingerprint));
  if (alerted.length > 0) {
    const published = await publishAlert(key, alerted, { topicArn: config.topicArn, target: home });
    if ("messageId" in published) {
      await store.markNotified(key, [...claimed], published.messageId);
      alertsPublished = 1;
    } else {
      await store.releaseAlerts(key, [...claimed], scanId);
      alertError = published.error;
    }
  }

  return {
    key,
    scanId,
    alreadyRecorded: recorded.alreadyRecorded,
    complete: outcome.complete,
    new: recorded.new.length,
    regressed: recorded.regressed.length,
    resolved: recorded.resolved.length,
    open: recorded.open,
    suppressed: recorded.suppressed,
    newBySeverity: newBySeverity(recorded),
    alertsPublished,
    alerted: alerted.length,
    ...(alertError !== undefined ? { alertError } : {}),
    errors: result.errors.length,
    errorMessages: result.errors.map((error) => `${error.target}${error.resource ? ` (${error.resource})` : ""}: ${error.message}`),
    apiCalls: Object.values(result.calls).reduce((sum, count) => sum + count, 0),
    scanDurationMs,
    durationMs: Math.round(performance.now() - startedClock),
  };
}

/**
 * What the store needs to know of a scan. A stack scan that judged no stack (the stack is gone, or DescribeStacks
 * failed) throws: there is nothing to record, and SQS delivers the message again (then to the dead-letter queue).
 *
 * `unjudged`: the logical ids named by errors (failed reads of those resources). `complete`: the stack's template and
 * resources were read and every error is pinned to a resource; an error that names no resource (the template or the
 * resource list unread, a region-wide listing that failed, a rule that could not judge) could be about any resource,
 * so such a scan resolves nothing. One exception: a resource list with entries lacking a logical id (emulators list
 * resources they do not model that way) was read; the entries it could not name carry no finding to resolve. The
 * account pass is complete only without errors.
 */
/** scanLive's error for a ListStackResources answer with nameless entries (shared/live/cloudformation.ts). */
const PARTIAL_RESOURCE_LIST = /^cloudformation:ListStackResources in [a-z0-9-]+ for \S+: ListStackResources returned \d+ (entry|entries) without a logical id or type$/;

export function outcomeOf(request: ScanRequest, key: StackKey, result: LiveScanResult, scan: { scanId: string; startedAt: string; durationMs: number }): ScanOutcome {
  if (request.kind === "stack" && !result.stacks.some((stack) => stack.name === request.stack && stack.region === request.region)) {
    const why = result.errors.map((error) => error.message).join("; ") || "no error was reported";
    throw new ScanFailedError(`${describeRequest(request)}: the stack was not scanned: ${why}`);
  }
  const foreign = result.findings.find((finding) => (finding.stack.account && finding.stack.account !== key.account) || finding.stack.name !== key.stack);
  if (foreign) {
    throw new ScanFailedError(`${describeRequest(request)}: the scan returned a finding of ${foreign.stack.account ?? "?"}/${foreign.stack.name}, not of the stack asked for`);
  }
  const unjudged = new Set<string>();
  let pinned = true;
  for (const error of result.errors) {
    const ids = (error.resource ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter((id) => id !== "");
    if (ids.length === 0 && !PARTIAL_RESOURCE_LIST.test(error.message)) pinned = false;
    for (const id of ids) unjudged.add(id);
  }
  return {
    scanId: scan.scanId,
    startedAt: scan.startedAt,
    durationMs: scan.durationMs,
    findings: result.findings,
    errors: result.errors,
    unjudged: [...unjudged].sort(),
    complete: pinned,
  };
}

/**
 * The role to read the request's account through: its own roleArn, or in organization mode the member role of an
 * account other than the service's; undefined for the service's own account. Another account outside organization
 * mode cannot be read: such a request is rejected.
 */
async function roleFor(request: ScanRequest, config: ServiceConfig): Promise<string | undefined> {
  const own = await serviceAccount(homeTarget(config));
  if (request.account === own) return undefined;
  if (request.roleArn) return request.roleArn;
  if (!config.organization) {
    throw new InvalidMessageError(`${describeRequest(request)}: account ${request.account} is not this account (${own}) and organization mode is off`);
  }
  return memberRoleArn(request.account, config.organization.memberRoleName, request.region);
}

/**
 * Global services (IAM) answer the same in every region: the account pass reads and judges them in the first target
 * region only, as a multi-region scanLive does, so a stale access key is one finding (and one alert), not one per region.
 */
function accountReaders(request: ScanRequest, config: ServiceConfig): Pick<LiveScanOptions, "readers"> {
  return request.region === config.regions[0] ? {} : { readers: LIVE_READERS.filter((Reader) => !Reader.global) };
}

function newBySeverity(recorded: RecordResult): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  const seen = new Set<string>();
  for (const finding of [...recorded.new, ...recorded.regressed] as StoredFinding[]) {
    if (seen.has(finding.fingerprint)) continue;
    seen.add(finding.fingerprint);
    counts[finding.severity] += 1;
  }
  return counts;
}
