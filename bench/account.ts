/**
 * `npm run bench:account [-- --stacks 100,1000 --latency 20-60 --no-write]`: the account-scale benchmark. For each
 * account size it builds a simulated account (bench/simulated-aws.ts: N stacks drawn from the corpus, per-call latency,
 * token-bucket throttling modelled on AWS) and runs the real live scanner over it (scanLive, --all-stacks, one region,
 * the real SDK clients with their adaptive retry), then reports wall time, calls per service, throttles answered,
 * retries, the lower bound the rate limits and the latency imply for that call count, and the ratio of wall time to it.
 *
 * Each size runs in its own process, so no SDK client (and no adaptive-retry rate state) carries over from one to the
 * next. The tables are printed and written into docs/performance.md between the account-bench markers; the rest of the
 * file (bench/static.ts's section) is left as it is.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";

const HERE = fileURLToPath(import.meta.url);
const REPO = join(dirname(HERE), "..");
const OUTPUT = join(REPO, "docs", "performance.md");
const START = "<!-- account-bench:start (written by bench/account.ts; edits between these markers are overwritten) -->";
const END = "<!-- account-bench:end -->";

const { values: args } = parseArgs({
  options: {
    stacks: { type: "string", default: "100,1000" },
    latency: { type: "string", default: "20-60" },
    seed: { type: "string", default: "1" },
    "no-write": { type: "boolean", default: false },
    "no-throttling": { type: "boolean", default: false },
    /** Save the measured runs as JSON; merge runs saved earlier (a long 5,000-stack run measured on its own). */
    save: { type: "string" },
    include: { type: "string", multiple: true },
    /** A line of context for the report (what else ran on the machine). */
    note: { type: "string" },
    /** Internal: run one size in this process and print its figures as JSON. */
    child: { type: "boolean", default: false },
  },
});
const [LOW, HIGH] = args.latency.split("-").map(Number) as [number, number];

interface ServiceFigures {
  /** Calls the scan's session counted (each page and batch once). */
  calls: number;
  /** Requests that reached the simulated AWS: calls plus SDK retries. */
  requests: number;
  throttles: number;
  unmodelled: number;
  /** Most requests of this service in flight at once (measured in the simulator). */
  maxInFlight: number;
  /** Lower bounds, seconds: from the token bucket, and from the latency at the concurrency the scan used. */
  rateBoundS: number;
  latencyBoundS: number;
}

interface RunFigures {
  stacks: number;
  resources: number;
  templates: number;
  wallS: number;
  cpuS: number;
  peakRssMiB: number;
  findings: number;
  errors: number;
  throttledErrors: number;
  unmodelledErrors: number;
  services: Record<string, ServiceFigures>;
  cfnBoundS: number;
  readersBoundS: number;
  readersBoundService: string;
  boundS: number;
  limits: Record<string, { bucket: number; refill: number; why: string }>;
}

async function runOne(stacks: number): Promise<RunFigures> {
  const { SimulatedAws, installSimulatedAws, SIMULATED_CREDENTIALS } = await import("./simulated-aws.ts");
  const { scanLive } = await import("../shared/scan-live.ts");
  const sim = new SimulatedAws({ stacks, latencyMs: [LOW, HIGH], seed: Number(args.seed), throttling: !args["no-throttling"] });
  installSimulatedAws(sim);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await scanLive({ regions: [sim.region], allStacks: true, credentials: SIMULATED_CREDENTIALS });
  const wallS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const meanLatencyS = (LOW + HIGH) / 2000;

  const services: Record<string, ServiceFigures> = {};
  const entry = (service: string) => (services[service] ??= { calls: 0, requests: 0, throttles: 0, unmodelled: 0, maxInFlight: 0, rateBoundS: 0, latencyBoundS: 0 });
  for (const [key, count] of Object.entries(result.calls)) entry(key.split(" ")[1]!.split(":")[0]!).calls += count;
  for (const [key, count] of sim.counts.requests) entry(key.split(":")[0]!).requests += count;
  for (const [service, count] of sim.counts.throttles) entry(service).throttles += count;
  for (const [key, count] of sim.counts.unmodelled) entry(key.split(":")[0]!).unmodelled += count;
  for (const [service, inFlight] of sim.counts.maxInFlight) entry(service).maxInFlight = inFlight;
  // An operation with a bucket of its own (lambda:GetPolicy) drains it side by side with its service's: the slower one bounds the service.
  const callsPerBucket = new Map<string, number>();
  for (const [key, count] of Object.entries(result.calls)) {
    const call = key.split(" ")[1]!;
    const bucket = sim.limits[call] ? call : call.split(":")[0]!;
    callsPerBucket.set(bucket, (callsPerBucket.get(bucket) ?? 0) + count);
  }
  for (const [bucket, calls] of callsPerBucket) {
    const limit = sim.limits[bucket];
    const figures = entry(bucket.split(":")[0]!);
    if (limit) figures.rateBoundS = Math.max(figures.rateBoundS, (calls - limit.bucket) / limit.refill);
  }
  for (const figures of Object.values(services)) {
    figures.latencyBoundS = (figures.calls * meanLatencyS) / Math.max(1, figures.maxInFlight);
  }
  // CloudFormation's reads come first (list, then template and resources per stack); the readers then run side by side.
  const describePages = Object.entries(result.calls).find(([key]) => key.endsWith("cloudformation:DescribeStacks"))?.[1] ?? 1;
  const cfn = services.cloudformation ?? entry("cloudformation");
  const cfnLatency = describePages * meanLatencyS + ((cfn.calls - describePages) * meanLatencyS) / Math.max(1, cfn.maxInFlight);
  cfn.latencyBoundS = cfnLatency;
  const cfnBoundS = Math.max(cfn.rateBoundS, cfnLatency);
  let readersBoundS = 0;
  let readersBoundService = "none";
  for (const [service, figures] of Object.entries(services)) {
    if (service === "cloudformation") continue;
    const bound = Math.max(figures.rateBoundS, figures.latencyBoundS);
    if (bound > readersBoundS) [readersBoundS, readersBoundService] = [bound, service];
  }
  return {
    stacks,
    resources: result.stacks.reduce((sum, stack) => sum + stack.resources, 0),
    templates: new Set(sim.stacks.map((stack) => stack.templateName)).size,
    wallS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    findings: result.findings.length,
    errors: result.errors.length,
    throttledErrors: result.errors.filter((error) => /throttled/i.test(error.message)).length,
    unmodelledErrors: result.errors.filter((error) => /does not model/.test(error.message)).length,
    services,
    cfnBoundS,
    readersBoundS,
    readersBoundService,
    boundS: cfnBoundS + readersBoundS,
    limits: sim.limits,
  };
}

if (args.child) {
  const figures = await runOne(Number(args.stacks));
  process.stdout.write(`\n${JSON.stringify(figures)}\n`);
  process.exit(0);
}

const execFileAsync = promisify(execFile);
const sizes = args.stacks.split(",").map((size) => Number(size.trim())).filter((size) => size > 0);
const runs: RunFigures[] = [];
for (const file of args.include ?? []) runs.push(...(JSON.parse(readFileSync(file, "utf8")) as RunFigures[]));
for (const size of sizes) {
  process.stderr.write(`scanning a simulated account of ${size} stacks...\n`);
  const childArgs = ["--import", "tsx", HERE, "--child", "--stacks", String(size), "--latency", args.latency, "--seed", args.seed, ...(args["no-throttling"] ? ["--no-throttling"] : [])];
  const { stdout } = await execFileAsync(process.execPath, childArgs, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: "1" } });
  const figures = JSON.parse(stdout.trim().split("\n").at(-1)!) as RunFigures;
  runs.push(figures);
  process.stderr.write(`  ${size} stacks: ${figures.wallS.toFixed(1)} s wall, bound ${figures.boundS.toFixed(1)} s, ratio ${(figures.wallS / figures.boundS).toFixed(2)}\n`);
}

if (args.save) writeFileSync(args.save, JSON.stringify(runs.filter((run) => sizes.includes(run.stacks))));
runs.sort((a, b) => a.stacks - b.stacks);
const fmt = (value: number, digits = 1) => value.toFixed(digits);
const { MODELLED_OPERATIONS } = await import("./simulated-aws.ts");
const lines: string[] = [
  "## Account scale: a simulated account (bench/account.ts)",
  "",
  `Generated by \`npm run bench:account -- --stacks ${runs.map((run) => run.stacks).join(",")}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}, load average ${fmt(loadavg()[0]!)} when written.`,
  "",
  "The real live scanner (`scanLive`, `--all-stacks`, one region, account checks off) and the real SDK v3 clients (adaptive retry, 6 attempts) run against",
  "`bench/simulated-aws.ts`, an in-process AWS behind NodeHttpHandler: it answers the signed, serialized requests in each service's wire format",
  `from an account of N stacks whose templates are the corpus's \`ideal.*\` templates that parse and need no transform (drawn in turn, shuffled), every`,
  "resource given a physical id as CloudFormation gives it and a live configuration consistent with its template as deployed (parameters, conditions",
  `and intrinsics resolved; defaults as AWS applies them). Every answer takes ${LOW}–${HIGH} ms; every request takes a token from its bucket (its`,
  "operation's where AWS publishes one, else its service's) and is answered with that service's own throttling error when the bucket is empty.",
  "",
  "| service | bucket | refill/s | why |",
  "|---|---:|---:|---|",
  ...Object.entries(runs[0]?.limits ?? {}).map(([service, limit]) => `| ${service} | ${limit.bucket} | ${limit.refill} | ${limit.why} |`),
  "",
  `Modelled operations (${Object.values(MODELLED_OPERATIONS).flat().length}, every one a live reader or the planner sends): ${Object.entries(MODELLED_OPERATIONS)
    .map(([service, operations]) => `${service} ${operations.join(", ")}`)
    .join("; ")}.`,
  "Any other operation answers an \"unknown operation\" error after the same latency, which the scan records as an error (not retried): the table",
  "counts them as *unmodelled*.",
  "",
  "**The bound.** For each service: the rate bound max(0, (calls − bucket) / refill) and the latency floor calls × mean latency / the most requests",
  "of that service the scan had in flight at once (measured). CloudFormation's reads come first (the DescribeStacks pages one after another, then",
  "template and resources per stack), the readers then run side by side, so the bound is CloudFormation's max(rate, latency) plus the largest",
  "reader's. It counts calls as the scan's session counts them (retries are the scan's cost, not the bound's). Judging (CPU) is not in the bound.",
  "",
  ...(args.note ? [args.note, ""] : []),
  "| stacks | resources | wall | CPU | peak RSS | bound (CFN + readers) | wall / bound | findings | errors (throttled, unmodelled) |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...runs.map(
    (run) =>
      `| ${run.stacks} | ${run.resources} | ${fmt(run.wallS)} s | ${fmt(run.cpuS)} s | ${fmt(run.peakRssMiB, 0)} MiB | ${fmt(run.boundS)} s (${fmt(run.cfnBoundS)} + ${fmt(run.readersBoundS)} ${run.readersBoundService}) | **${fmt(run.wallS / run.boundS, 2)}×** | ${run.findings} | ${run.errors} (${run.throttledErrors}, ${run.unmodelledErrors}) |`,
  ),
  "",
];
for (const run of runs) {
  lines.push(
    `### ${run.stacks} stacks (${run.templates} distinct templates)`,
    "",
    "| service | calls | calls/stack | requests | retries | throttles answered | unmodelled | max in flight | rate bound | latency floor |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...Object.entries(run.services)
      .sort((a, b) => b[1].calls - a[1].calls)
      .map(
        ([service, figures]) =>
          `| ${service} | ${figures.calls} | ${fmt(figures.calls / run.stacks, 2)} | ${figures.requests} | ${figures.requests - figures.calls} | ${figures.throttles} | ${figures.unmodelled} | ${figures.maxInFlight} | ${fmt(figures.rateBoundS)} s | ${fmt(figures.latencyBoundS)} s |`,
      ),
    "",
  );
}
lines.push(
  "Reading the tables: *calls* are what the scan's session counted, *requests* what reached the simulated AWS (calls plus the SDK's retries),",
  "*throttles answered* the requests a bucket refused (each was retried by the SDK's adaptive retry; *errors (throttled)* above counts calls that",
  "still failed after 6 attempts). CloudFormation's calls per stack stay at 2 (a template and one page of resources) plus one DescribeStacks",
  "page per 100 stacks; EC2 DescribeLaunchTemplateVersions is the one per-resource EC2 call (the API takes one launch template).",
  "",
  "Reproduce: `npm run bench:account -- --stacks 100,1000` (each size in its own process; `--latency 20-60`, `--seed 1`, `--no-throttling`, `--no-write`).",
  "",
);
const section = lines.join("\n");
console.log(section);
if (!args["no-write"]) {
  const previous = existsSync(OUTPUT) ? readFileSync(OUTPUT, "utf8") : "";
  const start = previous.indexOf(START);
  const end = previous.indexOf(END);
  const block = `${START}\n${section}\n${END}\n`;
  const next = start >= 0 && end > start ? previous.slice(0, start) + block + previous.slice(end + END.length).replace(/^\n/, "") : `${previous.trimEnd()}\n\n${block}`;
  writeFileSync(OUTPUT, next);
  console.error(`wrote ${relative(process.cwd(), OUTPUT)}`);
}
