/**
 * What the scan queue carries: a ScanRequest (JSON, sent by planScan or by hand), or an EventBridge
 * "CloudFormation Stack Status Change" event (the on-deploy rule targets the same queue, so deploy scans share the
 * scanner's concurrency limit). parseQueueMessage turns either into a ScanRequest or says precisely why it cannot.
 */

export type ScanReason = "schedule" | "deploy" | "manual";

export type ScanRequest =
  | { kind: "stack"; account: string; region: string; stack: string; roleArn?: string; reason: ScanReason }
  | { kind: "account"; account: string; region: string; roleArn?: string; reason: "schedule" | "manual" };

/** A message the scanner cannot use: acknowledged (never retried: it would fail the same way), logged with the reason. */
export class InvalidMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidMessageError";
  }
}

/**
 * A well-formed event that asks for nothing (a stack status that is not a completed create, update or import):
 * acknowledged and logged like an invalid message, but it is not a problem. A subclass so that callers that only
 * know InvalidMessageError still acknowledge it.
 */
export class IgnoredEventError extends InvalidMessageError {
  readonly ignored = true;
  constructor(message: string) {
    super(message);
    this.name = "IgnoredEventError";
  }
}

/** Stack statuses after which the stack is settled and worth scanning at once. */
export const DEPLOY_STATUSES: ReadonlySet<string> = new Set(["CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"]);

export const STACK_STATUS_CHANGE = "CloudFormation Stack Status Change";

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
/** CloudFormation stack names: a letter, then letters, digits and hyphens, 128 at most. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const STACK_ARN = /^arn:aws[a-z-]*:cloudformation:([a-z0-9-]+):(\d{12}):stack\/([A-Za-z][A-Za-z0-9-]{0,127})\/[\w-]+$/;
const REASONS = new Set(["schedule", "deploy", "manual"]);
/** SQS's limit; a body larger than this did not come through SQS. */
const MAX_BODY = 262_144;

const REQUEST_KEYS: Record<ScanRequest["kind"], ReadonlySet<string>> = {
  stack: new Set(["kind", "account", "region", "stack", "roleArn", "reason"]),
  account: new Set(["kind", "account", "region", "roleArn", "reason"]),
};

/** A queue message's body as a ScanRequest; throws InvalidMessageError (or IgnoredEventError) with the reason. */
export function parseQueueMessage(body: string): ScanRequest {
  if (typeof body !== "string" || body.trim() === "") throw new InvalidMessageError("the message body is empty");
  if (body.length > MAX_BODY) throw new InvalidMessageError(`the message body is ${body.length} characters, more than SQS carries`);
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    throw new InvalidMessageError(`the message body is not JSON (${(error as Error).message}): ${preview(body)}`);
  }
  if (!document || typeof document !== "object" || Array.isArray(document)) throw new InvalidMessageError(`the message body is not a JSON object: ${preview(body)}`);
  const input = document as Record<string, unknown>;
  if ("detail-type" in input || "source" in input) return fromEventBridge(input);
  if ("kind" in input) return scanRequestOf(input);
  throw new InvalidMessageError(`the message is neither a ScanRequest (no "kind") nor an EventBridge event (no "detail-type"): ${preview(body)}`);
}

/** Checks a ScanRequest field by field; every problem is named. */
export function scanRequestOf(input: Record<string, unknown>): ScanRequest {
  const kind = input.kind;
  if (kind !== "stack" && kind !== "account") throw new InvalidMessageError(`ScanRequest.kind must be "stack" or "account", not ${JSON.stringify(kind)}`);
  const problems: string[] = [];
  for (const key of Object.keys(input)) if (!REQUEST_KEYS[kind].has(key)) problems.push(`unknown field "${key}"`);
  if (typeof input.account !== "string" || !ACCOUNT.test(input.account)) problems.push(`account must be a 12-digit account id, not ${JSON.stringify(input.account)}`);
  if (typeof input.region !== "string" || !REGION.test(input.region)) problems.push(`region must be an AWS region name, not ${JSON.stringify(input.region)}`);
  if (kind === "stack" && (typeof input.stack !== "string" || !STACK_NAME.test(input.stack))) problems.push(`stack must be a stack name, not ${JSON.stringify(input.stack)}`);
  if (input.roleArn !== undefined) {
    const match = typeof input.roleArn === "string" ? ROLE_ARN.exec(input.roleArn) : null;
    if (!match) problems.push(`roleArn must be an IAM role ARN, not ${JSON.stringify(input.roleArn)}`);
    else if (typeof input.account === "string" && match[1] !== input.account) problems.push(`roleArn ${input.roleArn} is in account ${match[1]}, not the account to scan (${input.account})`);
  }
  if (typeof input.reason !== "string" || !REASONS.has(input.reason)) problems.push(`reason must be one of schedule, deploy, manual, not ${JSON.stringify(input.reason)}`);
  else if (kind === "account" && input.reason === "deploy") problems.push(`an account request's reason is schedule or manual, not deploy`);
  if (problems.length > 0) throw new InvalidMessageError(`invalid ScanRequest (${kind}): ${problems.join("; ")}`);
  const common = { account: input.account as string, region: input.region as string, ...(input.roleArn !== undefined ? { roleArn: input.roleArn as string } : {}) };
  return kind === "stack"
    ? { kind, ...common, stack: input.stack as string, reason: input.reason as ScanReason }
    : { kind, ...common, reason: input.reason as "schedule" | "manual" };
}

function fromEventBridge(event: Record<string, unknown>): ScanRequest {
  const detailType = event["detail-type"];
  if (event.source !== "aws.cloudformation" || detailType !== STACK_STATUS_CHANGE) {
    throw new InvalidMessageError(`an EventBridge event the scanner does not take: source ${JSON.stringify(event.source)}, detail-type ${JSON.stringify(detailType)} (expected aws.cloudformation, "${STACK_STATUS_CHANGE}")`);
  }
  const detail = event.detail;
  if (!detail || typeof detail !== "object" || Array.isArray(detail)) throw new InvalidMessageError(`a ${STACK_STATUS_CHANGE} event without a detail object`);
  const { "stack-id": stackId, "status-details": statusDetails } = detail as Record<string, unknown>;
  const status = statusDetails && typeof statusDetails === "object" ? (statusDetails as Record<string, unknown>).status : undefined;
  if (typeof stackId !== "string") throw new InvalidMessageError(`a ${STACK_STATUS_CHANGE} event without detail["stack-id"]`);
  const match = STACK_ARN.exec(stackId);
  if (!match) throw new InvalidMessageError(`a ${STACK_STATUS_CHANGE} event whose stack-id is not a stack ARN: ${JSON.stringify(stackId)}`);
  if (typeof status !== "string") throw new InvalidMessageError(`a ${STACK_STATUS_CHANGE} event for ${match[3]} without detail["status-details"].status`);
  if (!DEPLOY_STATUSES.has(status)) throw new IgnoredEventError(`stack ${match[3]} (${match[2]} ${match[1]}) is ${status}: only ${[...DEPLOY_STATUSES].join(", ")} start a scan`);
  if (!REGION.test(match[1]!)) throw new InvalidMessageError(`a ${STACK_STATUS_CHANGE} event whose stack-id names no AWS region: ${JSON.stringify(stackId)}`);
  return { kind: "stack", account: match[2]!, region: match[1]!, stack: match[3]!, reason: "deploy" };
}

/** A short, single-line excerpt of a body for an error message (bodies are untrusted and may be huge). */
function preview(body: string): string {
  const line = body.replace(/\s+/g, " ").trim();
  return JSON.stringify(line.length > 120 ? `${line.slice(0, 120)}…` : line);
}

/** A stable, readable name for a request in logs: "123456789012/eu-west-1/app" or "123456789012/eu-west-1 (account)". */
export function describeRequest(request: ScanRequest): string {
  return request.kind === "stack" ? `${request.account}/${request.region}/${request.stack}` : `${request.account}/${request.region} (account)`;
}

/** What started the planner: the EventBridge schedule, or a person with `{"regions": [...]}` (manual override). */
export type PlanTrigger = { reason: "schedule"; time?: Date } | { reason: "manual"; regions: string[] };

export function parsePlanEvent(event: unknown): PlanTrigger {
  if (!event || typeof event !== "object" || Array.isArray(event)) throw new InvalidMessageError(`plan-scan takes an EventBridge scheduled event or {"regions": [...]}, not ${JSON.stringify(event)?.slice(0, 120)}`);
  const input = event as Record<string, unknown>;
  if ("detail-type" in input || "source" in input) {
    if (input["detail-type"] !== "Scheduled Event" || input.source !== "aws.events") {
      throw new InvalidMessageError(`plan-scan takes scheduled events only (source aws.events, detail-type "Scheduled Event"), not source ${JSON.stringify(input.source)}, detail-type ${JSON.stringify(input["detail-type"])}`);
    }
    const time = typeof input.time === "string" && !Number.isNaN(Date.parse(input.time)) ? new Date(input.time) : undefined;
    return { reason: "schedule", ...(time ? { time } : {}) };
  }
  const keys = Object.keys(input);
  if (keys.length === 1 && keys[0] === "regions") {
    const regions = input.regions;
    if (!Array.isArray(regions) || regions.length === 0) throw new InvalidMessageError(`"regions" must be a non-empty list of region names`);
    const wrong = regions.filter((region) => typeof region !== "string" || !REGION.test(region));
    if (wrong.length > 0) throw new InvalidMessageError(`"regions" holds values that are not AWS region names: ${JSON.stringify(wrong)}`);
    return { reason: "manual", regions: [...new Set(regions as string[])] };
  }
  throw new InvalidMessageError(`plan-scan takes an EventBridge scheduled event or {"regions": [...]}, not an object with ${keys.length === 0 ? "no keys" : `keys ${keys.join(", ")}`}`);
}
