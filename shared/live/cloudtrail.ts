import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, type Trail } from "@aws-sdk/client-cloudtrail";
import { awsClient } from "./clients.ts";
import { S3Reader } from "./s3.ts";
import { batches, inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** Which management events a trail records: "None" when its selectors leave them out. */
export type ManagementEvents = "All" | "ReadOnly" | "WriteOnly" | "None";

/** What the scan read about one trail. `logging` and `managementEvents` are undefined when their read failed. */
export interface LiveTrail {
  name: string;
  arn: string;
  homeRegion: string;
  multiRegion: boolean;
  logFileValidation: boolean;
  organizationTrail: boolean;
  kmsKeyId?: string;
  s3BucketName?: string;
  s3KeyPrefix?: string;
  logging?: boolean;
  managementEvents?: ManagementEvents;
}

const SERVICE = "cloudtrail";
const TRAIL_TYPE = "AWS::CloudTrail::Trail";
/** DescribeTrails takes a list of names; kept short so one unreadable name costs little. */
const NAMES_PER_CALL = 20;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function union(kinds: ManagementEvents[]): ManagementEvents {
  const read = kinds.includes("All") || kinds.includes("ReadOnly");
  const write = kinds.includes("All") || kinds.includes("WriteOnly");
  return read && write ? "All" : read ? "ReadOnly" : write ? "WriteOnly" : "None";
}

/**
 * The management events that GetEventSelectors' answer records. A trail with no selectors at all logs every
 * management event (AWS returns that default selector; moto returns empty lists).
 */
export function managementEventsOf(eventSelectors: unknown, advancedSelectors: unknown): ManagementEvents | undefined {
  const basic = Array.isArray(eventSelectors) ? eventSelectors : [];
  const advanced = Array.isArray(advancedSelectors) ? advancedSelectors : [];
  if ((eventSelectors !== undefined && !Array.isArray(eventSelectors)) || (advancedSelectors !== undefined && !Array.isArray(advancedSelectors))) return undefined;
  if (basic.length === 0 && advanced.length === 0) return "All";
  const kinds: ManagementEvents[] = [];
  for (const selector of basic) {
    if (!isRecord(selector) || selector.IncludeManagementEvents === false) continue;
    const type = selector.ReadWriteType;
    kinds.push(type === "ReadOnly" || type === "WriteOnly" ? type : "All");
  }
  for (const selector of advanced) {
    const fields = isRecord(selector) && Array.isArray(selector.FieldSelectors) ? selector.FieldSelectors.filter(isRecord) : [];
    const category = fields.find((field) => field.Field === "eventCategory");
    if (!category || !Array.isArray(category.Equals) || !category.Equals.includes("Management")) continue;
    const readOnly = fields.find((field) => field.Field === "readOnly");
    const equals = readOnly && Array.isArray(readOnly.Equals) ? readOnly.Equals : [];
    kinds.push(equals.length === 1 && equals[0] === "true" ? "ReadOnly" : equals.length === 1 && equals[0] === "false" ? "WriteOnly" : "All");
  }
  return union(kinds);
}

/**
 * Reads CloudTrail: the stack's trails (DescribeTrails by name, batched; GetTrailStatus and GetEventSelectors per
 * trail, in the trail's home region) and their delivery buckets' policies (through the S3 reader, inside the stack or
 * not); for the account, every trail that logs this region, shadow copies of other regions' multi-region trails included.
 */
export class CloudTrailReader implements ServiceReader {
  static readonly service = SERVICE;
  static readonly actions = ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"] as const;
  static readonly resourceTypes = [TRAIL_TYPE];

  /** By the stack's physical id (name or ARN). */
  private readonly stackTrails = new Map<string, LiveTrail | null>();
  /** Every trail read, by ARN. */
  private readonly trails = new Map<string, LiveTrail>();
  private readonly details = new Map<string, Promise<void>>();
  private regionTrails: LiveTrail[] | undefined;
  private accountLoaded = false;

  constructor(private readonly session: LiveSession) {}

  async load(resources: readonly StackResource[]): Promise<void> {
    const ids = [...new Set(resources.filter((resource) => resource.type === TRAIL_TYPE && resource.physicalId && resource.status !== "DELETE_COMPLETE" && !this.stackTrails.has(resource.physicalId)).map((resource) => resource.physicalId!))];
    if (ids.length === 0) return;
    for (const batch of batches(ids, NAMES_PER_CALL)) {
      const result = await this.session.call(SERVICE, "DescribeTrails", () => this.session.client(CloudTrailClient).send(new DescribeTrailsCommand({ trailNameList: batch, includeShadowTrails: false })), { targets: batch });
      const found = result.ok ? this.accept(result.value.trailList, "DescribeTrails", batch) : undefined;
      if (!found) {
        // Recorded once; a second load does not ask again.
        for (const id of batch) this.stackTrails.set(id, null);
        continue;
      }
      for (const id of batch) {
        const trail = found.find((candidate) => candidate.name === id || candidate.arn === id);
        this.stackTrails.set(id, trail ?? null);
        if (!trail) this.session.fail(SERVICE, "DescribeTrails", "not-found", `trail ${id} does not exist (DescribeTrails does not list it)`, id);
      }
    }
    const stackTrails = [...this.stackTrails.values()].filter((trail): trail is LiveTrail => trail !== null);
    await Promise.all([
      inParallel(stackTrails, 8, (trail) => this.readDetails(trail)),
      this.session.reader(S3Reader).loadPolicies(stackTrails.map((trail) => trail.s3BucketName).filter((name): name is string => name !== undefined)),
    ]);
  }

  async loadAccount(): Promise<void> {
    if (this.accountLoaded) return;
    this.accountLoaded = true;
    const result = await this.session.call(SERVICE, "DescribeTrails", () => this.session.client(CloudTrailClient).send(new DescribeTrailsCommand({ includeShadowTrails: true })));
    if (!result.ok) return;
    const trails = this.accept(result.value.trailList, "DescribeTrails");
    if (!trails) return;
    this.regionTrails = trails;
    // Only multi-region trails can satisfy the account rule: their status and selectors are all it needs.
    await inParallel(trails.filter((trail) => trail.multiRegion), 8, (trail) => this.readDetails(trail));
  }

  /** The stack's trail by its physical id; undefined when it was not read or does not exist. */
  trail(id: string): LiveTrail | undefined {
    return this.stackTrails.get(id) ?? undefined;
  }

  /** Every trail that logs this region, after loadAccount; undefined when the listing failed or was not made. */
  accountTrails(): readonly LiveTrail[] | undefined {
    return this.regionTrails;
  }

  /** Validates DescribeTrails' list and merges it into the cache (a trail read before keeps its status and selectors). */
  private accept(list: unknown, operation: string, targets?: readonly string[]): LiveTrail[] | undefined {
    if (!Array.isArray(list)) {
      const failure = this.session.fail(SERVICE, operation, "malformed-response", "DescribeTrails returned no trailList");
      if (targets) failure.targets = [...targets];
      return undefined;
    }
    const trails: LiveTrail[] = [];
    for (const entry of list as unknown[]) {
      if (!isRecord(entry) || typeof entry.Name !== "string" || typeof entry.TrailARN !== "string") {
        // A nameless entry may be the very trail asked about (or the account's multi-region one): the listing cannot say what is absent.
        const failure = this.session.fail(SERVICE, operation, "malformed-response", "DescribeTrails listed a trail without Name or TrailARN");
        if (targets) failure.targets = [...targets];
        return undefined;
      }
      const raw = entry as unknown as Trail & { Name: string; TrailARN: string };
      const known = this.trails.get(raw.TrailARN);
      if (known) {
        trails.push(known);
        continue;
      }
      const trail: LiveTrail = {
        name: raw.Name,
        arn: raw.TrailARN,
        homeRegion: raw.HomeRegion ?? /^arn:[^:]+:cloudtrail:([^:]+):/.exec(raw.TrailARN)?.[1] ?? this.session.region,
        multiRegion: raw.IsMultiRegionTrail === true,
        logFileValidation: raw.LogFileValidationEnabled === true,
        organizationTrail: raw.IsOrganizationTrail === true,
      };
      if (raw.KmsKeyId) trail.kmsKeyId = raw.KmsKeyId;
      if (raw.S3BucketName) trail.s3BucketName = raw.S3BucketName;
      if (raw.S3KeyPrefix) trail.s3KeyPrefix = raw.S3KeyPrefix;
      this.trails.set(trail.arn, trail);
      trails.push(trail);
    }
    return trails;
  }

  /** Status and selectors are readable only from the trail's home region (a shadow trail answers TrailNotFound elsewhere). */
  private clientFor(trail: LiveTrail): CloudTrailClient {
    return trail.homeRegion === this.session.region ? this.session.client(CloudTrailClient) : awsClient(CloudTrailClient, { ...this.session.target, region: trail.homeRegion });
  }

  /** A stack names its trail by name or by ARN: a failure names both. */
  private targetsOf(trail: LiveTrail) {
    return { target: trail.arn, targets: [trail.arn, trail.name] };
  }

  private readDetails(trail: LiveTrail): Promise<void> {
    let pending = this.details.get(trail.arn);
    if (!pending) {
      pending = Promise.all([this.readStatus(trail), this.readSelectors(trail)]).then(() => undefined);
      this.details.set(trail.arn, pending);
    }
    return pending;
  }

  private async readStatus(trail: LiveTrail): Promise<void> {
    const result = await this.session.call(SERVICE, "GetTrailStatus", () => this.clientFor(trail).send(new GetTrailStatusCommand({ Name: trail.arn })), this.targetsOf(trail));
    if (!result.ok) return;
    const logging: unknown = result.value.IsLogging;
    if (typeof logging !== "boolean") {
      this.session.fail(SERVICE, "GetTrailStatus", "malformed-response", `GetTrailStatus for trail ${trail.name} has no boolean IsLogging`, trail.arn).targets = [trail.arn, trail.name];
      return;
    }
    trail.logging = logging;
  }

  private async readSelectors(trail: LiveTrail): Promise<void> {
    const result = await this.session.call(SERVICE, "GetEventSelectors", () => this.clientFor(trail).send(new GetEventSelectorsCommand({ TrailName: trail.arn })), this.targetsOf(trail));
    if (!result.ok) return;
    const events = managementEventsOf(result.value.EventSelectors, result.value.AdvancedEventSelectors);
    if (events === undefined) {
      this.session.fail(SERVICE, "GetEventSelectors", "malformed-response", `GetEventSelectors for trail ${trail.name} returned selectors that are not lists`, trail.arn).targets = [trail.arn, trail.name];
      return;
    }
    trail.managementEvents = events;
  }
}
