import type { Severity } from "../findings/finding.ts";
import { severityRank } from "../findings/finding.ts";
import type { DriftContext, Hit } from "../rules/rule.ts";
import type { ResourceView } from "../views/view.ts";

/** The template's view and the live view of the same logical resource. */
export interface ViewPair<V extends ResourceView> {
  template: V;
  live: V;
  /** Set when a resource has several views of the kind (a principal's policy documents): which one this is. */
  part?: string;
}

/**
 * Which of a resource's views this is: its `key` when the kind gives one (a stable name such as "Policies/ReadOnly"),
 * else its position among the resource's views of the kind.
 */
function partOf(view: ResourceView, index: number): string {
  const key = (view as { key?: unknown }).key;
  return typeof key === "string" ? key : `#${index}`;
}

function byResource<V extends ResourceView>(views: readonly V[]): Map<string, Map<string, V>> {
  const grouped = new Map<string, V[]>();
  for (const view of views) grouped.set(view.logicalId, [...(grouped.get(view.logicalId) ?? []), view]);
  return new Map([...grouped].map(([logicalId, group]) => [logicalId, new Map(group.map((view, index) => [partOf(view, index), view] as const))]));
}

/** Pairs the template's and the live views by logical id (and part); views on one side only are left out. */
export function pairByLogicalId<V extends ResourceView>(intended: readonly V[], live: readonly V[]): ViewPair<V>[] {
  const liveByResource = byResource(live);
  const pairs: ViewPair<V>[] = [];
  for (const [logicalId, parts] of byResource(intended)) {
    const liveParts = liveByResource.get(logicalId);
    if (!liveParts) continue;
    const several = parts.size > 1 || liveParts.size > 1;
    for (const [part, template] of parts) {
      const match = liveParts.get(part);
      if (match) pairs.push({ template, live: match, ...(several ? { part } : {}) });
    }
  }
  return pairs;
}

/** What a rule's hits on one resource say about which side is less secure. */
export interface SecurityComparison {
  /** The rule fires live for something it does not fire on in the template (or fires harder). */
  liveLessSecure: boolean;
  /** Why, for the message. */
  reason: string;
}

/**
 * Compares a rule's findings on the template and on the live resource: the live value is the less secure one when the
 * rule fires live for something (a detail) it does not fire on in the template, or at a higher severity. When the
 * intent is AWS's default for a property the template leaves out, the rule's findings on the template (about leaving
 * it out) say nothing of that intent, and the rule firing live at all makes the live value the less secure one.
 */
export function compareRuleHits(drift: DriftContext, rule: { id: string; severity: Severity }, logicalId: string, intent: "template" | "aws-default" = "template"): SecurityComparison {
  const onResource = (hits: readonly Hit[] | undefined) => (hits ?? []).filter((hit) => hit.resource.logicalId === logicalId);
  const templateHits = intent === "aws-default" ? [] : onResource(drift.hits.template.get(rule.id));
  const liveHits = onResource(drift.hits.live.get(rule.id));
  const templateSeverity = new Map<string, number>();
  for (const hit of templateHits) {
    const detail = hit.detail ?? "";
    templateSeverity.set(detail, Math.max(templateSeverity.get(detail) ?? 0, severityRank(hit.severity ?? rule.severity)));
  }
  const worse = liveHits.find((hit) => {
    const declared = templateSeverity.get(hit.detail ?? "");
    return declared === undefined || severityRank(hit.severity ?? rule.severity) > declared;
  });
  if (worse) {
    const declared = templateSeverity.has(worse.detail ?? "");
    return {
      liveLessSecure: true,
      reason: declared
        ? `the live value is the less secure one: ${rule.id} judges the live resource more severely than the template (${worse.severity ?? rule.severity}: ${worse.message})`
        : `the live value is the less secure one: ${rule.id} fires on the live resource and not on ${intent === "aws-default" ? "AWS's default" : "the template"} (${worse.message})`,
    };
  }
  const liveDetails = new Set(liveHits.map((hit) => hit.detail ?? ""));
  if (templateHits.some((hit) => !liveDetails.has(hit.detail ?? ""))) return { liveLessSecure: false, reason: `the live value is the more secure one: ${rule.id} fires on the template and not on the live resource` };
  return { liveLessSecure: false, reason: `the live value is not the less secure one: ${rule.id} judges both sides alike` };
}
