import { coversAllPorts, describeRule, isWorld, securityGroupViews } from "../../views/security-group.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "ec2-sg-egress-unrestricted",
  title: "Security group allows all egress to the internet",
  severity: "medium",
  description:
    "An egress rule to 0.0.0.0/0 or ::/0 on all protocols or all ports lets anything that runs behind the group reach any " +
    "address on the internet: data can be exfiltrated and malware can call home. This includes the allow-all egress rule " +
    "AWS adds to every VPC security group whose template declares no SecurityGroupEgress.",
  remediation:
    "Declare SecurityGroupEgress explicitly with only the destinations and ports the workload needs (VPC endpoints, a " +
    "partner's CIDR, port 443 to a proxy). To allow no egress at all, declare a single rule to 127.0.0.1/32.",
  seeds: ["000 §3"],
  anchors: ["cfn_nag W5", "cfn_nag W40", "cfn_nag F1000", "guard EGRESS_OPEN_TO_WORLD"],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const group of context.views(securityGroupViews)) {
      for (const rule of group.egress) {
        if (!isWorld(rule.peer) || !coversAllPorts(rule)) continue;
        const what = describeRule(rule);
        hits.push({
          resource: { logicalId: group.logicalId, type: group.type, ...(group.physicalId ? { physicalId: group.physicalId } : {}) },
          path: rule.at,
          message: rule.implicit
            ? `${group.logicalId} declares no egress, so AWS gives it allow-all egress (${what})`
            : `${group.logicalId} allows egress of ${what}${rule.declaredBy ? ` (declared by ${rule.declaredBy})` : ""}`,
          detail: `${rule.protocol}:${rule.fromPort ?? "*"}-${rule.toPort ?? "*"}:${rule.peer.kind === "cidr" ? rule.peer.cidr : ""}`,
          evidence: { rule: { protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, peer: rule.peer, implicit: rule.implicit ?? false } },
        });
      }
    }
    return hits;
  },
});
