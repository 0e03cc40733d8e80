import type { ResolvedTemplate } from "../template/resolve.ts";
import type { TemplatePath } from "../template/parse.ts";
import { normalizeProtocol } from "../views/network.ts";
import { coversAllPorts, type Peer, type SecurityGroupRule } from "../views/security-group.ts";
import { containsUnknown } from "./compare.ts";

/**
 * A security-group rule as drift compares it: direction, protocol, port range and peer, spelled one way on both
 * sides. `traffic` is the same without the peer.
 */
export interface CanonicalRule {
  key: string;
  traffic: string;
  rule: SecurityGroupRule;
}

/**
 * A template rule the template does not fix in full (a CIDR parameter without default, an imported group, a port
 * from a parameter): never drift, and it accounts for every live rule that agrees with what it does fix.
 */
export interface OpenTemplateRule {
  rule: SecurityGroupRule;
  why: string;
  accounts(live: CanonicalRule): boolean;
}

/** "egress|tcp|443-443": which traffic the rule is about, whatever its peer. */
export function trafficKey(rule: SecurityGroupRule): string {
  const protocol = normalizeProtocol(rule.protocol);
  let ports: string;
  if (protocol === "-1") ports = "all";
  else if ((protocol === "tcp" || protocol === "udp") && coversAllPorts(rule)) ports = "all";
  else ports = `${rule.fromPort ?? -1}-${rule.toPort ?? -1}`;
  return `${rule.direction}|${protocol}|${ports}`;
}

/** The peer as both sides spell it, or undefined when it is not a fixed value. */
export function peerKey(peer: Peer, groupIdOf: (group: string) => string | undefined = (group) => group): string | undefined {
  switch (peer.kind) {
    case "cidr":
      return `cidr:${peer.cidr.trim().toLowerCase()}`;
    case "prefix-list":
      return `prefix-list:${peer.id}`;
    case "group": {
      const id = groupIdOf(peer.group);
      // A peer in another account may be spelled "<account>/<group id>": the group id alone names it.
      return id === undefined ? undefined : `group:${id.slice(id.lastIndexOf("/") + 1)}`;
    }
    case "unknown":
      return undefined;
  }
}

export function canonicalKey(traffic: string, peer: string): string {
  return `${traffic}|${peer}`;
}

/** Live rules: facts, each with its key. */
export function canonicalLiveRules(rules: readonly SecurityGroupRule[]): CanonicalRule[] {
  return rules.flatMap((rule) => {
    const peer = peerKey(rule.peer);
    const traffic = trafficKey(rule);
    return peer === undefined ? [] : [{ key: canonicalKey(traffic, peer), traffic, rule }];
  });
}

/** `${Group}` or `${Group.GroupId}`, as the template view spells a reference to a group. */
const GROUP_REFERENCE = /^\$\{([A-Za-z0-9]+)(?:\.GroupId)?\}$/;

/**
 * Template rules split into those the template fixes (peers mapped to the live group ids through the stack's physical
 * ids) and those it does not. Each rule's entry is read back from the resolved template at its path to see which of
 * its values (protocol, ports, peer) are unknown.
 */
export function canonicalTemplateRules(
  rules: readonly SecurityGroupRule[],
  physicalIdOf: (logicalId: string) => string | undefined,
  resolved?: ResolvedTemplate,
): { fixed: CanonicalRule[]; open: OpenTemplateRule[] } {
  const fixed: CanonicalRule[] = [];
  const open: OpenTemplateRule[] = [];
  const groupIdOf = (group: string): string | undefined => {
    if (group.startsWith("<")) return undefined;
    const reference = GROUP_REFERENCE.exec(group);
    if (reference) return physicalIdOf(reference[1]!);
    return group.includes("${") ? undefined : group;
  };
  for (const rule of rules) {
    const traffic = trafficKey(rule);
    const entry = !rule.implicit && resolved ? valueAt(resolved, rule.at) : undefined;
    const fields = entry !== null && typeof entry === "object" ? (entry as Record<string, unknown>) : {};
    const protocolUnknown = containsUnknown(fields.IpProtocol);
    const portsUnknown = containsUnknown(fields.FromPort) || containsUnknown(fields.ToPort);
    const peerUnfixed = Object.entries(fields).some(([key, value]) => /^(CidrIp|CidrIpv6|Source|Destination)/.test(key) && containsUnknown(value));
    const peer = peerUnfixed ? undefined : peerKey(rule.peer, groupIdOf);
    if (!protocolUnknown && !portsUnknown && peer !== undefined) {
      fixed.push({ key: canonicalKey(traffic, peer), traffic, rule });
      continue;
    }
    const [, , ports] = traffic.split("|");
    const protocol = normalizeProtocol(rule.protocol);
    open.push({
      rule,
      why:
        !protocolUnknown && !portsUnknown && !peerUnfixed && rule.peer.kind === "group" && !rule.peer.group.startsWith("<")
          ? `the group ${rule.peer.group} has no physical id in the stack`
          : "the template does not fix one of its values",
      accounts(live) {
        const [direction, liveProtocol, livePorts] = live.traffic.split("|");
        if (direction !== rule.direction) return false;
        if (!protocolUnknown && liveProtocol !== protocol) return false;
        if (!protocolUnknown && !portsUnknown && livePorts !== ports) return false;
        return peer === undefined || live.key.endsWith(`|${peer}`);
      },
    });
  }
  return { fixed, open };
}

/** The IPv6 half of the allow-all egress AWS gives a group that declares none (where the VPC has IPv6): intended too. */
export const IMPLICIT_IPV6_EGRESS_KEY = canonicalKey("egress|-1|all", "cidr:::/0");

/** The resolved value at a template path (["Resources", id, "Properties", ...]), or undefined. */
export function valueAt(resolved: ResolvedTemplate, path: TemplatePath): unknown {
  if (path[0] !== "Resources" || typeof path[1] !== "string") return undefined;
  const resource = resolved.resources.get(path[1]);
  if (!resource) return undefined;
  if (path.length === 2) return undefined;
  if (path[2] !== "Properties") return undefined;
  let value: unknown = resource.properties;
  for (const step of path.slice(3)) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}
