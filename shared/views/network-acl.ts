import type { NetworkAcl, NetworkAclEntry } from "@aws-sdk/client-ec2";
import { Ec2Reader } from "../live/ec2.ts";
import type { LiveScope, LiveStack } from "../live/session.ts";
import { isWorldCidr, normalizeProtocol } from "./network.ts";
import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isRecord, numberValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

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
  /**
   * Logical id of the AWS::EC2::NetworkAclEntry that declares the rule (absent for rules AWS adds itself). Live: the
   * ACL's own logical id for a custom ACL's entries, the deployed template's entry for a default ACL's.
   */
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
  fromLive(scope) {
    if (scope.scope !== "stack") return [];
    const reader = scope.session.reader(Ec2Reader);
    const name = liveNamer(scope);
    const declared = templateEntries(scope);
    const views: NetworkAclView[] = [];
    for (const resource of liveResourcesOfType(scope, "AWS::EC2::NetworkAcl")) {
      const acl = reader.networkAcl(resource.physicalId);
      if (!acl) continue;
      const at: TemplatePath = ["Resources", resource.logicalId];
      const entries = declared.get(resource.logicalId);
      const rules = (acl.Entries ?? []).map((entry) => {
        const declaredBy = entries?.get(entryKey(entry.Egress === true, entry.RuleNumber));
        if (declaredBy) return liveRule(entry, propertyPath(declaredBy), declaredBy);
        // Rule 32767 is the deny-all AWS puts last in every ACL; the other entries of an ACL the stack creates are its own.
        return liveRule(entry, at, entry.RuleNumber === 32767 ? undefined : resource.logicalId);
      });
      views.push(liveView(resource.logicalId, resource.type, acl, rules, name));
    }
    views.push(...defaultAclViews(scope, reader, name));
    return views;
  },
});

/** Names a physical id as findings should: the stack's logical id when the stack created it. */
export function liveNamer(scope: LiveScope): (physicalId: string) => string {
  const logicalIds = new Map(scope.scope === "stack" ? scope.resources.filter((resource) => resource.physicalId).map((resource) => [resource.physicalId!, resource.logicalId]) : []);
  return (physicalId) => logicalIds.get(physicalId) ?? physicalId;
}

function liveRule(entry: NetworkAclEntry, at: TemplatePath, declaredBy: string | undefined): NetworkAclRule {
  const protocol = normalizeProtocol(String(entry.Protocol ?? "-1"));
  const cidr = entry.CidrBlock ?? entry.Ipv6CidrBlock;
  const rule: NetworkAclRule = {
    direction: entry.Egress ? "egress" : "ingress",
    action: String(entry.RuleAction ?? "").toLowerCase(),
    protocol,
    peer: cidr !== undefined ? { kind: "cidr", cidr } : { kind: "unknown", text: "no CIDR block" },
    at,
  };
  if (entry.RuleNumber !== undefined) rule.ruleNumber = entry.RuleNumber;
  if (entry.PortRange && (protocol === "tcp" || protocol === "udp")) {
    if (entry.PortRange.From !== undefined) rule.fromPort = entry.PortRange.From;
    if (entry.PortRange.To !== undefined) rule.toPort = entry.PortRange.To;
  }
  if (declaredBy) rule.declaredBy = declaredBy;
  return rule;
}

function liveView(logicalId: string, type: string, acl: NetworkAcl, rules: NetworkAclRule[], name: (physicalId: string) => string): NetworkAclView {
  const view: NetworkAclView = {
    logicalId,
    type,
    physicalId: acl.NetworkAclId!,
    isDefault: acl.IsDefault === true,
    rules,
    subnets: (acl.Associations ?? []).flatMap((association) => (association.SubnetId ? [name(association.SubnetId)] : [])),
  };
  if (acl.VpcId) view.vpcId = acl.VpcId;
  return view;
}

function entryKey(egress: boolean, ruleNumber: number | undefined): string {
  return `${egress ? "egress" : "ingress"}:${ruleNumber}`;
}

/**
 * The deployed template's NetworkAclEntry resources by the ACL they target (a NetworkAcl's logical id, or
 * "<Vpc>.DefaultNetworkAcl") and by direction and rule number, which identify an entry within its ACL.
 */
function templateEntries(scope: LiveStack): Map<string, Map<string, string>> {
  const byAcl = new Map<string, Map<string, string>>();
  if (!scope.template) return byAcl;
  for (const resource of resourcesOfType(scope.template, "AWS::EC2::NetworkAclEntry")) {
    const target = aclTarget(resource.properties.NetworkAclId);
    if (!target || !("logicalId" in target)) continue;
    const number = numberValue(resource.properties.RuleNumber);
    const egress = resource.properties.Egress === undefined ? false : booleanValue(resource.properties.Egress);
    if (number === undefined || egress === undefined) continue;
    const key = target.isDefault ? `${target.logicalId}.DefaultNetworkAcl` : target.logicalId;
    if (!byAcl.has(key)) byAcl.set(key, new Map());
    byAcl.get(key)!.set(entryKey(egress, number), resource.logicalId);
  }
  return byAcl;
}

/**
 * The default ACLs of the stack's VPCs that the deployed template adds entries or associations to (through
 * !GetAtt Vpc.DefaultNetworkAcl), named as the template side names them: after its first entry, else its first
 * association. A live entry is the template's when an entry of the template has its direction and rule number; the
 * others are AWS's.
 */
function defaultAclViews(scope: LiveStack, reader: Ec2Reader, name: (physicalId: string) => string): NetworkAclView[] {
  const template = scope.template;
  if (!template) return [];
  const declared = templateEntries(scope);
  const namedBy = new Map<string, { logicalId: string; type: string }>();
  for (const type of ["AWS::EC2::NetworkAclEntry", "AWS::EC2::SubnetNetworkAclAssociation"]) {
    for (const resource of resourcesOfType(template, type)) {
      const target = aclTarget(resource.properties.NetworkAclId);
      if (target && "logicalId" in target && target.isDefault && !namedBy.has(target.logicalId)) namedBy.set(target.logicalId, resource);
    }
  }
  const views: NetworkAclView[] = [];
  for (const [vpcLogicalId, first] of namedBy) {
    const vpcId = scope.resources.find((resource) => resource.logicalId === vpcLogicalId)?.physicalId;
    const acl = vpcId ? reader.networkAclsOf(vpcId)?.find((candidate) => candidate.IsDefault) : undefined;
    if (!acl) continue;
    const at: TemplatePath = ["Resources", first.logicalId];
    const entries = declared.get(`${vpcLogicalId}.DefaultNetworkAcl`);
    const rules = (acl.Entries ?? []).map((entry) => {
      const declaredBy = entries?.get(entryKey(entry.Egress === true, entry.RuleNumber));
      return liveRule(entry, declaredBy ? propertyPath(declaredBy) : at, declaredBy);
    });
    views.push(liveView(first.logicalId, first.type, acl, rules, name));
  }
  return views;
}
