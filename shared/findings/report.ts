import { atLeast, SEVERITIES, type Finding, type ScanError, type Severity } from "./finding.ts";

/** Counts that describe one scan, as the CLI's JSON report prints them. */
export interface ScanSummary {
  /** Template files read (or attempted): every file named explicitly plus every CloudFormation file found in folders. */
  files: number;
  /** Templates read and judged without an error that stopped them. */
  templates: number;
  /** Files in the folders searched that have a template extension but do not look like CloudFormation. */
  skipped: number;
  findings: number;
  /** Open (not suppressed) findings per severity. */
  bySeverity: Record<Severity, number>;
  byStatus: { OPEN: number; SUPPRESSED: number };
  suppressed: number;
  errors: number;
  durationMs: number;
  /** Live scans: stacks judged, and AWS API calls made. */
  stacks?: number;
  apiCalls?: number;
}

export interface ScanReport {
  findings: Finding[];
  errors: ScanError[];
  summary: ScanSummary;
  /** What a live scan could not do that is not an error (CloudFormation drift detection unsupported...). */
  notes?: string[];
}

export function summarize(
  findings: readonly Finding[],
  errors: readonly ScanError[],
  counts: { files: number; templates: number; skipped: number; durationMs: number },
): ScanSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  const byStatus = { OPEN: 0, SUPPRESSED: 0 };
  for (const finding of findings) {
    byStatus[finding.status] += 1;
    if (finding.status === "OPEN") bySeverity[finding.severity] += 1;
  }
  return {
    files: counts.files,
    templates: counts.templates,
    skipped: counts.skipped,
    findings: findings.length,
    bySeverity,
    byStatus,
    suppressed: byStatus.SUPPRESSED,
    errors: errors.length,
    durationMs: Math.round(counts.durationMs),
  };
}

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/**
 * The CLI's exit code: 2 when anything could not be read or judged, else 1 when an open (not suppressed)
 * finding is at or above `failOn`, else 0.
 */
export function exitCodeOf(report: Pick<ScanReport, "findings" | "errors">, failOn: Severity | "none"): number {
  if (report.errors.length > 0) return EXIT_USAGE;
  if (failOn === "none") return EXIT_CLEAN;
  return report.findings.some((finding) => finding.status === "OPEN" && atLeast(finding.severity, failOn)) ? EXIT_FINDINGS : EXIT_CLEAN;
}
