/**
 * Two deliveries of one stack's scan at once (two messages, and one message twice): one alert. A scan-stack invocation
 * that dies part-way through its writes (a Lambda timeout: it never writes again), then the same SQS message (same
 * messageId) delivered again to a fresh invocation once the queue's visibility timeout let it back: for every write
 * position it can die at, the table ends as a run that never failed leaves it, and one alert is published when it died
 * before SNS took the alert. When it died after, while marking the findings notified, the redelivery publishes it again
 * (at least once: a standard SNS topic cannot deduplicate, and marking before publishing would lose the alert instead).
 * The dying invocation reaches DynamoDB through a fault proxy that lets N writes through and never answers the next.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import type { SQSEvent } from "aws-lambda";
import { FindingsStore, type StackKey } from "../../shared/findings/store.ts";
import { scanBatch } from "../../shared/service/batch.ts";
import { serviceConfigFromEnv } from "../../shared/service/config.ts";
import { METRICS_NAMESPACE, SERVICE_NAME, type Telemetry } from "../../shared/service/telemetry.ts";
import { startFaultProxy, type FaultProxy } from "../live/fault-proxy.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoClientConfig, motoForTests } from "../live/moto.ts";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { deployStack, inboxAlerts, openAdminPortTemplate, serviceOnMoto, sqsRecordOf, type ServiceOnMoto } from "./helpers.ts";

const moto = motoForTests();
const STACK = "web";
const KEY: StackKey = { account: MOTO_ACCOUNT, region: MOTO_REGION, stack: STACK };
const STARTED = new Date("2026-11-23T12:00:00.000Z");
/** The queue's visibility timeout (infra/template.yaml: 1080 s) has passed when the message comes back. */
const REDELIVERED = new Date(STARTED.getTime() + 1_080_000);
const WRITES = ["PutItem", "UpdateItem"];
/** Write positions tried at once (each on its own table, topic and inbox). */
const POSITION_CONCURRENCY = 3;

/** Logs and metrics nowhere: the abandoned invocation ends after the test and must not write into its output. */
function silentTelemetry(): Telemetry {
  return { logger: new Logger({ serviceName: SERVICE_NAME, logLevel: "SILENT" }), metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }) };
}

function eventFor(service: ServiceOnMoto): SQSEvent {
  const body = JSON.stringify({ kind: "stack", account: MOTO_ACCOUNT, region: MOTO_REGION, stack: STACK, reason: "schedule" });
  return { Records: [sqsRecordOf({ MessageId: "message-1", ReceiptHandle: "receipt-1", Body: body, MD5OfBody: "" }, service.queueArn)] };
}

/** What a run leaves: each finding's lifecycle, the scan records' counts and the alerts published. */
async function outcomeOf(service: ServiceOnMoto, endpoint: string) {
  const store = new FindingsStore({ tableName: service.tableName, target: { region: MOTO_REGION, endpointUrl: endpoint } });
  const findings = (await store.findings(KEY)).map((finding) => ({ fingerprint: finding.fingerprint, ruleId: finding.ruleId, status: finding.status, notified: finding.notified, regressed: finding.regressed }));
  const scans = (await store.scans(KEY)).map((scan) => ({ scanId: scan.scanId, complete: scan.complete, counts: scan.counts }));
  const alerts = (await inboxAlerts(service)).map((alert) => ({ subject: alert.subject, stack: alert.attributes.stack, severity: alert.attributes.severity }));
  return { findings, scans, alerts };
}

describe("a scan-stack invocation that dies mid-write, and the message delivered again", () => {
  let reference: Awaited<ReturnType<typeof outcomeOf>>;
  let writes = 0;
  let services = 0;
  const proxies: FaultProxy[] = [];

  async function newService(endpoint: string): Promise<ServiceOnMoto> {
    return serviceOnMoto(endpoint, `cut-${++services}`);
  }

  function configFor(service: ServiceOnMoto, endpoint: string) {
    return serviceConfigFromEnv({ ...service.env, AWS_ENDPOINT_URL: endpoint });
  }

  before(async () => {
    if (!moto.server) return;
    await deployStack(new CloudFormationClient(motoClientConfig(moto.server.endpoint)), STACK, openAdminPortTemplate(22));
  });
  after(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it("a run that never fails: the reference, and the number of writes it makes", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const service = await newService(server.endpoint);
    const counter = await startFaultProxy(server.endpoint);
    proxies.push(counter);
    const result = await scanBatch(eventFor(service), configFor(service, counter.endpoint), silentTelemetry(), { now: () => STARTED });
    assert.deepEqual(result.batchItemFailures, []);
    writes = WRITES.reduce((sum, operation) => sum + (counter.requests.get(`dynamodb:${operation}`) ?? 0), 0);
    reference = await outcomeOf(service, server.endpoint);
    assert.equal(reference.alerts.length, 1, "one alert");
    assert.ok(reference.findings.some((finding) => finding.notified), "the alert carried the high finding");
    assert.ok(writes > reference.findings.length + 3, `the claim, one write per finding, the scan record, the marker, the alert's claims and marks: ${writes}`);
    t.diagnostic(`${reference.findings.length} findings, ${writes} DynamoDB writes, ${reference.alerts.length} alert`);
  });

  it("dies after each write position, then the redelivery: the same table, one alert", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    assert.ok(writes > 0, "the reference ran first");
    const positions = Array.from({ length: writes }, (_, index) => index);
    const results: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: POSITION_CONCURRENCY }, async () => {
        while (next < positions.length) {
          const position = positions[next++]!;
          results.push(await diesAfter(server.endpoint, position));
        }
      }),
    );
    t.diagnostic(`write positions tried: ${positions.length} (0..${writes - 1}); ${results.sort().join("; ")}`);
  });

  it("two deliveries at once (schedule and deploy event; one message delivered twice): the same table, one alert", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    assert.ok(reference, "the reference ran first");
    for (const messageIds of [["schedule-1", "deploy-1"], ["message-1", "message-1"]]) {
      const service = await newService(server.endpoint);
      const config = configFor(service, server.endpoint);
      const [record] = eventFor(service).Records;
      const runs = await Promise.all(messageIds.map((messageId) => scanBatch({ Records: [{ ...record!, messageId }] }, config, silentTelemetry(), { now: () => STARTED })));
      // A delivery told another one is recording the same message comes back later, and finds it recorded.
      for (const [index, run] of runs.entries()) {
        if (run.batchItemFailures.length > 0) assert.deepEqual((await scanBatch({ Records: [{ ...record!, messageId: messageIds[index]! }] }, config, silentTelemetry(), { now: () => REDELIVERED })).batchItemFailures, []);
      }
      const outcome = await outcomeOf(service, server.endpoint);
      assert.deepEqual(outcome.findings.map(({ fingerprint, ruleId, notified }) => ({ fingerprint, ruleId, notified })), reference.findings.map(({ fingerprint, ruleId, notified }) => ({ fingerprint, ruleId, notified })), messageIds.join(" + "));
      assert.equal(outcome.scans.length, new Set(messageIds).size, `${messageIds.join(" + ")}: one record per message`);
      assert.deepEqual(outcome.alerts, reference.alerts, `${messageIds.join(" + ")}: one alert`);
    }
  });

  async function diesAfter(endpoint: string, position: number): Promise<string> {
    const service = await newService(endpoint);
    const proxy = await startFaultProxy(endpoint);
    proxies.push(proxy);
    proxy.setRules([{ service: "dynamodb", operation: WRITES, fault: "timeout", after: position }]);
    const event = eventFor(service);
    // The invocation that dies: its next write never returns, and Lambda ends it (here: it is abandoned).
    const dying = scanBatch(event, configFor(service, proxy.endpoint), silentTelemetry(), { now: () => STARTED }).catch((error: unknown) => error);
    while (proxy.injected.size === 0) {
      const settled = await Promise.race([dying.then(() => "ended"), new Promise((resolve) => setTimeout(resolve, 50, "waiting"))]);
      assert.equal(settled, "waiting", `position ${position}: the invocation ended before its write ${position + 1}`);
    }

    const redelivered = await scanBatch(event, configFor(service, endpoint), silentTelemetry(), { now: () => REDELIVERED });
    assert.deepEqual(redelivered.batchItemFailures, [], `position ${position}: ${JSON.stringify(redelivered.records)}`);
    const outcome = await outcomeOf(service, endpoint);
    assert.deepEqual(outcome.findings, reference.findings, `position ${position}: the findings as a run that never failed leaves them`);
    assert.deepEqual(outcome.scans, reference.scans, `position ${position}: one scan record, the same counts`);
    // Before SNS took the alert: the recording (its claim, one write per finding, all first seen, the scan record, the
    // marker) and the claims of the findings to alert. After it: the marks that they were notified.
    const beforePublish = reference.findings.length + 3 + reference.findings.filter((finding) => finding.notified).length;
    const expectedAlerts = position < beforePublish ? reference.alerts : [...reference.alerts, ...reference.alerts];
    assert.deepEqual(outcome.alerts, expectedAlerts, `position ${position}: ${expectedAlerts.length} alert(s)`);
    const takenOver = redelivered.records[0]?.result?.alreadyRecorded ? "already recorded" : "recorded";
    return `${String(position).padStart(2)}: ${takenOver}, ${outcome.alerts.length} alert(s)`;
  }
});
