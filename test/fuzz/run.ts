/**
 * Runs a fuzz run's inputs on worker threads, each under a watchdog: an input still running after the wall-time
 * limit is recorded as hung, its worker terminated, and the rest of its share goes on in a new worker.
 */
import { Worker } from "node:worker_threads";
import { inputSeed } from "./generator.ts";
import type { InputResult, WorkerMessage } from "./judge.ts";

export interface FuzzRunOptions {
  seed: number;
  /** The inputs to run: 0..runs-1, or the indexes given. */
  runs: number;
  only?: readonly number[];
  workers?: number;
  /** Wall time after which an input counts as hung. */
  watchdogMs?: number;
  onResult?: (result: InputResult) => void;
}

/** Far above the 1 s CPU budget: wall time stretches on a loaded 2-core CI machine. */
const DEFAULT_WATCHDOG_MS = 30_000;
/** Generous: a mutated template is at most 1 MB, but an engine bug could hold on to much more. */
const WORKER_HEAP_MB = 2048;

export function fuzzSettingsFromEnvironment(defaultRuns: number): { seed: number; runs: number; only?: number[] } {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_261_123;
  const runs = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : defaultRuns;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`FUZZ_SEED must be a non-negative integer, not ${process.env.FUZZ_SEED}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FUZZ_RUNS must be a positive integer, not ${process.env.FUZZ_RUNS}`);
  const only = process.env.FUZZ_INDEX?.split(",").map(Number);
  if (only?.some((index) => !Number.isInteger(index) || index < 0)) throw new Error(`FUZZ_INDEX must list input indexes, not ${process.env.FUZZ_INDEX}`);
  return { seed, runs, ...(only ? { only } : {}) };
}

export async function runFuzz(options: FuzzRunOptions): Promise<InputResult[]> {
  const indexes = options.only ? [...options.only] : Array.from({ length: options.runs }, (_, index) => index);
  const workerCount = Math.max(1, Math.min(options.workers ?? 1, indexes.length));
  const shares: number[][] = Array.from({ length: workerCount }, () => []);
  indexes.forEach((index, position) => shares[position % workerCount]!.push(index));
  const results: InputResult[] = [];
  const record = (result: InputResult) => {
    results.push(result);
    options.onResult?.(result);
  };
  await Promise.all(shares.map((share) => runShare(options.seed, share, options.watchdogMs ?? DEFAULT_WATCHDOG_MS, record)));
  return results.sort((a, b) => a.index - b.index);
}

// A worker does not get the test runner's tsx loader, so a small bootstrap registers it before loading the TypeScript.
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then(({ register }) => { register(); return import(${JSON.stringify(new URL("./fuzz-worker.ts", import.meta.url).href)}); })`;

async function runShare(seed: number, share: readonly number[], watchdogMs: number, record: (result: InputResult) => void): Promise<void> {
  let remaining = [...share];
  while (remaining.length > 0) {
    const stopped = await runWorker(seed, remaining, watchdogMs, record);
    if (!stopped) return;
    // The input the worker was stopped on is recorded; the rest of the share goes on in a new worker.
    remaining = remaining.slice(remaining.indexOf(stopped.index) + 1);
  }
}

/** Runs `indexes` on one worker; resolves with the input it was stopped on (hung or died), or undefined when all ran. */
function runWorker(seed: number, indexes: readonly number[], watchdogMs: number, record: (result: InputResult) => void): Promise<{ index: number } | undefined> {
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { runSeed: seed, indexes }, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
  let current: Extract<WorkerMessage, { type: "start" }> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  return new Promise((resolve, reject) => {
    const stop = (outcome: "hung" | "worker-died", why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (!current) return reject(new Error(`fuzz worker failed outside a scan (while generating an input?): ${why}`));
      record({ index: current.index, seed: inputSeed(seed, current.index), kind: current.kind, source: current.source, bytes: 0, outcome, cpuMs: Number.NaN, wallMs: Number.NaN, findings: 0, errors: [], unclear: [], exception: why });
      resolve({ index: current.index });
    };
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "start") {
        current = message;
        clearTimeout(timer);
        timer = setTimeout(() => stop("hung", `still running after ${watchdogMs / 1000} s of wall time`), watchdogMs);
      } else if (message.type === "done") {
        clearTimeout(timer);
        current = undefined;
        record(message.result);
      } else {
        settled = true;
        void worker.terminate();
        resolve(undefined);
      }
    });
    worker.on("error", (error) => stop("worker-died", `${error.name}: ${error.message}`));
    worker.on("exit", (code) => stop("worker-died", `worker exited with code ${code}`));
  });
}
