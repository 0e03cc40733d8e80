import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { DEFAULT_POLICY, loadPolicyFile, type Policy } from "../../shared/config/policy.ts";
import { atLeast, type Finding } from "../../shared/findings/finding.ts";
import { RULE_IDS } from "../../shared/rules/index.ts";
import { scanTemplate } from "../../shared/scan.ts";
import { hereOf } from "../helpers.ts";
import { SEED_EXAMPLES, type SeedExample } from "./expectations.ts";

const REPO = join(hereOf(import.meta.url), "..", "..");
const EXAMPLES = join(REPO, "examples");
const FIXED = join(EXAMPLES, "fixed");
const SHARED = join(REPO, "..", "shared");
const CATALOGUE = join(SHARED, "rules-catalogue.md");

function policyOf(example: SeedExample): Policy {
  return example.policyFile ? loadPolicyFile(join(EXAMPLES, example.policyFile), RULE_IDS) : DEFAULT_POLICY;
}

function scanExample(path: string, example: SeedExample): Finding[] {
  const result = scanTemplate(readFileSync(path, "utf8"), { file: path, policy: policyOf(example) });
  assert.deepEqual(result.errors, [], `${path} must read and judge without errors`);
  return result.findings;
}

function templateFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ya?ml|json)$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

test("every example has its expectations and its fixed twin, and nothing else lives there", () => {
  const named = SEED_EXAMPLES.map((example) => example.example).sort();
  assert.deepEqual(templateFiles(EXAMPLES), named);
  assert.deepEqual(templateFiles(FIXED), named);
  assert.ok(named.some((name) => name.endsWith(".json")), "at least one example is JSON");
  const policies = templateFiles(join(EXAMPLES, "policies")).map((name) => `policies/${name}`);
  assert.deepEqual(policies, SEED_EXAMPLES.flatMap((example) => (example.policyFile ? [example.policyFile] : [])).sort());
  // The demo finds an example's policy by this naming convention.
  for (const example of SEED_EXAMPLES) {
    if (example.policyFile) assert.equal(example.policyFile, `policies/${example.example.replace(/\.(ya?ml|json)$/, "")}.yaml`);
  }
});

for (const example of SEED_EXAMPLES) {
  describe(`seed ${example.seed}: examples/${example.example}`, () => {
    const findings = scanExample(join(EXAMPLES, example.example), example);

    for (const ruleId of example.templateRules) {
      test(`yields ${ruleId}`, () => {
        assert.ok(RULE_IDS.has(ruleId), `rule ${ruleId} is not registered in shared/rules yet`);
        const hits = findings.filter((finding) => finding.ruleId === ruleId);
        assert.ok(hits.length > 0, `${example.example} should yield ${ruleId}; it yields ${[...new Set(findings.map((finding) => finding.ruleId))].sort().join(", ")}`);
        for (const hit of hits) assert.ok(hit.location && hit.location.line > 1, `${ruleId} on ${hit.resource.logicalId} points at a line`);
      });
    }

    test("its fixed twin yields nothing above low", () => {
      const fixed = scanExample(join(FIXED, example.example), example);
      const serious = fixed.filter((finding) => atLeast(finding.severity, "medium"));
      assert.deepEqual(
        serious.map((finding) => `${finding.severity} ${finding.ruleId} ${finding.resource.logicalId}: ${finding.message}`),
        [],
      );
    });

    test("its fixed twin fixes every flaw the seed names", () => {
      const fixed = scanExample(join(FIXED, example.example), example);
      // Low findings may stay in a realistic template (an internet-facing load balancer), but not the seed's own flaws
      // at the resources the flawed example shows them on.
      const flawed = new Set(findings.filter((finding) => example.templateRules.includes(finding.ruleId)).map((finding) => `${finding.ruleId} ${finding.resource.logicalId}`));
      const remaining = fixed.map((finding) => `${finding.ruleId} ${finding.resource.logicalId}`).filter((key) => flawed.has(key));
      assert.deepEqual(remaining, []);
    });
  });
}

describe("expectations follow the catalogue's seed column", { skip: existsSync(CATALOGUE) ? false : `${CATALOGUE} is absent` }, () => {
  const rows = existsSync(CATALOGUE) ? catalogueRows(readFileSync(CATALOGUE, "utf8")) : [];

  for (const example of SEED_EXAMPLES) {
    const seedNumber = example.seed.slice(0, 3);
    test(`seed ${seedNumber}`, () => {
      const citing = rows.filter((row) => row.seeds.includes(seedNumber));
      assert.deepEqual([...example.templateRules].sort(), citing.filter((row) => row.judgesTemplate).map((row) => row.id).sort());
      assert.deepEqual([...example.liveOnlyRules].sort(), citing.filter((row) => !row.judgesTemplate).map((row) => row.id).sort());
      assert.ok(existsSync(join(SHARED, "seeds", example.seed)), `seed file ${example.seed} exists`);
    });
  }
});

interface CatalogueRow {
  id: string;
  judgesTemplate: boolean;
  seeds: string[];
}

/** Rows of the catalogue's rule tables (those with a seed column): id, whether T is marked, and the seeds cited. */
function catalogueRows(markdown: string): CatalogueRow[] {
  const rows: CatalogueRow[] = [];
  let columns: string[] | undefined;
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("|")) {
      columns = undefined;
      continue;
    }
    const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
    if (!columns) {
      columns = cells;
      continue;
    }
    if (cells.every((cell) => /^-+$/.test(cell))) continue;
    const seed = columns.indexOf("seed");
    const sources = columns.indexOf("T L D");
    if (seed < 0 || sources < 0) continue;
    rows.push({ id: cells[0]!, judgesTemplate: /\bT\b/.test(cells[sources]!), seeds: cells[seed]!.match(/\b\d{3}\b/g) ?? [] });
  }
  return rows;
}

const execFileAsync = promisify(execFile);

async function cfnLintVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync("cfn-lint", ["--version"]);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

test("cfn-lint reports no errors on any example", { timeout: 120_000 }, async (context) => {
  const version = await cfnLintVersion();
  if (!version) {
    context.skip("cfn-lint is not installed");
    return;
  }
  const files = [...templateFiles(EXAMPLES).map((name) => join(EXAMPLES, name)), ...templateFiles(FIXED).map((name) => join(FIXED, name))];
  // cfn-lint exits non-zero for warnings too; the parseable lines say which is which.
  const output = await execFileAsync("cfn-lint", ["--format", "parseable", ...files], { maxBuffer: 16 * 1024 * 1024 }).then(
    (result) => result.stdout,
    (error: { stdout?: string }) => error.stdout ?? "",
  );
  const errors = output.split("\n").filter((line) => /:E\d{4}:/.test(line));
  assert.deepEqual(errors, [], `${version} found errors`);
});
