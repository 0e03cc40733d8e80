/**
 * `npm run bench:serverless [-- --stacks 1000 --concurrency 2,4,8,16 --plan-stacks 5000 --no-write]`: the account-wide
 * scan through the serverless path, and the memory the two Lambdas need.
 *
 * One simulated account (bench/simulated-aws.ts served over HTTP: CloudFormation, the readers' services, STS and SQS;
 * DynamoDB and SNS forwarded to a moto_server this bench starts) holds N corpus stacks. The real planner
 * (shared/service/plan.ts planScan) runs in the main thread and sends one message per stack with SendMessageBatch; the
 * simulated account keeps them. For each concurrency C the bench then serves them to C worker threads, each one
 * scan-stack execution environment (bench/serverless-lambda.ts: its own SDK clients, scanBatch on batches of up to
 * --batch-size records), until none is left. SQS's own delivery is not what is measured: the messages are handed out in
 * order from an in-process list; a message whose scan failed goes back to the end of the list (SQS delivers it again
 * after the visibility timeout), at most five receives (the queue's maxReceiveCount), then counts as dead-lettered.
 *
 * Memory, each in a fresh Node 24 process (the functions' runtime) loading the bundles scripts/build.ts builds: the
 * static engine on the largest corpus template, one scan-stack invocation on a batch of the stacks with the largest
 * templates, and one plan-scan invocation over an account of --plan-stacks stacks.
 *
 * The figures are printed and written into docs/performance.md between the serverless-bench markers.
 */
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { Worker } from "node:worker_threads";
import { DynamoDBClient, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import type { SQSRecord } from "aws-lambda";
import { MOTO_ACCOUNT, MOTO_REGION, motoClientConfig, startMotoServer } from "../cli/moto-server.ts";
import { buildFunctions } from "../scripts/build.ts";
import { createFindingsTable } from "../shared/findings/store.ts";
import { serviceConfigFromEnv } from "../shared/service/config.ts";
import { planScan } from "../shared/service/plan.ts";
import { parseTemplate } from "../shared/template/parse.ts";
import type { MemoryProbe } from "./lambda-memory.ts";
import type { FromLambda, InvocationReport, ToLambda } from "./serverless-lambda.ts";
import { serveSimulatedAws, SimulatedAws } from "./simulated-aws.ts";

const HERE = fileURLToPath(import.meta.url);
const REPO = join(dirname(HERE), "..");
const OUTPUT = join(REPO, "docs", "performance.md");
const START = "<!-- serverless-bench:start (written by bench/serverless.ts; edits between these markers are overwritten) -->";
const END = "<!-- serverless-bench:end -->";
const ACCOUNT_BENCH_END = "<!-- account-bench:end -->";
/** infra/template.yaml: the queue's redrive policy. */
const MAX_RECEIVES = 5;
const MIB = 1024 * 1024;

export interface DeployedSettings {
  scanStackMb: number;
  planScanMb: number;
  /** ScanMaximumConcurrency's default. */
  scanConcurrency: number;
}

/** The two functions' MemorySize and the scanner's default concurrency, as infra/template.yaml sets them. */
export function deployedSettings(): DeployedSettings {
  const template = parseTemplate(readFileSync(join(REPO, "infra", "template.yaml"), "utf8")).body as unknown as {
    Parameters: Record<string, { Default: number }>;
    Resources: Record<string, { Properties: { MemorySize: number } }>;
  };
  return {
    scanStackMb: template.Resources.ScanStackFunction!.Properties.MemorySize,
    planScanMb: template.Resources.PlanScanFunction!.Properties.MemorySize,
    scanConcurrency: template.Parameters.ScanMaximumConcurrency!.Default,
  };
}

// ---------------------------------------------------------------- the service on moto, the account in the simulator

export interface ServiceEnvironment {
  /** The functions' environment (as the SAM template sets it), pointed at the simulated account. */
  env: Record<string, string>;
  queueName: string;
}

/** The findings table and alerts topic on moto, and the functions' environment pointing at the simulator. */
export async function serviceEnvironment(motoEndpoint: string, simEndpoint: string, prefix: string): Promise<ServiceEnvironment> {
  const config = motoClientConfig(motoEndpoint);
  const tableName = `${prefix}-findings`;
  await createFindingsTable({ region: MOTO_REGION, endpointUrl: motoEndpoint }, tableName);
  const topicArn = (await new SNSClient(config).send(new CreateTopicCommand({ Name: `${prefix}-alerts` }))).TopicArn!;
  const queueName = `${prefix}-scan`;
  return {
    queueName,
    env: {
      TABLE_NAME: tableName,
      TOPIC_ARN: topicArn,
      // The simulated account takes the planner's SendMessageBatch calls and keeps the messages (sim.sentMessages).
      QUEUE_URL: `${simEndpoint}/${MOTO_ACCOUNT}/${queueName}`,
      TARGET_REGIONS: MOTO_REGION,
      AWS_REGION: MOTO_REGION,
      AWS_ENDPOINT_URL: simEndpoint,
      POWERTOOLS_SERVICE_NAME: "stackwarden",
      POWERTOOLS_METRICS_NAMESPACE: "StackWarden",
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: "1",
    },
  };
}

/** The messages the planner sent, as the SQS event source hands them to the function. */
function queuedRecords(sim: SimulatedAws, queueName: string): SQSRecord[] {
  const sent = String(Date.now());
  return sim.sentMessages.map((message) => ({
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: message.body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: sent, SenderId: "AROASIMULATEDPLANSCAN", ApproximateFirstReceiveTimestamp: sent },
    messageAttributes: {},
    md5OfBody: createHash("md5").update(message.body).digest("hex"),
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:${sim.region}:${sim.account}:${queueName}`,
    awsRegion: sim.region,
  }));
}

type Counts = Map<string, number>;
const copy = (map: Counts): Counts => new Map(map);
/** What a counter gained since the snapshot, summed by service ("cloudformation:GetTemplate" counts for cloudformation). */
function gained(now: Counts, before: Counts): Record<string, number> {
  const byService: Record<string, number> = {};
  for (const [key, count] of now) {
    const delta = count - (before.get(key) ?? 0);
    if (delta > 0) byService[key.split(":")[0]!] = (byService[key.split(":")[0]!] ?? 0) + delta;
  }
  return byService;
}

/** Items of a kind (sort-key prefix) in the findings table. */
export async function countItems(motoEndpoint: string, tableName: string, prefix: string): Promise<number> {
  const dynamodb = new DynamoDBClient(motoClientConfig(motoEndpoint));
  let count = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, Select: "COUNT", FilterExpression: "begins_with(sk, :prefix)", ExpressionAttributeValues: { ":prefix": { S: prefix } }, ...(start ? { ExclusiveStartKey: start } : {}) }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

// ---------------------------------------------------------------- planning

export interface PlanFigures {
  stacks: number;
  /** Messages planScan queued (a stack request per stack, an account request per account and region). */
  requests: number;
  sendMessageBatchCalls: number;
  errors: string[];
  wallS: number;
  /** Calls the simulated account answered while planning, by service (retries included). */
  requestsByService: Record<string, number>;
}

async function plan(sim: SimulatedAws, env: Record<string, string>): Promise<PlanFigures> {
  const before = copy(sim.counts.requests);
  const started = performance.now();
  const result = await planScan(serviceConfigFromEnv(env), new Date(), { reason: "schedule" });
  return {
    stacks: result.stacks,
    requests: result.requests,
    sendMessageBatchCalls: result.batches,
    errors: result.errors,
    wallS: (performance.now() - started) / 1000,
    requestsByService: gained(sim.counts.requests, before),
  };
}

// ---------------------------------------------------------------- the scan-stack function at concurrency C

export interface ConcurrencyRun {
  concurrency: number;
  batchSize: number;
  wallS: number;
  stacksPerS: number;
  invocations: number;
  /** Messages scanned (each planned message once when nothing failed), failed deliveries, dead-lettered messages. */
  scanned: number;
  scannedTwice: number;
  failedDeliveries: number;
  deadLettered: number;
  /** Scan records the findings table holds afterwards (one per scanned message). */
  tableScans: number;
  /** Module load of a cold execution environment (TypeScript through tsx here; see the bundle's figure). */
  initMsMedian: number;
  durationMs: { mean: number; p50: number; p95: number; max: number };
  /** Per scanned message, mean: the live scan (scanLive), and the rest (findings table on moto, alert). */
  scanMsMean: number;
  recordMsMean: number;
  /** Sum of invocation durations × MemorySize. */
  gbSeconds: number;
  memoryMb: number;
  /** Requests the simulated account answered (retries included), and those it answered with a throttling error, by service. */
  requests: Record<string, number>;
  throttles: Record<string, number>;
  /** Calls that still failed after the SDK's retries (scan errors naming throttling), and every scan error. */
  throttledAfterRetries: number;
  scanErrors: number;
  apiCalls: number;
  /** Whole invocations that failed (the handler threw). */
  invocationErrors: string[];
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/** A worker's entry: Node 20 does not run `--import tsx` before a worker's main module, so it registers tsx itself. */
const LAMBDA_ENTRY = new URL(`data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))}; register(); await import(${JSON.stringify(new URL("./serverless-lambda.ts", import.meta.url).href)});`)}`);

/** C execution environments, started and ready (their modules loaded), each with its own environment. */
async function startLambdas(count: number, env: Record<string, string>): Promise<{ workers: Worker[]; initMs: number[] }> {
  const workers = Array.from({ length: count }, () => {
    const worker = new Worker(LAMBDA_ENTRY, {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdout: true,
      stderr: true,
    });
    // The functions' logs and metrics (Powertools writes them to stdout) are not what is measured.
    worker.stdout.resume();
    const stderr: string[] = [];
    worker.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    worker.on("error", (error) => process.stderr.write(`scan-stack worker failed: ${error.stack ?? error.message}\n${stderr.join("").slice(-2000)}\n`));
    return worker;
  });
  const ready = await Promise.all(workers.map(async (worker) => ((await once(worker, "message")) as [FromLambda])[0]));
  return { workers, initMs: ready.map((message) => ("ready" in message ? message.initMs : 0)) };
}

async function invoke(worker: Worker, event: { Records: SQSRecord[] }): Promise<InvocationReport> {
  worker.postMessage({ event } satisfies ToLambda);
  const [message] = (await once(worker, "message")) as [FromLambda];
  if (!("report" in message)) throw new Error("a scan-stack worker answered an invocation with something other than its report");
  return message.report;
}

export async function runConcurrency(options: { sim: SimulatedAws; motoEndpoint: string; env: Record<string, string>; messages: SQSRecord[]; concurrency: number; batchSize: number; memoryMb: number; tableName: string }): Promise<ConcurrencyRun> {
  const { sim, concurrency, batchSize } = options;
  await createFindingsTable({ region: MOTO_REGION, endpointUrl: options.motoEndpoint }, options.tableName);
  const { workers, initMs } = await startLambdas(concurrency, { ...options.env, TABLE_NAME: options.tableName });
  // The previous run may have emptied the buckets: start this one with them full (CloudFormation's refills in 2 s).
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const requestsBefore = copy(sim.counts.requests);
  const throttlesBefore = copy(sim.counts.throttles);

  const queue = options.messages.map((record) => ({ record, receives: 0 }));
  const reports: InvocationReport[] = [];
  let inFlight = 0;
  let failedDeliveries = 0;
  let deadLettered = 0;
  let wake: (() => void)[] = [];
  const started = performance.now();
  const lambda = async (worker: Worker) => {
    for (;;) {
      if (queue.length === 0) {
        if (inFlight === 0) return;
        // A batch in flight may fail and bring messages back.
        await new Promise<void>((resolve) => wake.push(resolve));
        continue;
      }
      const batch = queue.splice(0, batchSize);
      inFlight += 1;
      for (const item of batch) item.receives += 1;
      const report = await invoke(worker, { Records: batch.map((item) => ({ ...item.record, attributes: { ...item.record.attributes, ApproximateReceiveCount: String(item.receives) } })) });
      reports.push(report);
      const failed = new Set(report.batchItemFailures);
      for (const item of batch) {
        if (!failed.has(item.record.messageId)) continue;
        failedDeliveries += 1;
        if (item.receives < MAX_RECEIVES) queue.push(item);
        else deadLettered += 1;
      }
      inFlight -= 1;
      const waiting = wake;
      wake = [];
      for (const resolve of waiting) resolve();
    }
  };
  await Promise.all(workers.map(lambda));
  const wallS = (performance.now() - started) / 1000;
  for (const worker of workers) worker.postMessage({ stop: true } satisfies ToLambda);
  await Promise.all(workers.map((worker) => once(worker, "exit")));

  const records = reports.flatMap((report) => report.records);
  const scannedPerMessage = new Map<string, number>();
  for (const record of records) if (record.outcome === "scanned") scannedPerMessage.set(record.messageId, (scannedPerMessage.get(record.messageId) ?? 0) + 1);
  const durations = reports.map((report) => report.durationMs).sort((a, b) => a - b);
  const totalMs = durations.reduce((sum, ms) => sum + ms, 0);
  const scanned = scannedPerMessage.size;
  const scannedRecords = records.filter((record) => record.outcome === "scanned");
  return {
    concurrency,
    batchSize,
    wallS,
    stacksPerS: scanned / wallS,
    invocations: reports.length,
    scanned,
    scannedTwice: [...scannedPerMessage.values()].filter((count) => count > 1).length,
    failedDeliveries,
    deadLettered,
    tableScans: await countItems(options.motoEndpoint, options.tableName, "SCAN#"),
    initMsMedian: percentile([...initMs].sort((a, b) => a - b), 0.5),
    durationMs: { mean: totalMs / Math.max(1, durations.length), p50: percentile(durations, 0.5), p95: percentile(durations, 0.95), max: durations.at(-1) ?? 0 },
    scanMsMean: mean(scannedRecords.map((record) => record.scanMs)),
    recordMsMean: mean(scannedRecords.map((record) => record.totalMs - record.scanMs)),
    gbSeconds: (totalMs / 1000) * (options.memoryMb / 1024),
    memoryMb: options.memoryMb,
    requests: gained(sim.counts.requests, requestsBefore),
    throttles: gained(sim.counts.throttles, throttlesBefore),
    throttledAfterRetries: records.reduce((sum, record) => sum + record.throttledErrors, 0) + records.filter((record) => record.outcome === "failed" && /throttl|rate exceeded/i.test(record.reason ?? "")).length,
    scanErrors: records.reduce((sum, record) => sum + record.errors, 0),
    apiCalls: records.reduce((sum, record) => sum + record.apiCalls, 0),
    invocationErrors: reports.flatMap((report) => (report.error ? [report.error] : [])),
  };
}

export interface ServerlessFigures {
  stacks: number;
  templates: number;
  plan: PlanFigures;
  messages: number;
  runs: ConcurrencyRun[];
  limits: SimulatedAws["limits"];
}

/** Plans an account of `stacks` stacks once, then scans the planned messages at each concurrency. */
export async function serverlessBench(options: { motoEndpoint: string; stacks: number; concurrency: number[]; batchSize: number; memoryMb: number; latencyMs: [number, number]; seed: number; prefix: string; progress?: (line: string) => void }): Promise<ServerlessFigures> {
  const sim = new SimulatedAws({ stacks: options.stacks, latencyMs: options.latencyMs, seed: options.seed });
  const server = await serveSimulatedAws(sim, { forwardTo: options.motoEndpoint });
  try {
    const { env, queueName } = await serviceEnvironment(options.motoEndpoint, server.endpoint, options.prefix);
    const planned = await plan(sim, env);
    options.progress?.(`planned ${planned.stacks} stacks: ${planned.requests} messages in ${planned.sendMessageBatchCalls} SendMessageBatch calls, ${planned.wallS.toFixed(1)} s`);
    const messages = queuedRecords(sim, queueName);
    const runs: ConcurrencyRun[] = [];
    for (const concurrency of options.concurrency) {
      const run = await runConcurrency({ sim, motoEndpoint: options.motoEndpoint, env, messages, concurrency, batchSize: options.batchSize, memoryMb: options.memoryMb, tableName: `${options.prefix}-c${concurrency}` });
      options.progress?.(`C=${concurrency}: ${run.wallS.toFixed(1)} s, ${run.stacksPerS.toFixed(2)} stacks/s, ${run.throttles.cloudformation ?? 0} CloudFormation throttles, ${run.throttledAfterRetries} failed after retries`);
      runs.push(run);
    }
    return { stacks: options.stacks, templates: new Set(sim.stacks.map((stack) => stack.templateName)).size, plan: planned, messages: messages.length, runs, limits: sim.limits };
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------- memory

export interface MemoryFigures {
  node: string;
  /** V8's old-space limit (MB) of the capped runs: the live set fits in it. */
  heapCapMb: number;
  bare: MemoryProbe;
  staticScan: MemoryProbe & { template: string; templateBytes: number };
  /** One invocation on a batch of the stacks with the largest templates. */
  scanStack: MemoryProbe & { stacks: string[] };
  scanStackCapped: MemoryProbe;
  planScan: MemoryProbe & { stacks: number; wallS: number };
  planScanCapped: MemoryProbe;
}

const execFileAsync = promisify(execFile);

/** Node 24 (the functions' runtime, the `node` devDependency) runs the erasable-TypeScript probe without a loader. */
function runtimeNode(): string {
  const local = join(REPO, "node_modules", ".bin", "node");
  return existsSync(local) ? local : process.execPath;
}

async function probe(args: string[], env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<MemoryProbe> {
  const { stdout } = await execFileAsync(runtimeNode(), [...nodeFlags, join(REPO, "bench", "lambda-memory.ts"), ...args], { maxBuffer: 64 * MIB, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: "1", POWERTOOLS_LOG_LEVEL: "ERROR", ...env } });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as MemoryProbe;
}

/** The stacks of the simulated account with the largest templates (by bytes), largest first. */
function largestStacks(sim: SimulatedAws, count: number): SimulatedAws["stacks"][number][] {
  return [...sim.stacks].sort((a, b) => Buffer.byteLength(b.body) - Buffer.byteLength(a.body)).slice(0, count);
}

export async function measureMemory(options: { motoEndpoint: string; stacks: number; planStacks: number; batchSize: number; heapCapMb: number; seed: number; workdir: string; progress?: (line: string) => void }): Promise<MemoryFigures> {
  const functions = join(options.workdir, "functions");
  await buildFunctions({ outdir: functions });
  await buildFunctions({ outdir: functions, functionsDir: join(REPO, "bench", "memory-probe") });
  const event = (name: string, value: unknown) => {
    const file = join(options.workdir, `${name}.json`);
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const capped = [`--max-old-space-size=${options.heapCapMb}`];
  const { stdout: version } = await execFileAsync(runtimeNode(), ["--version"]);
  const bare = await probe(["--probe", "bare"]);

  const sim = new SimulatedAws({ stacks: options.stacks, seed: options.seed });
  const largest = largestStacks(sim, options.batchSize);
  const [first] = largest as [SimulatedAws["stacks"][number]];
  const staticArgs = ["--probe", "bundle", "--bundle", join(functions, "static-scan", "index.mjs"), "--event", event("one-resource", { template: "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n" }), "--event", event("largest", { template: first.body, file: first.templateName })];
  const staticProbe = await probe(staticArgs);
  options.progress?.(`static scan of ${first.templateName}: peak ${staticProbe.maxRssMiB.toFixed(0)} MiB`);

  // One invocation with the batch the event source hands over: the stacks of the largest templates, the largest first.
  const batch = event("scan-largest", {
    Records: largest.map((stack, index) => ({ messageId: `memory-probe-${index}`, body: JSON.stringify({ kind: "stack", account: sim.account, region: sim.region, stack: stack.name, reason: "manual" }), attributes: { ApproximateReceiveCount: "1" } })),
  });
  const scanArgs = ["--probe", "bundle", "--bundle", join(functions, "scan-stack", "index.mjs"), "--event", batch];
  const [scanStack, scanStackCapped] = await withServedAccount(sim, options.motoEndpoint, "memory-scan", async (env) => [await probe(scanArgs, env), await probe(scanArgs, env, capped)]);
  for (const result of [scanStack, scanStackCapped]) {
    const [response] = result.detail.responses as { batchItemFailures?: unknown[] }[];
    if (!response || (response.batchItemFailures ?? []).length > 0) throw new Error(`the scan-stack memory probe did not scan its batch: ${JSON.stringify(response)}`);
  }
  options.progress?.(`scan-stack on the ${largest.length} largest templates' stacks: peak ${scanStack.maxRssMiB.toFixed(0)} MiB, ${scanStackCapped.maxRssMiB.toFixed(0)} MiB with the heap capped`);

  const planSim = new SimulatedAws({ stacks: options.planStacks, seed: options.seed });
  const scheduled = event("schedule", { source: "aws.events", "detail-type": "Scheduled Event", time: new Date().toISOString(), id: "memory-probe" });
  const planArgs = ["--probe", "bundle", "--bundle", join(functions, "plan-scan", "index.mjs"), "--event", scheduled];
  const [planProbe, planCapped] = await withServedAccount(planSim, options.motoEndpoint, "memory-plan", async (env) => [await probe(planArgs, env), await probe(planArgs, env, capped)]);
  for (const result of [planProbe, planCapped]) {
    const [response] = result.detail.responses as { ok?: boolean; stacks?: number }[];
    if (response?.ok !== true || response.stacks !== options.planStacks) throw new Error(`the plan-scan memory probe did not plan the account: ${JSON.stringify(response).slice(0, 500)}`);
  }
  options.progress?.(`plan-scan of ${options.planStacks} stacks: peak ${planProbe.maxRssMiB.toFixed(0)} MiB, ${planCapped.maxRssMiB.toFixed(0)} MiB with the heap capped`);

  return {
    node: version.trim(),
    heapCapMb: options.heapCapMb,
    bare,
    staticScan: { ...staticProbe, template: first.templateName, templateBytes: Buffer.byteLength(first.body) },
    scanStack: { ...scanStack, stacks: largest.map((stack) => `${stack.templateName} (${(Buffer.byteLength(stack.body) / 1024).toFixed(0)} KiB)`) },
    scanStackCapped,
    planScan: { ...planProbe, stacks: options.planStacks, wallS: probeWallS(planProbe) },
    planScanCapped: planCapped,
  };
}

/** Milliseconds from the probe's start to its last step, in seconds. */
const probeWallS = (result: MemoryProbe) => (result.steps.at(-1)?.ms ?? 0) / 1000;

async function withServedAccount<T>(sim: SimulatedAws, motoEndpoint: string, prefix: string, run: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const server = await serveSimulatedAws(sim, { forwardTo: motoEndpoint });
  try {
    const { env } = await serviceEnvironment(motoEndpoint, server.endpoint, prefix);
    return await run(env);
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------- the recommendation and the organization, on paper

/** The highest concurrency with no call failed after retries and CloudFormation throttles under 1% of its requests. */
export function recommendedConcurrency(runs: readonly ConcurrencyRun[]): ConcurrencyRun | undefined {
  const rare = runs.filter((run) => run.throttledAfterRetries === 0 && run.deadLettered === 0 && (run.throttles.cloudformation ?? 0) < 0.01 * (run.requests.cloudformation ?? 0));
  return rare.sort((a, b) => b.concurrency - a.concurrency)[0];
}

/** The published Lambda prices the estimate uses (us-east-1, arm64, first pricing tier). */
export const LAMBDA_PRICE = {
  perGbSecond: 0.0000133334,
  perMillionRequests: 0.2,
  source: "aws.amazon.com/lambda/pricing (arm64, US East (N. Virginia), first 7.5 billion GB-s a month; the same figure since arm64 launched in September 2021), as transcribed in artillery 2.0.28's Lambda price table, read 2026-11-23",
};

export interface OrganizationAssumptions {
  accounts: number;
  medianStacks: number;
  largeAccounts: number;
  largeStacks: number;
  regions: number;
  scansPerMonth: number;
}

export const ORGANIZATION: OrganizationAssumptions = { accounts: 300, medianStacks: 100, largeAccounts: 1, largeStacks: 5000, regions: 1, scansPerMonth: 30 };

function organizationLines(figures: ServerlessFigures, chosen: ConcurrencyRun, planning: { wallS: number; stacks: number; memoryMb: number } | undefined, deployed: { concurrency: number; secondsPerStack: number } | undefined, org: OrganizationAssumptions): string[] {
  const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const stacks = (org.accounts - org.largeAccounts) * org.medianStacks + org.largeAccounts * org.largeStacks;
  const messages = stacks + org.accounts * org.regions;
  const perStackGbS = chosen.gbSeconds / chosen.scanned;
  const invocations = Math.ceil(messages / chosen.batchSize);
  const scanGbS = messages * perStackGbS;
  // The planner's time grows with the stacks it lists and queues: the measured seconds per stack, times the organization's.
  const planGbS = planning ? (planning.wallS / planning.stacks) * stacks * (planning.memoryMb / 1024) : 0;
  const rate = chosen.stacksPerS;
  const cfnPerStack = (chosen.requests.cloudformation ?? 0) / chosen.scanned;
  const cfnBoundRate = (figures.limits.cloudformation?.refill ?? 10) / cfnPerStack;
  const cost = (scanGbS + planGbS) * LAMBDA_PRICE.perGbSecond + ((invocations + 1) / 1e6) * LAMBDA_PRICE.perMillionRequests;
  const cfnCalls = (count: number) => cfnPerStack * count + Math.ceil(count / 100);
  const perService = Object.entries(chosen.requests)
    .sort((a, b) => b[1] - a[1])
    .map(([service, count]) => `${service} ${fmt(count / chosen.scanned, 2)}`)
    .join(", ");
  return [
    `Assumed: ${org.accounts} accounts, one region each; ${org.accounts - org.largeAccounts} of them with ${org.medianStacks} stacks (the median), ${org.largeAccounts} with ${fmt(org.largeStacks)}; one scheduled scan a day (${org.scansPerMonth} a month).`,
    `Measured at C = ${chosen.concurrency} (batch ${chosen.batchSize}, ${chosen.memoryMb} MB): ${fmt(perStackGbS, 3)} GB-s per message scanned, ${fmt(rate, 2)} stacks/s in one account, AWS requests per stack by service (retries included): ${perService}.` +
      (planning ? ` plan-scan: ${fmt(planning.wallS, 1)} s for ${fmt(planning.stacks)} stacks at ${planning.memoryMb} MB.` : ""),
    "",
    "| figure | formula | per scheduled scan | per month |",
    "|---|---|---:|---:|",
    `| stacks | ${org.accounts - org.largeAccounts} × ${org.medianStacks} + ${org.largeAccounts} × ${fmt(org.largeStacks)} | ${fmt(stacks)} | ${fmt(stacks * org.scansPerMonth)} |`,
    `| queue messages | stacks + one account request per account and region | ${fmt(messages)} | ${fmt(messages * org.scansPerMonth)} |`,
    `| SendMessageBatch calls | ⌈messages / 10⌉ | ${fmt(Math.ceil(messages / 10))} | ${fmt(Math.ceil(messages / 10) * org.scansPerMonth)} |`,
    `| scan-stack invocations | ⌈messages / ${chosen.batchSize}⌉ (full batches: the queue has a backlog) | ${fmt(invocations)} | ${fmt(invocations * org.scansPerMonth)} |`,
    `| scan-stack GB-s | messages × ${fmt(perStackGbS, 3)} | ${fmt(scanGbS)} | ${fmt(scanGbS * org.scansPerMonth)} |`,
    ...(planning ? [`| plan-scan GB-s | stacks × ${fmt(planning.wallS / planning.stacks, 5)} s × ${planning.memoryMb} / 1024 | ${fmt(planGbS, 1)} | ${fmt(planGbS * org.scansPerMonth)} |`] : []),
    `| Lambda cost (arm64) | GB-s × $${LAMBDA_PRICE.perGbSecond} + (invocations + 1) × $${LAMBDA_PRICE.perMillionRequests} / million | $${fmt(cost, 2)} | $${fmt(cost * org.scansPerMonth, 2)} |`,
    `| CloudFormation calls, a ${org.medianStacks}-stack account | ${fmt(cfnPerStack, 2)} × stacks + ⌈stacks / 100⌉ (the plan's DescribeStacks pages) | ${fmt(cfnCalls(org.medianStacks))} | ${fmt(cfnCalls(org.medianStacks) * org.scansPerMonth)} |`,
    `| CloudFormation calls, the ${fmt(org.largeStacks)}-stack account | the same | ${fmt(cfnCalls(org.largeStacks))} | ${fmt(cfnCalls(org.largeStacks) * org.scansPerMonth)} |`,
    `| wall time, the ${fmt(org.largeStacks)}-stack account alone | stacks / ${fmt(rate, 2)} stacks/s (its CloudFormation bucket allows at most ${fmt(cfnBoundRate, 2)}) | ${fmt(org.largeStacks / rate / 60)} min | |`,
    `| wall time, the organization | messages / ${fmt(rate, 2)} stacks/s (one queue and C = ${chosen.concurrency} for every account) | ${fmt(messages / rate / 3600, 1)} h | |`,
    ...(deployed
      ? [
          `| wall time on Lambda at the template's default C = ${deployed.concurrency} | messages / min(C / ${fmt(deployed.secondsPerStack, 2)} s, ${fmt(cfnBoundRate, 2)}) stacks/s (each environment with its own CPU, at the pace of the least contended run) | ${fmt(messages / Math.min(deployed.concurrency / deployed.secondsPerStack, cfnBoundRate) / 3600, 1)} h | |`,
        ]
      : []),
  ];
}

// ---------------------------------------------------------------- the report

function memoryLines(memory: MemoryFigures, sizes: DeployedSettings): string[] {
  const mib = (value: number) => `${value.toFixed(0)} MiB`;
  const at = (probe: MemoryProbe, index: number) => mib(probe.steps[index]?.rssMiB ?? 0);
  return [
    `Each figure from a fresh process of Node ${memory.node} (the functions' runtime is nodejs24.x) loading the bundles \`npm run build\` makes (the static engine bundled the same way: bench/memory-probe/static-scan): RSS after each step, and the process's peak (getrusage maxRSS; a 5 ms sampler agrees). The capped column runs the same invocation again with V8's heap limited to ${memory.heapCapMb} MB (\`--max-old-space-size\`): the live data fits there, and the gap to the first peak is garbage V8 collects only when memory is short.`,
    "",
    "| what | process start | bundle loaded | after the invocation(s) | peak RSS | peak, heap capped |",
    "|---|---:|---:|---|---:|---:|",
    `| empty Node process (the runtime's own share) | ${at(memory.bare, 0)} | | | ${mib(memory.bare.maxRssMiB)} | |`,
    `| static engine: a one-resource template (loads the resource schema), then the largest corpus template, ${memory.staticScan.template} (${(memory.staticScan.templateBytes / 1024).toFixed(0)} KiB) | ${at(memory.staticScan, 0)} | ${at(memory.staticScan, 1)} | ${at(memory.staticScan, 2)} after the schema, ${at(memory.staticScan, 3)} after the largest | **${mib(memory.staticScan.maxRssMiB)}** | |`,
    `| scan-stack: one SQS batch of the ${memory.scanStack.stacks.length} stacks with the largest templates (${memory.scanStack.stacks.join(", ")}): live scan in the simulated account, findings table on DynamoDB, alerts on SNS | ${at(memory.scanStack, 0)} | ${at(memory.scanStack, 1)} | ${at(memory.scanStack, 2)} | **${mib(memory.scanStack.maxRssMiB)}** | ${mib(memory.scanStackCapped.maxRssMiB)} |`,
    `| plan-scan: one scheduled event over an account of ${memory.planScan.stacks.toLocaleString("en-US")} stacks (${memory.planScan.wallS.toFixed(1)} s: ${Math.ceil(memory.planScan.stacks / 100)} DescribeStacks pages and ${Math.ceil((memory.planScan.stacks + 1) / 10)} SendMessageBatch calls, one after another, 20–60 ms each) | ${at(memory.planScan, 0)} | ${at(memory.planScan, 1)} | ${at(memory.planScan, 2)} | **${mib(memory.planScan.maxRssMiB)}** | ${mib(memory.planScanCapped.maxRssMiB)} |`,
    "",
    `MemorySize in infra/template.yaml: ScanStackFunction **${sizes.scanStackMb} MB**, PlanScanFunction **${sizes.planScanMb} MB**.`,
  ];
}

function runLines(figures: ServerlessFigures, chosen: ConcurrencyRun | undefined): string[] {
  const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const services = [...new Set(figures.runs.flatMap((run) => Object.keys(run.requests)))].sort();
  const throttleCell = (run: ConcurrencyRun) =>
    Object.entries(run.throttles)
      .map(([service, count]) => `${service} ${count}`)
      .join(", ") || "none";
  return [
    `Planning (planScan, main thread): ${fmt(figures.plan.stacks)} stacks → ${fmt(figures.plan.requests)} messages (one per stack and one account request) in ${fmt(figures.plan.sendMessageBatchCalls)} SendMessageBatch calls, ${fmt(figures.plan.wallS, 1)} s; simulated-account requests while planning: ${Object.entries(figures.plan.requestsByService).map(([service, count]) => `${service} ${count}`).join(", ") || "none"}${figures.plan.errors.length > 0 ? `; errors: ${figures.plan.errors.join("; ")}` : ""}.`,
    "",
    "| C | wall | stacks/s | invocations | duration mean / p95 | per message: scan + table & alert | GB-s | CloudFormation requests (throttled) | throttles answered | failed after retries | failed deliveries | scans in the table |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ...figures.runs.map(
      (run) =>
        `| ${run.concurrency}${run === chosen ? " ✔" : ""} | ${fmt(run.wallS, 1)} s | ${fmt(run.stacksPerS, 2)} | ${run.invocations} | ${fmt(run.durationMs.mean / 1000, 2)} / ${fmt(run.durationMs.p95 / 1000, 2)} s | ${fmt(run.scanMsMean / 1000, 2)} + ${fmt(run.recordMsMean / 1000, 2)} s | ${fmt(run.gbSeconds, 1)} | ${run.requests.cloudformation ?? 0} (${fmt((100 * (run.throttles.cloudformation ?? 0)) / Math.max(1, run.requests.cloudformation ?? 0), 1)}%) | ${throttleCell(run)} | ${run.throttledAfterRetries} | ${run.failedDeliveries} (${run.deadLettered} dead-lettered) | ${run.tableScans} / ${figures.messages} |`,
    ),
    "",
    `Requests per stack by service (retries included): ${services.map((service) => `${service} ${figures.runs.map((run) => fmt((run.requests[service] ?? 0) / run.scanned, 2)).join("/")}`).join("; ")} (C = ${figures.runs.map((run) => run.concurrency).join("/")}). Scan errors per run (unmodelled operations, as in the account bench): ${figures.runs.map((run) => run.scanErrors).join("/")}. Cold start (module load through tsx, median per worker): ${figures.runs.map((run) => `${fmt(run.initMsMedian / 1000, 1)} s`).join("/")}, not in the durations.`,
  ];
}

/** The concurrency at which the scans ask CloudFormation for its whole refill rate, from the lowest C's pace (least CPU contention here). */
export function saturatingConcurrency(figures: ServerlessFigures): { secondsPerStack: number; cfnPerStack: number; boundStacksPerS: number; concurrency: number } | undefined {
  const base = [...figures.runs].sort((a, b) => a.concurrency - b.concurrency)[0];
  const refill = figures.limits.cloudformation?.refill;
  if (!base || !refill || base.scanned === 0) return undefined;
  const secondsPerStack = base.concurrency / base.stacksPerS;
  const cfnPerStack = (base.requests.cloudformation ?? 0) / base.scanned;
  const boundStacksPerS = refill / cfnPerStack;
  return { secondsPerStack, cfnPerStack, boundStacksPerS, concurrency: boundStacksPerS * secondsPerStack };
}

function saturationLines(figures: ServerlessFigures): string[] {
  const saturation = saturatingConcurrency(figures);
  if (!saturation) return [];
  const base = [...figures.runs].sort((a, b) => a.concurrency - b.concurrency)[0]!;
  return [
    `**Where CloudFormation's bucket runs dry.** At C = ${base.concurrency} one execution environment spends ${saturation.secondsPerStack.toFixed(2)} s per stack (C / stacks/s), so C environments ask for C / ${saturation.secondsPerStack.toFixed(2)} stacks/s; each stack costs ${saturation.cfnPerStack.toFixed(2)} CloudFormation requests from one bucket refilled at ${figures.limits.cloudformation?.refill}/s per account and region, at most ${saturation.boundStacksPerS.toFixed(2)} stacks/s. The two meet at C ≈ ${saturation.concurrency.toFixed(1)}: below it the scans wait on latency and never empty the bucket (its burst of ${figures.limits.cloudformation?.bucket} absorbs the bursts), above it every further invocation only waits for tokens, and the SDK's adaptive retry meets throttles. On Lambda each environment has its own CPU share; on this 2-core machine C worker threads share two cores with the simulator and moto, so the higher C's measured pace is bound by CPU too and they meet fewer throttles than they would on Lambda. Of those ${saturation.secondsPerStack.toFixed(2)} s, ${(base.recordMsMean / 1000).toFixed(2)} s per message go to the findings table and the alert on moto (one Python process, far slower than DynamoDB and SNS, which take tens of milliseconds); at the live scan's pace alone (${(base.scanMsMean / 1000).toFixed(2)} s) the bucket would run dry from C ≈ ${((saturation.boundStacksPerS * base.scanMsMean) / 1000).toFixed(1)}. Beyond that point the throttles are retried by the SDK (no call failed after retries at any C here): they cost GB-s spent waiting, not findings.`,
  ];
}

function section(figures: ServerlessFigures, memory: MemoryFigures | undefined, sizes: DeployedSettings, command: string, note: string | undefined): string {
  const saturation = saturatingConcurrency(figures);
  const chosen = recommendedConcurrency(figures.runs.filter((run) => !saturation || run.concurrency <= saturation.concurrency));
  const cfn = figures.limits.cloudformation;
  const lines: string[] = [
    "## The serverless path: concurrency, memory, an organization (bench/serverless.ts)",
    "",
    `Generated by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} when written.${note ? ` ${note}` : ""}`,
    "",
    "### Memory",
    "",
    ...(memory ? memoryLines(memory, sizes) : ["(not measured in this run: `--no-memory`)"]),
    "",
    "### The scan-stack function at concurrency C",
    "",
    `One simulated account of ${fmtInt(figures.stacks)} corpus stacks (${figures.templates} distinct templates), served over HTTP by bench/simulated-aws.ts with its token buckets (CloudFormation ${cfn?.bucket} burst, ${cfn?.refill}/s) and 20–60 ms per answer; STS and SQS answered by the simulated account too (it keeps the messages planScan sends), DynamoDB and SNS forwarded to moto. The real planScan queues the messages; for each C, C worker threads (each one execution environment with its own SDK clients) run scanBatch on batches of ${figures.runs[0]?.batchSize ?? "?"} records taken in order from an in-process list (SQS delivery itself is not measured) until it is empty. Each C writes a fresh findings table (every scan is a first scan: all findings new, one alert per stack). GB-s = Σ invocation durations × ${figures.runs[0]?.memoryMb ?? "?"} MB / 1024 (cold starts left out: billed too, a few per run).`,
    "",
    ...runLines(figures, chosen),
    "",
    ...saturationLines(figures),
    "",
    chosen
      ? `**Recommended: C = ${chosen.concurrency}**, the highest measured C with no call failed after retries, CloudFormation throttles under 1% of its requests, and not above C ≈ ${saturation?.concurrency.toFixed(1) ?? "?"} where the bucket runs dry. The estimate below uses its measured pace.`
      : "**No C met the criterion** (no call failed after retries, CloudFormation throttles under 1%).",
    "",
    "### An organization of 300 accounts, on paper",
    "",
    ...(chosen ? organizationLines(figures, chosen, memory ? { wallS: memory.planScan.wallS, stacks: memory.planScan.stacks, memoryMb: sizes.planScanMb } : undefined, saturation ? { concurrency: sizes.scanConcurrency, secondsPerStack: saturation.secondsPerStack } : undefined, ORGANIZATION) : ["(needs a recommended C)"]),
    "",
    `Prices: $${LAMBDA_PRICE.perGbSecond} per GB-s, $${LAMBDA_PRICE.perMillionRequests} per million requests; ${LAMBDA_PRICE.source}. The free tier (400,000 GB-s and one million requests a month) is left out. DynamoDB, SNS, SQS and CloudWatch Logs are billed on top.`,
    "",
    "Reproduce: `npm run bench:serverless -- --stacks 1000 --concurrency 2,4,8,16` (`--plan-stacks 5000` for the planner's memory, `--batch-size 5`, `--latency 20-60`, `--seed 1`, `--no-memory`, `--no-write`); moto_server must be installed.",
  ];
  return lines.join("\n");
}

const fmtInt = (value: number) => value.toLocaleString("en-US");

function writeSection(text: string): void {
  const previous = existsSync(OUTPUT) ? readFileSync(OUTPUT, "utf8") : "";
  const block = `${START}\n${text}\n${END}\n`;
  const start = previous.indexOf(START);
  const end = previous.indexOf(END);
  let next: string;
  if (start >= 0 && end > start) next = previous.slice(0, start) + block + previous.slice(end + END.length).replace(/^\n/, "");
  else if (previous.includes(ACCOUNT_BENCH_END)) {
    const at = previous.indexOf(ACCOUNT_BENCH_END) + ACCOUNT_BENCH_END.length;
    next = `${previous.slice(0, at)}\n\n${block}${previous.slice(at).replace(/^\n+/, "\n")}`;
  } else next = `${previous.trimEnd()}\n\n${block}`;
  writeFileSync(OUTPUT, next);
}

// ---------------------------------------------------------------- the command

interface SavedRun {
  command: string;
  sizes: DeployedSettings;
  figures: ServerlessFigures;
  memory?: MemoryFigures;
}

async function measure(args: Record<string, string | boolean | undefined>): Promise<SavedRun> {
  const [low, high] = String(args.latency).split("-").map(Number) as [number, number];
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const sizes = deployedSettings();
  const workdir = mkdtempSync(join(tmpdir(), "stackwarden-serverless-"));
  const moto = await startMotoServer({ loadAwsManagedPolicies: false });
  try {
    const memory = args["no-memory"]
      ? undefined
      : await measureMemory({ motoEndpoint: moto.endpoint, stacks: Number(args.stacks), planStacks: Number(args["plan-stacks"]), batchSize: Number(args["batch-size"]), heapCapMb: Number(args["heap-cap"]), seed: Number(args.seed), workdir, progress });
    const figures = await serverlessBench({
      motoEndpoint: moto.endpoint,
      stacks: Number(args.stacks),
      concurrency: String(args.concurrency).split(",").map(Number),
      batchSize: Number(args["batch-size"]),
      memoryMb: sizes.scanStackMb,
      latencyMs: [low, high],
      seed: Number(args.seed),
      prefix: "bench",
      progress,
    });
    const command = `npm run bench:serverless -- --stacks ${args.stacks} --concurrency ${args.concurrency}${args["no-memory"] ? " --no-memory" : ` --plan-stacks ${args["plan-stacks"]}`}`;
    return { command, sizes, figures, ...(memory ? { memory } : {}) };
  } finally {
    await moto.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      stacks: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "2,4,8,16" },
      "batch-size": { type: "string", default: "5" },
      "plan-stacks": { type: "string", default: "5000" },
      /** V8 old-space limit (MB) of the second run of each function's memory probe. */
      "heap-cap": { type: "string", default: "128" },
      latency: { type: "string", default: "20-60" },
      seed: { type: "string", default: "1" },
      "no-memory": { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
      /** Keep the measured figures as JSON; --from writes the report from such a file without measuring again. */
      save: { type: "string" },
      from: { type: "string" },
      /** A line of context for the report (what else ran on the machine). */
      note: { type: "string" },
    },
  });
  process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING ??= "1";
  const run = args.from ? (JSON.parse(readFileSync(args.from, "utf8")) as SavedRun) : await measure(args);
  if (args.save) writeFileSync(args.save, JSON.stringify(run));
  const text = section(run.figures, run.memory, run.sizes, run.command, args.note);
  console.log(text);
  if (!args["no-write"]) {
    writeSection(text);
    process.stderr.write(`wrote ${relative(process.cwd(), OUTPUT)}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
