/**
 * `npm run examples`: scans the seed examples in examples/ (each reproduces one failure analysis in
 * ../shared/seeds) and their corrected twins in examples/fixed/ with every rule, and prints the report.
 * An example that needs a scan policy has one in examples/policies/ with the same base name.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_POLICY, loadPolicyFile, type Policy } from "../shared/config/policy.ts";
import { atLeast, SEVERITIES, type Finding, type ScanError, type Severity } from "../shared/findings/finding.ts";
import { formatText, useColor } from "../shared/findings/format-text.ts";
import { summarize, type ScanReport } from "../shared/findings/report.ts";
import { RULE_IDS } from "../shared/rules/index.ts";
import { sortFindings } from "../shared/scan.ts";
import { findTemplateFiles, scanFiles } from "../shared/scan-files.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const EXAMPLES = join(REPO, "examples");

function policyFor(template: string): { policy: Policy; file?: string } {
  const file = join(EXAMPLES, "policies", `${basename(template).replace(/\.(ya?ml|json)$/, "")}.yaml`);
  return existsSync(file) ? { policy: loadPolicyFile(file, RULE_IDS), file } : { policy: DEFAULT_POLICY };
}

function describeCounts(findings: readonly Finding[]): string {
  const open = findings.filter((finding) => finding.status === "OPEN");
  const counts = SEVERITIES.map((severity) => [severity, open.filter((finding) => finding.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`);
  return `${open.length} open finding${open.length === 1 ? "" : "s"}${counts.length > 0 ? ` (${counts.join(", ")})` : ""}`;
}

function highest(findings: readonly Finding[]): Severity | undefined {
  return SEVERITIES.find((severity) => findings.some((finding) => finding.status === "OPEN" && finding.severity === severity));
}

const started = performance.now();
const listed = findTemplateFiles([EXAMPLES]);
const findings: Finding[] = [];
const errors: ScanError[] = [...listed.errors];
let templates = 0;
const policiesUsed: string[] = [];

// Paths relative to where the demo runs, so the report stays short and clickable.
for (const absolute of listed.files) {
  const file = relative(process.cwd(), absolute) || absolute;
  const { policy, file: policyFile } = policyFor(absolute);
  if (policyFile) policiesUsed.push(`${file} with ${relative(process.cwd(), policyFile)}`);
  const report = scanFiles([file], { policy });
  findings.push(...report.findings);
  errors.push(...report.errors);
  templates += report.summary.templates;
}

const inFixed = (finding: Finding) => finding.location?.file?.split(/[\\/]/).includes("fixed") === true;
const flawed = findings.filter((finding) => !inFixed(finding));
const fixed = findings.filter(inFixed);
const flawedFiles = listed.files.filter((file) => basename(dirname(file)) !== "fixed").length;
const fixedFiles = listed.files.length - flawedFiles;

// The text report groups findings by file in the order given: the flawed examples first, then their twins.
const report: ScanReport = {
  findings: [...sortFindings(flawed), ...sortFindings(fixed)],
  errors,
  summary: summarize(findings, errors, { files: listed.files.length + listed.errors.length, templates, skipped: 0, durationMs: performance.now() - started }),
};

console.log("StackWarden demo: the seed examples (examples/*) and their fixed twins (examples/fixed/*), every rule.");
for (const line of policiesUsed) console.log(`Policy: ${line}`);
console.log("");
process.stdout.write(formatText(report, { color: useColor(process.stdout) }));
const worstFixed = highest(fixed);
const fixedVerdict = worstFixed === undefined ? "none" : atLeast(worstFixed, "medium") ? `highest ${worstFixed} (should be low or below)` : `highest ${worstFixed}`;
console.log(
  `examples: ${flawedFiles} flawed examples -> ${describeCounts(flawed)}; ${fixedFiles} fixed twins -> ${describeCounts(fixed)}, ${fixedVerdict}; ${errors.length} error${errors.length === 1 ? "" : "s"}.`,
);
