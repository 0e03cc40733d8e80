import { isRecord } from "../../template/values.ts";
import { webAclViews } from "../../views/wafv2-webacl.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "wafv2-webacl-unassociated",
  title: "WAF Web ACL protects nothing",
  severity: "high",
  description:
    "A WAFv2 Web ACL filters only the traffic of the resources it is associated with. A Web ACL that no " +
    "AWS::WAFv2::WebACLAssociation names and no CloudFront distribution lists as its WebACLId costs money, looks like " +
    "protection in a review, and inspects no request at all: the load balancer, API or distribution it was meant for is " +
    "exposed without it. Live, the ACL is judged by what AWS lists as associated with it (ListResourcesForWebACL, or the " +
    "distributions using a CLOUDFRONT ACL), so an association made outside the stack counts.",
  remediation:
    "Associate the Web ACL with what it should protect: for a regional ACL add an AWS::WAFv2::WebACLAssociation with " +
    "ResourceArn set to the load balancer, API Gateway stage (arn:aws:apigateway:REGION::/restapis/ID/stages/NAME), " +
    "AppSync API or Cognito user pool and WebACLArn: !GetAtt WebACL.Arn; for a CLOUDFRONT-scoped ACL set the " +
    "distribution's DistributionConfig.WebACLId to !GetAtt WebACL.Arn. Delete the Web ACL if nothing needs it.",
  seeds: ["002 §3"],
  anchors: [],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    const template = context.template;
    /** Outputs that export the ACL: another stack may associate it, which this template cannot show (live listings do show it). */
    const exportsOf = (logicalId: string): string[] => {
      if (!template || !isRecord(template.body.Outputs)) return [];
      return template.graph
        .usersOf(logicalId)
        .filter((reference) => reference.from.startsWith("Outputs."))
        .map((reference) => reference.from.slice("Outputs.".length))
        .filter((name, index, names) => names.indexOf(name) === index)
        .filter((name) => {
          const output = (template.body.Outputs as Record<string, unknown>)[name];
          return isRecord(output) && output.Export !== undefined;
        });
    };
    for (const acl of context.views(webAclViews)) {
      // Live, undefined means listing what the ACL protects failed: that failure is reported, this rule cannot tell.
      if (acl.associations === undefined || acl.associations.length > 0) continue;
      const exported = exportsOf(acl.logicalId);
      const scope = acl.scope ? ` (${acl.scope} scope)` : "";
      const where =
        context.source === "template"
          ? acl.scope === "CLOUDFRONT"
            ? "no CloudFront distribution names it in DistributionConfig.WebACLId"
            : "no AWS::WAFv2::WebACLAssociation names it and no CloudFront distribution uses it as WebACLId"
          : acl.scope === "CLOUDFRONT"
            ? "no CloudFront distribution uses it (ListDistributionsByWebACLId lists none)"
            : "no load balancer, API stage, AppSync API, Cognito user pool, App Runner service or Verified Access instance is associated with it (ListResourcesForWebACL lists none)";
      hits.push({
        resource: { logicalId: acl.logicalId, type: acl.type, ...(acl.physicalId ? { physicalId: acl.physicalId } : {}) },
        message:
          `Web ACL ${acl.logicalId}${scope} protects nothing: ${where}` +
          (exported.length > 0
            ? ` (medium: output ${exported.join(", ")} exports it, so another stack may associate it; suppress this finding if one does)`
            : ""),
        ...(exported.length > 0 ? { severity: "medium" as const } : {}),
        ...(acl.at ? { path: acl.at } : {}),
        evidence: { name: acl.name, scope: acl.scope, associations: [], exportedBy: exported },
      });
    }
    return hits;
  },
});
