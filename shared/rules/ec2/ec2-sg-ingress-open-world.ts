import { describeRule, isWorld, securityGroupViews, type SecurityGroupRule, type SecurityGroupView } from "../../views/security-group.ts";
import { defineRule, type Hit, type RuleContext } from "../rule.ts";
import { adminPortsOf, ingressDetail } from "./admin-ports.ts";

const LOAD_BALANCER_TYPES = new Set(["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"]);
const WEB_PORTS = new Set([80, 443]);

/**
 * The load balancers that use the group: live, those whose network interfaces list it; in a template, those that list
 * the group in their SecurityGroups.
 */
function loadBalancersUsing(context: RuleContext, group: SecurityGroupView): string[] {
  if (group.networkInterfaces) return [...new Set(group.networkInterfaces.flatMap((eni) => (eni.loadBalancer ? [eni.loadBalancer] : [])))];
  const template = context.template;
  if (!template) return [];
  const groupId = group.logicalId;
  const users = template.graph
    .propertyUsersOf(groupId)
    .filter((reference) => reference.path[3] === "SecurityGroups")
    .map((reference) => template.resolved.resources.get(reference.from))
    .filter((resource) => resource !== undefined && LOAD_BALANCER_TYPES.has(resource.type))
    .map((resource) => resource!.logicalId);
  return [...new Set(users)];
}

function isSingleWebPort(rule: SecurityGroupRule): boolean {
  return rule.protocol === "tcp" && rule.fromPort !== undefined && rule.fromPort === rule.toPort && WEB_PORTS.has(rule.fromPort);
}

export default defineRule({
  id: "ec2-sg-ingress-open-world",
  title: "Security group allows ingress from the whole internet",
  severity: "medium",
  description:
    "An ingress rule from 0.0.0.0/0 or ::/0 lets any address on the internet reach what runs behind the group. Rules " +
    "that reach an administration or database port are reported by ec2-sg-ingress-open-admin-port instead. HTTP (80) " +
    "or HTTPS (443) open on a load balancer's own security group is the normal shape of a public site and is reported " +
    "at low, as a reminder to restrict it (to CloudFront's managed prefix list, for example) when the site is not meant " +
    "for everyone. Live, a load balancer's group is one that Elastic Load Balancing's network interfaces use.",
  remediation:
    "Restrict the rule's CidrIp/CidrIpv6 to the clients that need it, or reference the calling tier's security group " +
    "(SourceSecurityGroupId), the VPC CIDR or a managed prefix list (SourcePrefixListId). Put internet-facing services " +
    "behind a load balancer and let only the load balancer's group accept 80/443 from the internet.",
  seeds: ["001 §2"],
  anchors: ["cfn_nag W2", "securityhub EC2.18"],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const group of context.views(securityGroupViews)) {
      let loadBalancers: string[] | undefined;
      for (const rule of group.ingress) {
        if (!isWorld(rule.peer) || rule.peer.kind !== "cidr") continue;
        if (adminPortsOf(rule).length > 0) continue;
        loadBalancers ??= loadBalancersUsing(context, group);
        const lowered = isSingleWebPort(rule) && loadBalancers.length > 0;
        const declared = rule.declaredBy ? ` (declared by ${rule.declaredBy})` : "";
        hits.push({
          resource: { logicalId: group.logicalId, type: group.type, ...(group.physicalId ? { physicalId: group.physicalId } : {}) },
          path: rule.at,
          message: lowered
            ? `${group.logicalId} allows ingress of ${describeRule(rule)}${declared}; low because it is the security group of load balancer${loadBalancers.length > 1 ? "s" : ""} ${loadBalancers.join(", ")}, where a public web port is expected`
            : `${group.logicalId} allows ingress of ${describeRule(rule)}${declared}, open to the whole internet`,
          ...(lowered ? { severity: "low" as const } : {}),
          detail: ingressDetail(rule, rule.peer.cidr),
          evidence: { source: rule.peer.cidr, protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, ...(lowered ? { loadBalancers } : {}) },
        });
      }
    }
    return hits;
  },
});
