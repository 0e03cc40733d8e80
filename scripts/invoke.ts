/**
 * Runs one Lambda handler locally, in this process, with an event file:
 *
 *   npm run invoke -- <function> <event file>        e.g. npm run invoke -- scan-stack events/sqs-scan-requests.json
 *
 * The handler reads its configuration from the environment exactly as in Lambda (TABLE_NAME, TOPIC_ARN, QUEUE_URL,
 * TARGET_REGIONS, ...); AWS_ENDPOINT_URL points every client at an emulator (moto). An EventBridge event or a bare
 * ScanRequest given to scan-stack is wrapped in a one-record SQS batch, as the queue would deliver it.
 * Prints the handler's response as JSON on stdout (the handler's own logs go to stdout too, one JSON line each).
 * Exit codes: 0 the handler returned, 1 it threw, 2 usage or input errors.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";

const FUNCTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "functions");
const USAGE = "usage: npm run invoke -- <function> <event file>";

function functions(): string[] {
  return readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(FUNCTIONS_DIR, entry.name, "handler.ts")))
    .map((entry) => entry.name)
    .sort();
}

function fail(message: string): never {
  process.stderr.write(`invoke: ${message}\n`);
  process.exit(2);
}

/** What SQS would hand scan-stack for a message body: the event's own batch, or one record around it. */
function asSqsEvent(event: unknown, region: string): unknown {
  if (event && typeof event === "object" && Array.isArray((event as { Records?: unknown }).Records)) return event;
  const body = JSON.stringify(event);
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: "local-invoke",
        body,
        attributes: { ApproximateReceiveCount: "1", SentTimestamp: now, SenderId: "local-invoke", ApproximateFirstReceiveTimestamp: now },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:${region}:000000000000:local-invoke`,
        awsRegion: region,
      },
    ],
  };
}

function localContext(name: string, region: string): Context {
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `stackwarden-${name}-local`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:stackwarden-${name}-local`,
    memoryLimitInMB: "1024",
    awsRequestId,
    logGroupName: `/aws/lambda/stackwarden-${name}-local`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function main(argv: string[]): Promise<number> {
  const [name, file, ...rest] = argv;
  if (!name || !file || rest.length > 0) fail(`${USAGE}\n  functions: ${functions().join(", ")}`);
  if (!functions().includes(name)) fail(`no function "${name}" (functions: ${functions().join(", ")})`);
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(resolve(file), "utf8"));
  } catch (error) {
    fail(`cannot read the event file ${file}: ${(error as Error).message}`);
  }
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  process.env.AWS_REGION ??= region;
  if (!process.env.AWS_ENDPOINT_URL) process.stderr.write("invoke: AWS_ENDPOINT_URL is not set: the handler talks to real AWS with your credentials\n");
  if (name === "scan-stack") event = asSqsEvent(event, region);

  const module = (await import(pathToFileURL(join(FUNCTIONS_DIR, name, "handler.ts")).href)) as { handler: (event: unknown, context: Context) => Promise<unknown> };
  const started = performance.now();
  try {
    const response = await module.handler(event, localContext(name, region));
    process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
    process.stderr.write(`invoke: ${name} returned in ${Math.round(performance.now() - started)} ms\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`invoke: ${name} threw after ${Math.round(performance.now() - started)} ms: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
