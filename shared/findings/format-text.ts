import { SEVERITIES, severityRank, type Finding, type ScanError, type Severity } from "./finding.ts";
import type { ScanReport } from "./report.ts";

export interface TextFormatOptions {
  /** ANSI colours; see useColor for when to turn them on. */
  color?: boolean;
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything non-empty (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

const SEVERITY_STYLE: Record<Severity, string> = {
  critical: "1;31",
  high: "31",
  medium: "33",
  low: "36",
  info: "90",
};

type Paint = (style: string, text: string) => string;

/**
 * A report for people: open findings grouped by file, most severe first, each with its rule, resource, line,
 * message and remediation; then suppressed findings with their reasons, then errors, then a summary line.
 */
export function formatText(report: ScanReport, options: TextFormatOptions = {}): string {
  const paint: Paint = options.color ? (style, text) => `\u001b[${style}m${text}\u001b[0m` : (_style, text) => text;
  const lines: string[] = [];
  const open = report.findings.filter((finding) => finding.status === "OPEN");
  const suppressed = report.findings.filter((finding) => finding.status === "SUPPRESSED");

  for (const [target, findings] of groupByTarget(open)) {
    lines.push(paint("1", target));
    const ordered = [...findings].sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.location?.line ?? 0) - (b.location?.line ?? 0) || a.ruleId.localeCompare(b.ruleId),
    );
    for (const finding of ordered) {
      const label = paint(SEVERITY_STYLE[finding.severity], finding.severity.toUpperCase().padEnd(8));
      lines.push(`  ${label} ${finding.ruleId}  ${resourceOf(finding)}${where(finding)}`);
      lines.push(`           ${finding.message}`);
      lines.push(`           ${paint("2", `Fix: ${finding.remediation}`)}`);
    }
    lines.push("");
  }

  if (suppressed.length > 0) {
    lines.push(paint("1", `Suppressed (${suppressed.length})`));
    for (const finding of suppressed) {
      const file = finding.location?.file ?? finding.stack.name;
      const line = finding.location ? `:${finding.location.line}` : "";
      const suppression = finding.suppression;
      const why = suppression ? `${suppression.by}: ${suppression.reason}${suppression.expires ? `, until ${suppression.expires}` : ""}` : "no reason recorded";
      lines.push(`  ${finding.severity.padEnd(8)} ${finding.ruleId}  ${resourceOf(finding)}  ${file}${line}  (${why})`);
    }
    lines.push("");
  }

  if (report.notes && report.notes.length > 0) {
    lines.push(paint("1", `Notes (${report.notes.length})`));
    for (const note of report.notes) lines.push(`  ${note}`);
    lines.push("");
  }

  if (report.errors.length > 0) {
    lines.push(paint("1;31", `Errors (${report.errors.length})`));
    for (const error of report.errors) lines.push(`  ${describeError(error)}`);
    lines.push("");
  }

  lines.push(summaryLine(report, paint));
  return `${lines.join("\n")}\n`;
}

function groupByTarget(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const target = finding.location?.file ?? `stack ${finding.stack.name}${finding.stack.region ? ` (${finding.stack.account ? `${finding.stack.account} ` : ""}${finding.stack.region})` : ""}`;
    const group = groups.get(target);
    if (group) group.push(finding);
    else groups.set(target, [finding]);
  }
  return groups;
}

/** The logical id, the physical id when the finding is about a live resource, and where the finding comes from when not the template. */
function resourceOf(finding: Finding): string {
  const physical = finding.resource.physicalId && finding.resource.physicalId !== finding.resource.logicalId ? ` (${finding.resource.physicalId})` : "";
  return `${finding.resource.logicalId}${physical}${finding.source === "template" ? "" : ` [${finding.source}]`}`;
}

function where(finding: Finding): string {
  return finding.location ? `  line ${finding.location.line}` : "";
}

function describeError(error: ScanError): string {
  const location = error.location ? `:${error.location.line}:${error.location.column}` : "";
  const resource = error.resource ? ` (${error.resource})` : "";
  // Parse errors spell their position in the message too; the prefix already says it.
  const message = error.location ? error.message.replace(` (line ${error.location.line}, column ${error.location.column})`, "") : error.message;
  return `${error.target}${location}${resource}: ${message}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function summaryLine(report: ScanReport, paint: Paint): string {
  const { summary } = report;
  const open = summary.byStatus.OPEN;
  const bySeverity = SEVERITIES.filter((severity) => summary.bySeverity[severity] > 0)
    .map((severity) => paint(SEVERITY_STYLE[severity], `${summary.bySeverity[severity]} ${severity}`))
    .join(", ");
  const parts = [
    summary.stacks !== undefined ? `${plural(summary.stacks, "stack")} scanned (${plural(summary.apiCalls ?? 0, "API call")})` : `${plural(summary.templates, "template")} scanned`,
    `${plural(open, "open finding")}${bySeverity ? ` (${bySeverity})` : ""}`,
    `${summary.suppressed} suppressed`,
    plural(summary.errors, "error"),
  ];
  return `${parts.join(", ")} in ${summary.durationMs} ms`;
}
