/** Runs a share of a fuzz run's inputs on a worker thread and reports each before and after it is scanned. */
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { scanTemplate } from "../../shared/scan.ts";
import { fuzzSources, generateInput } from "./generator.ts";
import { judgeInput, type WorkerMessage } from "./judge.ts";

const { runSeed, indexes } = workerData as { runSeed: number; indexes: number[] };
const sources = fuzzSources();
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
// The first scan loads the CloudFormation resource schemas (half a second): not a cost of the first input.
scanTemplate(readFileSync(sources.paths[0]!, "utf8"));

for (const index of indexes) {
  const input = generateInput(sources, runSeed, index);
  post({ type: "start", index, kind: input.kind, source: input.source });
  post({ type: "done", result: { index, seed: input.seed, kind: input.kind, source: input.source, bytes: Buffer.byteLength(input.text), ...judgeInput(input.text) } });
}
post({ type: "end" });
