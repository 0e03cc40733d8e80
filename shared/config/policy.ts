import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { isSeverity, SEVERITIES, type Severity } from "../findings/finding.ts";

export interface PolicySuppression {
  ruleId: string;
  /** Glob over the stack name (or the template path for files); "*" matches any run of characters. */
  stack?: string;
  /** Glob over the logical id. */
  resource?: string;
  reason: string;
  /** ISO date; the suppression stops applying after it. */
  expires?: string;
}

export interface Policy {
  allowedEgressCidrs?: string[];
  requiredRegions?: string[];
  alertMinSeverity: Severity;
  suppressions: PolicySuppression[];
  severityOverrides: Record<string, Severity>;
}

export const DEFAULT_POLICY: Policy = { alertMinSeverity: "high", suppressions: [], severityOverrides: {} };

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

const KEYS = new Set(["allowedEgressCidrs", "requiredRegions", "alertMinSeverity", "suppressions", "severityOverrides"]);
const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/** Reads a policy document (YAML or JSON) and checks it field by field; `origin` names it in errors. */
export function parsePolicy(text: string, origin = "policy", knownRuleIds?: ReadonlySet<string>): Policy {
  let document: unknown;
  try {
    document = parse(text, { uniqueKeys: true });
  } catch (error) {
    throw new PolicyError(`${origin}: not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  if (document === null || document === undefined) return { ...DEFAULT_POLICY };
  if (typeof document !== "object" || Array.isArray(document)) throw new PolicyError(`${origin}: must be a mapping`);
  const input = document as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(input)) if (!KEYS.has(key)) problems.push(`unknown key "${key}" (expected one of ${[...KEYS].join(", ")})`);

  const stringList = (key: string, pattern: RegExp, what: string): string[] | undefined => {
    const value = input[key];
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      problems.push(`${key} must be a list of ${what}`);
      return undefined;
    }
    value.forEach((item, index) => {
      if (typeof item !== "string" || !pattern.test(item)) problems.push(`${key}[${index}] is not ${what}: ${JSON.stringify(item)}`);
    });
    return value as string[];
  };
  const knownRule = (ruleId: unknown, where: string): void => {
    if (typeof ruleId !== "string" || ruleId === "") problems.push(`${where}: ruleId must be a rule id`);
    else if (knownRuleIds && !knownRuleIds.has(ruleId)) problems.push(`${where}: unknown rule id "${ruleId}"`);
  };

  const policy: Policy = { ...DEFAULT_POLICY, suppressions: [], severityOverrides: {} };
  const allowed = stringList("allowedEgressCidrs", CIDR, "a CIDR block");
  if (allowed) policy.allowedEgressCidrs = allowed;
  const regions = stringList("requiredRegions", REGION, "an AWS region name");
  if (regions) policy.requiredRegions = regions;
  if (input.alertMinSeverity !== undefined) {
    if (isSeverity(input.alertMinSeverity)) policy.alertMinSeverity = input.alertMinSeverity;
    else problems.push(`alertMinSeverity must be one of ${SEVERITIES.join(", ")}`);
  }
  if (input.suppressions !== undefined) {
    if (!Array.isArray(input.suppressions)) problems.push("suppressions must be a list");
    else input.suppressions.forEach((entry, index) => {
      const where = `suppressions[${index}]`;
      if (!entry || typeof entry !== "object" || Array.isArray(entry)) return problems.push(`${where} must be a mapping`);
      const { ruleId, stack, resource, reason, expires, ...rest } = entry as Record<string, unknown>;
      for (const key of Object.keys(rest)) problems.push(`${where}: unknown key "${key}"`);
      knownRule(ruleId, where);
      if (typeof reason !== "string" || reason.trim() === "") problems.push(`${where}: reason is required`);
      if (stack !== undefined && typeof stack !== "string") problems.push(`${where}: stack must be a pattern`);
      if (resource !== undefined && typeof resource !== "string") problems.push(`${where}: resource must be a pattern`);
      const expiry = expires instanceof Date ? expires.toISOString() : expires;
      if (expiry !== undefined && (typeof expiry !== "string" || Number.isNaN(Date.parse(expiry)))) problems.push(`${where}: expires must be a date (YYYY-MM-DD)`);
      policy.suppressions.push({
        ruleId: ruleId as string,
        reason: reason as string,
        ...(typeof stack === "string" ? { stack } : {}),
        ...(typeof resource === "string" ? { resource } : {}),
        ...(typeof expiry === "string" ? { expires: expiry } : {}),
      });
    });
  }
  if (input.severityOverrides !== undefined) {
    const overrides = input.severityOverrides;
    if (!overrides || typeof overrides !== "object" || Array.isArray(overrides)) problems.push("severityOverrides must map rule ids to severities");
    else for (const [ruleId, severity] of Object.entries(overrides)) {
      knownRule(ruleId, `severityOverrides.${ruleId}`);
      if (isSeverity(severity)) policy.severityOverrides[ruleId] = severity;
      else problems.push(`severityOverrides.${ruleId} must be one of ${SEVERITIES.join(", ")}`);
    }
  }
  if (problems.length > 0) throw new PolicyError(`${origin}:\n  - ${problems.join("\n  - ")}`);
  return policy;
}

export function loadPolicyFile(path: string, knownRuleIds?: ReadonlySet<string>): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new PolicyError(`cannot read policy file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parsePolicy(text, path, knownRuleIds);
}
