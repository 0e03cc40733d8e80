import { isAbsolute, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { ALL_RULES } from "../rules/index.ts";
import type { Rule } from "../rules/rule.ts";
import type { Finding, ScanError, Severity } from "./finding.ts";
import type { ScanReport } from "./report.ts";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
export const FINGERPRINT_KEY = "stackwarden/v1";

export type SarifLevel = "error" | "warning" | "note";

/** GitHub code scanning reads these: error for critical/high, warning for medium, note below. */
export const SARIF_LEVEL: Record<Severity, SarifLevel> = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };

/** GitHub's security-severity scale (over 9.0 critical, 7.0 high, 4.0 medium, above 0 low). */
export const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "1.0" };

export interface SarifOptions {
  /** Rules to describe in tool.driver.rules; every rule StackWarden has unless told. */
  rules?: readonly Rule[];
  /** Artifact URIs are made relative to this folder (the repository root in CI). */
  baseDir?: string;
  version?: string;
  informationUri?: string;
}

interface SarifMessage {
  text: string;
  markdown?: string;
}

export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { "security-severity": string; tags: string[]; precision: string };
}

export interface SarifLocation {
  physicalLocation: {
    artifactLocation: { uri: string };
    region?: { startLine: number; startColumn: number };
  };
  logicalLocations?: { name: string; kind: string; fullyQualifiedName?: string }[];
}

export interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: SarifLevel;
  message: { text: string };
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: "inSource" | "external"; justification: string }[];
  properties: Record<string, unknown>;
}

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: {
    tool: { driver: { name: string; semanticVersion?: string; informationUri?: string; rules: SarifReportingDescriptor[] } };
    results: SarifResult[];
    invocations: {
      executionSuccessful: boolean;
      toolExecutionNotifications: { level: "error"; message: { text: string }; locations?: SarifLocation[] }[];
    }[];
  }[];
}

/** A SARIF 2.1.0 log that GitHub code scanning accepts. */
export function toSarif(report: ScanReport, options: SarifOptions = {}): SarifLog {
  const rules = options.rules ?? ALL_RULES;
  const baseDir = options.baseDir ?? process.cwd();
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "StackWarden",
            ...(options.version ? { semanticVersion: options.version } : {}),
            ...(options.informationUri ? { informationUri: options.informationUri } : {}),
            rules: rules.map(describeRule),
          },
        },
        results: report.findings.map((finding) => toResult(finding, ruleIndex.get(finding.ruleId), baseDir)),
        invocations: [
          {
            executionSuccessful: report.errors.length === 0,
            toolExecutionNotifications: report.errors.map((error) => toNotification(error, baseDir)),
          },
        ],
      },
    ],
  };
}

export function formatSarif(report: ScanReport, options: SarifOptions = {}): string {
  return `${JSON.stringify(toSarif(report, options), null, 2)}\n`;
}

function describeRule(rule: Rule): SarifReportingDescriptor {
  const anchors = rule.anchors.length > 0 ? `\n\nSimilar rules in other tools: ${rule.anchors.join(", ")}.` : "";
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: {
      text: `${rule.description}\n\nRemediation: ${rule.remediation}${anchors}`,
      markdown: `**${rule.title}**\n\n${rule.description}\n\n**Remediation:** ${rule.remediation}${anchors}`,
    },
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: {
      "security-severity": SECURITY_SEVERITY[rule.severity],
      tags: ["security", "cloudformation", rule.id.split("-")[0]!],
      precision: "high",
    },
  };
}

function toResult(finding: Finding, index: number | undefined, baseDir: string): SarifResult {
  const result: SarifResult = {
    ruleId: finding.ruleId,
    ...(index !== undefined ? { ruleIndex: index } : {}),
    level: SARIF_LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [locationOf(finding, baseDir)],
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    properties: {
      severity: finding.severity,
      source: finding.source,
      resource: finding.resource,
      stack: finding.stack,
    },
  };
  if (finding.status === "SUPPRESSED") {
    result.suppressions = [
      { kind: finding.suppression?.by === "policy" ? "external" : "inSource", justification: finding.suppression?.reason ?? "suppressed" },
    ];
  }
  return result;
}

function locationOf(finding: Finding, baseDir: string): SarifLocation {
  const logicalLocations = [{ name: finding.resource.logicalId, kind: "resource", fullyQualifiedName: `${finding.stack.name}/${finding.resource.logicalId}` }];
  const file = finding.location?.file ?? finding.stack.name;
  return {
    physicalLocation: {
      artifactLocation: { uri: artifactUri(file, baseDir) },
      ...(finding.location ? { region: { startLine: Math.max(1, finding.location.line), startColumn: Math.max(1, finding.location.column) } } : {}),
    },
    logicalLocations,
  };
}

function toNotification(error: ScanError, baseDir: string) {
  return {
    level: "error" as const,
    message: { text: error.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(error.target, baseDir) },
          ...(error.location ? { region: { startLine: Math.max(1, error.location.line), startColumn: Math.max(1, error.location.column) } } : {}),
        },
      },
    ],
  };
}

/** A relative URI with forward slashes when the file lies under baseDir; a file: URI otherwise. */
export function artifactUri(file: string, baseDir: string): string {
  const fromBase = isAbsolute(file) ? relative(baseDir, file) : relative(baseDir, `${baseDir}${sep}${file}`);
  if (fromBase === "" || fromBase.startsWith("..") || isAbsolute(fromBase)) {
    return pathToFileURL(isAbsolute(file) ? file : `${baseDir}${sep}${file}`).href;
  }
  return fromBase.split(sep).map(encodeURIComponent).join("/");
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}
