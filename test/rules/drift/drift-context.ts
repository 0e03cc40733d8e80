/** Drift contexts built by hand: the template side from a fixture, the live side from views and resources the test gives. */
import { DEFAULT_POLICY } from "../../../shared/config/policy.ts";
import { deployedResolveOptions } from "../../../shared/judge-live.ts";
import { LiveSession, type LiveStack, type StackResource } from "../../../shared/live/session.ts";
import type { DriftProperty, Hit, RuleContext, RuleMetadata } from "../../../shared/rules/rule.ts";
import { templateContext } from "../../../shared/scan.ts";
import { buildReferenceGraph } from "../../../shared/template/graph.ts";
import { parseTemplate } from "../../../shared/template/parse.ts";
import { resolveTemplate } from "../../../shared/template/resolve.ts";
import type { ResourceView, ViewKind } from "../../../shared/views/view.ts";

export const STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/shop/0f3a1c20-1111-2222-3333-444455556666";

export function liveStack(resources: StackResource[], options: { session?: LiveSession; parameters?: Record<string, string> } = {}): LiveStack {
  return {
    scope: "stack",
    session: options.session ?? new LiveSession({ region: "us-east-1" }),
    stack: { name: "shop", id: STACK_ID, region: "us-east-1", account: "123456789012", status: "UPDATE_COMPLETE", parameters: options.parameters ?? {}, maskedParameters: [] },
    resources,
  };
}

/** Each listed logical id exists live with physical id `<id>-live` (status UPDATE_COMPLETE). */
export function deployed(...entries: [logicalId: string, type: string][]): StackResource[] {
  return entries.map(([logicalId, type]) => ({ logicalId, type, physicalId: `${logicalId.toLowerCase()}-live`, status: "UPDATE_COMPLETE" }));
}

export interface DriftFixture {
  template: string;
  stack: LiveStack;
  /** Live views by kind; kinds not listed have none. */
  live?: [ViewKind<ResourceView>, ResourceView[]][];
  hits?: { template?: Record<string, Hit[]>; live?: Record<string, Hit[]> };
  properties?: { rule: RuleMetadata; property: DriftProperty }[];
}

/** The context judge-live gives drift rules: live views, the template side (deployed scenario), both sides' hits. */
export function driftContext(fixture: DriftFixture): RuleContext {
  const parsed = parseTemplate(fixture.template);
  const resolved = resolveTemplate(parsed, deployedResolveOptions(fixture.stack))[0]!;
  fixture.stack.template = resolved;
  const templateSide = templateContext(resolved, parsed, buildReferenceGraph(parsed.body), DEFAULT_POLICY);
  const liveViews = new Map<ViewKind<ResourceView>, ResourceView[]>(fixture.live ?? []);
  return {
    source: "drift",
    scope: "stack",
    policy: DEFAULT_POLICY,
    live: fixture.stack,
    template: templateSide.template!,
    views: <V extends ResourceView>(kind: ViewKind<V>) => (liveViews.get(kind as unknown as ViewKind<ResourceView>) ?? []) as V[],
    drift: {
      intended: templateSide.views,
      hits: { template: new Map(Object.entries(fixture.hits?.template ?? {})), live: new Map(Object.entries(fixture.hits?.live ?? {})) },
      properties: fixture.properties ?? [],
      physicalIdOf: (logicalId) => fixture.stack.resources.find((resource) => resource.logicalId === logicalId)?.physicalId,
    },
  };
}

/** "<logicalId> <severity> <detail>" per hit, sorted, for compact assertions. */
export function summary(hits: readonly Hit[]): string[] {
  return hits.map((hit) => `${hit.resource.logicalId} ${hit.severity ?? "-"} ${hit.detail ?? ""}`.trim()).sort();
}
