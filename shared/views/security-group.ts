import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedResource, ResolvedTemplate } from "../template/resolve.ts";
import { isRecord, listValue, numberValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import type { IpPermission, NetworkInterface } from "@aws-sdk/client-ec2";
import { Ec2Reader } from "../live/ec2.ts";
import { isWorldCidr, normalizeProtocol } from "./network.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

export type Peer =
  | { kind: "cidr"; cidr: string }
  | { kind: "group"; group: string }
  | { kind: "prefix-list"; id: string }
  /** The template does not fix the peer (a parameter without default, an import). */
  | { kind: "unknown"; text: string };

export interface SecurityGroupRule {
  direction: "ingress" | "egress";
  /** "-1" for all protocols, else the protocol name in lower case ("tcp", "udp", "icmp") or number. */
  protocol: string;
  /** Inclusive port range; absent when the rule covers every port (all protocols, or no range given). */
  fromPort?: number;
  toPort?: number;
  peer: Peer;
  description?: string;
  /** AWS's own allow-all egress, present because the group declares no egress of its own. */
  implicit?: boolean;
  /** Where the rule is written: the group's property, a separate SecurityGroupIngress/Egress resource, or the group itself for the implicit rule. */
  at: TemplatePath;
  /** Logical id of the separate SecurityGroupIngress/Egress resource that declares the rule, if any. */
  declaredBy?: string;
}

/** A network interface that uses a live group (DescribeNetworkInterfaces). */
export interface AttachedInterface {
  id: string;
  /** "interface", "lambda", "network_load_balancer", "vpc_endpoint"... */
  interfaceType?: string;
  /** The AWS service that created it ("amazon-elb", "amazon-rds"...). */
  requesterId?: string;
  description?: string;
  /** The load balancer the interface belongs to ("app/web/50dc6c495c0c9188"), when it belongs to one. */
  loadBalancer?: string;
}

export interface SecurityGroupView extends ResourceView {
  description?: string;
  /** undefined when the group lives outside the template (a separate rule names a literal group id). */
  vpcId?: unknown;
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
  /** Live only: the network interfaces that use the group; undefined for template views and when they could not be read. */
  networkInterfaces?: AttachedInterface[];
}


export function isWorld(peer: Peer): boolean {
  return peer.kind === "cidr" && isWorldCidr(peer.cidr);
}

/** True when the rule reaches every port of its protocol (or every protocol). */
export function coversAllPorts(rule: SecurityGroupRule): boolean {
  if (rule.protocol === "-1") return true;
  if (rule.protocol !== "tcp" && rule.protocol !== "udp") return false;
  if (rule.fromPort === undefined || rule.toPort === undefined) return true;
  return (rule.fromPort <= 0 || rule.fromPort === -1) && (rule.toPort >= 65535 || rule.toPort === -1);
}

/** True when the rule's port range includes `port` (protocol "-1" includes every port). */
export function includesPort(rule: SecurityGroupRule, port: number): boolean {
  if (rule.protocol === "-1") return true;
  if (rule.protocol !== "tcp" && rule.protocol !== "udp") return false;
  if (rule.fromPort === undefined || rule.toPort === undefined || rule.fromPort === -1) return true;
  return rule.fromPort <= port && port <= rule.toPort;
}

export function describeRule(rule: SecurityGroupRule): string {
  const peer = rule.peer.kind === "cidr" ? rule.peer.cidr : rule.peer.kind === "group" ? `group ${rule.peer.group}` : rule.peer.kind === "prefix-list" ? `prefix list ${rule.peer.id}` : rule.peer.text;
  const protocol = rule.protocol === "-1" ? "all traffic" : rule.protocol;
  const ports = rule.protocol === "-1" || coversAllPorts(rule) ? (rule.protocol === "-1" ? "" : " all ports") : rule.fromPort === rule.toPort ? ` port ${rule.fromPort}` : ` ports ${rule.fromPort}-${rule.toPort}`;
  return `${protocol}${ports} ${rule.direction === "ingress" ? "from" : "to"} ${peer}`;
}

function peerOf(entry: Record<string, unknown>, direction: "ingress" | "egress"): Peer {
  const prefix = direction === "ingress" ? "Source" : "Destination";
  for (const key of ["CidrIp", "CidrIpv6"]) {
    if (!(key in entry)) continue;
    const cidr = stringValue(entry[key]);
    return cidr !== undefined ? { kind: "cidr", cidr: cidr.trim() } : { kind: "unknown", text: String(entry[key]) };
  }
  for (const key of [`${prefix}SecurityGroupId`, `${prefix}SecurityGroupName`, "SourceSecurityGroupOwnerId"]) {
    if (key in entry) return { kind: "group", group: String(entry[key]) };
  }
  const prefixList = entry[`${prefix}PrefixListId`];
  if (prefixList !== undefined) return { kind: "prefix-list", id: String(prefixList) };
  return { kind: "unknown", text: "no peer" };
}

function ruleOf(entry: Record<string, unknown>, direction: "ingress" | "egress", at: TemplatePath, declaredBy?: string): SecurityGroupRule {
  const protocol = normalizeProtocol(stringValue(entry.IpProtocol) ?? String(entry.IpProtocol));
  const fromPort = numberValue(entry.FromPort);
  const toPort = numberValue(entry.ToPort);
  const rule: SecurityGroupRule = { direction, protocol, peer: peerOf(entry, direction), at };
  if (protocol !== "-1" && fromPort !== undefined) rule.fromPort = fromPort;
  if (protocol !== "-1" && toPort !== undefined) rule.toPort = toPort;
  const description = stringValue(entry.Description);
  if (description !== undefined) rule.description = description;
  if (declaredBy) rule.declaredBy = declaredBy;
  return rule;
}

/** Which group of the template a separate rule's GroupId/GroupName names, or the literal id when outside it. */
function targetGroup(properties: Record<string, unknown>, groupsByName: Map<string, string>): { logicalId?: string; literal?: string } {
  const groupId = properties.GroupId;
  if (groupId instanceof ResourceRef || groupId instanceof ResourceAttribute) return { logicalId: groupId.logicalId };
  const name = stringValue(properties.GroupName);
  if (name !== undefined && groupsByName.has(name)) return { logicalId: groupsByName.get(name)! };
  const literal = stringValue(groupId) ?? name;
  return literal !== undefined ? { literal } : {};
}

const LOAD_BALANCER_INTERFACE_TYPES = new Set(["network_load_balancer", "gateway_load_balancer", "gateway_load_balancer_endpoint"]);

/** The load balancer an interface belongs to: Elastic Load Balancing creates it ("amazon-elb") and describes it "ELB <name>". */
function loadBalancerOf(eni: NetworkInterface): string | undefined {
  // The description alone is not enough: anyone may describe their own interface "ELB ...".
  if (eni.RequesterId !== "amazon-elb" && !LOAD_BALANCER_INTERFACE_TYPES.has(eni.InterfaceType ?? "")) return undefined;
  return eni.Description?.match(/^ELB (.+)$/)?.[1] ?? (eni.Description || eni.NetworkInterfaceId);
}

function attachedInterface(eni: NetworkInterface): AttachedInterface {
  const attached: AttachedInterface = { id: eni.NetworkInterfaceId! };
  if (eni.InterfaceType) attached.interfaceType = eni.InterfaceType;
  if (eni.RequesterId) attached.requesterId = eni.RequesterId;
  if (eni.Description) attached.description = eni.Description;
  const loadBalancer = loadBalancerOf(eni);
  if (loadBalancer) attached.loadBalancer = loadBalancer;
  return attached;
}

/** One rule per peer: the API groups peers under one protocol and port range, the view does not. */
function liveRules(permissions: IpPermission[], direction: "ingress" | "egress", at: TemplatePath): SecurityGroupRule[] {
  const rules: SecurityGroupRule[] = [];
  for (const permission of permissions) {
    const protocol = normalizeProtocol(String(permission.IpProtocol ?? "-1"));
    const base: Omit<SecurityGroupRule, "peer"> = { direction, protocol, at };
    if (protocol !== "-1" && permission.FromPort !== undefined) base.fromPort = permission.FromPort;
    if (protocol !== "-1" && permission.ToPort !== undefined) base.toPort = permission.ToPort;
    const add = (peer: Peer, description: string | undefined) => rules.push(description ? { ...base, peer, description } : { ...base, peer });
    for (const range of permission.IpRanges ?? []) if (range.CidrIp) add({ kind: "cidr", cidr: range.CidrIp }, range.Description);
    for (const range of permission.Ipv6Ranges ?? []) if (range.CidrIpv6) add({ kind: "cidr", cidr: range.CidrIpv6 }, range.Description);
    for (const pair of permission.UserIdGroupPairs ?? []) {
      const group = pair.GroupId ?? pair.GroupName;
      if (group) add({ kind: "group", group }, pair.Description);
    }
    for (const prefixList of permission.PrefixListIds ?? []) if (prefixList.PrefixListId) add({ kind: "prefix-list", id: prefixList.PrefixListId }, prefixList.Description);
  }
  return rules;
}

export const securityGroupViews = defineView<SecurityGroupView>({
  name: "security-group",
  fromTemplate(template: ResolvedTemplate) {
    const views = new Map<string, SecurityGroupView>();
    const groupsByName = new Map<string, string>();
    const declaresEgress = new Set<string>();
    for (const group of resourcesOfType(template, "AWS::EC2::SecurityGroup")) {
      const { properties, logicalId } = group;
      const name = stringValue(properties.GroupName);
      if (name !== undefined) groupsByName.set(name, logicalId);
      const view: SecurityGroupView = { logicalId, type: group.type, at: ["Resources", logicalId], vpcId: properties.VpcId, ingress: [], egress: [] };
      const description = stringValue(properties.GroupDescription);
      if (description !== undefined) view.description = description;
      for (const [key, direction] of [["SecurityGroupIngress", "ingress"], ["SecurityGroupEgress", "egress"]] as const) {
        listValue(properties[key]).forEach((entry, index) => {
          if (isRecord(entry)) view[direction].push(ruleOf(entry, direction, propertyPath(logicalId, key, index)));
        });
      }
      if (view.egress.length > 0) declaresEgress.add(logicalId);
      views.set(logicalId, view);
    }
    const separate: [ResolvedResource, "ingress" | "egress"][] = [
      ...resourcesOfType(template, "AWS::EC2::SecurityGroupIngress").map((resource) => [resource, "ingress"] as [ResolvedResource, "ingress"]),
      ...resourcesOfType(template, "AWS::EC2::SecurityGroupEgress").map((resource) => [resource, "egress"] as [ResolvedResource, "egress"]),
    ];
    for (const [resource, direction] of separate) {
      const target = targetGroup(resource.properties, groupsByName);
      let view = target.logicalId ? views.get(target.logicalId) : undefined;
      if (!view) {
        view = { logicalId: resource.logicalId, type: resource.type, at: ["Resources", resource.logicalId], ingress: [], egress: [] };
        if (target.literal) view.physicalId = target.literal;
        views.set(resource.logicalId, view);
      }
      view[direction].push(ruleOf(resource.properties, direction, ["Resources", resource.logicalId, "Properties"], resource.logicalId));
    }
    for (const view of views.values()) {
      if (view.type === "AWS::EC2::SecurityGroup" && !declaresEgress.has(view.logicalId)) {
        view.egress.unshift({ direction: "egress", protocol: "-1", peer: { kind: "cidr", cidr: "0.0.0.0/0" }, implicit: true, at: ["Resources", view.logicalId] });
      }
    }
    return [...views.values()];
  },
  fromLive(scope) {
    const reader = scope.session.reader(Ec2Reader);
    const views: SecurityGroupView[] = [];
    for (const resource of liveResourcesOfType(scope, "AWS::EC2::SecurityGroup")) {
      const group = reader.securityGroup(resource.physicalId);
      if (!group) continue;
      const at = ["Resources", resource.logicalId];
      const view: SecurityGroupView = {
        logicalId: resource.logicalId,
        type: resource.type,
        physicalId: group.GroupId!,
        ingress: liveRules(group.IpPermissions ?? [], "ingress", at),
        egress: liveRules(group.IpPermissionsEgress ?? [], "egress", at),
      };
      if (group.VpcId) view.vpcId = group.VpcId;
      if (group.Description) view.description = group.Description;
      const interfaces = reader.networkInterfacesOf(group.GroupId!);
      if (interfaces) view.networkInterfaces = interfaces.map(attachedInterface);
      views.push(view);
    }
    return views;
  },
});
