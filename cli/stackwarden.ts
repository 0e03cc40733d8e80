#!/usr/bin/env -S node --import tsx
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadPolicyFile, PolicyError, DEFAULT_POLICY, type Policy } from "../shared/config/policy.ts";
import { isSeverity, SEVERITIES, type Severity } from "../shared/findings/finding.ts";
import { formatJson } from "../shared/findings/format-json.ts";
import { formatSarif } from "../shared/findings/format-sarif.ts";
import { formatText, useColor } from "../shared/findings/format-text.ts";
import { exitCodeOf, EXIT_CLEAN, EXIT_USAGE, type ScanReport } from "../shared/findings/report.ts";
import { ALL_RULES, RULE_IDS } from "../shared/rules/index.ts";
import type { Rule } from "../shared/rules/rule.ts";
import { scanFiles } from "../shared/scan-files.ts";

/** Open findings at or above this severity make the exit code 1. */
const DEFAULT_FAIL_ON: Severity = "high";

const FORMATS = ["text", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage: npm run scan -- <template files or folders...> [options]

Scans CloudFormation templates (YAML or JSON) for security flaws. Folders are searched recursively
for *.yaml, *.yml, *.json and *.template files that look like CloudFormation (node_modules and
folders starting with a dot are skipped); files named explicitly are always scanned.

Options:
  --format text|json|sarif   report format (default: text)
  --fail-on SEVERITY         exit 1 when an open finding is at or above SEVERITY:
                             ${SEVERITIES.join(", ")}, or none to never fail on findings (default: ${DEFAULT_FAIL_ON})
  --policy FILE              scan policy (YAML or JSON): suppressions, severityOverrides, allowedEgressCidrs, ...
  --output FILE              write the report to FILE instead of standard output
  --rule ID                  run only this rule (repeatable, or comma-separated ids); default: every rule
  --help                     show this help

Exit codes: 0 no open finding at or above --fail-on; 1 there is one; 2 usage or input error
(bad option, unreadable file, template that does not parse, bad policy file).
Suppressed findings never fail a scan; they are reported with their reason.`;

class UsageError extends Error {}

interface Options {
  paths: string[];
  format: Format;
  failOn: Severity | "none";
  policyFile?: string;
  output?: string;
  rules?: readonly Rule[];
}

function readOptions(argv: string[]): Options | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: "string" },
        "fail-on": { type: "string" },
        policy: { type: "string" },
        output: { type: "string" },
        rule: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const format = values.format ?? "text";
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not "${format}"`);
  const failOn = (values["fail-on"] ?? DEFAULT_FAIL_ON).toLowerCase();
  if (failOn !== "none" && !isSeverity(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(", ")}, none; not "${values["fail-on"]}"`);
  if (positionals.length === 0) throw new UsageError("no template files or folders given");
  let rules: Rule[] | undefined;
  if (values.rule !== undefined) {
    const ids = new Set(values.rule.flatMap((list) => list.split(",")).map((id) => id.trim()).filter(Boolean));
    const unknown = [...ids].filter((id) => !RULE_IDS.has(id));
    if (unknown.length > 0) throw new UsageError(`unknown rule id${unknown.length > 1 ? "s" : ""} ${unknown.map((id) => `"${id}"`).join(", ")}`);
    rules = ALL_RULES.filter((rule) => ids.has(rule.id));
  }
  return {
    paths: positionals,
    format: format as Format,
    failOn: failOn as Severity | "none",
    ...(values.policy !== undefined ? { policyFile: values.policy } : {}),
    ...(values.output !== undefined ? { output: values.output } : {}),
    ...(rules ? { rules } : {}),
  };
}

function loadPolicy(path: string | undefined): Policy {
  if (path === undefined) return DEFAULT_POLICY;
  try {
    return loadPolicyFile(path, RULE_IDS);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    // PolicyError lists one problem per line; a usage error is one line on stderr.
    const [head, ...problems] = error.message.split("\n").map((line) => line.replace(/^\s*-\s*/, "").trim());
    throw new UsageError(problems.length > 0 ? `invalid policy file ${head} ${problems.join("; ")}` : head!);
  }
}

function render(report: ScanReport, format: Format, color: boolean): string {
  if (format === "json") return formatJson(report);
  if (format === "sarif") return formatSarif(report, { version: packageVersion() });
  return formatText(report, { color });
}

function packageVersion(): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof manifest.version === "string" ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

const PROGRESS_MIN_FILES = 5;
const ERRORS_ON_STDERR = 20;

function main(argv: string[]): number {
  let options: Options | "help";
  let policy: Policy;
  try {
    options = readOptions(argv);
    if (options === "help") {
      process.stdout.write(`${USAGE}\n`);
      return EXIT_CLEAN;
    }
    policy = loadPolicy(options.policyFile);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`stackwarden: ${error.message}\nRun with --help for usage.\n`);
    return EXIT_USAGE;
  }

  const showProgress = process.stderr.isTTY === true;
  const report = scanFiles(options.paths, {
    policy,
    ...(options.rules ? { rules: options.rules } : {}),
    onProgress: (done, total, file) => {
      if (!showProgress || total < PROGRESS_MIN_FILES) return;
      // One line, cut to the terminal's width so the carriage return can redraw it.
      const line = `[${done + 1}/${total}] ${file}`.slice(0, Math.max(20, (process.stderr.columns ?? 80) - 1));
      process.stderr.write(done < total ? `\r\u001b[K${line}` : "\r\u001b[K");
    },
  });

  const toFile = options.output !== undefined;
  const text = render(report, options.format, !toFile && useColor(process.stdout));
  if (options.output !== undefined) {
    try {
      writeFileSync(options.output, text);
    } catch (error) {
      process.stderr.write(`stackwarden: cannot write ${options.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return EXIT_USAGE;
    }
    const { summary } = report;
    process.stderr.write(`stackwarden: wrote ${options.format} report to ${options.output}: ${summary.byStatus.OPEN} open, ${summary.suppressed} suppressed, ${summary.errors} errors\n`);
  } else {
    process.stdout.write(text);
  }
  if (options.format !== "text" && report.errors.length > 0) {
    // Text reports list errors themselves; machine formats keep stdout clean, so say it on stderr too.
    for (const error of report.errors.slice(0, ERRORS_ON_STDERR)) process.stderr.write(`stackwarden: ${error.target}: ${error.message}\n`);
    const more = report.errors.length - ERRORS_ON_STDERR;
    if (more > 0) process.stderr.write(`stackwarden: ... and ${more} more errors (all of them are in the report)\n`);
  }
  return exitCodeOf(report, options.failOn);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  // A bug, not a finding: exit 2 so CI never mistakes a crash for "findings at or above --fail-on".
  process.stderr.write(`stackwarden: internal error: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = EXIT_USAGE;
}
