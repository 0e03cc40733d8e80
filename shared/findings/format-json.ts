import type { ScanReport } from "./report.ts";

/** The CLI's JSON report: one document `{ findings, errors, summary }` (and a live scan's `notes`), newline-terminated. */
export function formatJson(report: ScanReport): string {
  const document: ScanReport = { findings: report.findings, errors: report.errors, summary: report.summary, ...(report.notes && report.notes.length > 0 ? { notes: report.notes } : {}) };
  return `${JSON.stringify(document, null, 2)}\n`;
}
