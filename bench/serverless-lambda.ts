/**
 * One simulated scan-stack Lambda execution environment, as a worker thread of bench/serverless.ts: its own module
 * instances (so its own SDK clients, client cache and adaptive-retry state, as a Lambda container has), its own
 * environment (the function's: TABLE_NAME, TOPIC_ARN, AWS_ENDPOINT_URL = the simulated account), and the handler's
 * work per invocation (functions/scan-stack/handler.ts: the configuration from the environment, scanBatch on the SQS
 * event, the stored metrics published). It takes one event at a time from the parent (the event source's poller),
 * answers with what the invocation did, and exits when told.
 */
import { parentPort } from "node:worker_threads";

export interface InvocationReport {
  durationMs: number;
  batchItemFailures: string[];
  records: { messageId: string; outcome: string; request?: string; reason?: string; errors: number; throttledErrors: number; apiCalls: number; scanMs: number; totalMs: number }[];
  /** The invocation failed as a whole (the handler threw). */
  error?: string;
}

export type ToLambda = { event: { Records: unknown[] } } | { stop: true };
export type FromLambda = { ready: true; initMs: number } | { report: InvocationReport };

const port = parentPort;
if (!port) throw new Error("bench/serverless-lambda.ts runs as a worker thread of bench/serverless.ts");

const initStarted = performance.now();
const [{ RULE_IDS }, { scanBatch }, { serviceConfigFromEnv }, { serviceTelemetry }] = await Promise.all([
  import("../shared/rules/index.ts"),
  import("../shared/service/batch.ts"),
  import("../shared/service/config.ts"),
  import("../shared/service/telemetry.ts"),
]);
const telemetry = serviceTelemetry();
port.postMessage({ ready: true, initMs: performance.now() - initStarted } satisfies FromLambda);

port.on("message", async (message: ToLambda) => {
  if ("stop" in message) {
    port.close();
    return;
  }
  const started = performance.now();
  telemetry.logger.resetKeys();
  let report: InvocationReport;
  try {
    const config = serviceConfigFromEnv(process.env, { knownRuleIds: RULE_IDS });
    const result = await scanBatch(message.event, config, telemetry);
    report = {
      durationMs: performance.now() - started,
      batchItemFailures: result.batchItemFailures.map((failure) => failure.itemIdentifier),
      records: result.records.map((record) => ({
        messageId: record.messageId,
        outcome: record.outcome,
        ...(record.request ? { request: record.request } : {}),
        ...(record.reason ? { reason: record.reason } : {}),
        errors: record.result?.errors ?? 0,
        throttledErrors: record.result?.errorMessages.filter((text) => /throttl|rate exceeded|slow ?down|request limit/i.test(text)).length ?? 0,
        apiCalls: record.result?.apiCalls ?? 0,
        scanMs: record.result?.scanDurationMs ?? 0,
        totalMs: record.result?.durationMs ?? 0,
      })),
    };
  } catch (error) {
    // The handler rethrows: the whole batch comes back, as SQS delivers it again.
    const records = message.event.Records as { messageId: string }[];
    report = { durationMs: performance.now() - started, batchItemFailures: records.map((record) => record.messageId), records: [], error: `${(error as Error).name}: ${(error as Error).message}` };
  } finally {
    telemetry.metrics.publishStoredMetrics();
  }
  port.postMessage({ report } satisfies FromLambda);
});
