import type { ScanReport } from "./report.ts";

/** The CLI's JSON report: one document `{ findings, errors, summary }`, newline-terminated. */
export function formatJson(report: ScanReport): string {
  const document: ScanReport = { findings: report.findings, errors: report.errors, summary: report.summary };
  return `${JSON.stringify(document, null, 2)}\n`;
}
