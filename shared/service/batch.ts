/**
 * The scan-stack Lambda's work on one SQS batch: each record is parsed, scanned and recorded on its own. A message
 * that can never be served (malformed, an ignored stack status) is acknowledged and logged with the reason; a scan
 * that fails, or whose table write fails, is reported in batchItemFailures so SQS delivers it again (and after the
 * queue's maxReceiveCount, to the dead-letter queue).
 */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSBatchItemFailure, SQSBatchResponse, SQSRecord } from "aws-lambda";
import { redactedError, SHAPE_REDACTOR } from "../findings/redact.ts";
import type { ServiceConfig } from "./config.ts";
import { describeRequest, IgnoredEventError, InvalidMessageError, parseQueueMessage, type ScanRequest } from "./messages.ts";
import { scanRequest, type ScanRequestOptions, type ScanRequestResult } from "./scan-request.ts";
import type { Telemetry } from "./telemetry.ts";

export interface BatchResult extends SQSBatchResponse {
  /** Per record, in order: what happened (for logs, invoke and tests). */
  records: { messageId: string; outcome: "scanned" | "rejected" | "ignored" | "failed"; request?: string; reason?: string; result?: ScanRequestResult }[];
}

/** Checks the event is an SQS batch; returns the records or throws InvalidMessageError with the reason. */
export function sqsRecordsOf(event: unknown): SQSRecord[] {
  if (!event || typeof event !== "object" || !Array.isArray((event as { Records?: unknown }).Records)) {
    throw new InvalidMessageError(`scan-stack takes an SQS event ({"Records": [...]}), not ${JSON.stringify(event)?.slice(0, 120)}`);
  }
  return (event as { Records: SQSRecord[] }).Records;
}

export async function scanBatch(event: unknown, config: ServiceConfig, telemetry: Telemetry, options: ScanRequestOptions = {}): Promise<BatchResult> {
  const { logger, metrics } = telemetry;
  let records: SQSRecord[];
  try {
    records = sqsRecordsOf(event);
  } catch (error) {
    // Not an SQS batch: nothing to redeliver, and retrying the invocation would fail the same way.
    logger.error("event rejected", { reason: SHAPE_REDACTOR.text((error as Error).message) });
    metrics.addMetric("MessagesRejected", MetricUnit.Count, 1);
    return { batchItemFailures: [], records: [] };
  }
  const batchItemFailures: SQSBatchItemFailure[] = [];
  const results: BatchResult["records"] = [];
  for (const record of records) {
    const messageId = typeof record?.messageId === "string" && record.messageId !== "" ? record.messageId : undefined;
    if (!messageId) {
      logger.error("record rejected", { reason: "an SQS record without a messageId (it cannot be acknowledged or retried on its own)" });
      metrics.addMetric("MessagesRejected", MetricUnit.Count, 1);
      continue;
    }
    logger.setCorrelationId(messageId);
    logger.appendKeys({ messageId, receiveCount: record.attributes?.ApproximateReceiveCount });
    try {
      let request: ScanRequest;
      try {
        request = parseQueueMessage(typeof record.body === "string" ? record.body : "");
      } catch (error) {
        if (!(error instanceof InvalidMessageError)) throw error;
        const ignored = error instanceof IgnoredEventError;
        const reason = SHAPE_REDACTOR.text(error.message);
        if (ignored) logger.info("event ignored", { reason });
        else logger.error("message rejected (acknowledged, not retried)", { reason });
        metrics.addMetric(ignored ? "EventsIgnored" : "MessagesRejected", MetricUnit.Count, 1);
        results.push({ messageId, outcome: ignored ? "ignored" : "rejected", reason: error.message });
        continue;
      }
      const name = describeRequest(request);
      logger.appendKeys({ stack: name, kind: request.kind, reason: request.reason });
      try {
        const result = await scanRequest(request, messageId, config, options);
        recordOutcome(telemetry, result);
        results.push({ messageId, outcome: "scanned", request: name, result });
      } catch (error) {
        if (error instanceof InvalidMessageError) {
          logger.error("request rejected (acknowledged, not retried)", { reason: SHAPE_REDACTOR.text(error.message) });
          metrics.addMetric("MessagesRejected", MetricUnit.Count, 1);
          results.push({ messageId, outcome: "rejected", request: name, reason: error.message });
          continue;
        }
        logger.error("scan failed; SQS will deliver the message again", { error: redactedError(error) });
        metrics.addMetric("ScanFailures", MetricUnit.Count, 1);
        batchItemFailures.push({ itemIdentifier: messageId });
        results.push({ messageId, outcome: "failed", request: name, reason: `${(error as Error).name}: ${(error as Error).message}` });
      }
    } finally {
      logger.removeKeys(["correlation_id", "messageId", "receiveCount", "stack", "kind", "reason"]);
    }
  }
  return { batchItemFailures, records: results };
}

/** Logs one scan's summary and adds its metrics (FindingsNew per severity, ScanDurationMs, ApiErrors, alerts). */
function recordOutcome(telemetry: Telemetry, result: ScanRequestResult): void {
  const { logger, metrics } = telemetry;
  const summary = {
    new: result.new,
    regressed: result.regressed,
    resolved: result.resolved,
    open: result.open,
    suppressed: result.suppressed,
    alertsPublished: result.alertsPublished,
    errors: result.errors,
    complete: result.complete,
    alreadyRecorded: result.alreadyRecorded,
    apiCalls: result.apiCalls,
    durationMs: result.durationMs,
  };
  if (result.alreadyRecorded) logger.info("scan already recorded (a redelivery): the table is unchanged", summary);
  else logger.info("stack scanned", summary);
  if (result.errors > 0) logger.warn("the scan could not read or judge everything", { scanErrors: result.errorMessages.slice(0, 20).map((message) => SHAPE_REDACTOR.text(message)), more: Math.max(0, result.errorMessages.length - 20) });
  if (result.alertError) logger.error("alert not published; the findings stay pending and the next scan sends them", { alertError: SHAPE_REDACTOR.text(result.alertError), pending: result.alerted });

  metrics.addMetric("ScanDurationMs", MetricUnit.Milliseconds, result.scanDurationMs);
  metrics.addMetric("ApiErrors", MetricUnit.Count, result.errors);
  metrics.addMetric("AlertsPublished", MetricUnit.Count, result.alertsPublished);
  if (result.alertError) metrics.addMetric("AlertPublishFailures", MetricUnit.Count, 1);
  for (const [severity, count] of Object.entries(result.newBySeverity)) {
    if (count === 0) continue;
    // One EMF document per severity: a dimension applies to every metric of its document.
    metrics.singleMetric().addDimension("Severity", severity).addMetric("FindingsNew", MetricUnit.Count, count);
  }
}
