/** The Powertools logger (service "stackwarden") and metrics (namespace "StackWarden") the handlers share. */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

export const SERVICE_NAME = "stackwarden";
export const METRICS_NAMESPACE = "StackWarden";

export interface Telemetry {
  logger: Logger;
  metrics: Metrics;
}

/** The Powertools logger and metrics every handler uses (one per module: Lambda reuses them across invocations). */
export function serviceTelemetry(): Telemetry {
  return { logger: new Logger({ serviceName: SERVICE_NAME }), metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }) };
}
