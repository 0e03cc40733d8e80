import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ALL_RULES } from "../../shared/rules/index.ts";
import { SEVERITIES } from "../../shared/findings/finding.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CATALOGUE = join(ROOT, "..", "shared", "rules-catalogue.md");

interface CatalogueRow {
  id: string;
  marks: Set<string>;
  severity: string;
}

/** The rule rows of the catalogue's tables: id, the T/L/D marks and the default severity's first word. */
function catalogueRows(): CatalogueRow[] {
  const rows: CatalogueRow[] = [];
  for (const line of readFileSync(CATALOGUE, "utf8").split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    if (cells.length < 5 || !/^[a-z0-9]+(-[a-z0-9]+)+$/.test(cells[1]!)) continue;
    const hasMarks = /^[TLD ]+$/.test(cells[2]!);
    rows.push({
      id: cells[1]!,
      marks: new Set(hasMarks ? cells[2]!.split(/\s+/) : ["D"]),
      severity: (hasMarks ? cells[3] : cells[2])!.split(/\s/)[0]!,
    });
  }
  return rows;
}

const ruleById = new Map(ALL_RULES.map((rule) => [rule.id, rule]));

test("every rule of the catalogue (template, live-only and drift) exists with exactly its id, default severity and T/L/D marks", { skip: !existsSync(CATALOGUE) && "../shared/rules-catalogue.md is absent" }, () => {
  const rows = catalogueRows();
  assert.ok(rows.filter((row) => row.marks.has("T")).length >= 50, "read too few template rules from the catalogue");
  assert.ok(rows.filter((row) => !row.marks.has("T") && row.marks.has("L")).length >= 5, "read too few live-only rules from the catalogue");
  assert.ok(rows.filter((row) => row.id.startsWith("drift-")).length >= 4, "read too few drift rules from the catalogue");
  for (const row of rows) {
    const rule = ruleById.get(row.id);
    assert.ok(rule, `catalogue rule ${row.id} is missing`);
    const judges = new Set(rule.judges.map((source) => ({ template: "T", live: "L", drift: "D" })[source]));
    assert.deepEqual([...judges].sort(), [...row.marks].sort(), `${row.id} judges ${[...judges]} but the catalogue says ${[...row.marks]}`);
    if ((SEVERITIES as readonly string[]).includes(row.severity)) assert.equal(rule.severity, row.severity, `${row.id} default severity`);
  }
});

test("rule ids are unique and every rule carries its metadata", () => {
  assert.equal(ruleById.size, ALL_RULES.length);
  for (const rule of ALL_RULES) {
    for (const field of ["title", "description", "remediation"] as const) assert.ok(rule[field].length > 10, `${rule.id} ${field}`);
    assert.ok(rule.seeds.length > 0, `${rule.id} names no seed`);
    assert.ok(rule.seeds.every((seed) => /^00\d\b/.test(seed)), `${rule.id} seeds ${rule.seeds}`);
    assert.ok(rule.anchors.every((anchor) => /^(cfn_nag|checkov|cfn-lint|guard|cdk-nag|prowler|securityhub) \S+$/.test(anchor)), `${rule.id} anchors ${rule.anchors}`);
  }
});

test("each rule lives in a file named for its id and has a test with failing and passing fixtures beside it", () => {
  for (const rule of ALL_RULES) {
    const service = readdirSync(join(ROOT, "shared", "rules")).find((folder) => existsSync(join(ROOT, "shared", "rules", folder, `${rule.id}.ts`)));
    assert.ok(service, `no shared/rules/<service>/${rule.id}.ts`);
    assert.ok(existsSync(join(ROOT, "test", "rules", service, `${rule.id}.test.ts`)), `no test/rules/${service}/${rule.id}.test.ts`);
    const fixtures = existsSync(join(ROOT, "test", "rules", service, "fixtures")) ? readdirSync(join(ROOT, "test", "rules", service, "fixtures")) : [];
    assert.ok(fixtures.some((name) => name.startsWith(`${rule.id}.fail`) || name.startsWith(`${rule.id}-`) && /fail/.test(name)), `${rule.id} has no failing fixture`);
    assert.ok(fixtures.some((name) => name.startsWith(`${rule.id}.pass`) || name.startsWith(`${rule.id}-`) && /pass/.test(name)), `${rule.id} has no passing fixture`);
  }
});
