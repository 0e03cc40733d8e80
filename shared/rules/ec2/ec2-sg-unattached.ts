import type { ResolvedTemplate } from "../../template/resolve.ts";
import { isRecord, stringValue } from "../../template/values.ts";
import { securityGroupViews } from "../../views/security-group.ts";
import { defineRule, type Hit, type RuleContext } from "../rule.ts";

/** Resources whose mention of a group is a rule about traffic, not an attachment of the group to anything. */
const RULE_TYPES = new Set(["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"]);

/** True when some property under a "...SecurityGroup..." key (SecurityGroups, GroupSet, VPCSecurityGroups) holds the group's literal name. */
function namesGroup(node: unknown, name: string, underGroupKey: boolean): boolean {
  if (typeof node === "string") return underGroupKey && node === name;
  if (Array.isArray(node)) return node.some((item) => namesGroup(item, name, underGroupKey));
  if (!isRecord(node)) return false;
  return Object.entries(node).some(([key, value]) => namesGroup(value, name, underGroupKey || /securitygroup|groupset/i.test(key)));
}

/** Live: a group that no network interface lists is attached to nothing that runs (DescribeNetworkInterfaces). */
function unattachedLive(context: RuleContext): Hit[] {
  const hits: Hit[] = [];
  for (const group of context.views(securityGroupViews)) {
    if (group.type !== "AWS::EC2::SecurityGroup" || group.networkInterfaces === undefined || group.networkInterfaces.length > 0) continue;
    hits.push({
      resource: { logicalId: group.logicalId, type: group.type, ...(group.physicalId ? { physicalId: group.physicalId } : {}) },
      message: `${group.logicalId} (${group.physicalId}) is not used by any network interface: no instance, load balancer, function, database or endpoint runs with it`,
      evidence: { networkInterfaces: [] },
    });
  }
  return hits;
}

function usersByName(resolved: ResolvedTemplate, name: string): string[] {
  return [...resolved.resources.values()]
    .filter((resource) => !RULE_TYPES.has(resource.type) && namesGroup(resource.properties, name, false))
    .map((resource) => resource.logicalId);
}

export default defineRule({
  id: "ec2-sg-unattached",
  title: "Security group is not used by anything",
  severity: "low",
  description:
    "A security group that no instance, launch template, network interface, load balancer, Lambda function, database, " +
    "cache, ECS service, EFS mount target, VPC endpoint or other resource uses protects nothing. It is clutter that " +
    "misleads reviewers (the rules look like they guard something) and it is often the sign of a missing attachment: " +
    "the workload it was meant for runs with another, usually broader, group. Rules of other groups that name it as a " +
    "source or destination, and Outputs, do not count as uses. Live, a group is unused when no network interface lists " +
    "it (a launch template whose Auto Scaling group has no instances running leaves its group unused too).",
  remediation:
    "Attach the group where it was meant to apply (SecurityGroupIds of the instance or launch template, VpcConfig of " +
    "the function, VPCSecurityGroups of the DB instance...), or delete it from the template.",
  seeds: ["000 §2"],
  anchors: ["prowler ec2_securitygroup_not_used"],
  judges: ["template", "live"],
  check(context) {
    if (context.source === "live") return unattachedLive(context);
    const template = context.template;
    if (!template) return [];
    const { graph, resolved } = template;
    const hits: Hit[] = [];
    for (const group of context.views(securityGroupViews)) {
      if (group.type !== "AWS::EC2::SecurityGroup") continue;
      const users = graph
        .propertyUsersOf(group.logicalId)
        .filter((reference) => reference.attribute === undefined || reference.attribute === "" || reference.attribute === "GroupId")
        .filter((reference) => {
          const user = resolved.resources.get(reference.from);
          return user !== undefined && !RULE_TYPES.has(user.type);
        });
      if (users.length > 0) continue;
      const name = stringValue(resolved.resources.get(group.logicalId)?.properties.GroupName);
      if (name !== undefined && usersByName(resolved, name).length > 0) continue;
      const ruleMentions = [...new Set(graph.propertyUsersOf(group.logicalId).map((reference) => reference.from))].filter((from) => {
        const user = resolved.resources.get(from);
        return user !== undefined && RULE_TYPES.has(user.type);
      });
      hits.push({
        resource: { logicalId: group.logicalId, type: group.type },
        message:
          `${group.logicalId} is not attached to any resource of the template` +
          (ruleMentions.length > 0 ? ` (only security-group rules mention it: ${ruleMentions.join(", ")})` : ""),
        evidence: { mentionedBy: ruleMentions },
      });
    }
    return hits;
  },
});
