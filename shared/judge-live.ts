import { DEFAULT_POLICY, type Policy } from "./config/policy.ts";
import { fingerprintOf, type Finding, type FindingSource, type ScanError, type StackRef } from "./findings/finding.ts";
import { Redactor, SHAPE_REDACTOR, templateSecrets } from "./findings/redact.ts";
import { applyPolicySuppressions } from "./findings/suppress.ts";
import type { LiveAccount, LiveStack } from "./live/session.ts";
import { ALL_RULES } from "./rules/index.ts";
import type { DriftContext, Hit, Rule, RuleContext, RuleSource } from "./rules/rule.ts";
import { applyTemplateSuppressions, judgeTemplate, sortFindings, templateContext, type ScanResult } from "./scan.ts";
import { buildReferenceGraph } from "./template/graph.ts";
import type { ParsedTemplate } from "./template/parse.ts";
import { resolveTemplate, type PseudoParameters, type ResolveOptions } from "./template/resolve.ts";
import { toEvidence } from "./template/values.ts";
import type { ResourceView, ViewKind } from "./views/view.ts";

export interface LiveJudgeOptions {
  policy?: Policy;
  rules?: readonly Rule[];
  now?: Date;
}

/** The stack as findings name it. */
export function stackRefOf(stack: LiveStack): StackRef {
  return { name: stack.stack.name, id: stack.stack.id, region: stack.stack.region, account: stack.stack.account };
}

/** How the deployed template resolves: the stack's own pseudo parameters and parameter values. */
export function deployedResolveOptions(stack: LiveStack): ResolveOptions {
  const pseudo: Partial<PseudoParameters> = {
    "AWS::AccountId": stack.stack.account,
    "AWS::Region": stack.stack.region,
    "AWS::StackName": stack.stack.name,
    "AWS::StackId": stack.stack.id,
    ...(stack.stack.region.startsWith("cn-") ? { "AWS::Partition": "aws-cn", "AWS::URLSuffix": "amazonaws.com.cn" } : {}),
    ...(stack.stack.region.startsWith("us-gov-") ? { "AWS::Partition": "aws-us-gov" } : {}),
  };
  return { pseudo, parameterValues: stack.stack.parameters, maskedParameters: stack.stack.maskedParameters };
}

/** Resolves the deployed template for the stack (its `template`, which views' fromLive may read). */
export function attachDeployedTemplate(stack: LiveStack, parsed: ParsedTemplate): void {
  stack.template = resolveTemplate(parsed, { ...deployedResolveOptions(stack), deployedOnly: true })[0];
}

/** Rules that judge only drift run in the drift pass; a rule marked D that judges templates or live state owns drift properties instead. */
function runsIn(rule: Rule, source: RuleSource, scope: "stack" | "account"): boolean {
  if (!(rule.scopes ?? ["stack"]).includes(scope)) return false;
  if (source === "drift") return rule.judges.length === 1 && rule.judges[0] === "drift";
  return rule.judges.includes(source);
}

function runRules(rules: readonly Rule[], context: RuleContext, target: string, errors: ScanError[], redactor: Redactor): Map<string, Hit[]> {
  const hits = new Map<string, Hit[]>();
  for (const rule of rules) {
    if (!runsIn(rule, context.source, context.scope)) continue;
    try {
      hits.set(rule.id, rule.check(context));
    } catch (error) {
      errors.push(redactor.error({ target, message: `rule ${rule.id} could not judge the ${context.source === "drift" ? "drift of" : context.source === "live" ? "live state of" : "template of"} ${target}: ${(error as Error).message}` }));
    }
  }
  return hits;
}

function cachedViews(build: <V extends ResourceView>(kind: ViewKind<V>) => V[]): <V extends ResourceView>(kind: ViewKind<V>) => V[] {
  const cache = new Map<ViewKind<ResourceView>, ResourceView[]>();
  return <V extends ResourceView>(kind: ViewKind<V>): V[] => {
    let views = cache.get(kind as unknown as ViewKind<ResourceView>);
    if (!views) {
      views = build(kind);
      cache.set(kind as unknown as ViewKind<ResourceView>, views);
    }
    return views as V[];
  };
}

function liveContext(scope: LiveStack | LiveAccount, policy: Policy): RuleContext {
  return { source: "live", scope: scope.scope, policy, live: scope, views: cachedViews((kind) => kind.fromLive?.(scope) ?? []) };
}

function toFinding(rule: Rule, hit: Hit, source: FindingSource, stack: StackRef, policy: Policy, redactor: Redactor, physicalIdOf?: (logicalId: string) => string | undefined): Finding {
  const physicalId = hit.resource.physicalId ?? physicalIdOf?.(hit.resource.logicalId);
  return redactor.finding({
    ruleId: rule.id,
    severity: policy.severityOverrides[rule.id] ?? hit.severity ?? rule.severity,
    title: rule.title,
    message: hit.message,
    source,
    resource: physicalId !== undefined ? { ...hit.resource, physicalId } : hit.resource,
    stack,
    evidence: toEvidence(hit.evidence ?? {}) as Record<string, unknown>,
    remediation: rule.remediation,
    fingerprint: fingerprintOf({ account: stack.account, region: stack.region, stack: stack.name, logicalId: hit.resource.logicalId, ruleId: rule.id, detail: hit.detail }),
    status: "OPEN",
  });
}

/**
 * Judges one deployed stack whose readers have loaded: the deployed template (its own scenario only), the live
 * resources, and the drift between them. A flaw found both in the template and live is one finding, `source: "live"`,
 * located at its template line; a flaw only in the template stays a template finding (the next deploy brings it back).
 */
export function judgeLiveStack(stack: LiveStack, parsed: ParsedTemplate | undefined, options: LiveJudgeOptions = {}): ScanResult {
  const policy = options.policy ?? DEFAULT_POLICY;
  const rules = options.rules ?? ALL_RULES;
  const now = options.now ?? new Date();
  const ref = stackRefOf(stack);
  const errors: ScanError[] = [];
  const byFingerprint = new Map<string, Finding>();

  const templateHits = new Map<string, Hit[]>();
  let templateSide: RuleContext | undefined;
  if (parsed) {
    if (!stack.template) attachDeployedTemplate(stack, parsed);
    // The deployed template is judged in its own scenario only; its hits also tell drift which side is less secure.
    const templateResult = judgeTemplate(parsed, { stack: ref, policy, rules, scenarios: [stack.template!], firstScenarioHits: templateHits, now });
    errors.push(...templateResult.errors);
    for (const finding of templateResult.findings) byFingerprint.set(finding.fingerprint, finding);
    templateSide = templateContext(stack.template!, parsed, buildReferenceGraph(parsed.body), policy);
  }

  // The stack's parameter values as DescribeStacks gave them: not masked when the template forgot NoEcho (or by moto).
  const redactor = new Redactor(templateSecrets(parsed?.body, stack.stack.parameters));
  const live = liveContext(stack, policy);
  const liveHits = runRules(rules, live, ref.name, errors, redactor);
  const ruleById = new Map(rules.map((rule) => [rule.id, rule]));
  const physicalIdOf = (logicalId: string) => stack.resources.find((resource) => resource.logicalId === logicalId)?.physicalId;
  for (const [ruleId, hits] of liveHits) {
    for (const hit of hits) {
      const finding = toFinding(ruleById.get(ruleId)!, hit, "live", ref, policy, redactor, physicalIdOf);
      const declared = byFingerprint.get(finding.fingerprint);
      if (declared?.location) finding.location = declared.location;
      if (declared) finding.evidence.alsoInTemplate = true;
      else if (parsed) locate(finding, parsed, hit);
      byFingerprint.set(finding.fingerprint, finding);
    }
  }

  if (templateSide) {
    const drift: DriftContext = {
      intended: templateSide.views,
      hits: { template: templateHits, live: liveHits },
      properties: ALL_RULES.flatMap((rule) => (rule.drift ?? []).map((property) => ({ rule, property }))),
      physicalIdOf,
    };
    const driftContext: RuleContext = { ...live, source: "drift", template: templateSide.template!, drift };
    for (const [ruleId, hits] of runRules(rules, driftContext, ref.name, errors, redactor)) {
      for (const hit of hits) {
        const finding = toFinding(ruleById.get(ruleId)!, hit, "drift", ref, policy, redactor, physicalIdOf);
        if (parsed) locate(finding, parsed, hit);
        byFingerprint.set(finding.fingerprint, finding);
      }
    }
  }

  const findings = [...byFingerprint.values()];
  if (parsed) applyTemplateSuppressions(findings, parsed.body, rules);
  applyPolicySuppressions(findings, policy, now);
  return { findings: sortFindings(findings), errors };
}

function locate(finding: Finding, parsed: ParsedTemplate, hit: Hit): void {
  if (!(hit.resource.logicalId in parsed.body.Resources)) return;
  const position = parsed.positionOf(hit.path ?? ["Resources", hit.resource.logicalId]);
  finding.location = { line: position.line, column: position.column };
}

/** Judges the account and region once: the rules whose scope is the account (EBS defaults, Security Hub, access keys...). */
export function judgeLiveAccount(account: LiveAccount, options: LiveJudgeOptions = {}): ScanResult {
  const policy = options.policy ?? DEFAULT_POLICY;
  const rules = options.rules ?? ALL_RULES;
  const ref = accountStackRef(account);
  const errors: ScanError[] = [];
  const findings: Finding[] = [];
  const ruleById = new Map(rules.map((rule) => [rule.id, rule]));
  for (const [ruleId, hits] of runRules(rules, liveContext(account, policy), ref.name, errors, SHAPE_REDACTOR)) {
    for (const hit of hits) findings.push(toFinding(ruleById.get(ruleId)!, hit, "live", ref, policy, SHAPE_REDACTOR));
  }
  applyPolicySuppressions(findings, policy, options.now ?? new Date());
  return { findings: sortFindings(findings), errors };
}

/** Account-level findings belong to no stack: they are filed under this name, per account and region. */
export const ACCOUNT_SCOPE_NAME = "(account)";

export function accountStackRef(account: LiveAccount): StackRef {
  return { name: ACCOUNT_SCOPE_NAME, region: account.region, account: account.account };
}
