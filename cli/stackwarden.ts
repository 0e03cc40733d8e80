#!/usr/bin/env -S node --import tsx
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadPolicyFile, PolicyError, DEFAULT_POLICY, type Policy } from "../shared/config/policy.ts";
import { isSeverity, SEVERITIES, type Severity } from "../shared/findings/finding.ts";
import { formatJson } from "../shared/findings/format-json.ts";
import { formatSarif } from "../shared/findings/format-sarif.ts";
import { formatText, useColor } from "../shared/findings/format-text.ts";
import { redactReport, SHAPE_REDACTOR } from "../shared/findings/redact.ts";
import { exitCodeOf, summarize, EXIT_CLEAN, EXIT_USAGE, type ScanReport } from "../shared/findings/report.ts";
import { ALL_RULES, RULE_IDS } from "../shared/rules/index.ts";
import type { Rule } from "../shared/rules/rule.ts";
import { scanFiles } from "../shared/scan-files.ts";
import { scanLive } from "../shared/scan-live.ts";

/** Open findings at or above this severity make the exit code 1. */
const DEFAULT_FAIL_ON: Severity = "high";

const FORMATS = ["text", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage: npm run scan -- <template files or folders...> [options]
       npm run scan -- --stack NAME_OR_ARN [--stack ...] [--region R ...] [live options] [options]
       npm run scan -- --all-stacks [--region R ...] [live options] [options]

Scans CloudFormation templates (YAML or JSON) for security flaws. Folders are searched recursively
for *.yaml, *.yml, *.json and *.template files that look like CloudFormation (node_modules and
folders starting with a dot are skipped); files named explicitly are always scanned.

With --stack or --all-stacks, scans deployed stacks with your AWS credentials (environment, shared
config, SSO, instance role: the SDK's default chain): the template CloudFormation holds, the live
configuration of the stack's resources, and the drift between them. Read-only: see docs/iam-policy.md.

Live options:
  --stack NAME_OR_ARN        a deployed stack (repeatable)
  --all-stacks               every active stack of each region, and account-level checks
  --region R                 region to scan (repeatable; default: AWS_REGION, AWS_DEFAULT_REGION)
  --profile NAME             a named profile of your AWS config
  --endpoint-url URL         send every AWS call to URL (moto, LocalStack)
  --account-checks           account-level checks for --stack scans too (EBS defaults, Security Hub, Config,
                             access keys, trails, required regions); always on with --all-stacks
  --cfn-drift                also run CloudFormation's own drift detection (slow; unsupported calls are notes)

Options:
  --format text|json|sarif   report format (default: text)
  --fail-on SEVERITY         exit 1 when an open finding is at or above SEVERITY:
                             ${SEVERITIES.join(", ")}, or none to never fail on findings (default: ${DEFAULT_FAIL_ON})
  --policy FILE              scan policy (YAML or JSON): suppressions, severityOverrides, allowedEgressCidrs, ...
  --output FILE              write the report to FILE instead of standard output
  --rule ID                  run only this rule (repeatable, or comma-separated ids); default: every rule
  --help                     show this help

Exit codes: 0 no open finding at or above --fail-on; 1 there is one; 2 usage or input error
(bad option, unreadable file, template that does not parse, bad policy file, an AWS read that failed).
Suppressed findings never fail a scan; they are reported with their reason.`;

class UsageError extends Error {}

interface LiveOptions {
  stacks: string[];
  allStacks: boolean;
  regions: string[];
  profile?: string;
  endpointUrl?: string;
  accountChecks: boolean;
  cfnDrift: boolean;
}

interface Options {
  paths: string[];
  live?: LiveOptions;
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
        stack: { type: "string", multiple: true },
        "all-stacks": { type: "boolean" },
        region: { type: "string", multiple: true },
        profile: { type: "string" },
        "endpoint-url": { type: "string" },
        "account-checks": { type: "boolean" },
        "cfn-drift": { type: "boolean" },
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
  const live = liveOptions(values);
  if (live && positionals.length > 0) throw new UsageError("give template files or --stack/--all-stacks, not both");
  if (!live && positionals.length === 0) throw new UsageError("no template files or folders given (or --stack NAME, --all-stacks)");
  let rules: Rule[] | undefined;
  if (values.rule !== undefined) {
    const ids = new Set(values.rule.flatMap((list) => list.split(",")).map((id) => id.trim()).filter(Boolean));
    const unknown = [...ids].filter((id) => !RULE_IDS.has(id));
    if (unknown.length > 0) throw new UsageError(`unknown rule id${unknown.length > 1 ? "s" : ""} ${unknown.map((id) => `"${id}"`).join(", ")}`);
    rules = ALL_RULES.filter((rule) => ids.has(rule.id));
  }
  return {
    paths: positionals,
    ...(live ? { live } : {}),
    format: format as Format,
    failOn: failOn as Severity | "none",
    ...(values.policy !== undefined ? { policyFile: values.policy } : {}),
    ...(values.output !== undefined ? { output: values.output } : {}),
    ...(rules ? { rules } : {}),
  };
}

function liveOptions(values: {
  stack?: string[];
  "all-stacks"?: boolean;
  region?: string[];
  profile?: string;
  "endpoint-url"?: string;
  "account-checks"?: boolean;
  "cfn-drift"?: boolean;
}): LiveOptions | undefined {
  const stacks = (values.stack ?? []).map((stack) => stack.trim()).filter(Boolean);
  const allStacks = values["all-stacks"] === true;
  if (stacks.length === 0 && !allStacks) {
    const stray = (["region", "profile", "endpoint-url", "account-checks", "cfn-drift"] as const).find((name) => values[name] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --stack NAME or --all-stacks`);
    return undefined;
  }
  if (stacks.length > 0 && allStacks) throw new UsageError("give --stack or --all-stacks, not both");
  const fromArns = stacks.flatMap((stack) => /^arn:[^:]+:cloudformation:([^:]+):/.exec(stack)?.[1] ?? []);
  const regions = [...new Set([...(values.region ?? []).flatMap((list) => list.split(",")).map((region) => region.trim()).filter(Boolean)])];
  if (regions.length === 0) {
    const fromEnvironment = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
    if (fromEnvironment) regions.push(fromEnvironment);
    else if (fromArns.length > 0 && fromArns.length === stacks.length) regions.push(...new Set(fromArns));
    else throw new UsageError("no region: pass --region R (or set AWS_REGION)");
  }
  const invalid = regions.find((region) => !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region));
  if (invalid) throw new UsageError(`--region "${invalid}" is not a region name such as eu-west-1`);
  const endpointUrl = values["endpoint-url"];
  if (endpointUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(endpointUrl)) throw new UsageError(`--endpoint-url must be an http(s) URL, not "${endpointUrl}"`);
  return {
    stacks,
    allStacks,
    regions,
    ...(values.profile ? { profile: values.profile } : {}),
    ...(endpointUrl ? { endpointUrl } : {}),
    accountChecks: allStacks || values["account-checks"] === true,
    cfnDrift: values["cfn-drift"] === true,
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

async function liveReport(live: LiveOptions, policy: Policy, rules: readonly Rule[] | undefined, showProgress: boolean): Promise<ScanReport> {
  const started = performance.now();
  const result = await scanLive({
    regions: live.regions,
    stacks: live.stacks,
    allStacks: live.allStacks,
    accountChecks: live.accountChecks,
    cfnDrift: live.cfnDrift,
    policy,
    ...(live.profile ? { profile: live.profile } : {}),
    ...(live.endpointUrl ? { endpointUrl: live.endpointUrl } : {}),
    ...(rules ? { rules } : {}),
    onProgress: ({ done, total, stack, region }) => {
      if (!showProgress || total < 2) return;
      process.stderr.write(done < total ? `\r\u001b[K${progressBar(done, total)} ${region} ${stack}`.slice(0, Math.max(20, (process.stderr.columns ?? 80) - 1)) : "\r\u001b[K");
    },
  });
  const summary = summarize(result.findings, result.errors, { files: 0, templates: result.stacks.length, skipped: 0, durationMs: performance.now() - started });
  summary.stacks = result.stacks.length;
  summary.apiCalls = Object.values(result.calls).reduce((sum, count) => sum + count, 0);
  return { findings: result.findings, errors: result.errors, summary, ...(result.notes.length > 0 ? { notes: result.notes } : {}) };
}

const PROGRESS_BAR_WIDTH = 24;

function progressBar(done: number, total: number): string {
  const filled = Math.round((done / total) * PROGRESS_BAR_WIDTH);
  return `[${"#".repeat(filled)}${"-".repeat(PROGRESS_BAR_WIDTH - filled)}] ${done}/${total}`;
}

async function main(argv: string[]): Promise<number> {
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
  const scanned = options.live ? await liveReport(options.live, policy, options.rules, showProgress) : scanFiles(options.paths, {
    policy,
    ...(options.rules ? { rules: options.rules } : {}),
    onProgress: (done, total, file) => {
      if (!showProgress || total < PROGRESS_MIN_FILES) return;
      // One line, cut to the terminal's width so the carriage return can redraw it.
      const line = `[${done + 1}/${total}] ${file}`.slice(0, Math.max(20, (process.stderr.columns ?? 80) - 1));
      process.stderr.write(done < total ? `\r\u001b[K${line}` : "\r\u001b[K");
    },
  });
  // Findings are redacted where they are built; this catches whatever a secret's shape gives away that got past that.
  const report = redactReport(scanned);

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
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // A bug, not a finding: exit 2 so CI never mistakes a crash for "findings at or above --fail-on".
  process.stderr.write(`stackwarden: internal error: ${SHAPE_REDACTOR.text((error as Error).stack ?? String(error))}\n`);
  process.exitCode = EXIT_USAGE;
}
