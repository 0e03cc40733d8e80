import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Policy } from "../shared/config/policy.ts";
import { DEFAULT_POLICY } from "../shared/config/policy.ts";
import type { Finding } from "../shared/findings/finding.ts";
import { ALL_RULES } from "../shared/rules/index.ts";
import { scanTemplate, type ScanResult } from "../shared/scan.ts";

/** Directory of the test file whose import.meta.url is given, for fixtures beside it. */
export function hereOf(metaUrl: string): string {
  return dirname(fileURLToPath(metaUrl));
}

/** Scans a fixture file with one rule (or all) and throws if the template did not read cleanly. */
export function scanFixture(path: string, ruleId?: string, policy: Policy = DEFAULT_POLICY): Finding[] {
  return scanText(readFileSync(path, "utf8"), ruleId, policy, path);
}

export function scanText(text: string, ruleId?: string, policy: Policy = DEFAULT_POLICY, file = "inline.yaml"): Finding[] {
  const result = scanWith(text, ruleId, policy, file);
  if (result.errors.length > 0) throw new Error(`scan errors: ${JSON.stringify(result.errors)}`);
  return result.findings;
}

export function scanWith(text: string, ruleId: string | undefined, policy: Policy, file: string): ScanResult {
  const rules = ruleId ? ALL_RULES.filter((rule) => rule.id === ruleId) : ALL_RULES;
  if (ruleId && rules.length === 0) throw new Error(`no rule ${ruleId}`);
  return scanTemplate(text, { file, rules, policy });
}

export function fixture(metaUrl: string, name: string): string {
  return join(hereOf(metaUrl), "fixtures", name);
}

/** Logical ids the findings name, sorted, for compact assertions. */
export function flagged(findings: Finding[]): string[] {
  return findings.map((finding) => finding.resource.logicalId).sort();
}
