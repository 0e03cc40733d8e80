/**
 * Memory probes for the Lambda sizing. Each runs in a fresh Node process with no TypeScript loader (this file is
 * erasable TypeScript: Node 24, the functions' runtime, runs it as it is) and prints one JSON line: the resident set size
 * after each step and the process's peak (resourceUsage().maxRSS, which also sees the peaks of synchronous work that a
 * timer-driven sampler cannot), plus the highest RSS a 5 ms sampler saw.
 *
 *   node bench/lambda-memory.ts --probe bare
 *       an empty Node process: the runtime's own share;
 *   node bench/lambda-memory.ts --probe bundle --bundle dist/scan-stack/index.mjs --event a.json [--event b.json ...]
 *       a built function bundle (scripts/build.ts) loaded as Lambda loads it, then invoked once per event file, in
 *       order; the process environment is the function's (TABLE_NAME, AWS_ENDPOINT_URL, ...), so its AWS calls go
 *       where the caller points them.
 */
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export interface MemoryProbe {
  probe: string;
  /** RSS (MiB) after each named step, in order. */
  steps: { step: string; rssMiB: number; ms: number }[];
  /** Highest RSS the sampler saw (MiB). */
  sampledPeakMiB: number;
  /** The process's peak RSS (MiB), from getrusage. */
  maxRssMiB: number;
  /** What the probe found (findings, the handler's answer), so a probe that did nothing shows it. */
  detail: Record<string, unknown>;
}

const MIB = 1024 * 1024;

/** Runs the probe's steps, sampling RSS every 5 ms between them. */
export async function probeMemory(probe: string, run: (step: (name: string) => void) => Promise<Record<string, unknown>>): Promise<MemoryProbe> {
  const steps: MemoryProbe["steps"] = [];
  let sampledPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  }, 5);
  const started = performance.now();
  const step = (name: string) => {
    const rss = process.memoryUsage().rss;
    sampledPeak = Math.max(sampledPeak, rss);
    steps.push({ step: name, rssMiB: rss / MIB, ms: performance.now() - started });
  };
  step("start");
  const detail = await run(step);
  clearInterval(sampler);
  return { probe, steps, sampledPeakMiB: sampledPeak / MIB, maxRssMiB: process.resourceUsage().maxRSS / 1024, detail };
}

async function bundleProbe(bundle: string, events: string[]): Promise<MemoryProbe> {
  return probeMemory("bundle", async (step) => {
    const { handler } = (await import(pathToFileURL(resolve(bundle)).href)) as { handler: (event: unknown) => Promise<unknown> };
    step("bundle loaded");
    const responses: unknown[] = [];
    for (const file of events) {
      responses.push(await handler(JSON.parse(readFileSync(file, "utf8"))));
      step(`invoked with ${basename(file)}`);
    }
    return { responses };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { probe: { type: "string" }, bundle: { type: "string" }, event: { type: "string", multiple: true } } });
  let result: MemoryProbe;
  if (values.probe === "bundle" && values.bundle && values.event) result = await bundleProbe(values.bundle, values.event);
  else if (values.probe === "bare") result = await probeMemory("bare", async () => ({}));
  else throw new Error("usage: --probe bare | --probe bundle --bundle FILE --event FILE [--event FILE ...]");
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
