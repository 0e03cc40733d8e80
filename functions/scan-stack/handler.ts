/** ScanStack: an SQS batch of ScanRequests (or stack status change events) -> one scan per message -> partial batch failures. */
import type { Context, SQSBatchResponse } from "aws-lambda";
import { redactedError } from "../../shared/findings/redact.ts";
import { RULE_IDS } from "../../shared/rules/index.ts";
import { scanBatch } from "../../shared/service/batch.ts";
import { serviceConfigFromEnv } from "../../shared/service/config.ts";
import { serviceTelemetry } from "../../shared/service/telemetry.ts";

const telemetry = serviceTelemetry();

export const handler = async (event: unknown, context?: Context): Promise<SQSBatchResponse> => {
  // Keys of the previous invocation (correlation id, message id) must not leak into this one.
  telemetry.logger.resetKeys();
  if (context) telemetry.logger.addContext(context);
  try {
    // A broken environment fails the whole batch: every message comes back (and reaches the DLQ) until it is fixed.
    const config = serviceConfigFromEnv(process.env, { knownRuleIds: RULE_IDS });
    const { batchItemFailures } = await scanBatch(event, config, telemetry);
    return { batchItemFailures };
  } catch (error) {
    telemetry.logger.error("invocation failed; the whole batch will be delivered again", { error: redactedError(error) });
    throw error;
  } finally {
    telemetry.metrics.publishStoredMetrics();
  }
};
