import { describeRule, securityGroupViews } from "../../views/security-group.ts";
import { defineRule, type Hit } from "../rule.ts";
import { cidrContains, isLoopback, parseCidr, type CidrBlock } from "./cidr.ts";

export default defineRule({
  id: "ec2-sg-egress-outside-allowlist",
  title: "Security group allows egress outside the policy's allowed CIDRs",
  severity: "high",
  description:
    "When the scan policy sets allowedEgressCidrs, every egress destination of a security group must lie inside one of " +
    "those blocks. A destination that is wider than an allowed block or outside all of them (including the allow-all " +
    "egress AWS adds to a group that declares none) lets traffic leave for places the organisation has not approved. " +
    "Loopback destinations (the 127.0.0.1/32 no-egress idiom) reach nothing and are not judged; rules to other security " +
    "groups or to prefix lists are not CIDR destinations and are not judged either.",
  remediation:
    "Narrow each SecurityGroupEgress (or AWS::EC2::SecurityGroupEgress) CidrIp/CidrIpv6 to a block inside the allowed " +
    "CIDRs, or declare SecurityGroupEgress explicitly so the group does not keep AWS's allow-all default; if the " +
    "destination is legitimate, add it to the policy's allowedEgressCidrs.",
  seeds: ["003 §3"],
  anchors: [],
  judges: ["template", "live", "drift"],
  check(context) {
    const allowedText = context.policy.allowedEgressCidrs;
    if (!allowedText || allowedText.length === 0) return [];
    const allowed = allowedText.map(parseCidr).filter((block): block is CidrBlock => block !== undefined);
    const hits: Hit[] = [];
    for (const group of context.views(securityGroupViews)) {
      for (const rule of group.egress) {
        if (rule.peer.kind !== "cidr") continue;
        const destination = parseCidr(rule.peer.cidr);
        if (!destination || isLoopback(destination)) continue;
        if (allowed.some((block) => cidrContains(block, destination))) continue;
        const what = describeRule(rule);
        const where = rule.implicit ? " (AWS's allow-all default: the group declares no egress)" : rule.declaredBy ? ` (declared by ${rule.declaredBy})` : "";
        hits.push({
          resource: { logicalId: group.logicalId, type: group.type, ...(group.physicalId ? { physicalId: group.physicalId } : {}) },
          path: rule.at,
          message: `${group.logicalId} allows egress of ${what}${where}, outside the allowed egress CIDRs ${allowedText.join(", ")}`,
          detail: `${rule.protocol}:${rule.fromPort ?? "*"}-${rule.toPort ?? "*"}:${rule.peer.cidr}`,
          evidence: { destination: rule.peer.cidr, allowedEgressCidrs: allowedText, rule: { protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, implicit: rule.implicit ?? false } },
        });
      }
    }
    return hits;
  },
});
