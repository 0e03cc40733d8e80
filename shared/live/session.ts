import type { ResolvedTemplate } from "../template/resolve.ts";
import { awsClient, type AwsTarget } from "./clients.ts";
import { classifyFailure, type ReadFailure, type ReadFailureKind } from "./failures.ts";

/** One resource of a deployed stack, as ListStackResources gives it. */
export interface StackResource {
  logicalId: string;
  /** Absent while a resource is being created, or when creation failed. */
  physicalId?: string;
  type: string;
  /** CREATE_COMPLETE, UPDATE_COMPLETE, DELETE_COMPLETE, ... */
  status: string;
}

/** A deployed stack, as DescribeStacks gives it. */
export interface LiveStackInfo {
  name: string;
  /** The stack ARN. */
  id: string;
  region: string;
  account: string;
  status: string;
  /** Parameter values as deployed; NoEcho parameters come back masked ("****") and are left out. */
  parameters: Record<string, string>;
  /** Parameters whose value AWS masks (NoEcho). */
  maskedParameters: string[];
}

/** What a view's fromLive sees when built for one stack: its resources, the readers' data and the deployed template. */
export interface LiveStack {
  scope: "stack";
  session: LiveSession;
  stack: LiveStackInfo;
  resources: StackResource[];
  /** The deployed template, resolved with the stack's parameter values; absent when it could not be read. */
  template?: ResolvedTemplate;
}

/** What a view's fromLive sees when built for the account and region as a whole (account-level rules). */
export interface LiveAccount {
  scope: "account";
  session: LiveSession;
  account: string;
  region: string;
  /** Active stacks by name, with the regions each was found in, over every region the scan listed. */
  stackRegions: ReadonlyMap<string, readonly string[]>;
  /** Failed reads that no stack resource accounts for (account-level reads, region-wide listings). */
  unattributedFailures: readonly ReadFailure[];
}

export type LiveScope = LiveStack | LiveAccount;

/**
 * A reader's instance side: fetches what a scan needs from one service, once, in batches, and serves every rule.
 * Readers the scan drives itself (CloudFormation) have neither method.
 */
export interface ServiceReader {
  /** Fetches the live configuration of these resources (only the types it serves, only what it has not fetched yet). */
  load?(resources: readonly StackResource[]): Promise<void>;
  /** Fetches the region's account-level facts (EBS encryption by default, Security Hub, recorders...). */
  loadAccount?(): Promise<void>;
  /** Fetches what only the stack's deployed template names (an AWS::IAM::Policy's roles outside the stack); after `load`. */
  loadStack?(stack: LiveStack): Promise<void>;
}

/** A reader's class side: what it reads and which IAM actions that takes, known without a session (docs, the SAM role). */
export interface ServiceReaderClass<R extends object = ServiceReader> {
  new (session: LiveSession): R;
  /** The IAM service prefix: "ec2", "kms", "cloudformation". */
  readonly service: string;
  /** Every IAM action the reader calls. */
  readonly actions: readonly string[];
  /** CloudFormation resource types whose live configuration it reads. */
  readonly resourceTypes: readonly string[];
  /** A global service (IAM): its account-level facts are read and judged in the scan's first region only. */
  readonly global?: boolean;
}

export type CallResult<T> =
  | { ok: true; value: T }
  /** AWS answered that the thing asked about is not configured (no bucket policy, no public access block): an answer, not a failure. */
  | { ok: false; absent: true }
  | { ok: false; absent: false; failure: ReadFailure };

export interface CallOptions {
  /** The physical id, ARN or name the call is about, so a failure names what could not be judged. */
  target?: string;
  /** A batched call: every physical id it is about. */
  targets?: readonly string[];
  /** Error names that mean "not configured" (NoSuchBucketPolicy, NoSuchPublicAccessBlockConfiguration). */
  absentOn?: readonly string[];
}

/**
 * One scan of one account and region: the readers (one per service, created on first use), the calls they made and
 * the reads that failed. Clients come from the process-wide cache.
 */
export class LiveSession {
  readonly target: AwsTarget;
  readonly failures: ReadFailure[] = [];
  /** What the scan could not do that is not a failure to read (CloudFormation drift detection unsupported...). */
  readonly notes: string[] = [];
  /** Calls made, by "service:Operation" (each page and each batch counts once). */
  readonly calls = new Map<string, number>();
  /** The scanned account, once known (from a stack ARN or STS). */
  account?: string;
  readonly now: Date;
  private readonly readers = new Map<ServiceReaderClass<object>, object>();

  constructor(target: AwsTarget, options: { now?: Date } = {}) {
    this.target = target;
    this.now = options.now ?? new Date();
  }

  get region(): string {
    return this.target.region;
  }

  reader<R extends object>(Reader: ServiceReaderClass<R>): R {
    let reader = this.readers.get(Reader) as R | undefined;
    if (!reader) {
      reader = new Reader(this);
      this.readers.set(Reader, reader);
    }
    return reader;
  }

  client<C>(Client: new (config: Record<string, unknown>) => C): C {
    return awsClient(Client, this.target);
  }

  /** Sends one request; a failure is recorded (and returned), never thrown. */
  async call<T>(service: string, operation: string, send: () => Promise<T>, options: CallOptions = {}): Promise<CallResult<T>> {
    const key = `${service}:${operation}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    try {
      return { ok: true, value: await send() };
    } catch (error) {
      const name = (error as { name?: string } | undefined)?.name;
      if (name && options.absentOn?.includes(name)) return { ok: false, absent: true };
      const failure = classifyFailure(error, service, operation, options.target);
      if (options.targets) failure.targets = [...options.targets];
      this.failures.push(failure);
      return { ok: false, absent: false, failure };
    }
  }

  /**
   * Every page of a paginated operation, or undefined when one page failed or the pages never ended (the failure is
   * recorded): a partial listing would read as "these are all", so it is no listing at all.
   */
  async paginate<P>(service: string, operation: string, fetch: (token: string | undefined) => Promise<P>, nextToken: (page: P) => unknown, options: CallOptions = {}): Promise<P[] | undefined> {
    const pages: P[] = [];
    let token: string | undefined;
    do {
      if (pages.length === MAX_PAGES) {
        const failure = this.fail(service, operation, "malformed-response", `${operation} still handed out a next-page token after ${MAX_PAGES} pages; the listing was abandoned as endless`, options.target);
        if (options.targets) failure.targets = [...options.targets];
        return undefined;
      }
      const result = await this.call(service, operation, () => fetch(token), options);
      if (!result.ok) return undefined;
      pages.push(result.value);
      const next = nextToken(result.value);
      // An endpoint that hands back the token it was given would loop forever; a token that is not text is no token.
      token = typeof next === "string" && next !== "" && next !== token ? next : undefined;
    } while (token);
    return pages;
  }

  /** Records a read that returned something AWS would not send, or that a reader could not use. */
  fail(service: string, operation: string, kind: ReadFailureKind, message: string, target?: string): ReadFailure {
    const failure: ReadFailure = { service, operation, kind, message, ...(target !== undefined ? { target } : {}) };
    this.failures.push(failure);
    return failure;
  }

  /** The failed reads about these physical ids (or ARNs or names), alone or in a batch. */
  failuresFor(...targets: (string | undefined)[]): ReadFailure[] {
    const wanted = new Set(targets.filter((target): target is string => target !== undefined));
    return this.failures.filter((failure) => (failure.target !== undefined && wanted.has(failure.target)) || failure.targets?.some((target) => wanted.has(target)));
  }

  callCount(service?: string): number {
    let total = 0;
    for (const [key, count] of this.calls) if (!service || key.startsWith(`${service}:`)) total += count;
    return total;
  }
}

/**
 * Pages of one listing a scan follows before it calls the listing endless: far above any real account (1,000 pages of
 * DescribeStacks is 100,000 stacks) and low enough that an endpoint handing out new tokens forever costs seconds.
 */
export const MAX_PAGES = 1000;

/** Splits ids into batches an API takes in one request. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}

/** Runs tasks with at most `limit` in flight (per-resource reads such as GetKeyPolicy). */
export async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  });
  await Promise.all(workers);
}
