/** Why something could not be read from AWS. */
export type ReadFailureKind =
  | "access-denied"
  | "throttled"
  | "timeout"
  | "server-error"
  | "not-found"
  | "malformed-response"
  | "unsupported"
  | "error";

/** One read that failed: the scan goes on, records it in `errors` and reports what it could not judge. */
export interface ReadFailure {
  service: string;
  operation: string;
  kind: ReadFailureKind;
  message: string;
  /** The physical id (or ARN, or name) the read was about; absent for region-wide reads. */
  target?: string;
  /** A batched read: every physical id it was about. */
  targets?: string[];
}

/** A response in a shape AWS does not send (an emulator's quirk, a truncated body): the reader says what it expected. */
export class MalformedResponseError extends Error {
  override name = "MalformedResponseError";
}

const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized|UnrecognizedClient|InvalidClientTokenId|ExpiredToken|AuthFailure|SignatureDoesNotMatch|OptInRequired/i;
const THROTTLED = /Throttl|RequestLimitExceeded|TooManyRequests|SlowDown|RequestThrottled|LimitExceededException|ProvisionedThroughputExceeded/i;
const TIMEOUT = /Timeout|TimedOut|ETIMEDOUT|ECONNRESET|socket hang up/i;
const NOT_FOUND = /NotFound|NoSuch(?!BucketPolicy)|Nonexistent|DoesNotExist|ResourceNotFoundException|NotExist|InvalidParameterValue.*does not exist/i;
const UNSUPPORTED = /NotImplemented|InvalidAction|UnknownOperation|UnsupportedOperation|not yet implemented/i;

/** Sorts an SDK error (or any thrown value) into a failure a person can act on. */
export function classifyFailure(error: unknown, service: string, operation: string, target?: string): ReadFailure {
  const failure = (kind: ReadFailureKind, message: string): ReadFailure => ({ service, operation, kind, message, ...(target !== undefined ? { target } : {}) });
  if (error instanceof MalformedResponseError) return failure("malformed-response", error.message);
  const record = (error && typeof error === "object" ? error : {}) as { name?: string; message?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const name = record.name ?? record.code ?? "Error";
  const detail = `${name}: ${firstLine(record.message ?? String(error))}`;
  const status = record.$metadata?.httpStatusCode;
  if (ACCESS_DENIED.test(name) || status === 403) return failure("access-denied", `access denied (${detail}); grant ${service}:${operation} to the scanning role`);
  if (THROTTLED.test(name) || status === 429) return failure("throttled", `still throttled after retries (${detail})`);
  if (TIMEOUT.test(name) || TIMEOUT.test(record.message ?? "")) return failure("timeout", `timed out (${detail})`);
  if (UNSUPPORTED.test(name) || status === 501) return failure("unsupported", `not supported by this endpoint (${detail})`);
  if (NOT_FOUND.test(name) || status === 404) return failure("not-found", `not found (${detail})`);
  if ((status !== undefined && status >= 500) || record.$fault === "server") return failure("server-error", `AWS answered with a server error${status ? ` ${status}` : ""} (${detail})`);
  if (error instanceof SyntaxError || /Deserializ|parse|Unexpected token|Expected/i.test(`${name} ${record.message ?? ""}`)) {
    return failure("malformed-response", `the response could not be read (${detail})`);
  }
  return failure("error", detail);
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
