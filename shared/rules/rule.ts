import type { Severity } from "../findings/finding.ts";
import type { Policy } from "../config/policy.ts";
import type { TemplatePath, TemplateBody } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import type { ReferenceGraph } from "../template/graph.ts";
import type { ResourceView, ViewKind } from "../views/view.ts";
import type { LiveScope } from "../live/session.ts";

export type RuleSource = "template" | "live" | "drift";

export interface RuleMetadata {
  /** The catalogue id; also the file name. */
  id: string;
  title: string;
  severity: Severity;
  /** What fails and why it matters. */
  description: string;
  remediation: string;
  /** Seed analyses that motivate the rule, as "000 §1". */
  seeds: string[];
  /** Closest rules of other tools: "cfn_nag W5", "checkov CKV_AWS_24", "cfn-lint E3030", "Security Hub EC2.13"... */
  anchors: string[];
  /** What the rule judges, as the catalogue's T, L and D columns say. */
  judges: RuleSource[];
  /**
   * Live scans judge each stack, then the account and region once: "account" rules (EBS encryption by default,
   * Security Hub, access keys) run in that second pass. Default: ["stack"].
   */
  scopes?: RuleScope[];
}

export type RuleScope = "stack" | "account";

/**
 * A security property a rule with a drift form compares between the template's view and the live view of the same
 * resource. The rule owns it; drift-security-property reports the differences.
 */
export interface DriftProperty<V extends ResourceView = ResourceView> {
  view: ViewKind<V>;
  /** The property as the finding names it: "MultiAZ", "KeyPolicy", "HttpTokens". */
  property: string;
  /**
   * The value to compare, in a form equal on both sides when the intent holds (plain data: numbers, strings,
   * sorted lists); `undefined` when the property does not apply; an `Unknown` template value is never drift.
   */
  value(view: V): unknown;
}

/** What a rule sees: views of one scenario of one template, or of one live stack (or the account), and the policy. */
export interface RuleContext {
  source: RuleSource;
  scope: RuleScope;
  /** Template views when judging a template; live views when judging live state or drift. */
  views<V extends ResourceView>(kind: ViewKind<V>): V[];
  policy: Policy;
  /** Present when judging a template (and, for drift, the template side): the resolved scenario, the template as written and its reference graph. */
  template?: {
    resolved: ResolvedTemplate;
    body: TemplateBody;
    graph: ReferenceGraph;
  };
  /** Present when judging live state or drift: the stack (resources, deployed template) or the account. */
  live?: LiveScope;
  /** Present when judging drift. */
  drift?: DriftContext;
}

export interface DriftContext {
  /** The template's views of a kind (default scenario, resolved with the stack's deployed parameter values). */
  intended<V extends ResourceView>(kind: ViewKind<V>): V[];
  /** Each rule's hits on the template and on the live resources of this stack, by rule id. */
  hits: { template: ReadonlyMap<string, readonly Hit[]>; live: ReadonlyMap<string, readonly Hit[]> };
  /** The drift properties of every rule in the catalogue, with the rule that owns each. */
  properties: readonly { rule: RuleMetadata; property: DriftProperty }[];
  /** The stack resource's physical id (security-group peers, ARNs the template builds). */
  physicalIdOf(logicalId: string): string | undefined;
}

/** One flaw a rule found. */
export interface Hit {
  resource: { logicalId: string; type: string; physicalId?: string };
  message: string;
  /** Where in the template (from its root); defaults to the resource. */
  path?: TemplatePath;
  /** When context raises or lowers the rule's default; the message says why. */
  severity?: Severity;
  /** Tells apart two findings of this rule on one resource (a port, a statement id); part of the fingerprint. */
  detail?: string;
  evidence?: Record<string, unknown>;
}

export interface Rule extends RuleMetadata {
  check(context: RuleContext): Hit[];
  /** The security properties this rule's drift form compares (rules marked D). */
  drift?: DriftProperty[];
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
