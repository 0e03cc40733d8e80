import { createHash } from "node:crypto";

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(severity);
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

export type FindingSource = "template" | "live" | "drift";
export type FindingStatus = "OPEN" | "SUPPRESSED";

export interface StackRef {
  name: string;
  id?: string;
  region?: string;
  account?: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  source: FindingSource;
  resource: { logicalId: string; type: string; physicalId?: string };
  stack: StackRef;
  location?: { file?: string; line: number; column: number };
  evidence: Record<string, unknown>;
  remediation: string;
  fingerprint: string;
  status: FindingStatus;
  suppression?: { reason: string; by: "template" | "policy"; expires?: string };
}

/**
 * Stable across scans: account, region, stack, logical id, rule and the detail that tells two findings
 * of one rule on one resource apart. Never line numbers or message text.
 */
export function fingerprintOf(parts: { account?: string; region?: string; stack: string; logicalId: string; ruleId: string; detail?: string }): string {
  const key = [parts.account ?? "", parts.region ?? "", parts.stack, parts.logicalId, parts.ruleId, parts.detail ?? ""].join("\u001f");
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}

export interface ScanError {
  /** The file or stack that could not be read or judged. */
  target: string;
  message: string;
  location?: { line: number; column: number };
  resource?: string;
}
