import { describeRule, isWorld, securityGroupViews } from "../../views/security-group.ts";
import { defineRule, type Hit } from "../rule.ts";
import { ADMIN_PORTS, adminPortsOf, ingressDetail } from "./admin-ports.ts";

export default defineRule({
  id: "ec2-sg-ingress-open-admin-port",
  title: "Security group opens an administration or database port to the internet",
  severity: "high",
  description:
    "An ingress rule from 0.0.0.0/0 or ::/0 whose range includes a remote-administration port (SSH 22, Telnet 23, RDP " +
    "3389, VNC 5900, WinRM 5985/5986) or a data-store port (SQL Server 1433, Oracle 1521, NFS 2049, etcd 2379, MySQL " +
    "3306, PostgreSQL 5432, Redshift 5439, CouchDB 5984, Redis 6379, Cassandra 7000/9042, Neptune 8182, " +
    "Elasticsearch/OpenSearch 9200/9300, Memcached 11211, MongoDB 27017) exposes it to the whole internet, where such " +
    "ports are scanned and brute-forced within minutes. All-protocol rules and wide TCP ranges count.",
  remediation:
    "Replace CidrIp 0.0.0.0/0 (or CidrIpv6 ::/0) with the narrowest source that needs access: a bastion or VPN " +
    "security group (SourceSecurityGroupId), the VPC CIDR, or a corporate /32 from a parameter with an AllowedPattern. " +
    "For shell access prefer AWS Systems Manager Session Manager and drop the SSH/RDP rule entirely.",
  seeds: ["001 §2"],
  anchors: ["cfn_nag W2", "cfn_nag W9", "checkov CKV_AWS_24", "checkov CKV_AWS_25", "securityhub EC2.13", "securityhub EC2.14"],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const group of context.views(securityGroupViews)) {
      for (const rule of group.ingress) {
        if (!isWorld(rule.peer) || rule.peer.kind !== "cidr") continue;
        const ports = adminPortsOf(rule);
        if (ports.length === 0) continue;
        const named = ports.map((port) => `${port} (${ADMIN_PORTS.get(port)})`);
        const shown = named.length > 4 ? `${named.slice(0, 4).join(", ")} and ${named.length - 4} more` : named.join(", ");
        hits.push({
          resource: { logicalId: group.logicalId, type: group.type, ...(group.physicalId ? { physicalId: group.physicalId } : {}) },
          path: rule.at,
          message: `${group.logicalId} allows ingress of ${describeRule(rule)}${rule.declaredBy ? ` (declared by ${rule.declaredBy})` : ""}, exposing ${shown} to the internet`,
          detail: ingressDetail(rule, rule.peer.cidr),
          evidence: { source: rule.peer.cidr, protocol: rule.protocol, fromPort: rule.fromPort, toPort: rule.toPort, adminPorts: ports },
        });
      }
    }
    return hits;
  },
});
