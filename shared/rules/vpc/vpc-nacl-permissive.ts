import { isWorldPeer, networkAclViews } from "../../views/network-acl.ts";
import { vpcViews } from "../../views/vpc.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "vpc-nacl-permissive",
  title: "Network ACL lets everything in, or the subnet tiers share the default ACL",
  severity: "low",
  description:
    "Network ACLs are the subnet-level layer of defence under security groups. Two shapes leave that layer empty: an " +
    "inbound ACL entry that allows all protocols (and so all ports) from 0.0.0.0/0 or ::/0, and a VPC whose template " +
    "separates public subnets (routed to an internet gateway) from private ones but leaves both tiers on the VPC's " +
    "default ACL, which allows all traffic both ways. Outbound allow-all entries are not judged: ACLs are stateless, so " +
    "return traffic to ephemeral ports needs broad outbound entries, and egress exposure is judged on security groups. " +
    "Entries that AWS itself puts in a default ACL are left to the tier check.",
  remediation:
    "Give the public and the private subnets their own AWS::EC2::NetworkAcl with AWS::EC2::SubnetNetworkAclAssociation, " +
    "and write inbound AWS::EC2::NetworkAclEntry rules for the protocols and ports each tier serves (for example 443 and " +
    "the ephemeral range 1024-65535 into the public tier, only VPC CIDR traffic into the private tier) instead of " +
    "Protocol -1 from 0.0.0.0/0.",
  seeds: ["002 §6"],
  anchors: ["securityhub EC2.21"],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    for (const acl of context.views(networkAclViews)) {
      for (const rule of acl.rules) {
        if (rule.direction !== "ingress" || rule.action !== "allow" || rule.protocol !== "-1" || !isWorldPeer(rule.peer)) continue;
        if (acl.isDefault && rule.declaredBy === undefined) continue;
        const cidr = rule.peer.kind === "cidr" ? rule.peer.cidr : "";
        const number = rule.ruleNumber !== undefined ? `rule ${rule.ruleNumber}` : "a rule";
        const acls = acl.isDefault ? "the VPC's default network ACL" : `network ACL ${acl.logicalId}`;
        hits.push({
          resource: { logicalId: acl.logicalId, type: acl.type, ...(acl.physicalId ? { physicalId: acl.physicalId } : {}) },
          path: rule.at,
          message: `${acls} allows all inbound traffic (all protocols and ports) from ${cidr} (${number}${rule.declaredBy && rule.declaredBy !== acl.logicalId ? `, declared by ${rule.declaredBy}` : ""})`,
          detail: `ingress:${rule.ruleNumber ?? "?"}:${cidr}`,
          evidence: { direction: rule.direction, ruleNumber: rule.ruleNumber, protocol: rule.protocol, action: rule.action, cidr },
        });
      }
    }
    for (const vpc of context.views(vpcViews)) {
      const onDefault = vpc.subnets.filter((subnet) => subnet.networkAcl.kind === "default");
      const publicSubnets = onDefault.filter((subnet) => subnet.tier === "public").map((subnet) => subnet.id);
      const privateSubnets = onDefault.filter((subnet) => subnet.tier === "private").map((subnet) => subnet.id);
      if (publicSubnets.length === 0 || privateSubnets.length === 0) continue;
      hits.push({
        resource: { logicalId: vpc.logicalId, type: vpc.type, ...(vpc.physicalId ? { physicalId: vpc.physicalId } : {}) },
        message:
          `VPC ${vpc.logicalId} separates public subnets (${publicSubnets.join(", ")}) from private subnets ` +
          `(${privateSubnets.join(", ")}) but leaves both tiers on the default network ACL, which allows all traffic`,
        detail: "tiers-on-default-acl",
        evidence: { publicSubnets, privateSubnets },
      });
    }
    return hits;
  },
});
