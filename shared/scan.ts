import { DEFAULT_POLICY, type Policy } from "./config/policy.ts";
import { fingerprintOf, type Finding, type ScanError, type StackRef } from "./findings/finding.ts";
import { Redactor, templateSecrets } from "./findings/redact.ts";
import { applyPolicySuppressions, suppressionMatches, templateSuppressions } from "./findings/suppress.ts";
import { ALL_RULES } from "./rules/index.ts";
import type { Hit, Rule, RuleContext } from "./rules/rule.ts";
import { buildReferenceGraph } from "./template/graph.ts";
import { parseTemplate, TemplateParseError, type ParsedTemplate } from "./template/parse.ts";
import { resolveTemplate, type PseudoParameters, type ResolvedTemplate } from "./template/resolve.ts";
import { toEvidence } from "./template/values.ts";
import type { ResourceView, ViewKind } from "./views/view.ts";

export interface ScanResult {
  findings: Finding[];
  errors: ScanError[];
}

export interface TemplateScanOptions {
  /** The path as scanned; findings carry it in their location. */
  file?: string;
  /** Defaults to the file's path. */
  stack?: StackRef;
  policy?: Policy;
  rules?: readonly Rule[];
  pseudo?: Partial<PseudoParameters>;
  parameterValues?: Record<string, string>;
  /** A deployed stack's NoEcho parameters, whose values AWS masks. */
  maskedParameters?: readonly string[];
  /** Scenarios resolved already (a deployed stack's one scenario); resolved from the options when absent. */
  scenarios?: ResolvedTemplate[];
  /** Filled with each rule's hits on the first scenario, for callers that compare them (drift). */
  firstScenarioHits?: Map<string, Hit[]>;
  now?: Date;
}

/** Reads, resolves and judges one template. Never throws for bad input: it becomes an entry in `errors`. */
export function scanTemplate(text: string, options: TemplateScanOptions = {}): ScanResult {
  const target = options.file ?? options.stack?.name ?? "template";
  let parsed: ParsedTemplate;
  try {
    parsed = parseTemplate(text);
  } catch (error) {
    if (!(error instanceof TemplateParseError)) throw error;
    return { findings: [], errors: [{ target, message: error.message, ...(error.position ? { location: error.position } : {}) }] };
  }
  return judgeTemplate(parsed, options);
}

export function judgeTemplate(parsed: ParsedTemplate, options: TemplateScanOptions = {}): ScanResult {
  const policy = options.policy ?? DEFAULT_POLICY;
  const rules = options.rules ?? ALL_RULES;
  const stack: StackRef = options.stack ?? { name: options.file ?? "template" };
  const target = options.file ?? stack.name;
  const errors: ScanError[] = [];
  const graph = buildReferenceGraph(parsed.body);
  const byFingerprint = new Map<string, Finding>();
  const fingerprintByHit = new Map<string, string>();
  const scenarios =
    options.scenarios ??
    resolveTemplate(parsed, {
      ...(options.pseudo ? { pseudo: options.pseudo } : {}),
      ...(options.parameterValues ? { parameterValues: options.parameterValues } : {}),
      ...(options.maskedParameters ? { maskedParameters: options.maskedParameters } : {}),
    });

  // Every secret the template holds or the scenarios were given, whatever rule would quote it.
  const redactor = new Redactor(templateSecrets(parsed.body, ...scenarios.map((resolved) => resolved.scenario.parameters)));

  scenarios.forEach((resolved, index) => {
    const context = templateContext(resolved, parsed, graph, policy);
    for (const rule of rules) {
      if (!rule.judges.includes("template")) continue;
      let hits;
      try {
        hits = rule.check(context);
      } catch (error) {
        errors.push(redactor.error({ target, message: `rule ${rule.id} could not judge this template: ${(error as Error).message}` }));
        continue;
      }
      if (index === 0) options.firstScenarioHits?.set(rule.id, hits);
      for (const hit of hits) {
        // Scenarios repeat most hits: each distinct one is hashed once.
        const hitKey = JSON.stringify([rule.id, hit.resource.logicalId, hit.detail ?? null]);
        let fingerprint = fingerprintByHit.get(hitKey);
        if (fingerprint === undefined) {
          fingerprint = fingerprintOf({ account: stack.account, region: stack.region, stack: stack.name, logicalId: hit.resource.logicalId, ruleId: rule.id, detail: hit.detail });
          fingerprintByHit.set(hitKey, fingerprint);
        }
        const known = byFingerprint.get(fingerprint);
        if (known) {
          if (index > 0) (known.evidence.scenarios as string[] | undefined)?.push(resolved.scenario.label);
          continue;
        }
        const position = parsed.positionOf(hit.path ? resolved.sourcePath(hit.path) : ["Resources", hit.resource.logicalId]);
        const branch = index > 0 ? ` (only when ${resolved.scenario.label})` : "";
        const evidence: Record<string, unknown> = toEvidence(hit.evidence ?? {}) as Record<string, unknown>;
        if (scenarios.length > 1) evidence.scenarios = [resolved.scenario.label || "defaults"];
        byFingerprint.set(fingerprint, redactor.finding({
          ruleId: rule.id,
          severity: policy.severityOverrides[rule.id] ?? hit.severity ?? rule.severity,
          title: rule.title,
          message: hit.message + branch,
          source: "template",
          resource: hit.resource,
          stack,
          location: { ...(options.file ? { file: options.file } : {}), line: position.line, column: position.column },
          evidence,
          remediation: rule.remediation,
          fingerprint,
          status: "OPEN",
        }));
      }
    }
  });

  const findings = [...byFingerprint.values()];
  applyTemplateSuppressions(findings, parsed.body, rules);
  applyPolicySuppressions(findings, policy, options.now ?? new Date());
  return { findings: sortFindings(findings), errors };
}

/** Marks findings that their resource's Metadata suppresses (stackwarden, cfn_nag and checkov keys) as SUPPRESSED. */
export function applyTemplateSuppressions(findings: Finding[], body: ParsedTemplate["body"], rules: readonly Rule[]): void {
  const ruleById = new Map(rules.map((rule) => [rule.id, rule]));
  for (const finding of findings) {
    if (finding.status === "SUPPRESSED") continue;
    const raw = body.Resources[finding.resource.logicalId];
    const metadata = raw && typeof raw === "object" && "Metadata" in raw ? (raw as { Metadata: unknown }).Metadata : undefined;
    const rule = ruleById.get(finding.ruleId);
    if (!metadata || typeof metadata !== "object" || !rule) continue;
    const match = templateSuppressions(metadata as Record<string, unknown>).find((entry) => suppressionMatches(entry, rule));
    if (match) {
      finding.status = "SUPPRESSED";
      finding.suppression = { reason: match.tool === "stackwarden" ? match.reason : `${match.reason} (${match.tool} ${match.id})`, by: "template" };
    }
  }
}

export function templateContext(resolved: ResolvedTemplate, parsed: ParsedTemplate, graph: ReturnType<typeof buildReferenceGraph>, policy: Policy): RuleContext {
  const cache = new Map<ViewKind<ResourceView>, ResourceView[]>();
  return {
    source: "template",
    scope: "stack",
    policy,
    template: { resolved, body: parsed.body, graph },
    views<V extends ResourceView>(kind: ViewKind<V>): V[] {
      let views = cache.get(kind);
      if (!views) {
        views = kind.fromTemplate(resolved);
        cache.set(kind, views);
      }
      return views as V[];
    },
  };
}

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      (a.location?.file ?? "").localeCompare(b.location?.file ?? "") ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      a.ruleId.localeCompare(b.ruleId) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
}
