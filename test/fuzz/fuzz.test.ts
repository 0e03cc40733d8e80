/**
 * Issue 6, hostile and broken input: seeded mutations of the seed examples and the corpus, each scanned through
 * scanTemplate (the entry the CLI's file scan uses) on a worker thread under a watchdog. Every input must end with
 * findings or a clear error, within 1 s of CPU, without throwing, hanging or killing its worker.
 *
 * FUZZ_RUNS=50000 runs more; FUZZ_SEED=<n> another sequence; FUZZ_INDEX=<i,j> only those inputs (a failure's rerun).
 * `npm run bench:fuzz`-style runs with the figures per mutation: bench/fuzz.ts.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { MUTATION_KINDS } from "./generator.ts";
import type { InputResult } from "./judge.ts";
import { CPU_LIMIT_MS, failuresOf, fuzzReport } from "./report.ts";
import { fuzzSettingsFromEnvironment, runFuzz } from "./run.ts";

/** Sized for CI: about a minute on one core of this 2-core machine while the rest of the suite runs beside it. */
const DEFAULT_RUNS = 1_200;

const settings = fuzzSettingsFromEnvironment(DEFAULT_RUNS);

describe(`fuzz: seed ${settings.seed}, ${settings.only ? `inputs ${settings.only.join(", ")}` : `${settings.runs} inputs`}`, () => {
  let results: InputResult[] = [];
  let wallMs = 0;

  before(
    async () => {
      const started = performance.now();
      results = await runFuzz({ seed: settings.seed, runs: settings.runs, ...(settings.only ? { only: settings.only } : {}) });
      wallMs = performance.now() - started;
    },
    { timeout: 3_600_000 },
  );

  const failuresWhere = (predicate: (result: InputResult) => boolean) => failuresOf(results.filter(predicate), settings.seed);

  test("runs every input, of every mutation kind", () => {
    assert.equal(results.length, settings.only?.length ?? settings.runs);
    if (!settings.only && settings.runs >= MUTATION_KINDS.length) {
      assert.deepEqual([...new Set(results.map((result) => result.kind))].sort(), [...MUTATION_KINDS].sort());
    }
  });

  test("no input hangs or kills its worker (stack overflow, out of memory)", () => {
    assert.deepEqual(failuresWhere((result) => result.outcome === "hung" || result.outcome === "worker-died"), []);
  });

  test("no input makes scanTemplate throw", () => {
    assert.deepEqual(failuresWhere((result) => result.outcome === "threw"), []);
  });

  test("no input makes a rule fail", () => {
    assert.deepEqual(failuresWhere((result) => result.outcome === "judged-with-errors"), []);
  });

  test("every error says what is wrong with the template, not what went wrong inside the engine", () => {
    assert.deepEqual(failuresWhere((result) => result.unclear.length > 0), []);
    for (const result of results.filter((item) => item.outcome === "rejected")) {
      assert.ok(result.errors.length > 0 && result.findings === 0, `input ${result.index}: a rejected template has an error and no findings`);
    }
  });

  test(`every input ends within ${CPU_LIMIT_MS} ms of CPU`, () => {
    assert.deepEqual(failuresWhere((result) => result.cpuMs > CPU_LIMIT_MS), []);
  });

  test("reports the figures", (context) => {
    for (const line of fuzzReport(results, settings.seed, wallMs).split("\n")) context.diagnostic(line);
    assert.ok(results.some((result) => result.outcome === "judged") && (settings.only !== undefined || results.some((result) => result.outcome === "rejected")));
  });
});
