import type { Severity } from "../findings/finding.ts";
import type { Policy } from "../config/policy.ts";
import type { TemplatePath, TemplateBody } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import type { ReferenceGraph } from "../template/graph.ts";
import type { ResourceView, ViewKind } from "../views/view.ts";

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
}

/** What a rule sees: views of one scenario of one template (or, later, of one live stack), and the policy. */
export interface RuleContext {
  source: "template" | "live";
  views<V extends ResourceView>(kind: ViewKind<V>): V[];
  policy: Policy;
  /** Present when judging a template: the resolved scenario, the template as written and its reference graph. */
  template?: {
    resolved: ResolvedTemplate;
    body: TemplateBody;
    graph: ReferenceGraph;
  };
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
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
