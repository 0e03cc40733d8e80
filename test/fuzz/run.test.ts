import assert from "node:assert/strict";
import { test } from "node:test";
import { MUTATION_KINDS } from "./generator.ts";
import { isUnclear } from "./judge.ts";
import { failuresOf } from "./report.ts";
import { runFuzz } from "./run.ts";

test("an input still running at the watchdog is recorded as hung, and the run goes on with the next input", async () => {
  // Deep nesting takes tens of milliseconds, far above a 1 ms watchdog.
  const deep = MUTATION_KINDS.indexOf("deep-nesting");
  const only = [deep, deep + MUTATION_KINDS.length];
  const results = await runFuzz({ seed: 1, runs: 0, only, watchdogMs: 1 });
  assert.deepEqual(results.map((result) => [result.index, result.kind, result.outcome]), only.map((index) => [index, "deep-nesting", "hung"]));
  assert.match(failuresOf(results, 1)[0]!, /rerun with FUZZ_SEED=1 FUZZ_INDEX=\d+\) hung: still running after 0\.001 s/);
});

test("errors that show the engine's internals are unclear; errors about the template are not", () => {
  for (const message of [
    "rule x could not judge this template: Cannot read properties of undefined (reading 'type')",
    "TypeError: a.map is not a function",
    "Maximum call stack size exceeded",
    "value is [object Object]",
    "",
  ]) assert.ok(isUnclear(message), message);
  for (const message of ["duplicate key \"Resources\" (line 3, column 1)", "template nests deeper than 400 levels (line 1, column 900)", "unknown tag !Foo (line 2, column 9)"]) {
    assert.ok(!isUnclear(message), message);
  }
});
