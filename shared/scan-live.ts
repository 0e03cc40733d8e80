import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DEFAULT_POLICY, type Policy } from "./config/policy.ts";
import type { Finding, ScanError } from "./findings/finding.ts";
import { ACCOUNT_SCOPE_NAME, attachDeployedTemplate, judgeLiveAccount, judgeLiveStack } from "./judge-live.ts";
import type { AwsTarget } from "./live/clients.ts";
import { CloudFormationReader } from "./live/cloudformation.ts";
import { CloudFormationDriftReader } from "./live/cloudformation-drift.ts";
import type { ReadFailure } from "./live/failures.ts";
import { LIVE_READERS } from "./live/readers.ts";
import { inParallel, LiveSession, type LiveAccount, type LiveStack, type LiveStackInfo, type ServiceReader, type ServiceReaderClass } from "./live/session.ts";
import type { Rule } from "./rules/rule.ts";
import { sortFindings } from "./scan.ts";
import { parseTemplate, TemplateParseError, type ParsedTemplate } from "./template/parse.ts";

export interface LiveScanOptions {
  /** Every region to scan; each gets its own session (readers, calls, failures). */
  regions: string[];
  endpointUrl?: string;
  profile?: string;
  /** Credentials for every client (a member account's assumed role); see AwsTarget.credentials. */
  credentials?: AwsTarget["credentials"];
  /** Per-attempt timeout and attempts per call, for every client (defaults in shared/live/clients.ts). */
  requestTimeoutMs?: number;
  maxAttempts?: number;
  /** Stack names or ARNs; ignored when `allStacks` is set. */
  stacks?: string[];
  allStacks?: boolean;
  /** Judge the account and region once (EBS defaults, Security Hub, Config, access keys, trails, required regions). */
  accountChecks?: boolean;
  /** Ask CloudFormation's own drift detection too (slow: it runs a detection per stack). */
  cfnDrift?: boolean;
  cfnDriftWaitMs?: number;
  policy?: Policy;
  rules?: readonly Rule[];
  readers?: readonly ServiceReaderClass<object>[];
  now?: Date;
  /** Called after each stack is judged: for progress bars. */
  onProgress?(progress: { done: number; total: number; stack: string; region: string }): void;
}

export interface LiveScanResult {
  findings: Finding[];
  errors: ScanError[];
  /** What the scan could not do that is not a failed read (drift detection unsupported, a stack absent from a region). */
  notes: string[];
  /** Stacks judged, per region. */
  stacks: { name: string; region: string; resources: number }[];
  /** Calls made, by "region service:Operation". */
  calls: Record<string, number>;
}

/** Stacks read per region at once: CloudFormation's read APIs have a low per-account rate. */
const STACK_READ_CONCURRENCY = 4;

/** Scans deployed stacks: reads each stack and its resources (per service, in batches), judges template, live state and drift. */
export async function scanLive(options: LiveScanOptions): Promise<LiveScanResult> {
  const result: LiveScanResult = { findings: [], errors: [], notes: [], stacks: [], calls: {} };
  const policy = options.policy ?? DEFAULT_POLICY;
  const sessions = options.regions.map((region) => new LiveSession(targetOf(options, region), options.now ? { now: options.now } : {}));

  const listed = await Promise.all(sessions.map((session) => listStacks(session, options, result)));
  const stackRegions = new Map<string, string[]>();
  listed.forEach((stacks, index) => {
    for (const stack of stacks) stackRegions.set(stack.name, [...(stackRegions.get(stack.name) ?? []), options.regions[index]!]);
  });
  if (options.accountChecks) await addStackRegions(options, policy, sessions, stackRegions);
  if (!options.allStacks) reportStacksFoundNowhere(options, sessions, stackRegions, result);

  const total = listed.reduce((sum, stacks) => sum + stacks.length, 0);
  let done = 0;
  for (const [index, session] of sessions.entries()) {
    const deployed = await readStacks(session, listed[index]!);
    const Readers = options.readers ?? LIVE_READERS;
    const readers = Readers.map((Reader) => session.reader(Reader) as ServiceReader);
    const allResources = deployed.flatMap((stack) => stack.live.resources);
    const guarded = (position: number, step: string, work: (() => Promise<void> | undefined) | undefined) => guard(session, Readers[position]!, step, work);
    await Promise.all(readers.map((reader, position) => guarded(position, "load", reader.load && (() => reader.load!(allResources)))));
    await Promise.all(deployed.flatMap((stack) => readers.map((reader, position) => guarded(position, "loadStack", reader.loadStack && (() => reader.loadStack!(stack.live))))));
    if (options.accountChecks) {
      // Global services (IAM) answer the same in every region: read and judged once, in the first.
      await Promise.all(readers.map((reader, position) => (index === 0 || !Readers[position]!.global ? guarded(position, "loadAccount", reader.loadAccount && (() => reader.loadAccount!())) : undefined)));
    }
    if (options.cfnDrift) await session.reader(CloudFormationDriftReader).detect(deployed.map((stack) => stack.live.stack.id), options.cfnDriftWaitMs);

    const attributed = new Set<ReadFailure>();
    for (const stack of deployed) {
      let judged: { findings: Finding[]; errors: ScanError[] };
      try {
        judged = judgeLiveStack(stack.live, stack.parsed, { policy, ...(options.rules ? { rules: options.rules } : {}), ...(options.now ? { now: options.now } : {}) });
      } catch (error) {
        judged = { findings: [], errors: [{ target: stack.live.stack.name, message: `the stack could not be judged (a StackWarden bug, please report it): ${(error as Error).stack ?? String(error)}` }] };
      }
      result.findings.push(...judged.findings);
      result.errors.push(...stack.errors, ...judged.errors, ...failureErrors(stack.live, attributed));
      result.stacks.push({ name: stack.live.stack.name, region: session.region, resources: stack.live.resources.length });
      options.onProgress?.({ done: ++done, total, stack: stack.live.stack.name, region: session.region });
    }

    if (options.accountChecks) {
      const account = session.account ?? (await callerAccount(session));
      const unattributed = session.failures.filter((failure) => !attributed.has(failure));
      if (account) {
        const scope: LiveAccount = { scope: "account", session, account, region: session.region, stackRegions, unattributedFailures: unattributed };
        const judged = judgeLiveAccount(scope, { policy, ...(options.rules ? { rules: options.rules } : {}), ...(options.now ? { now: options.now } : {}) });
        result.findings.push(...judged.findings);
        result.errors.push(...judged.errors);
      }
    }
    for (const failure of session.failures) {
      if (!attributed.has(failure)) result.errors.push({ target: failure.target ?? `${ACCOUNT_SCOPE_NAME} ${session.region}`, message: describeFailure(failure, session.region) });
    }
    result.notes.push(...session.notes);
    for (const [call, count] of session.calls) result.calls[`${session.region} ${call}`] = count;
  }
  result.findings = sortFindings(result.findings);
  return result;
}

/** A reader that throws (a bug, not an AWS failure) costs what it was reading, never the scan. */
async function guard(session: LiveSession, Reader: ServiceReaderClass<object>, step: string, work: (() => Promise<void> | undefined) | undefined): Promise<void> {
  if (!work) return;
  try {
    await work();
  } catch (error) {
    session.fail(Reader.service, `${Reader.name}.${step}`, "error", `the reader failed (a StackWarden bug, please report it): ${(error as Error).message}`);
  }
}

function targetOf(options: LiveScanOptions, region: string): AwsTarget {
  return {
    region,
    ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
}

/** The stacks to judge in one region: every active one, or the ones named (an ARN names its own region). */
async function listStacks(session: LiveSession, options: LiveScanOptions, result: LiveScanResult): Promise<LiveStackInfo[]> {
  const reader = session.reader(CloudFormationReader);
  if (options.allStacks) return (await reader.activeStacks()) ?? [];
  const stacks: LiveStackInfo[] = [];
  for (const name of options.stacks ?? []) {
    const arnRegion = /^arn:[^:]+:cloudformation:([^:]+):/.exec(name)?.[1];
    if (arnRegion && arnRegion !== session.region) continue;
    const found = await reader.stack(name);
    if (found && "found" in found) stacks.push(found.found);
    else if (found && options.regions.length > 1) result.notes.push(`stack ${name} does not exist in ${session.region}`);
  }
  if (stacks[0]) session.account = stacks[0].account;
  return stacks;
}

function reportStacksFoundNowhere(options: LiveScanOptions, sessions: LiveSession[], stackRegions: Map<string, string[]>, result: LiveScanResult): void {
  // A region whose DescribeStacks failed cannot say a stack is not there: that failure is the error reported.
  if (sessions.some((session) => session.failures.some((failure) => failure.service === "cloudformation" && failure.operation === "DescribeStacks"))) return;
  for (const name of options.stacks ?? []) {
    const stackName = /^arn:[^:]+:cloudformation:[^:]+:\d+:stack\/([^/]+)\//.exec(name)?.[1] ?? name;
    if (stackRegions.has(stackName)) continue;
    if (result.errors.some((error) => error.target === name)) continue;
    result.errors.push({ target: name, message: `stack ${name} was not found (or is deleted) in ${options.regions.join(", ")}` });
  }
}

/**
 * account-regions-missing needs to know where each stack exists: in the required regions the scan does not cover,
 * and, for an account-only pass (no stack named, none judged), in the scanned regions too. Listed, never judged.
 */
async function addStackRegions(options: LiveScanOptions, policy: Policy, sessions: LiveSession[], stackRegions: Map<string, string[]>): Promise<void> {
  const accountOnly = !options.allStacks && (options.stacks ?? []).length === 0;
  const listings = [
    ...(accountOnly ? sessions : []),
    ...(policy.requiredRegions ?? []).filter((region) => !options.regions.includes(region)).map((region) => new LiveSession(targetOf(options, region))),
  ];
  await Promise.all(
    listings.map(async (session) => {
      const stacks = (await session.reader(CloudFormationReader).activeStacks()) ?? [];
      session.account ??= stacks[0]?.account;
      for (const stack of stacks) stackRegions.set(stack.name, [...(stackRegions.get(stack.name) ?? []), session.region]);
    }),
  );
}

interface DeployedStack {
  live: LiveStack;
  parsed?: ParsedTemplate;
  errors: ScanError[];
}

async function readStacks(session: LiveSession, stacks: LiveStackInfo[]): Promise<DeployedStack[]> {
  const reader = session.reader(CloudFormationReader);
  const deployed: DeployedStack[] = [];
  await inParallel(stacks, STACK_READ_CONCURRENCY, async (info) => {
    session.account ??= info.account;
    const [template, resources] = await Promise.all([reader.template(info.id), reader.resources(info.id)]);
    const stack: DeployedStack = { live: { scope: "stack", session, stack: info, resources: resources ?? [] }, errors: [] };
    if (template) {
      try {
        stack.parsed = parseTemplate(template.body);
        attachDeployedTemplate(stack.live, stack.parsed);
      } catch (error) {
        const position = error instanceof TemplateParseError ? error.position : undefined;
        stack.errors.push({ target: info.name, message: `the deployed template could not be read: ${(error as Error).message}`, ...(position ? { location: position } : {}) });
        delete stack.parsed;
      }
    }
    deployed.push(stack);
  });
  return deployed.sort((a, b) => a.live.stack.name.localeCompare(b.live.stack.name));
}

/** Failed reads about this stack (its template, its resources) as error entries; marks them attributed to a stack. */
function failureErrors(stack: LiveStack, attributed: Set<ReadFailure>): ScanError[] {
  const errors: ScanError[] = [];
  const byPhysicalId = new Map(stack.resources.filter((resource) => resource.physicalId).map((resource) => [resource.physicalId!, resource.logicalId]));
  for (const failure of stack.session.failures) {
    const targets = [failure.target, ...(failure.targets ?? [])].filter((target): target is string => target !== undefined);
    const aboutStack = targets.some((target) => target === stack.stack.id || target === stack.stack.name);
    const logicalIds = targets.flatMap((target) => byPhysicalId.get(target) ?? []);
    if (!aboutStack && logicalIds.length === 0) continue;
    // A batch failure may be about several stacks' resources: each of them gets its entry.
    attributed.add(failure);
    errors.push({ target: stack.stack.name, message: describeFailure(failure, stack.stack.region), ...(logicalIds.length > 0 ? { resource: logicalIds.join(", ") } : {}) });
  }
  return errors;
}

const TARGETS_NAMED = 3;

function describeFailure(failure: ReadFailure, region: string): string {
  const targets = failure.targets ?? [];
  const about = failure.target
    ? ` for ${failure.target}`
    : targets.length > 0
      ? ` for ${targets.slice(0, TARGETS_NAMED).join(", ")}${targets.length > TARGETS_NAMED ? ` and ${targets.length - TARGETS_NAMED} more` : ""}`
      : "";
  return `${failure.service}:${failure.operation} in ${region}${about}: ${failure.message}`;
}

async function callerAccount(session: LiveSession): Promise<string | undefined> {
  const result = await session.call("sts", "GetCallerIdentity", () => session.client(STSClient).send(new GetCallerIdentityCommand({})));
  if (!result.ok) return undefined;
  session.account = result.value.Account;
  return session.account;
}
