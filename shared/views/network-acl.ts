import { isWorldCidr, normalizeProtocol } from "./network.ts";
import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isRecord, numberValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { defineView, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

export type AclPeer = { kind: "cidr"; cidr: string } | { kind: "unknown"; text: string };

export interface NetworkAclRule {
  /** "unknown" when the template does not fix Egress (a parameter without default). */
  direction: "ingress" | "egress" | "unknown";
  /** undefined when the template does not fix it. */
  ruleNumber?: number;
  /** "allow" | "deny", lower case; the written text when it is neither. */
  action: string;
  /** "-1" for all protocols, else "tcp", "udp", "icmp", "icmpv6" or the protocol number. */
  protocol: string;
  /** Inclusive port range (tcp/udp only); absent when the entry gives none. */
  fromPort?: number;
  toPort?: number;
  peer: AclPeer;
  at: TemplatePath;
  /** Logical id of the AWS::EC2::NetworkAclEntry that declares the rule (absent for rules AWS adds itself). */
  declaredBy?: string;
}

export interface NetworkAclView extends ResourceView {
  vpcId?: unknown;
  /** The VPC's default network ACL (one a template reaches with !GetAtt Vpc.DefaultNetworkAcl), rather than one it creates. */
  isDefault: boolean;
  rules: NetworkAclRule[];
  /** Subnets associated with the ACL: their logical ids, or the literal subnet ids. */
  subnets: string[];
}


export function isWorldPeer(peer: AclPeer): boolean {
  return peer.kind === "cidr" && isWorldCidr(peer.cidr);
}

/** Which ACL a NetworkAclId value names: a NetworkAcl of the template, a VPC's default ACL, or something outside the template. */
export function aclTarget(value: unknown): { logicalId: string; isDefault: boolean } | { outside: string } | undefined {
  if (value instanceof ResourceRef && value.type === "AWS::EC2::NetworkAcl") return { logicalId: value.logicalId, isDefault: false };
  if (value instanceof ResourceAttribute && value.attribute === "DefaultNetworkAcl") return { logicalId: value.logicalId, isDefault: true };
  if (value instanceof ResourceAttribute && value.type === "AWS::EC2::NetworkAcl") return { logicalId: value.logicalId, isDefault: false };
  if (value === undefined) return undefined;
  return { outside: String(value) };
}

function ruleOf(properties: Record<string, unknown>, at: TemplatePath, declaredBy: string): NetworkAclRule {
  const protocol = normalizeProtocol(stringValue(properties.Protocol)?.trim() ?? String(properties.Protocol));
  const cidr = properties.CidrBlock ?? properties.Ipv6CidrBlock;
  const literal = stringValue(cidr);
  const rule: NetworkAclRule = {
    direction: properties.Egress === undefined ? "ingress" : booleanValue(properties.Egress) === undefined ? "unknown" : booleanValue(properties.Egress) ? "egress" : "ingress",
    action: stringValue(properties.RuleAction)?.toLowerCase() ?? String(properties.RuleAction),
    protocol,
    peer: literal !== undefined ? { kind: "cidr", cidr: literal.trim() } : { kind: "unknown", text: String(cidr) },
    at,
    declaredBy,
  };
  const ruleNumber = numberValue(properties.RuleNumber);
  if (ruleNumber !== undefined) rule.ruleNumber = ruleNumber;
  if (isRecord(properties.PortRange) && (protocol === "tcp" || protocol === "udp")) {
    const from = numberValue(properties.PortRange.From);
    const to = numberValue(properties.PortRange.To);
    if (from !== undefined) rule.fromPort = from;
    if (to !== undefined) rule.toPort = to;
  }
  return rule;
}

export const networkAclViews = defineView<NetworkAclView>({
  name: "network-acl",
  fromTemplate(template: ResolvedTemplate) {
    const views = new Map<string, NetworkAclView>();
    for (const acl of resourcesOfType(template, "AWS::EC2::NetworkAcl")) {
      views.set(acl.logicalId, { logicalId: acl.logicalId, type: acl.type, at: ["Resources", acl.logicalId], vpcId: acl.properties.VpcId, isDefault: false, rules: [], subnets: [] });
    }
    // Entries and associations may name an ACL the template does not create: a VPC's default ACL or a literal id.
    const viewFor = (value: unknown, resource: { logicalId: string; type: string }): NetworkAclView | undefined => {
      const target = aclTarget(value);
      if (!target) return undefined;
      if ("logicalId" in target && !target.isDefault) return views.get(target.logicalId);
      const key = "logicalId" in target ? `${target.logicalId}.DefaultNetworkAcl` : target.outside;
      let view = views.get(key);
      if (!view) {
        view = { logicalId: resource.logicalId, type: resource.type, at: ["Resources", resource.logicalId], isDefault: "logicalId" in target, rules: [], subnets: [] };
        if ("logicalId" in target) view.vpcId = new ResourceRef(target.logicalId, "AWS::EC2::VPC", "id");
        else view.physicalId = target.outside;
        views.set(key, view);
      }
      return view;
    };
    for (const entry of resourcesOfType(template, "AWS::EC2::NetworkAclEntry")) {
      viewFor(entry.properties.NetworkAclId, entry)?.rules.push(ruleOf(entry.properties, propertyPath(entry.logicalId), entry.logicalId));
    }
    for (const association of resourcesOfType(template, "AWS::EC2::SubnetNetworkAclAssociation")) {
      const subnet = association.properties.SubnetId;
      const subnetName = subnet instanceof ResourceRef || subnet instanceof ResourceAttribute ? subnet.logicalId : stringValue(subnet);
      if (subnetName !== undefined) viewFor(association.properties.NetworkAclId, association)?.subnets.push(subnetName);
    }
    return [...views.values()];
  },
});
