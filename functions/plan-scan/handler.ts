/** PlanScan: the EventBridge schedule (or a manual {"regions": [...]}) -> one ScanRequest per active stack on the queue. */
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { redactedError, SHAPE_REDACTOR } from "../../shared/findings/redact.ts";
import { serviceConfigFromEnv } from "../../shared/service/config.ts";
import { InvalidMessageError, parsePlanEvent } from "../../shared/service/messages.ts";
import { planScan, type PlanResult } from "../../shared/service/plan.ts";
import { serviceTelemetry } from "../../shared/service/telemetry.ts";

const telemetry = serviceTelemetry();
const MAX_LOGGED_SCOPES = 20;

export type PlanScanResponse = ({ ok: true } & PlanResult) | { ok: false; error: string };

export const handler = async (event: unknown, context?: Context): Promise<PlanScanResponse> => {
  const { logger, metrics } = telemetry;
  logger.resetKeys();
  if (context) logger.addContext(context);
  try {
    let trigger;
    try {
      trigger = parsePlanEvent(event);
    } catch (error) {
      if (!(error instanceof InvalidMessageError)) throw error;
      // Retrying an event the planner does not take would fail the same way: answered, not thrown.
      logger.error("event rejected", { reason: SHAPE_REDACTOR.text(error.message) });
      metrics.addMetric("MessagesRejected", MetricUnit.Count, 1);
      return { ok: false, error: error.message };
    }
    if (typeof (event as { id?: unknown }).id === "string") logger.setCorrelationId((event as { id: string }).id);
    const base = serviceConfigFromEnv();
    const config = trigger.reason === "manual" ? { ...base, regions: trigger.regions } : base;
    const result = await planScan(config, trigger.reason === "schedule" ? trigger.time : undefined, { reason: trigger.reason });
    logger.info("scan planned", {
      reason: trigger.reason,
      regions: config.regions,
      requests: result.requests,
      planned: result.planned,
      stacks: result.stacks,
      batches: result.batches,
      // One scope per account and region: an organization has thousands, and one log line must stay short.
      scopes: result.scopes.slice(0, MAX_LOGGED_SCOPES),
      ...(result.scopes.length > MAX_LOGGED_SCOPES ? { scopesNotLogged: result.scopes.length - MAX_LOGGED_SCOPES } : {}),
    });
    if (result.errors.length > 0) logger.error("planning was incomplete", { planErrors: result.errors.map((planError) => SHAPE_REDACTOR.text(planError)) });
    metrics.addMetric("StacksPlanned", MetricUnit.Count, result.stacks);
    metrics.addMetric("RequestsQueued", MetricUnit.Count, result.requests);
    metrics.addMetric("PlanErrors", MetricUnit.Count, result.errors.length);
    return { ok: true, ...result };
  } catch (error) {
    logger.error("planning failed", { error: redactedError(error) });
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
};
