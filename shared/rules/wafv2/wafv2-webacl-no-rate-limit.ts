import { webAclViews } from "../../views/wafv2-webacl.ts";
import { propertyPath } from "../../views/view.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "wafv2-webacl-no-rate-limit",
  title: "WAF Web ACL has no rate-based rule",
  severity: "low",
  description:
    "Without a rate-based rule a Web ACL lets one client send as many requests as it likes: credential stuffing, " +
    "scraping and application-layer floods pass as long as each request looks harmless. A RateBasedStatement (directly, " +
    "nested in And/Or/Not, or in a rule group the ACL references) caps requests per client IP or key.",
  remediation:
    "Add a rule with Action Block (or Captcha) and Statement.RateBasedStatement {Limit: <requests per 5 minutes, e.g. " +
    "2000>, AggregateKeyType: IP}, optionally with a ScopeDownStatement that limits it to login or API paths.",
  seeds: ["001 §3"],
  anchors: [],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    for (const acl of context.views(webAclViews)) {
      if (acl.rules === undefined) continue;
      if (acl.rules.some((rule) => rule.rateBased !== false)) continue;
      const names = acl.rules.map((rule) => rule.name ?? "(unnamed)");
      hits.push({
        resource: { logicalId: acl.logicalId, type: acl.type, ...(acl.physicalId ? { physicalId: acl.physicalId } : {}) },
        message:
          acl.rules.length === 0
            ? `Web ACL ${acl.logicalId} has no rules at all, so nothing limits request rates`
            : `Web ACL ${acl.logicalId} has ${acl.rules.length} rule(s) (${names.join(", ")}) and none is rate-based`,
        path: acl.rules.length === 0 ? acl.at ?? ["Resources", acl.logicalId] : propertyPath(acl.logicalId, "Rules"),
        evidence: { rules: acl.rules.map((rule) => ({ name: rule.name, statementTypes: rule.statementTypes })) },
      });
    }
    return hits;
  },
});
