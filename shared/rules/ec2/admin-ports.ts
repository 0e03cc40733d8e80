import { includesPort, type SecurityGroupRule } from "../../views/security-group.ts";

/**
 * Ports whose service must never face the whole internet: remote administration and data stores.
 * The list follows Security Hub EC2.13/EC2.14 (SSH, RDP) and EC2.19's high-risk ports, plus the default ports of the
 * data stores AWS hosts (RDS engines, ElastiCache, OpenSearch, EFS) and common self-managed databases.
 */
export const ADMIN_PORTS: ReadonlyMap<number, string> = new Map([
  [22, "SSH"],
  [23, "Telnet"],
  [3389, "RDP"],
  [5900, "VNC"],
  [5985, "WinRM"],
  [5986, "WinRM over HTTPS"],
  [1433, "SQL Server"],
  [1521, "Oracle"],
  [2049, "NFS/EFS"],
  [2379, "etcd"],
  [3306, "MySQL/MariaDB/Aurora MySQL"],
  [5432, "PostgreSQL/Aurora PostgreSQL"],
  [5439, "Redshift"],
  [5984, "CouchDB"],
  [6379, "Redis/ElastiCache"],
  [7000, "Cassandra"],
  [8182, "Neptune"],
  [9042, "Cassandra/Keyspaces"],
  [9200, "Elasticsearch/OpenSearch"],
  [9300, "Elasticsearch transport"],
  [11211, "Memcached"],
  [27017, "MongoDB/DocumentDB"],
]);

/** The admin and database ports a TCP (or all-protocol) rule reaches, in ascending order. */
export function adminPortsOf(rule: SecurityGroupRule): number[] {
  if (rule.protocol !== "-1" && rule.protocol !== "tcp") return [];
  return [...ADMIN_PORTS.keys()].filter((port) => includesPort(rule, port)).sort((a, b) => a - b);
}

/** What tells two world-ingress findings on one group apart. */
export function ingressDetail(rule: SecurityGroupRule, cidr: string): string {
  return `${rule.protocol}:${rule.fromPort ?? "*"}-${rule.toPort ?? "*"}:${cidr}`;
}
