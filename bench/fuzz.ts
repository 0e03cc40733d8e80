/**
 * More fuzz runs than CI makes: `npm run bench:fuzz -- [runs] [seed] [workers]` (or FUZZ_RUNS / FUZZ_SEED), prints the
 * figures per mutation kind and every failing input with the line that reruns it. `--write DIR` saves each failing
 * input as a file. Exits 1 when an input breaks the contract.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fuzzSources, generateInput } from "../test/fuzz/generator.ts";
import { CPU_CLOCK } from "../test/fuzz/judge.ts";
import { failuresOf, fuzzReport } from "../test/fuzz/report.ts";
import { fuzzSettingsFromEnvironment, runFuzz } from "../test/fuzz/run.ts";

const args = process.argv.slice(2);
const writeAt = args.indexOf("--write");
const writeFolder = writeAt >= 0 ? args.splice(writeAt, 2)[1] : undefined;
const [runsArgument, seedArgument, workersArgument] = args;
const settings = fuzzSettingsFromEnvironment(50_000);
const runs = runsArgument ? Number(runsArgument) : settings.runs;
const seed = seedArgument ? Number(seedArgument) : settings.seed;
const workers = workersArgument ? Number(workersArgument) : 1;
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || seed < 0 || !Number.isInteger(workers) || workers < 1) {
  console.error("usage: npm run bench:fuzz -- [runs] [seed] [workers] [--write DIR]");
  process.exit(2);
}
if (workers > 1 && CPU_CLOCK === "process") console.error("note: this Node has no per-thread CPU clock, so with several workers each input's CPU time includes the others'");

const started = performance.now();
let done = 0;
const results = await runFuzz({
  seed,
  runs,
  workers,
  ...(settings.only ? { only: settings.only } : {}),
  onResult: () => {
    done += 1;
    if (done % 1000 === 0) console.error(`${done}/${settings.only?.length ?? runs} inputs`);
  },
});
console.log(fuzzReport(results, seed, performance.now() - started));
const failures = failuresOf(results, seed);
for (const failure of failures) console.log(`FAIL ${failure}`);
if (writeFolder && failures.length > 0) {
  mkdirSync(writeFolder, { recursive: true });
  const sources = fuzzSources();
  for (const result of results.filter((item) => failuresOf([item], seed).length > 0)) {
    const input = generateInput(sources, seed, result.index);
    writeFileSync(join(writeFolder, `seed-${seed}-input-${result.index}-${input.kind}.txt`), input.text);
  }
}
process.exitCode = failures.length > 0 ? 1 : 0;
