/**
 * A loopback HTTP proxy in front of moto that answers chosen calls the way a failing AWS does: throttling, access
 * denied, a 5xx, a response that never comes, a body that is not what the protocol promises. Requests go through the
 * real SDK clients (signing, retry, timeouts), which aws-sdk-client-mock would bypass.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault = "throttle" | "access-denied" | "server-error" | "timeout" | "malformed";

export interface FaultRule {
  /** The signing name in the request's credential scope: "ec2", "kms", "s3", "rds", "iam", ... */
  service: string;
  /** One operation ("DescribeSecurityGroups") or several; every operation of the service when absent. */
  operation?: string | readonly string[];
  fault: Fault;
  /** Answer with the fault this many times, then pass the calls through; forever when absent. */
  times?: number;
  /**
   * Answer with the fault only the first this-many attempts of each call (the SDK numbers them in amz-sdk-request),
   * so every call of the service fails, then succeeds on its retry.
   */
  attempts?: number;
  /** Let this many matching requests through first (an invocation that dies after its Nth write). */
  after?: number;
  /** The error code to answer instead of the fault's usual one (JSON protocols): "ProvisionedThroughputExceededException"... */
  code?: string;
}

export interface FaultProxy {
  endpoint: string;
  /** Requests seen, by "service:Operation" (S3 and other REST calls by "s3:METHOD"). */
  requests: Map<string, number>;
  /** Faults answered, by "service:Operation". */
  injected: Map<string, number>;
  setRules(rules: FaultRule[]): void;
  close(): Promise<void>;
}

/** JSON-protocol services (X-Amz-Target) and query-protocol services (Action= in the body) answer errors differently. */
function operationOf(request: IncomingMessage, body: string): { operation: string; protocol: "json" | "query" | "rest" } {
  const target = request.headers["x-amz-target"];
  if (typeof target === "string") return { operation: target.split(".").pop()!, protocol: "json" };
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (action) return { operation: action, protocol: "query" };
  return { operation: request.method ?? "GET", protocol: "rest" };
}

/** The SDK's attempt number of this request ("attempt=2; max=3"); 1 when the header is absent. */
function attemptOf(request: IncomingMessage): number {
  return Number(/attempt=(\d+)/.exec(String(request.headers["amz-sdk-request"] ?? ""))?.[1] ?? 1);
}

function serviceOf(request: IncomingMessage): string {
  return /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(request.headers.authorization ?? "")?.[1] ?? "unknown";
}

const ERROR_CODES: Record<Exclude<Fault, "timeout" | "malformed">, { json: string; query: string; ec2: string; status: number; ec2Status: number }> = {
  throttle: { json: "ThrottlingException", query: "Throttling", ec2: "RequestLimitExceeded", status: 400, ec2Status: 503 },
  "access-denied": { json: "AccessDeniedException", query: "AccessDenied", ec2: "UnauthorizedOperation", status: 403, ec2Status: 403 },
  "server-error": { json: "InternalFailure", query: "InternalFailure", ec2: "InternalError", status: 500, ec2Status: 500 },
};

/** REST services that answer in XML; the other REST services (API Gateway, Lambda, Security Hub...) answer in JSON. */
const XML_REST_SERVICES = new Set(["s3", "cloudfront", "route53"]);

/** REST-JSON errors: the error type in a header, the HTTP status as each service documents it. */
const REST_JSON_ERRORS: Record<Exclude<Fault, "timeout" | "malformed">, { type: string; status: number }> = {
  throttle: { type: "TooManyRequestsException", status: 429 },
  "access-denied": { type: "AccessDeniedException", status: 403 },
  "server-error": { type: "ServiceException", status: 500 },
};

function answerFault(response: ServerResponse, fault: Fault, service: string, protocol: "json" | "query" | "rest", code?: string): void {
  if (fault === "timeout") return; // never answered: the client's request timeout ends it
  if (fault === "malformed") {
    const json = protocol === "json" || (protocol === "rest" && !XML_REST_SERVICES.has(service));
    response.writeHead(200, { "content-type": json ? "application/x-amz-json-1.1" : "text/xml" });
    response.end(json ? '{"truncated": ' : "<Response><Unclosed");
    return;
  }
  const codes = ERROR_CODES[fault];
  const message = fault === "access-denied" ? `User: arn:aws:iam::123456789012:user/scanner is not authorized to perform this operation` : "injected fault";
  if (protocol === "json") {
    const type = code ?? codes.json;
    response.writeHead(codes.status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type });
    response.end(JSON.stringify({ __type: type, message }));
  } else if (service === "ec2") {
    response.writeHead(codes.ec2Status, { "content-type": "text/xml" });
    response.end(`<Response><Errors><Error><Code>${codes.ec2}</Code><Message>${message}</Message></Error></Errors><RequestID>fault</RequestID></Response>`);
  } else if (protocol === "query") {
    response.writeHead(codes.status, { "content-type": "text/xml" });
    response.end(`<ErrorResponse><Error><Type>Sender</Type><Code>${codes.query}</Code><Message>${message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`);
  } else if (!XML_REST_SERVICES.has(service)) {
    const { type, status } = REST_JSON_ERRORS[fault];
    response.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
    response.end(JSON.stringify({ message }));
  } else {
    const code = fault === "throttle" ? "SlowDown" : fault === "access-denied" ? "AccessDenied" : "InternalError";
    response.writeHead(fault === "throttle" ? 503 : codes.status, { "content-type": "application/xml" });
    response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault</RequestId></Error>`);
  }
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  let rules: (FaultRule & { used: number; passed: number })[] = [];
  const requests = new Map<string, number>();
  const injected = new Map<string, number>();
  const held = new Set<ServerResponse>();
  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const service = serviceOf(incoming);
      const { operation, protocol } = operationOf(incoming, body.toString("utf8"));
      const key = `${service}:${operation}`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
      const attempt = attemptOf(incoming);
      const rule = rules.find(
        (candidate) =>
          candidate.service === service &&
          (!candidate.operation || (typeof candidate.operation === "string" ? candidate.operation === operation : candidate.operation.includes(operation))) &&
          (candidate.times === undefined || candidate.used < candidate.times) &&
          (candidate.attempts === undefined || attempt <= candidate.attempts),
      );
      if (rule && rule.after !== undefined && rule.passed < rule.after) rule.passed += 1;
      else if (rule) {
        rule.used += 1;
        injected.set(key, (injected.get(key) ?? 0) + 1);
        if (rule.fault === "timeout") held.add(response);
        answerFault(response, rule.fault, service, protocol, rule.code);
        return;
      }
      const forward = request(
        { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
        (upstreamResponse) => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(response);
        },
      );
      forward.on("error", (error) => {
        response.writeHead(502);
        response.end(String(error));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    injected,
    setRules(next) {
      rules = next.map((rule) => ({ ...rule, used: 0, passed: 0 }));
      requests.clear();
      injected.clear();
    },
    async close() {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
