/**
 * The findings store when DynamoDB pushes back: throttling (ProvisionedThroughputExceededException, ThrottlingException)
 * and transaction conflicts answered by a fault proxy in front of moto's DynamoDB, through the real SDK client, and
 * real conditional-check races between concurrent recordings of one stack (different scans, and one scan delivered
 * twice). Each ends with every fingerprint stored once, in the status a single undisturbed recording gives.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { fingerprintOf, type Finding } from "../../shared/findings/finding.ts";
import { createFindingsTable, FindingsStore, ScanInProgressError, stackPk, type RecordResult, type ScanOutcome, type StackKey } from "../../shared/findings/store.ts";
import { awsClient, type AwsTarget } from "../../shared/live/clients.ts";
import { startFaultProxy, type FaultProxy, type FaultRule } from "../live/fault-proxy.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoForTests } from "../live/moto.ts";

const moto = motoForTests();
const STACK: StackKey = { account: MOTO_ACCOUNT, region: MOTO_REGION, stack: "web" };
const CLOCK = new Date("2026-11-23T12:00:00.000Z");

function finding(logicalId: string, ruleId = "ec2-sg-ingress-open-admin-port"): Finding {
  return {
    ruleId,
    severity: "high",
    title: `${ruleId} title`,
    message: `${logicalId} breaks ${ruleId}`,
    source: "live",
    resource: { logicalId, type: "AWS::EC2::SecurityGroup", physicalId: `sg-${logicalId.toLowerCase()}` },
    stack: { name: STACK.stack, region: STACK.region, account: STACK.account },
    evidence: { port: 22, cidr: "0.0.0.0/0" },
    remediation: `fix ${ruleId}`,
    fingerprint: fingerprintOf({ account: STACK.account, region: STACK.region, stack: STACK.stack, logicalId, ruleId }),
    status: "OPEN",
  };
}

const many = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => finding(`${prefix}${index}`));

function outcome(scanId: string, startedAt: string, findings: Finding[]): ScanOutcome {
  return { scanId, startedAt, durationMs: 1000, findings, errors: [], unjudged: [], complete: true };
}

/** Three scans: first sight, one resolved and one new, then the resolved one back (regressed). */
const KEPT = many("Kept", 10);
const FIXED = finding("Fixed");
const LATER = finding("Later");
const SEQUENCE = [
  outcome("scan-1", "2026-11-23T09:00:00.000Z", [...KEPT, FIXED]),
  outcome("scan-2", "2026-11-23T10:00:00.000Z", [...KEPT, LATER]),
  outcome("scan-3", "2026-11-23T11:00:00.000Z", [...KEPT, LATER, FIXED]),
];

/** The writes recordScan makes (PutItem for new items and records, UpdateItem for the rest). */
const WRITES = ["PutItem", "UpdateItem"];

describe("findings store under DynamoDB throttling, conflicts and races", () => {
  const proxies: FaultProxy[] = [];
  let tables = 0;

  after(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  /**
   * A new table; a store that reaches it through a new proxy (so a new client: the adaptive retry's send rate, lowered
   * by one test's throttling, does not carry into the next), and a client that reads the table directly.
   */
  async function table(): Promise<{ proxy: FaultProxy; throughProxy: FindingsStore; direct: FindingsStore; items: () => Promise<Record<string, unknown>[]> }> {
    const direct: AwsTarget = { region: MOTO_REGION, endpointUrl: moto.server!.endpoint };
    const tableName = `store-faults-${++tables}`;
    await createFindingsTable(direct, tableName);
    const raw = DynamoDBDocumentClient.from(awsClient(DynamoDBClient, direct));
    const proxy = await startFaultProxy(moto.server!.endpoint);
    proxies.push(proxy);
    return {
      proxy,
      throughProxy: new FindingsStore({ tableName, target: { region: MOTO_REGION, endpointUrl: proxy.endpoint, maxAttempts: 3 }, now: () => CLOCK }),
      direct: new FindingsStore({ tableName, target: direct, now: () => CLOCK }),
      async items() {
        const page = await raw.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": stackPk(STACK) }, ConsistentRead: true }));
        assert.equal(page.LastEvaluatedKey, undefined);
        // The marker's owner is a random id per recording; everything else is decided by the scans and the clock.
        return (page.Items ?? []).map(({ owner: _owner, ...item }) => item).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
      },
    };
  }

  /** The table the sequence leaves when nothing goes wrong. */
  async function undisturbed(): Promise<Record<string, unknown>[]> {
    const reference = await table();
    for (const scan of SEQUENCE) await reference.direct.recordScan(STACK, scan);
    return reference.items();
  }

  function injected(proxy: FaultProxy, operations: readonly string[]): number {
    return [...proxy.injected].filter(([call]) => operations.some((operation) => call === `dynamodb:${operation}`)).reduce((sum, [, count]) => sum + count, 0);
  }

  /**
   * Throttling and conflicts come in bursts: every call throttled would drive the adaptive retry's send rate to a crawl,
   * and a conflict answered to every attempt would never end.
   */
  const BURST = 6;
  const throttles: { name: string; rules: FaultRule[]; operations: string[]; least: number }[] = [
    {
      name: `ProvisionedThroughputExceededException on the first attempt of ${BURST} calls`,
      rules: [{ service: "dynamodb", fault: "throttle", code: "ProvisionedThroughputExceededException", attempts: 1, times: BURST }],
      operations: ["PutItem", "UpdateItem", "Query"],
      least: BURST,
    },
    {
      name: `ThrottlingException on the first two attempts of writes, ${BURST} of each kind`,
      rules: WRITES.map((operation) => ({ service: "dynamodb", operation, fault: "throttle", code: "ThrottlingException", attempts: 2, times: BURST })),
      operations: WRITES,
      least: 2 * BURST,
    },
    {
      name: `TransactionConflictException on ${BURST} writes of each kind`,
      rules: WRITES.map((operation) => ({ service: "dynamodb", operation, fault: "throttle", code: "TransactionConflictException", times: BURST })),
      operations: WRITES,
      least: 2 * BURST,
    },
  ];

  for (const { name, rules, operations, least } of throttles) {
    it(`${name}: retried, the table ends as without it`, async (t) => {
      if (!moto.need(t)) return;
      const expected = await undisturbed();
      const disturbed = await table();
      disturbed.proxy.setRules(rules);
      const results: RecordResult[] = [];
      for (const scan of SEQUENCE) results.push(await disturbed.throughProxy.recordScan(STACK, scan));
      const faults = injected(disturbed.proxy, operations);
      assert.ok(faults >= least, `the faults were answered: ${faults} of at least ${least}`);
      assert.deepEqual(await disturbed.items(), expected);
      assert.deepEqual(
        results.map((result) => [result.new.length, result.resolved.length, result.regressed.length, result.open]),
        [
          [KEPT.length + 1, 0, 0, KEPT.length + 1],
          [1, 1, 0, KEPT.length + 1],
          [0, 0, 1, KEPT.length + 2],
        ],
      );
      t.diagnostic(`${faults} faults injected over ${SEQUENCE.length} recordings`);
    });
  }

  it("two scans of one stack recorded at once, under throttling: each fingerprint once, each change reported once, counts right", async (t) => {
    if (!moto.need(t)) return;
    let conflicts = 0;
    for (let round = 0; round < 2; round++) {
      const store = await table();
      const { proxy } = store;
      const shared = many("Shared", 16);
      const gone = many("Gone", 5);
      const appeared = many("Appeared", 5);
      await store.direct.recordScan(STACK, outcome(`seed-${round}`, "2026-11-23T09:00:00.000Z", [...shared, ...gone]));
      proxy.setRules([{ service: "dynamodb", fault: "throttle", code: "ProvisionedThroughputExceededException", attempts: 1, times: BURST }]);
      // The schedule's scan and a deploy event's scan of the unchanged stack, a second apart.
      const [older, newer] = await Promise.all([
        store.throughProxy.recordScan(STACK, outcome(`schedule-${round}`, "2026-11-23T10:00:00.000Z", [...shared, ...appeared])),
        store.throughProxy.recordScan(STACK, outcome(`deploy-${round}`, "2026-11-23T10:00:01.000Z", [...shared, ...appeared])),
      ]);
      // A conditional write that lost re-reads the item (GetItem): the race happened.
      conflicts += proxy.requests.get("dynamodb:GetItem") ?? 0;
      const items = (await store.items()).filter((item) => String(item.sk).startsWith("FINDING#"));
      const status = new Map(items.map((item) => [item.fingerprint as string, item.status]));
      assert.equal(items.length, status.size, "one item per fingerprint");
      assert.equal(items.length, shared.length + gone.length + appeared.length, "none lost");
      for (const kept of shared) assert.equal(status.get(kept.fingerprint), "OPEN");
      for (const fixed of gone) assert.equal(status.get(fixed.fingerprint), "RESOLVED");
      for (const found of appeared) assert.ok(["NEW", "OPEN"].includes(String(status.get(found.fingerprint))), `${found.resource.logicalId}: ${status.get(found.fingerprint)}`);
      const reportedNew = [...older!.new, ...newer!.new].map((item) => item.fingerprint).sort();
      const reportedResolved = [...older!.resolved, ...newer!.resolved].map((item) => item.fingerprint).sort();
      assert.deepEqual(reportedNew, appeared.map((item) => item.fingerprint).sort(), "each new finding reported new once");
      assert.deepEqual(reportedResolved, gone.map((item) => item.fingerprint).sort(), "each fixed finding reported resolved once");
      assert.equal(newer!.open, shared.length + appeared.length);
      assert.equal(older!.open, shared.length + appeared.length);
      const pending = await store.direct.pendingAlerts(STACK, "high");
      assert.deepEqual(pending.map((item) => item.fingerprint).sort(), [...shared, ...appeared].map((item) => item.fingerprint).sort(), "nothing was alerted yet: every open finding is pending once");
    }
    assert.ok(conflicts > 0, "the concurrent recordings raced on some items");
    t.diagnostic(`${conflicts} conditional writes lost a race and were re-read`);
  });

  it("one scan delivered twice and recorded at once (a redelivery racing itself): recorded once", async (t) => {
    if (!moto.need(t)) return;
    const expected = await undisturbed();
    const store = await table();
    for (const [index, scan] of SEQUENCE.entries()) {
      store.proxy.setRules([{ service: "dynamodb", fault: "throttle", code: "ProvisionedThroughputExceededException", attempts: 1, times: BURST }]);
      // The second delivery re-ran the scan: a later start. Only one of the two may land.
      const later = { ...scan, startedAt: new Date(Date.parse(scan.startedAt) + 60_000).toISOString() };
      const settled = await Promise.allSettled([store.throughProxy.recordScan(STACK, scan), store.throughProxy.recordScan(STACK, later)]);
      const recorded = settled.filter((result) => result.status === "fulfilled" && !result.value.alreadyRecorded);
      assert.equal(recorded.length, 1, `scan ${index + 1}: recorded by one delivery: ${JSON.stringify(settled.map((result) => result.status === "fulfilled" ? result.value.alreadyRecorded : String(result.reason)))}`);
      for (const result of settled) {
        if (result.status === "rejected") assert.ok(result.reason instanceof ScanInProgressError, String(result.reason));
        else if (result.value.alreadyRecorded) assert.equal(result.value.new.length + result.value.resolved.length + result.value.regressed.length, 0);
      }
      // The delivery that was told to retry later finds it recorded.
      assert.equal((await store.direct.recordScan(STACK, later)).alreadyRecorded, true);
    }
    // Whichever delivery won each time, the items are the undisturbed ones except where its start differs.
    const items = await store.items();
    const strip = (list: Record<string, unknown>[]) =>
      list.map((item) => (String(item.sk).startsWith("FINDING#") ? { fingerprint: item.fingerprint, status: item.status, regressed: item.regressed, notified: item.notified, lastScanId: item.lastScanId } : { type: item.type, scanId: item.scanId, state: item.state, counts: item.counts }));
    assert.deepEqual(strip(items), strip(expected));
  });
});
