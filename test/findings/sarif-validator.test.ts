import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const VALIDATOR = join(ROOT, "node_modules", ".bin", "sarif-multitool");
const work = mkdtempSync(join(tmpdir(), "stackwarden-sarif-"));
after(() => rmSync(work, { recursive: true, force: true }));

interface ValidationResult {
  ruleId: string;
  level?: string;
  message: { text?: string; id?: string };
}

/** Runs Microsoft's SARIF validator on `file` with the given rule kinds and returns what it reported. */
function validate(file: string, ruleKind: string): ValidationResult[] {
  const output = join(work, `validation-${ruleKind}.sarif`);
  const run = spawnSync(VALIDATOR, ["validate", file, "--rule-kind", ruleKind, "--output", output, "--quiet"], { encoding: "utf8" });
  assert.equal(run.status, 0, `validator failed: ${run.stdout}${run.stderr}`);
  const log = JSON.parse(readFileSync(output, "utf8")) as { runs: { results?: ValidationResult[] }[] };
  return log.runs.flatMap((entry) => entry.results ?? []);
}

test("the examples' SARIF passes Microsoft's SARIF validator and GitHub's ingestion rules", () => {
  const sarif = join(work, "examples.sarif");
  const scan = spawnSync(process.execPath, ["--import", "tsx", "cli/stackwarden.ts", "examples", "--format", "sarif", "--output", sarif, "--fail-on", "none"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(scan.status, 0, scan.stderr);
  assert.deepEqual(validate(sarif, "Gh"), [], "GitHub code scanning ingestion rules");
  // StackWarden has no public home page yet, so the tool's informationUri is absent: the only note allowed.
  const sarifRules = validate(sarif, "Sarif").filter((result) => result.ruleId !== "SARIF2005");
  assert.deepEqual(sarifRules, [], "SARIF specification rules");
});
