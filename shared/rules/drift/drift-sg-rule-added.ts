import { pairByLogicalId } from "../../drift/pairs.ts";
import { canonicalLiveRules, canonicalTemplateRules, IMPLICIT_IPV6_EGRESS_KEY, type CanonicalRule } from "../../drift/security-group.ts";
import { describeRule, isWorld, securityGroupViews, type SecurityGroupRule } from "../../views/security-group.ts";
import { defineRule, type Hit } from "../rule.ts";

function ruleEvidence(rule: SecurityGroupRule) {
  return { direction: rule.direction, protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, peer: rule.peer, ...(rule.implicit ? { implicit: true } : {}) };
}

/** The rule as the template writes it, with the live id of a peer group it references. */
function describeTemplateRule({ rule, key }: CanonicalRule): string {
  const peerId = key.slice(key.lastIndexOf("|group:") + "|group:".length);
  if (rule.peer.kind !== "group" || !key.includes("|group:") || peerId === rule.peer.group) return describeRule(rule);
  return describeRule({ ...rule, peer: { kind: "group", group: `${rule.peer.group} (${peerId})` } });
}

function unique(rules: readonly CanonicalRule[]): CanonicalRule[] {
  const byKey = new Map<string, CanonicalRule>();
  for (const rule of rules) if (!byKey.has(rule.key)) byKey.set(rule.key, rule);
  return [...byKey.values()];
}

export default defineRule({
  id: "drift-sg-rule-added",
  title: "A security group's live rules differ from the template",
  severity: "high",
  description:
    "Security-group rules are compared as sets (direction, protocol, port range, peer). A rule on the live group that the " +
    "template does not declare was added outside CloudFormation (a console fix, a debugging session that opened port 22): " +
    "high when it is open to the whole internet (0.0.0.0/0 or ::/0), else medium. A rule the template declares that the " +
    "live group lacks was removed outside CloudFormation: medium (low for egress, since removing egress narrows access). " +
    "The allow-all egress AWS gives a group that declares none counts as the template's intent; a template rule whose " +
    "peer or ports the template does not fix is never drift.",
  remediation:
    "Remove the rule from the live group (or redeploy the stack), or, if it is needed, declare it in the template as " +
    "SecurityGroupIngress/SecurityGroupEgress with the narrowest peer (a security group or a known CIDR, never 0.0.0.0/0 " +
    "to admin ports). Find out who changed the group (CloudTrail AuthorizeSecurityGroupIngress events) and restrict it.",
  seeds: ["001 §2", "000 §3"],
  anchors: [],
  judges: ["drift"],
  check(context) {
    const drift = context.drift;
    if (!drift) return [];
    const hits: Hit[] = [];
    for (const { template, live } of pairByLogicalId(drift.intended(securityGroupViews), context.views(securityGroupViews))) {
      const physicalId = live.physicalId ?? drift.physicalIdOf(template.logicalId);
      const resource = { logicalId: template.logicalId, type: template.type, ...(physicalId !== undefined ? { physicalId } : {}) };
      const name = physicalId !== undefined ? `${template.logicalId} (${physicalId})` : template.logicalId;
      for (const direction of ["ingress", "egress"] as const) {
        const declared = canonicalTemplateRules(template[direction], drift.physicalIdOf, context.template?.resolved);
        const fixed = unique(declared.fixed);
        const actual = unique(canonicalLiveRules(live[direction]));
        const intended = new Set(fixed.map((rule) => rule.key));
        if (fixed.some((rule) => rule.rule.implicit)) intended.add(IMPLICIT_IPV6_EGRESS_KEY);
        const liveKeys = new Set(actual.map((rule) => rule.key));
        const sides = { template: fixed.map((rule) => rule.key), live: actual.map((rule) => rule.key) };

        for (const rule of actual) {
          if (intended.has(rule.key) || declared.open.some((open) => open.accounts(rule))) continue;
          const world = isWorld(rule.rule.peer);
          hits.push({
            resource,
            ...(template.at ? { path: template.at } : {}),
            severity: world ? "high" : "medium",
            message: `${name} has a live ${direction} rule the template does not declare: ${describeRule(rule.rule)}${world ? ", open to the whole internet" : ""}`,
            detail: rule.key,
            evidence: { change: "added", rule: ruleEvidence(rule.rule), ...sides },
          });
        }
        for (const rule of fixed) {
          if (liveKeys.has(rule.key)) continue;
          const what = rule.rule.implicit ? `the allow-all egress AWS gives a group that declares none (${describeRule(rule.rule)})` : describeTemplateRule(rule);
          hits.push({
            resource,
            path: rule.rule.at,
            severity: direction === "egress" ? "low" : "medium",
            message:
              `${name} lacks an ${direction} rule the template declares: ${what}; it was removed outside CloudFormation` +
              (direction === "egress" ? " (low: removing egress narrows access)" : ""),
            detail: rule.key,
            evidence: { change: "missing", rule: ruleEvidence(rule.rule), ...sides },
          });
        }
      }
    }
    return hits;
  },
});
