/**
 * The findings store against moto's DynamoDB: the table as the brief defines it, the lifecycle, suppression,
 * partial scans, idempotence, concurrent scans of one stack, alerts bookkeeping, the GSI and scan records.
 * Each test creates its own table, so tests do not see each other's items.
 */
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { fingerprintOf, type Finding, type Severity } from "../../shared/findings/finding.ts";
import {
  createFindingsTable,
  FindingsStore,
  findingSk,
  idempotencySk,
  ScanInProgressError,
  stackPk,
  type RecordResult,
  type ScanOutcome,
  type StackKey,
} from "../../shared/findings/store.ts";
import { awsClient, type AwsTarget } from "../../shared/live/clients.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoForTests } from "../live/moto.ts";

const moto = motoForTests();
const STACK: StackKey = { account: MOTO_ACCOUNT, region: MOTO_REGION, stack: "web" };
const DAY = 86_400;

let tables = 0;

interface Fixture {
  target: AwsTarget;
  tableName: string;
  store: FindingsStore;
  raw: DynamoDBDocumentClient;
  clock: { now: Date };
}

async function fixture(t: TestContext): Promise<Fixture | undefined> {
  const server = moto.need(t);
  if (!server) return undefined;
  const target: AwsTarget = { region: MOTO_REGION, endpointUrl: server.endpoint, maxAttempts: 3 };
  const tableName = `stackwarden-findings-${++tables}`;
  await createFindingsTable(target, tableName);
  const clock = { now: new Date("2026-11-01T12:00:00.000Z") };
  const store = new FindingsStore({ tableName, target, now: () => clock.now });
  return { target, tableName, store, raw: DynamoDBDocumentClient.from(awsClient(DynamoDBClient, target)), clock };
}

function finding(logicalId: string, ruleId: string, options: { severity?: Severity; key?: StackKey; suppressed?: { reason: string; expires?: string }; evidence?: Record<string, unknown> } = {}): Finding {
  const key = options.key ?? STACK;
  return {
    ruleId,
    severity: options.severity ?? "high",
    title: `${ruleId} title`,
    message: `${logicalId} breaks ${ruleId}`,
    source: "live",
    resource: { logicalId, type: "AWS::EC2::SecurityGroup", physicalId: `sg-${logicalId.toLowerCase()}` },
    stack: { name: key.stack, region: key.region, account: key.account },
    evidence: options.evidence ?? { port: 22, cidr: "0.0.0.0/0" },
    remediation: `fix ${ruleId}`,
    fingerprint: fingerprintOf({ account: key.account, region: key.region, stack: key.stack, logicalId, ruleId }),
    status: options.suppressed ? "SUPPRESSED" : "OPEN",
    ...(options.suppressed ? { suppression: { reason: options.suppressed.reason, by: "policy" as const, ...(options.suppressed.expires ? { expires: options.suppressed.expires } : {}) } } : {}),
  };
}

function outcome(scanId: string, startedAt: string, findings: Finding[], extra: Partial<ScanOutcome> = {}): ScanOutcome {
  return { scanId, startedAt, durationMs: 1234, findings, errors: [], unjudged: [], complete: true, ...extra };
}

async function rawFinding(f: Fixture, fingerprint: string, key: StackKey = STACK): Promise<Record<string, unknown> | undefined> {
  return (await f.raw.send(new GetCommand({ TableName: f.tableName, Key: { pk: stackPk(key), sk: findingSk(fingerprint) }, ConsistentRead: true }))).Item;
}

async function allItems(f: Fixture, key: StackKey = STACK): Promise<Record<string, unknown>[]> {
  const out = await f.raw.send(new QueryCommand({ TableName: f.tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": stackPk(key) }, ConsistentRead: true }));
  return out.Items ?? [];
}

async function statusOf(f: Fixture, fingerprint: string): Promise<string | undefined> {
  return (await rawFinding(f, fingerprint))?.status as string | undefined;
}

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const fps = (list: { fingerprint: string }[]) => list.map((x) => x.fingerprint).sort();

describe("findings store on moto DynamoDB", () => {
  it("creates the table with the brief's keys, GSIs, on-demand billing and TTL, and accepts it again", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const client = awsClient(DynamoDBClient, f.target);
    const table = (await client.send(new DescribeTableCommand({ TableName: f.tableName }))).Table!;
    assert.deepEqual(table.KeySchema, [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    assert.equal(table.BillingModeSummary?.BillingMode, "PAY_PER_REQUEST");
    const indexes = Object.fromEntries((table.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index.KeySchema]));
    assert.deepEqual(indexes["open-by-severity"], [
      { AttributeName: "openSeverity", KeyType: "HASH" },
      { AttributeName: "lastSeen", KeyType: "RANGE" },
    ]);
    assert.deepEqual(indexes["by-rule"], [
      { AttributeName: "ruleId", KeyType: "HASH" },
      { AttributeName: "pk", KeyType: "RANGE" },
    ]);
    const types = Object.fromEntries((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
    assert.deepEqual(types, { pk: "S", sk: "S", openSeverity: "S", lastSeen: "S", ruleId: "S" });
    const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: f.tableName }))).TimeToLiveDescription;
    assert.equal(ttl?.AttributeName, "expiresAt");
    assert.equal(ttl?.TimeToLiveStatus, "ENABLED");
    await createFindingsTable(f.target, f.tableName); // idempotent for the demo's --endpoint-url reuse
  });

  it("walks NEW -> OPEN -> RESOLVED (with TTL) -> NEW regressed", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const a = finding("Web", "ec2-open-ssh", { severity: "critical" });
    const b = finding("Db", "rds-public", { severity: "high" });

    const first = await f.store.recordScan(STACK, outcome("m1", "2026-11-01T10:00:00.000Z", [a, b]));
    assert.equal(first.alreadyRecorded, false);
    assert.deepEqual(fps(first.new), fps([a, b]));
    assert.equal(first.open, 2);
    let rawB = await rawFinding(f, b.fingerprint);
    assert.equal(rawB?.status, "NEW");
    assert.equal(rawB?.openSeverity, "high");
    assert.equal(rawB?.firstSeen, "2026-11-01T10:00:00.000Z");
    assert.equal(rawB?.notified, false);
    assert.equal(rawB?.ruleId, "rds-public");
    assert.equal(rawB?.expiresAt, undefined);

    const second = await f.store.recordScan(STACK, outcome("m2", "2026-11-02T10:00:00.000Z", [a, b]));
    assert.deepEqual(second.new, []);
    assert.deepEqual(second.resolved, []);
    assert.equal(second.open, 2);
    rawB = await rawFinding(f, b.fingerprint);
    assert.equal(rawB?.status, "OPEN");
    assert.equal(rawB?.firstSeen, "2026-11-01T10:00:00.000Z");
    assert.equal(rawB?.lastSeen, "2026-11-02T10:00:00.000Z");
    await f.store.markNotified(STACK, [b.fingerprint], "alert-1");

    const third = await f.store.recordScan(STACK, outcome("m3", "2026-11-03T10:00:00.000Z", [a]));
    assert.deepEqual(fps(third.resolved), [b.fingerprint]);
    assert.equal(third.open, 1);
    rawB = await rawFinding(f, b.fingerprint);
    assert.equal(rawB?.status, "RESOLVED");
    assert.equal(rawB?.resolvedAt, "2026-11-03T10:00:00.000Z");
    assert.equal(rawB?.expiresAt, epoch("2026-11-03T10:00:00.000Z") + 180 * DAY, "TTL = resolvedAt + 180 days");
    assert.equal(rawB?.openSeverity, undefined, "a RESOLVED finding leaves the sparse open-by-severity index");
    assert.equal(rawB?.lastSeen, "2026-11-02T10:00:00.000Z");

    const fourth = await f.store.recordScan(STACK, outcome("m4", "2026-11-04T10:00:00.000Z", [a, b]));
    assert.deepEqual(fourth.new, []);
    assert.deepEqual(fps(fourth.regressed), [b.fingerprint]);
    assert.equal(fourth.regressed[0]!.status, "NEW");
    assert.equal(fourth.regressed[0]!.regressed, true);
    assert.equal(fourth.regressed[0]!.notified, false);
    rawB = await rawFinding(f, b.fingerprint);
    assert.equal(rawB?.status, "NEW");
    assert.equal(rawB?.regressed, true);
    assert.equal(rawB?.notified, false, "a regression alerts again");
    assert.equal(rawB?.notifiedAt, undefined);
    assert.equal(rawB?.messageId, undefined);
    assert.equal(rawB?.resolvedAt, undefined);
    assert.equal(rawB?.expiresAt, undefined, "TTL removed when it comes back");
    assert.equal(rawB?.openSeverity, "high");
    assert.equal(rawB?.firstSeen, "2026-11-01T10:00:00.000Z");
    assert.equal(await statusOf(f, a.fingerprint), "OPEN");
    assert.deepEqual(fps(await f.store.pendingAlerts(STACK, "high")), fps([a, b]), "a was never alerted, b regressed");

    // The public shape: no table internals, evidence back as an object.
    const stored = (await f.store.findings(STACK)).find((x) => x.fingerprint === b.fingerprint)!;
    assert.deepEqual(stored.evidence, { port: 22, cidr: "0.0.0.0/0" });
    for (const internal of ["pk", "sk", "scanMark", "openSeverity", "expiresAt", "type"]) assert.ok(!(internal in stored), internal);
    assert.equal(stored.resource.logicalId, "Db");
  });

  it("stores SUPPRESSED with reason and expiry, outside alerts and the open index; unsuppressed it is NEW if never alerted", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const s = finding("Bucket", "s3-public", { severity: "critical", suppressed: { reason: "public website, approved by SEC-42", expires: "2027-01-31" } });
    const o = finding("Web", "ec2-open-ssh", { severity: "critical" });
    const first = await f.store.recordScan(STACK, outcome("s1", "2026-11-01T10:00:00.000Z", [s, o]));
    assert.deepEqual(fps(first.new), [o.fingerprint], "a suppressed finding is not NEW");
    assert.equal(first.suppressed, 1);
    assert.equal(first.open, 1);
    const stored = (await f.store.findings(STACK)).find((x) => x.fingerprint === s.fingerprint)!;
    assert.equal(stored.status, "SUPPRESSED");
    assert.deepEqual(stored.suppression, { reason: "public website, approved by SEC-42", by: "policy", expires: "2027-01-31" });
    assert.equal((await rawFinding(f, s.fingerprint))?.openSeverity, undefined);
    assert.deepEqual(fps(await f.store.pendingAlerts(STACK, "info")), [o.fingerprint]);
    assert.deepEqual(fps(await f.store.openBySeverity("critical")), [o.fingerprint]);
    await f.store.markNotified(STACK, [o.fingerprint], "alert-1");

    // The OPEN one gets suppressed, the suppressed one's suppression expires.
    const oSuppressed = finding("Web", "ec2-open-ssh", { severity: "critical", suppressed: { reason: "bastion, accepted risk" } });
    const sOpen = finding("Bucket", "s3-public", { severity: "critical" });
    const second = await f.store.recordScan(STACK, outcome("s2", "2026-11-02T10:00:00.000Z", [sOpen, oSuppressed]));
    assert.deepEqual(fps(second.new), [s.fingerprint], "never alerted before: NEW when the suppression ends");
    assert.equal(await statusOf(f, o.fingerprint), "SUPPRESSED");
    assert.equal((await rawFinding(f, o.fingerprint))?.suppression && ((await rawFinding(f, o.fingerprint))!.suppression as { reason: string }).reason, "bastion, accepted risk");
    assert.equal((await rawFinding(f, s.fingerprint))?.suppression, undefined, "the ended suppression is removed");
    assert.deepEqual(fps(await f.store.pendingAlerts(STACK, "info")), [s.fingerprint]);

    // Unsuppressed again after it had been alerted: OPEN, no second alert.
    const third = await f.store.recordScan(STACK, outcome("s3", "2026-11-03T10:00:00.000Z", [sOpen, o]));
    assert.deepEqual(third.new, []);
    assert.equal(await statusOf(f, o.fingerprint), "OPEN");
    assert.deepEqual(fps(await f.store.pendingAlerts(STACK, "info")), [s.fingerprint]);

    // A suppressed finding the scan no longer finds is resolved like any other.
    const fourth = await f.store.recordScan(STACK, outcome("s4", "2026-11-04T10:00:00.000Z", [sOpen, oSuppressed]));
    assert.equal(fourth.suppressed, 1);
    const fifth = await f.store.recordScan(STACK, outcome("s5", "2026-11-05T10:00:00.000Z", [sOpen]));
    assert.deepEqual(fps(fifth.resolved), [o.fingerprint]);
  });

  it("resolves nothing it could not see: unjudged resources and incomplete scans", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const web = finding("Web", "ec2-open-ssh");
    const db = finding("Db", "rds-public");
    const key = finding("Key", "kms-public", { severity: "medium" });
    await f.store.recordScan(STACK, outcome("u1", "2026-11-01T10:00:00.000Z", [web, db, key]));

    const readError = { target: "web", resource: "Web", message: "ec2:DescribeSecurityGroups: AccessDenied" };
    const partial = await f.store.recordScan(STACK, outcome("u2", "2026-11-02T10:00:00.000Z", [key], { unjudged: ["Web"], errors: [readError] }));
    assert.deepEqual(fps(partial.resolved), [db.fingerprint], "Db was judged and is clean; Web could not be read");
    assert.equal(await statusOf(f, web.fingerprint), "NEW", "an unjudged resource keeps its findings as they were");
    assert.equal(await statusOf(f, db.fingerprint), "RESOLVED");
    assert.equal(partial.open, 2);

    const unreadable = { target: "web", message: "cloudformation:GetTemplate: Throttling" };
    const incomplete = await f.store.recordScan(STACK, outcome("u3", "2026-11-03T10:00:00.000Z", [], { complete: false, errors: [unreadable] }));
    assert.deepEqual(incomplete.resolved, []);
    assert.equal(await statusOf(f, web.fingerprint), "NEW");
    assert.equal(await statusOf(f, key.fingerprint), "OPEN");
    assert.equal(incomplete.open, 2);

    const records = await f.store.scans(STACK);
    assert.deepEqual(records.map((r) => r.scanId), ["u3", "u2", "u1"], "newest first");
    assert.equal(records[0]!.complete, false);
    assert.deepEqual(records[0]!.errors, [unreadable]);
    assert.deepEqual(records[1]!.errors, [readError]);
    assert.deepEqual(records[1]!.unjudged, ["Web"]);
    assert.equal(records[1]!.counts.resolved, 1);
  });

  it("records the same scanId once: the second call changes nothing and says alreadyRecorded", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const a = finding("Web", "ec2-open-ssh");
    const b = finding("Db", "rds-public");
    const first = await f.store.recordScan(STACK, outcome("msg-1", "2026-11-01T10:00:00.000Z", [a, b]));
    const before = await allItems(f);

    // The redelivery re-ran the scan: a later start and different findings. None of it may land.
    const again = await f.store.recordScan(STACK, outcome("msg-1", "2026-11-01T10:05:00.000Z", [a, finding("Key", "kms-public")]));
    assert.equal(again.alreadyRecorded, true);
    assert.deepEqual(again.new, []);
    assert.deepEqual(again.resolved, []);
    assert.deepEqual(again.regressed, []);
    assert.equal(again.open, first.open);
    assert.deepEqual(await allItems(f), before, "not one attribute of one item changed");
    assert.equal((await f.store.scans(STACK)).length, 1);

    // A different message id is a new scan.
    const next = await f.store.recordScan(STACK, outcome("msg-2", "2026-11-01T11:00:00.000Z", [a]));
    assert.equal(next.alreadyRecorded, false);
    assert.deepEqual(fps(next.resolved), [b.fingerprint]);
  });

  it("a redelivery waits while another invocation records the id, and takes over one that died", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const a = finding("Web", "ec2-open-ssh");
    const b = finding("Db", "rds-public");
    // An invocation died after its claim and its first finding write (simulated with the items it would have written).
    const firstStart = "2026-11-01T10:00:00.000Z";
    await f.raw.send(
      new PutCommand({
        TableName: f.tableName,
        Item: { pk: stackPk(STACK), sk: idempotencySk("msg-9"), type: "IDEMPOTENCY", scanId: "msg-9", state: "RECORDING", startedAt: firstStart, owner: "dead", leaseUntil: f.clock.now.getTime() + 60_000, expiresAt: 1 },
      }),
    );
    await assert.rejects(f.store.recordScan(STACK, outcome("msg-9", "2026-11-01T10:20:00.000Z", [a, b])), ScanInProgressError);
    assert.deepEqual(await f.store.findings(STACK), [], "nothing written while the lease holds");

    // What the dead invocation had written under its scanMark.
    const dead = new FindingsStore({ tableName: f.tableName, target: f.target, now: () => f.clock.now });
    await dead.recordScan(STACK, outcome("other", firstStart, [a]));
    await f.raw.send(
      new PutCommand({
        TableName: f.tableName,
        Item: { ...(await rawFinding(f, a.fingerprint))!, scanMark: `${firstStart}#msg-9`, lastScanId: "msg-9" },
      }),
    );

    f.clock.now = new Date(f.clock.now.getTime() + 120_000); // lease ran out
    const taken = await f.store.recordScan(STACK, outcome("msg-9", "2026-11-01T10:20:00.000Z", [a, b]));
    assert.equal(taken.alreadyRecorded, false);
    assert.deepEqual(fps(taken.new), fps([a, b]), "the takeover reports what the dead attempt wrote under its scan mark as new too (its write is not repeated: a stays NEW, written once)");
    assert.equal(await statusOf(f, a.fingerprint), "NEW");
    const records = await f.store.scans(STACK);
    assert.ok(records.some((r) => r.scanId === "msg-9" && r.startedAt === firstStart), "recorded under the first attempt's start");
    const again = await f.store.recordScan(STACK, outcome("msg-9", "2026-11-01T10:30:00.000Z", [a, b]));
    assert.equal(again.alreadyRecorded, true);
  });

  it("two concurrent scans of one stack leave a consistent state: no lost or duplicated finding, each NEW once", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    for (let round = 0; round < 3; round++) {
      const key: StackKey = { ...STACK, stack: `busy-${round}` };
      const make = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => finding(`${prefix}${i}`, "ec2-open-ssh", { key, severity: i % 2 ? "high" : "critical" }));
      const earlier = make("Old", 8); // stored before, seen by both scans
      const gone = make("Gone", 6); // stored before, seen by neither: resolved
      const shared = make("Shared", 30);
      const onlyOlder = make("OnlyOlder", 8);
      const onlyNewer = make("OnlyNewer", 8);
      await f.store.recordScan(key, outcome(`seed-${round}`, "2026-11-01T09:00:00.000Z", [...earlier, ...gone]));

      const older = outcome(`older-${round}`, "2026-11-01T10:00:00.000Z", [...earlier, ...shared, ...onlyOlder]);
      const newer = outcome(`newer-${round}`, "2026-11-01T10:00:01.000Z", [...earlier, ...shared, ...onlyNewer]);
      const [r1, r2]: RecordResult[] = await Promise.all([f.store.recordScan(key, older), f.store.recordScan(key, newer)]);
      assert.ok(r1 && r2);

      const items = await allItems(f, key);
      const findingItems = items.filter((item) => String(item.sk).startsWith("FINDING#"));
      const all = [...earlier, ...gone, ...shared, ...onlyOlder, ...onlyNewer];
      assert.deepEqual(findingItems.map((item) => item.fingerprint).sort(), fps(all), "exactly one item per fingerprint, none lost");

      const newOnce = [...r1.new, ...r2.new].map((x) => x.fingerprint);
      assert.equal(new Set(newOnce).size, newOnce.length, "no fingerprint reported NEW twice");
      assert.deepEqual([...newOnce].sort(), fps([...shared, ...onlyOlder, ...onlyNewer]), "every first sighting reported NEW once");

      const byFp = new Map(findingItems.map((item) => [item.fingerprint as string, item]));
      for (const x of shared) {
        const item = byFp.get(x.fingerprint)!;
        // Newer first: the older scan skips it (stays NEW). Older first: the newer one sees it again (OPEN).
        const olderWasFirst = r1.new.some((n) => n.fingerprint === x.fingerprint);
        assert.equal(item.status, olderWasFirst ? "OPEN" : "NEW", `shared ${x.resource.logicalId}`);
        assert.equal(item.lastSeen, newer.startedAt, "the newer scan's view wins");
        assert.equal(item.scanMark, `${newer.startedAt}#${newer.scanId}`);
      }
      for (const x of onlyNewer) assert.equal(byFp.get(x.fingerprint)!.status, "NEW", "the older scan never resolves what the newer one saw");
      for (const x of onlyOlder) {
        const item = byFp.get(x.fingerprint)!;
        // Resolved by the newer scan when it read the stack after the older scan wrote it; NEW otherwise (next scan resolves).
        assert.ok(item.status === "NEW" || (item.status === "RESOLVED" && r2.resolved.some((r) => r.fingerprint === x.fingerprint)), `onlyOlder ${x.resource.logicalId}: ${item.status}`);
      }
      for (const x of earlier) assert.equal(byFp.get(x.fingerprint)!.status, "OPEN");
      for (const x of gone) assert.equal(byFp.get(x.fingerprint)!.status, "RESOLVED");
      const resolvedBoth = [...r1.resolved, ...r2.resolved].map((x) => x.fingerprint);
      assert.equal(new Set(resolvedBoth).size, resolvedBoth.length, "no finding resolved twice");
      for (const x of gone) assert.ok(resolvedBoth.includes(x.fingerprint));
      assert.equal(items.filter((item) => String(item.sk).startsWith("SCAN#")).length, 3, "seed + both scans recorded");
    }
  });

  it("an older scan recorded after a newer one does not override what the newer one decided", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const a = finding("Web", "ec2-open-ssh");
    const b = finding("Db", "rds-public");
    await f.store.recordScan(STACK, outcome("n0", "2026-11-01T08:00:00.000Z", [a, b]));
    await f.store.recordScan(STACK, outcome("n2", "2026-11-01T10:00:00.000Z", [a])); // b RESOLVED
    const late = await f.store.recordScan(STACK, outcome("n1", "2026-11-01T09:00:00.000Z", [b])); // started before n2
    assert.equal(late.alreadyRecorded, false);
    assert.deepEqual(late.resolved, [], "a was seen by the newer scan");
    assert.deepEqual(late.regressed, [], "b was resolved by the newer scan");
    assert.equal(await statusOf(f, a.fingerprint), "OPEN");
    assert.equal(await statusOf(f, b.fingerprint), "RESOLVED");
    assert.equal((await rawFinding(f, a.fingerprint))?.lastSeen, "2026-11-01T10:00:00.000Z");
    assert.deepEqual((await f.store.scans(STACK)).map((s) => s.scanId), ["n2", "n1", "n0"], "the late scan is still recorded, in time order");
  });

  it("keeps an alert pending until markNotified, across a failed publish and the next scan", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const critical = finding("Web", "ec2-open-ssh", { severity: "critical" });
    const high = finding("Db", "rds-public", { severity: "high" });
    const low = finding("Log", "logs-unencrypted", { severity: "low" });
    await f.store.recordScan(STACK, outcome("p1", "2026-11-01T10:00:00.000Z", [low, high, critical]));
    let pending = await f.store.pendingAlerts(STACK, "high");
    assert.deepEqual(pending.map((x) => x.resource.logicalId), ["Web", "Db"], "at or above the threshold, highest first");
    assert.deepEqual(fps(await f.store.pendingAlerts(STACK, "info")), fps([critical, high, low]));

    // The publish failed: nothing marked. The next scan makes them OPEN, and they are still due.
    await f.store.recordScan(STACK, outcome("p2", "2026-11-02T10:00:00.000Z", [low, high, critical]));
    pending = await f.store.pendingAlerts(STACK, "high");
    assert.deepEqual(pending.map((x) => [x.resource.logicalId, x.status]), [
      ["Web", "OPEN"],
      ["Db", "OPEN"],
    ]);

    f.clock.now = new Date("2026-11-02T10:01:00.000Z");
    await f.store.markNotified(STACK, pending.map((x) => x.fingerprint), "sns-msg-1");
    assert.deepEqual(await f.store.pendingAlerts(STACK, "high"), []);
    const stored = (await f.store.findings(STACK)).find((x) => x.fingerprint === critical.fingerprint)!;
    assert.equal(stored.notified, true);
    assert.equal(stored.notifiedAt, "2026-11-02T10:01:00.000Z");
    assert.equal(stored.messageId, "sns-msg-1");

    // A second mark (a duplicate run) keeps the first message id; an unknown fingerprint creates nothing.
    await f.store.markNotified(STACK, [critical.fingerprint, "0".repeat(32)], "sns-msg-2");
    assert.equal((await rawFinding(f, critical.fingerprint))?.messageId, "sns-msg-1");
    assert.equal(await rawFinding(f, "0".repeat(32)), undefined);
    // A resolved finding is not pending.
    await f.store.recordScan(STACK, outcome("p3", "2026-11-03T10:00:00.000Z", [critical, high]));
    assert.deepEqual(await f.store.pendingAlerts(STACK, "info"), []);
  });

  it("lists open findings by severity over every stack through the sparse GSI", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const other: StackKey = { account: "210987654321", region: "eu-west-1", stack: "api" };
    const h1 = finding("Web", "ec2-open-ssh", { severity: "high" });
    const h2 = finding("Db", "rds-public", { severity: "high" });
    const c1 = finding("Key", "kms-public", { severity: "critical" });
    const h3 = finding("Api", "apigw-no-auth", { severity: "high", key: other });
    const hs = finding("Cache", "sg-wide", { severity: "high", key: other, suppressed: { reason: "lab" } });
    await f.store.recordScan(STACK, outcome("g1", "2026-11-01T10:00:00.000Z", [h1, h2, c1]));
    await f.store.recordScan(other, outcome("g2", "2026-11-01T11:00:00.000Z", [h3, hs]));
    await f.store.recordScan(STACK, outcome("g3", "2026-11-01T12:00:00.000Z", [h1, c1])); // h2 RESOLVED

    const high = await f.store.openBySeverity("high");
    assert.deepEqual(high.map((x) => `${x.stack.name}/${x.resource.logicalId}/${x.status}`), ["web/Web/OPEN", "api/Api/NEW"], "newest lastSeen first; no RESOLVED, no SUPPRESSED");
    assert.deepEqual((await f.store.openBySeverity("critical")).map((x) => x.resource.logicalId), ["Key"]);
    assert.deepEqual(await f.store.openBySeverity("low"), []);

    // The by-rule GSI holds findings only (scan records and markers carry no ruleId).
    const byRule = await f.raw.send(new QueryCommand({ TableName: f.tableName, IndexName: "by-rule", KeyConditionExpression: "ruleId = :r", ExpressionAttributeValues: { ":r": "rds-public" } }));
    assert.deepEqual((byRule.Items ?? []).map((item) => [item.pk, item.status]), [[stackPk(STACK), "RESOLVED"]]);
  });

  it("keeps a scan record per scan: time, counts, errors, duration, TTL", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const a = finding("Web", "ec2-open-ssh", { severity: "critical" });
    const b = finding("Db", "rds-public", { severity: "medium" });
    const s = finding("Bucket", "s3-public", { suppressed: { reason: "site" } });
    const errors = Array.from({ length: 130 }, (_, i) => ({ target: "web", resource: `R${i}`, message: `read failed ${i}` }));
    f.clock.now = new Date("2026-11-01T10:00:05.000Z");
    await f.store.recordScan(STACK, outcome("r1", "2026-11-01T10:00:00.000Z", [a, b, s], { durationMs: 4321.4, errors, unjudged: ["R1"] }));
    const [record] = await f.store.scans(STACK);
    assert.ok(record);
    assert.equal(record.scanId, "r1");
    assert.equal(record.startedAt, "2026-11-01T10:00:00.000Z");
    assert.equal(record.recordedAt, "2026-11-01T10:00:05.000Z");
    assert.equal(record.durationMs, 4321);
    assert.equal(record.complete, true);
    assert.deepEqual(record.counts, {
      findings: 3,
      new: 2,
      regressed: 0,
      resolved: 0,
      open: 2,
      suppressed: 1,
      errors: 130,
      unjudged: 1,
      bySeverity: { critical: 1, high: 0, medium: 1, low: 0, info: 0 },
    });
    assert.equal(record.errors.length, 100);
    assert.equal(record.errorsOmitted, 30);
    assert.deepEqual(record.errors[0], errors[0]);
    const raw = (await allItems(f)).find((item) => String(item.sk).startsWith("SCAN#"))!;
    assert.equal(raw.sk, "SCAN#2026-11-01T10:00:00.000Z#r1");
    assert.equal(raw.expiresAt, epoch("2026-11-01T10:00:00.000Z") + 90 * DAY);
  });

  it("keeps a finding with huge evidence under DynamoDB's item limit, with a truncation marker", async (t) => {
    const f = await fixture(t);
    if (!f) return;
    const big = finding("Policy", "iam-wildcard", { evidence: { document: "x".repeat(600_000), statements: 4 } });
    const result = await f.store.recordScan(STACK, outcome("big", "2026-11-01T10:00:00.000Z", [big]));
    assert.equal(result.new.length, 1);
    const raw = (await rawFinding(f, big.fingerprint))!;
    assert.ok(Buffer.byteLength(JSON.stringify(raw)) < 400_000, "under 400 KB");
    assert.equal(raw.evidenceTruncated, true);
    const stored = (await f.store.findings(STACK))[0]!;
    assert.match(String(stored.evidence._truncated), /evidence truncated by StackWarden: \d+ bytes/);
    assert.ok(String(stored.evidence.preview).startsWith('{"document":"xxx'));
    // Seen again with small evidence: the marker goes away.
    await f.store.recordScan(STACK, outcome("small", "2026-11-02T10:00:00.000Z", [finding("Policy", "iam-wildcard", { evidence: { statements: 1 } })]));
    assert.equal((await rawFinding(f, big.fingerprint))?.evidenceTruncated, undefined);
    assert.deepEqual((await f.store.findings(STACK))[0]!.evidence, { statements: 1 });
  });
});
