/**
 * The findings table: one DynamoDB table per deployment holding, per stack, one item per finding fingerprint (with its
 * lifecycle), one record per stack scan, and one idempotency marker per scan id. docs/findings-store.md describes the
 * item design; this file is the only writer.
 *
 * Concurrency: every write of recordScan is conditional. A scan reads the stack's findings once (one consistent Query),
 * works out each finding's transition from what it read, and writes it with a condition that the item is still what it
 * read (`scanMark` and `status`); when another scan got there first the write fails, the item is read again and the
 * transition worked out anew. Every item remembers the scan that last changed it (`scanMark` = `<startedAt>#<scanId>`),
 * and a scan never overrides what a newer scan decided. No read-modify-write race, no lost or duplicated finding.
 *
 * Idempotence: the first thing a scan writes is a marker keyed by its scan id (the SQS message id). A second delivery
 * of the message finds the marker DONE and changes nothing; a delivery that finds the first one died half way (its
 * lease ran out) takes over under the first attempt's scanMark, so the items the first attempt already wrote are not
 * applied twice.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { randomUUID } from "node:crypto";
import { awsClient, clientConfig, type AwsTarget } from "../live/clients.ts";
import { atLeast, SEVERITIES, severityRank, type Finding, type ScanError, type Severity } from "./finding.ts";
import { SHAPE_REDACTOR } from "./redact.ts";

export type Lifecycle = "NEW" | "OPEN" | "RESOLVED" | "SUPPRESSED";

/** One stack of one account and region; `stack` is the stack NAME. */
export interface StackKey {
  account: string;
  region: string;
  stack: string;
}

export interface StoredFinding extends Omit<Finding, "status"> {
  status: Lifecycle;
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string;
  regressed?: boolean;
  notified: boolean;
  notifiedAt?: string;
  messageId?: string;
}

export interface ScanOutcome {
  /** Idempotency key: the SQS message id (a redelivery carries the same id). */
  scanId: string;
  startedAt: string;
  durationMs: number;
  findings: Finding[];
  errors: ScanError[];
  /** Logical ids the scan could not judge (read failures): their stored findings are NOT resolved. */
  unjudged: string[];
  /** false when the stack itself could not be read (template/resources): nothing is resolved. */
  complete: boolean;
}

export interface RecordResult {
  alreadyRecorded: boolean;
  /** Findings this scan stored as NEW for the first time (first sight, or first sight out of a suppression). */
  new: StoredFinding[];
  /** RESOLVED findings this scan found again: NEW with `regressed: true`. */
  regressed: StoredFinding[];
  /** Findings this scan marked RESOLVED. */
  resolved: StoredFinding[];
  /** The stack's NEW and OPEN findings after this scan. */
  open: number;
  /** The stack's SUPPRESSED findings after this scan. */
  suppressed: number;
}

export interface ScanCounts {
  /** Findings the scan reported (any status). */
  findings: number;
  new: number;
  regressed: number;
  resolved: number;
  open: number;
  suppressed: number;
  errors: number;
  unjudged: number;
  /** The stack's NEW and OPEN findings per severity after the scan. */
  bySeverity: Record<Severity, number>;
}

/** One stack scan as recorded (item `SCAN#<startedAt>#<scanId>`). */
export interface ScanRecord {
  scanId: string;
  startedAt: string;
  /** When the scan was recorded in the table. */
  recordedAt: string;
  durationMs: number;
  complete: boolean;
  counts: ScanCounts;
  /** The scan's errors, the first MAX_STORED_ERRORS of them; `errorsOmitted` says how many more there were. */
  errors: ScanError[];
  errorsOmitted?: number;
  unjudged: string[];
}

/** Another invocation is recording the same scan id right now: retry later (the SQS message is not lost). */
export class ScanInProgressError extends Error {
  constructor(readonly scanId: string, readonly leaseUntil: string) {
    super(`scan ${scanId} is being recorded by another invocation (lease until ${leaseUntil}); retry later`);
    this.name = "ScanInProgressError";
  }
}

export const OPEN_BY_SEVERITY_INDEX = "open-by-severity";
export const BY_RULE_INDEX = "by-rule";
export const TTL_ATTRIBUTE = "expiresAt";
/** A RESOLVED finding is kept this long after it was resolved, then DynamoDB TTL deletes it. */
export const RESOLVED_RETENTION_DAYS = 180;
/** Scan records and idempotency markers are kept this long. */
export const SCAN_RETENTION_DAYS = 90;
/** Items are kept well below DynamoDB's 400 KB item limit (sizes are measured as UTF-8 JSON, an over-estimate). */
export const MAX_ITEM_BYTES = 350_000;
export const MAX_STORED_ERRORS = 100;
const MAX_STORED_UNJUDGED = 500;
const MAX_TEXT_CHARS = 8_000;
/** Parallel conditional writes per recordScan/markNotified (the client's adaptive retry absorbs throttling). */
const WRITE_CONCURRENCY = 16;
/** How often one item's conditional write is retried after losing to a concurrent writer. */
const MAX_CONFLICT_RETRIES = 8;
/** How often a write is sent again when DynamoDB rejects it for an item in another writer's transaction (the SDK does not retry that). */
const MAX_TRANSACTION_CONFLICT_RETRIES = 8;
const TRANSACTION_CONFLICT_DELAY_MS = 25;
/** How long an unfinished recording of a scan id blocks a redelivery of the same id (then it is taken over). */
const DEFAULT_LEASE_MS = 15 * 60_000;

const DAY_SECONDS = 86_400;

export function stackPk(key: StackKey): string {
  return `STACK#${key.account}#${key.region}#${key.stack}`;
}
export function findingSk(fingerprint: string): string {
  return `FINDING#${fingerprint}`;
}
export function scanSk(startedAt: string, scanId: string): string {
  return `SCAN#${startedAt}#${scanId}`;
}
export function idempotencySk(scanId: string): string {
  return `IDEMPOTENCY#${scanId}`;
}

/** The attributes of a finding item that are the table's and not the finding's. */
const INTERNAL = ["pk", "sk", "type", "openSeverity", "scanMark", "lastScanId", TTL_ATTRIBUTE, "evidenceTruncated", "alertClaim", "alertClaimUntil"] as const;

interface FindingItem {
  pk: string;
  sk: string;
  type: "FINDING";
  status: Lifecycle;
  scanMark: string;
  lastScanId: string;
  openSeverity?: Severity;
  expiresAt?: number;
  evidence: string;
  evidenceTruncated?: boolean;
  [attribute: string]: unknown;
}

interface MarkerItem {
  pk: string;
  sk: string;
  type: "IDEMPOTENCY";
  scanId: string;
  state: "RECORDING" | "DONE";
  startedAt: string;
  owner: string;
  leaseUntil: number;
  open?: number;
  suppressed?: number;
  expiresAt: number;
}

type Applied =
  | { kind: "new" | "regressed" | "updated" | "resolved"; item: FindingItem }
  /** Nothing written: a newer (or this same) scan already decided this item, or it is already resolved. */
  | { kind: "skipped"; item: FindingItem | undefined };

export interface FindingsStoreOptions {
  tableName: string;
  target: AwsTarget;
  now?: () => Date;
  /** How long an unfinished recording blocks a redelivery of its scan id (default 15 minutes, the Lambda maximum). */
  leaseMs?: number;
}

export class FindingsStore {
  private readonly tableName: string;
  private readonly db: DynamoDBDocumentClient;
  private readonly now: () => Date;
  private readonly leaseMs: number;

  constructor(options: FindingsStoreOptions) {
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.db = DynamoDBDocumentClient.from(tableClient(options.target), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    });
  }

  async recordScan(key: StackKey, outcome: ScanOutcome): Promise<RecordResult> {
    if (!outcome.scanId) throw new Error("recordScan: scanId is empty");
    const pk = stackPk(key);
    const claim = await this.claim(pk, outcome.scanId, isoOf(outcome.startedAt, "startedAt"));
    if (claim.done) {
      return { alreadyRecorded: true, new: [], regressed: [], resolved: [], open: claim.done.open ?? 0, suppressed: claim.done.suppressed ?? 0 };
    }
    const { startedAt, owner } = claim;
    const mark = `${startedAt}#${outcome.scanId}`;

    const snapshot = new Map<string, FindingItem>();
    for (const item of await this.queryAll<FindingItem>(pk, "FINDING#")) snapshot.set(item.sk, item);

    // One write per fingerprint: a scan that reports a fingerprint twice keeps the first.
    const seen = new Map<string, Finding>();
    for (const finding of outcome.findings) if (!seen.has(findingSk(finding.fingerprint))) seen.set(findingSk(finding.fingerprint), finding);

    const after = new Map(snapshot);
    const result: RecordResult = { alreadyRecorded: false, new: [], regressed: [], resolved: [], open: 0, suppressed: 0 };
    const collect = (sk: string, applied: Applied) => {
      if (applied.item) after.set(sk, applied.item);
      if (applied.kind === "new") result.new.push(toStoredFinding(applied.item));
      else if (applied.kind === "regressed") result.regressed.push(toStoredFinding(applied.item));
      else if (applied.kind === "resolved") result.resolved.push(toStoredFinding(applied.item));
    };

    await mapLimit([...seen], WRITE_CONCURRENCY, async ([sk, finding]) => {
      collect(sk, await this.applySeen(pk, finding, snapshot.get(sk), { mark, startedAt, scanId: outcome.scanId }));
    });

    if (outcome.complete) {
      const unjudged = new Set(outcome.unjudged);
      const gone = [...snapshot.values()].filter(
        (item) => !seen.has(item.sk) && item.status !== "RESOLVED" && !unjudged.has(logicalIdOf(item)),
      );
      await mapLimit(gone, WRITE_CONCURRENCY, async (item) => {
        collect(item.sk, await this.applyResolved(item, { mark, startedAt, scanId: outcome.scanId }));
      });
    }

    const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
    for (const item of after.values()) {
      if (item.status === "NEW" || item.status === "OPEN") {
        result.open += 1;
        bySeverity[item.severity as Severity] += 1;
      } else if (item.status === "SUPPRESSED") result.suppressed += 1;
    }
    const bySeverityDesc = (a: StoredFinding, b: StoredFinding) => severityRank(b.severity) - severityRank(a.severity) || a.fingerprint.localeCompare(b.fingerprint);
    result.new.sort(bySeverityDesc);
    result.regressed.sort(bySeverityDesc);
    result.resolved.sort(bySeverityDesc);

    const recordedAt = this.now().toISOString();
    const errors = outcome.errors.slice(0, MAX_STORED_ERRORS).map(clipError);
    const record: ScanRecord = {
      scanId: outcome.scanId,
      startedAt,
      recordedAt,
      durationMs: Math.max(0, Math.round(outcome.durationMs)),
      complete: outcome.complete,
      counts: {
        findings: seen.size,
        new: result.new.length,
        regressed: result.regressed.length,
        resolved: result.resolved.length,
        open: result.open,
        suppressed: result.suppressed,
        errors: outcome.errors.length,
        unjudged: outcome.unjudged.length,
        bySeverity,
      },
      errors,
      ...(outcome.errors.length > errors.length ? { errorsOmitted: outcome.errors.length - errors.length } : {}),
      unjudged: outcome.unjudged.slice(0, MAX_STORED_UNJUDGED),
    };
    // Idempotent by its key: a takeover of a half-finished recording writes the same key again.
    await this.write(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk, sk: scanSk(startedAt, outcome.scanId), type: "SCAN", ...record, expiresAt: epochSeconds(startedAt) + SCAN_RETENTION_DAYS * DAY_SECONDS },
        }),
      ),
    );
    await this.write(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk, sk: idempotencySk(outcome.scanId) },
          UpdateExpression: "SET #state = :done, #open = :open, #suppressed = :suppressed, recordedAt = :recordedAt",
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#state": "state", "#open": "open", "#suppressed": "suppressed", "#owner": "owner" },
          ExpressionAttributeValues: { ":done": "DONE", ":open": result.open, ":suppressed": result.suppressed, ":recordedAt": recordedAt, ":owner": owner },
        }),
      ),
    );
    return result;
  }

  /**
   * NEW (incl. regressed) findings at or above minSeverity that no alert has carried yet, and older ones whose publish
   * failed (by now OPEN, still `notified: false`). Highest severity first.
   */
  async pendingAlerts(key: StackKey, minSeverity: Severity): Promise<StoredFinding[]> {
    const items = await this.queryAll<FindingItem>(stackPk(key), "FINDING#", {
      FilterExpression: "notified = :false AND #status IN (:new, :open)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":false": false, ":new": "NEW", ":open": "OPEN" },
    });
    return items
      .map(toStoredFinding)
      .filter((finding) => atLeast(finding.severity, minSeverity))
      .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.firstSeen.localeCompare(b.firstSeen) || a.fingerprint.localeCompare(b.fingerprint));
  }

  /**
   * Claims pending findings for the alert `claim` (the scan id) is about to publish, so that a scan of the same stack
   * running at the same time does not publish them too. A claim lasts `leaseMs` (an invocation that dies before
   * publishing leaves them to a later scan); the same claim id takes its own claims again (a redelivery). Returns the
   * fingerprints claimed, to publish and then mark notified, or release if the publish failed.
   */
  async claimAlerts(key: StackKey, fingerprints: string[], claim: string): Promise<string[]> {
    const pk = stackPk(key);
    const now = this.now().getTime();
    const claimed: string[] = [];
    await mapLimit([...new Set(fingerprints)], WRITE_CONCURRENCY, async (fingerprint) => {
      try {
        await this.write(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk, sk: findingSk(fingerprint) },
              UpdateExpression: "SET alertClaim = :claim, alertClaimUntil = :until",
              ConditionExpression: "attribute_exists(pk) AND notified = :false AND (attribute_not_exists(alertClaimUntil) OR alertClaimUntil < :now OR alertClaim = :claim)",
              ExpressionAttributeValues: { ":claim": claim, ":until": now + this.leaseMs, ":now": now, ":false": false },
            }),
          ),
        );
        claimed.push(fingerprint);
      } catch (error) {
        // Notified meanwhile, or claimed by a scan that is publishing it now.
        if (!isConditionFailure(error)) throw error;
      }
    });
    return claimed.sort();
  }

  /** Gives back claims whose alert could not be published, so the next scan sends them at once. */
  async releaseAlerts(key: StackKey, fingerprints: string[], claim: string): Promise<void> {
    const pk = stackPk(key);
    await mapLimit([...new Set(fingerprints)], WRITE_CONCURRENCY, async (fingerprint) => {
      try {
        await this.write(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk, sk: findingSk(fingerprint) },
              UpdateExpression: "REMOVE alertClaim, alertClaimUntil",
              ConditionExpression: "alertClaim = :claim",
              ExpressionAttributeValues: { ":claim": claim },
            }),
          ),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    });
  }

  /** Marks findings as carried by the alert `messageId`. Findings already notified keep their first message id. */
  async markNotified(key: StackKey, fingerprints: string[], messageId: string): Promise<void> {
    const pk = stackPk(key);
    const notifiedAt = this.now().toISOString();
    await mapLimit([...new Set(fingerprints)], WRITE_CONCURRENCY, async (fingerprint) => {
      try {
        await this.write(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk, sk: findingSk(fingerprint) },
              UpdateExpression: "SET notified = :true, notifiedAt = :at, messageId = :messageId REMOVE alertClaim, alertClaimUntil",
              ConditionExpression: "attribute_exists(pk) AND notified = :false",
              ExpressionAttributeValues: { ":true": true, ":false": false, ":at": notifiedAt, ":messageId": messageId },
            }),
          ),
        );
      } catch (error) {
        // Gone (TTL) or already notified: nothing to mark.
        if (!isConditionFailure(error)) throw error;
      }
    });
  }

  /** Every finding stored for the stack, any status, highest severity first. */
  async findings(key: StackKey): Promise<StoredFinding[]> {
    const items = await this.queryAll<FindingItem>(stackPk(key), "FINDING#");
    return items.map(toStoredFinding).sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.fingerprint.localeCompare(b.fingerprint));
  }

  /** The stack's scan records, newest first. */
  async scans(key: StackKey): Promise<ScanRecord[]> {
    const items = await this.queryAll<Record<string, unknown>>(stackPk(key), "SCAN#", { ScanIndexForward: false });
    return items.map((item) => {
      const { pk: _pk, sk: _sk, type: _type, expiresAt: _expiresAt, ...record } = item;
      return record as unknown as ScanRecord;
    });
  }

  /** NEW and OPEN findings of one severity over every stack (GSI open-by-severity, eventually consistent), most recently seen first. */
  async openBySeverity(severity: Severity): Promise<StoredFinding[]> {
    const out: StoredFinding[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: OPEN_BY_SEVERITY_INDEX,
          KeyConditionExpression: "openSeverity = :severity",
          ExpressionAttributeValues: { ":severity": severity },
          ScanIndexForward: false,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) out.push(toStoredFinding(item as FindingItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Claims the scan id: a new marker (RECORDING, with a lease), or the takeover of a marker whose recording died. Returns
   * the marker's counts when the scan id is already recorded; throws ScanInProgressError when another invocation holds it.
   */
  private async claim(pk: string, scanId: string, startedAt: string): Promise<{ done: MarkerItem; startedAt?: undefined; owner?: undefined } | { done?: undefined; startedAt: string; owner: string }> {
    const owner = randomUUID();
    const sk = idempotencySk(scanId);
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const now = this.now().getTime();
      try {
        const marker: MarkerItem = {
          pk,
          sk,
          type: "IDEMPOTENCY",
          scanId,
          state: "RECORDING",
          startedAt,
          owner,
          leaseUntil: now + this.leaseMs,
          expiresAt: epochSeconds(startedAt) + SCAN_RETENTION_DAYS * DAY_SECONDS,
        };
        await this.write(() => this.db.send(new PutCommand({ TableName: this.tableName, Item: marker, ConditionExpression: "attribute_not_exists(pk)" })));
        return { startedAt, owner };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const existing = (await this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }))).Item as MarkerItem | undefined;
      if (!existing) continue; // expired by TTL between the two calls: claim again
      if (existing.state === "DONE") return { done: existing };
      if (existing.leaseUntil > now) throw new ScanInProgressError(scanId, new Date(existing.leaseUntil).toISOString());
      // The recording that holds the marker died: take it over under its startedAt (so its scanMark), so what it wrote is not applied twice.
      try {
        await this.write(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk, sk },
              UpdateExpression: "SET #owner = :owner, leaseUntil = :lease",
              ConditionExpression: "#owner = :previous AND #state = :recording",
              ExpressionAttributeNames: { "#owner": "owner", "#state": "state" },
              ExpressionAttributeValues: { ":owner": owner, ":previous": existing.owner, ":recording": "RECORDING", ":lease": now + this.leaseMs },
            }),
          ),
        );
        return { startedAt: existing.startedAt, owner };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`recordScan: could not claim scan ${scanId} after ${MAX_CONFLICT_RETRIES} attempts`);
  }

  /** Writes one finding the scan reported, from the state `observed` (undefined: no item), re-reading on conflict. */
  private async applySeen(pk: string, finding: Finding, observed: FindingItem | undefined, scan: ScanContext): Promise<Applied> {
    const sk = findingSk(finding.fingerprint);
    let current = observed;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      // Written under this scan's mark: by the attempt this one took over, which died before recording the scan.
      if (current && current.scanMark === scan.mark) return { kind: current.status === "NEW" ? (current.regressed === true ? "regressed" : "new") : "updated", item: current };
      if (current && current.scanMark > scan.mark) return { kind: "skipped", item: current };
      const content = contentOf(finding);
      const suppressed = finding.status === "SUPPRESSED";
      try {
        if (!current) {
          const status: Lifecycle = suppressed ? "SUPPRESSED" : "NEW";
          const item: FindingItem = {
            pk,
            sk,
            type: "FINDING",
            ...content,
            status,
            firstSeen: scan.startedAt,
            lastSeen: scan.startedAt,
            regressed: false,
            notified: false,
            scanMark: scan.mark,
            lastScanId: scan.scanId,
            ...(status === "NEW" ? { openSeverity: finding.severity } : {}),
          };
          await this.write(() => this.db.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" })));
          return { kind: status === "NEW" ? "new" : "updated", item };
        }

        let status: Lifecycle;
        let kind: Applied["kind"] = "updated";
        const set: Record<string, unknown> = { ...content, lastSeen: scan.startedAt, scanMark: scan.mark, lastScanId: scan.scanId };
        const remove: string[] = [];
        if (suppressed) {
          status = "SUPPRESSED";
        } else if (current.status === "RESOLVED") {
          status = "NEW";
          kind = "regressed";
          set.regressed = true;
          set.notified = false;
          remove.push("notifiedAt", "messageId", "alertClaim", "alertClaimUntil");
        } else if (current.status === "SUPPRESSED" && current.notified !== true) {
          // Active for the first time (it was suppressed from its first sight): no alert has ever carried it.
          status = "NEW";
          kind = "new";
        } else {
          status = "OPEN";
        }
        set.status = status;
        if (status === "NEW" || status === "OPEN") set.openSeverity = finding.severity;
        else remove.push("openSeverity");
        remove.push("resolvedAt", TTL_ATTRIBUTE);
        if (!content.location) remove.push("location");
        if (!content.suppression) remove.push("suppression");
        if (!content.evidenceTruncated) remove.push("evidenceTruncated");

        const names: Record<string, string> = {};
        const values: Record<string, unknown> = {};
        const setParts = Object.entries(set)
          .filter(([, value]) => value !== undefined)
          .map(([name, value], index) => {
            names[`#s${index}`] = name;
            values[`:s${index}`] = value;
            return `#s${index} = :s${index}`;
          });
        const removeParts = [...new Set(remove)].map((name, index) => {
          names[`#r${index}`] = name;
          return `#r${index}`;
        });
        names["#mark"] = "scanMark";
        names["#status"] = "status";
        values[":observedMark"] = current.scanMark;
        values[":observedStatus"] = current.status;
        const response = await this.write(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk, sk },
              UpdateExpression: `SET ${setParts.join(", ")}${removeParts.length ? ` REMOVE ${removeParts.join(", ")}` : ""}`,
              ConditionExpression: "#mark = :observedMark AND #status = :observedStatus",
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValues: "ALL_NEW",
            }),
          ),
        );
        return { kind, item: response.Attributes as FindingItem };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      current = await this.getFinding(pk, sk);
    }
    throw new Error(`recordScan: finding ${finding.fingerprint} kept changing under scan ${scan.scanId}; gave up after ${MAX_CONFLICT_RETRIES} attempts`);
  }

  /** Marks a finding the scan no longer found RESOLVED, unless a newer scan decided otherwise meanwhile. */
  private async applyResolved(observed: FindingItem, scan: ScanContext): Promise<Applied> {
    let current: FindingItem | undefined = observed;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      if (current?.scanMark === scan.mark && current.status === "RESOLVED") return { kind: "resolved", item: current }; // by the attempt taken over
      if (!current || current.status === "RESOLVED" || current.scanMark >= scan.mark) return { kind: "skipped", item: current };
      const { pk, sk, scanMark: observedMark, status: observedStatus } = current;
      try {
        const response = await this.write(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk, sk },
              UpdateExpression: "SET #status = :resolved, resolvedAt = :at, #ttl = :ttl, #mark = :mark, lastScanId = :scanId REMOVE openSeverity",
              ConditionExpression: "#mark = :observedMark AND #status = :observedStatus",
              ExpressionAttributeNames: { "#status": "status", "#mark": "scanMark", "#ttl": TTL_ATTRIBUTE },
              ExpressionAttributeValues: {
                ":resolved": "RESOLVED",
                ":at": scan.startedAt,
                ":ttl": epochSeconds(scan.startedAt) + RESOLVED_RETENTION_DAYS * DAY_SECONDS,
                ":mark": scan.mark,
                ":scanId": scan.scanId,
                ":observedMark": observedMark,
                ":observedStatus": observedStatus,
              },
              ReturnValues: "ALL_NEW",
            }),
          ),
        );
        return { kind: "resolved", item: response.Attributes as FindingItem };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      current = await this.getFinding(observed.pk, observed.sk);
    }
    throw new Error(`recordScan: finding ${observed.sk} kept changing under scan ${scan.scanId}; gave up after ${MAX_CONFLICT_RETRIES} attempts`);
  }

  /**
   * Sends one write, again (after a short random pause) while DynamoDB answers TransactionConflictException: the item is
   * part of a transaction that is still running, and the write has not happened.
   */
  private async write<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if ((error as { name?: string } | undefined)?.name !== "TransactionConflictException" || attempt >= MAX_TRANSACTION_CONFLICT_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * TRANSACTION_CONFLICT_DELAY_MS * 2 ** attempt));
      }
    }
  }

  private async getFinding(pk: string, sk: string): Promise<FindingItem | undefined> {
    const response = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }));
    return response.Item as FindingItem | undefined;
  }

  /** Every item of one stack whose sort key starts with `prefix` (consistent, paginated). */
  private async queryAll<T>(pk: string, prefix: string, extra: Partial<QueryCommandInput> = {}): Promise<T[]> {
    const out: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          ...extra,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ...extra.ExpressionAttributeValues, ":pk": pk, ":prefix": prefix },
          ExclusiveStartKey: start,
        }),
      );
      out.push(...((page.Items ?? []) as T[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}

interface ScanContext {
  mark: string;
  startedAt: string;
  scanId: string;
}

const tableClients = new Map<string, DynamoDBClient>();

/**
 * The store's DynamoDB client, one per target and process. Standard retry, not the readers' adaptive one: DynamoDB
 * throttles one partition for moments, and the adaptive client-side rate limiter would slow every later write of the
 * process for a while (on moto, six throttled calls made three recordings of 70 writes take 21 s instead of 4 s).
 */
function tableClient(target: AwsTarget): DynamoDBClient {
  const key = [target.region, target.endpointUrl ?? "", target.profile ?? "", target.requestTimeoutMs ?? "", target.maxAttempts ?? "", target.credentials?.id ?? ""].join("|");
  let client = tableClients.get(key);
  if (!client) {
    client = new DynamoDBClient({ ...clientConfig(target), retryMode: "standard" });
    tableClients.set(key, client);
  }
  return client;
}

/**
 * The finding's own attributes as stored: evidence as JSON text (any value survives, and it can be cut to fit), long
 * texts clipped, and the evidence replaced by a truncation marker when the item would come near DynamoDB's 400 KB.
 * Redacted by shape first (a last line of defence: findings are redacted where they are built), since a clip can cut a
 * secret out of the shape that gives it away.
 */
function contentOf(finding: Finding): Record<string, unknown> & { evidence: string; evidenceTruncated?: boolean; location?: unknown; suppression?: unknown } {
  const { status: _status, evidence, ...rest } = SHAPE_REDACTOR.finding(finding);
  const content: Record<string, unknown> & { evidence: string; evidenceTruncated?: boolean } = {
    ...rest,
    title: clip(finding.title, MAX_TEXT_CHARS),
    message: clip(finding.message, MAX_TEXT_CHARS),
    remediation: clip(finding.remediation, MAX_TEXT_CHARS),
    evidence: safeJson(evidence ?? {}),
  };
  // Room for the table's own attributes (keys, lifecycle, dates, notified...).
  const budget = MAX_ITEM_BYTES - 2_000;
  const size = Buffer.byteLength(JSON.stringify(content), "utf8");
  if (size > budget) {
    const original = Buffer.byteLength(content.evidence, "utf8");
    const room = Math.max(0, budget - (size - original) - 500);
    content.evidence = JSON.stringify({
      _truncated: `evidence truncated by StackWarden: ${original} bytes of JSON do not fit a DynamoDB item; the first ${room} bytes follow`,
      preview: clipBytes(content.evidence, room),
    });
    content.evidenceTruncated = true;
  }
  return content;
}

function toStoredFinding(item: FindingItem): StoredFinding {
  const copy: Record<string, unknown> = { ...item };
  for (const name of INTERNAL) delete copy[name];
  let evidence: Record<string, unknown> = {};
  try {
    evidence = typeof item.evidence === "string" ? (JSON.parse(item.evidence) as Record<string, unknown>) : ((item.evidence as Record<string, unknown>) ?? {});
  } catch {
    evidence = { _unreadable: String(item.evidence).slice(0, 200) };
  }
  copy.evidence = evidence;
  if (copy.notified === undefined) copy.notified = false;
  return copy as unknown as StoredFinding;
}

function logicalIdOf(item: FindingItem): string {
  return (item.resource as { logicalId?: string } | undefined)?.logicalId ?? "";
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "{}";
  } catch (error) {
    return JSON.stringify({ _unserializable: (error as Error).message });
  }
}

function clip(text: string | undefined, max: number): string {
  if (text === undefined) return "";
  return text.length <= max ? text : `${text.slice(0, max)}… [truncated by StackWarden: ${text.length - max} more characters]`;
}

function clipBytes(text: string, maxBytes: number): string {
  const buffer = Buffer.from(text, "utf8");
  if (buffer.length <= maxBytes) return text;
  // Cutting a UTF-8 sequence in half leaves a replacement character at worst.
  return buffer.subarray(0, maxBytes).toString("utf8");
}

function clipError(error: ScanError): ScanError {
  return { ...error, message: clip(SHAPE_REDACTOR.text(error.message), 2_000) };
}

function isoOf(value: string, what: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`recordScan: ${what} is not a date: ${JSON.stringify(value)}`);
  return date.toISOString();
}

function epochSeconds(iso: string): number {
  return Math.floor(new Date(iso).getTime() / 1000);
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === "ConditionalCheckFailedException";
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Creates the findings table exactly as the service expects it (keys, the two GSIs, on-demand billing, TTL on
 * `expiresAt`) and waits until it is ACTIVE. SSE with a customer key and point-in-time recovery are set by infra/.
 * An existing table with the same key schema is accepted as is; one with another schema is an error.
 */
export async function createFindingsTable(target: AwsTarget, tableName: string): Promise<void> {
  const client = awsClient(DynamoDBClient, target);
  const input: CreateTableCommandInput = {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
      { AttributeName: "openSeverity", AttributeType: "S" },
      { AttributeName: "lastSeen", AttributeType: "S" },
      { AttributeName: "ruleId", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: OPEN_BY_SEVERITY_INDEX,
        KeySchema: [
          { AttributeName: "openSeverity", KeyType: "HASH" },
          { AttributeName: "lastSeen", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        IndexName: BY_RULE_INDEX,
        KeySchema: [
          { AttributeName: "ruleId", KeyType: "HASH" },
          { AttributeName: "pk", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException) && (error as { name?: string }).name !== "ResourceInUseException") throw error;
    const table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    const keys = (table?.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(",");
    const indexes = (table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName).sort().join(",");
    if (keys !== "pk:HASH,sk:RANGE" || indexes !== [BY_RULE_INDEX, OPEN_BY_SEVERITY_INDEX].join(",")) {
      throw new Error(`table ${tableName} exists with another schema (keys ${keys}; indexes ${indexes || "none"})`);
    }
  }
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  if (ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING") {
    if (ttl.AttributeName !== TTL_ATTRIBUTE) throw new Error(`table ${tableName} has TTL on ${ttl.AttributeName}, not ${TTL_ATTRIBUTE}`);
    return;
  }
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
}
