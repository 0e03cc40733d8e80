import type { Policy } from "../config/policy.ts";
import type { Rule } from "../rules/rule.ts";
import { isRecord, listValue, stringValue } from "../template/values.ts";
import type { Finding } from "./finding.ts";

export interface TemplateSuppression {
  /** A StackWarden rule id, or a cfn_nag / checkov id that one of the rule's anchors names. */
  id: string;
  reason: string;
  tool: "stackwarden" | "cfn_nag" | "checkov";
}

/** Suppressions a resource's Metadata declares: stackwarden.suppress, cfn_nag.rules_to_suppress and checkov.skip. */
export function templateSuppressions(metadata: Record<string, unknown>): TemplateSuppression[] {
  const read = (section: unknown, listKey: string, reasonKey: string, tool: TemplateSuppression["tool"]) =>
    listValue(isRecord(section) ? section[listKey] : undefined).flatMap((entry) => {
      const id = isRecord(entry) ? stringValue(entry.id) : stringValue(entry);
      if (!id) return [];
      const reason = (isRecord(entry) ? stringValue(entry[reasonKey]) ?? stringValue(entry.reason) : undefined) ?? "no reason given";
      return [{ id, reason, tool }];
    });
  return [
    ...read(metadata.stackwarden, "suppress", "reason", "stackwarden"),
    ...read(metadata.cfn_nag, "rules_to_suppress", "reason", "cfn_nag"),
    ...read(metadata.checkov, "skip", "comment", "checkov"),
  ];
}

const ANCHOR_TOOL = { cfn_nag: "cfn_nag", checkov: "checkov" } as const;

export function suppressionMatches(suppression: TemplateSuppression, rule: Pick<Rule, "id" | "anchors">): boolean {
  if (suppression.tool === "stackwarden") return suppression.id === rule.id;
  return rule.anchors.includes(`${ANCHOR_TOOL[suppression.tool]} ${suppression.id}`);
}

function glob(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined || pattern === "*") return true;
  if (value === undefined) return false;
  const expression = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${expression}$`).test(value);
}

/** Marks findings the policy suppresses (unexpired entries only) as SUPPRESSED, with the reason. */
export function applyPolicySuppressions(findings: Finding[], policy: Policy, now: Date): void {
  for (const finding of findings) {
    if (finding.status === "SUPPRESSED") continue;
    const match = policy.suppressions.find(
      (entry) =>
        entry.ruleId === finding.ruleId &&
        glob(entry.stack, finding.stack.name) &&
        glob(entry.resource, finding.resource.logicalId) &&
        (entry.expires === undefined || Date.parse(entry.expires) >= now.getTime()),
    );
    if (match) {
      finding.status = "SUPPRESSED";
      finding.suppression = { reason: match.reason, by: "policy", ...(match.expires ? { expires: match.expires } : {}) };
    }
  }
}
