import { lookupTable } from "../template/values.ts";

/** Any CIDR with prefix length 0 is the whole address space: 0.0.0.0/0, ::/0, and spellings like 0::/0 or 10.0.0.0/0. */
export function isWorldCidr(cidr: string): boolean {
  return /\/0+$/.test(cidr.trim());
}

const PROTOCOL_NAMES = lookupTable({ "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", all: "-1" });

/** A rule's IpProtocol/Protocol as one spelling: "-1" for all, else the lower-case name ("tcp") or the number. */
export function normalizeProtocol(protocol: string): string {
  const lower = protocol.toLowerCase();
  return PROTOCOL_NAMES[lower] ?? lower;
}
