import type { NetworkAcl, RouteTable } from "@aws-sdk/client-ec2";
import { Ec2Reader } from "../live/ec2.ts";
import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { listValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { aclTarget, liveNamer } from "./network-acl.ts";
import { defineView, liveResourcesOfType, resourcesOfType, type ResourceView } from "./view.ts";

export interface FlowLogSummary {
  /** Logical id of the AWS::EC2::FlowLog (a flow-log id live). */
  id: string;
  trafficType: unknown;
  destinationType: unknown;
  at: TemplatePath;
}

/** Which network ACL guards a subnet: the VPC's default one, one the template creates, or one it cannot tell. */
export type SubnetAcl = { kind: "default" } | { kind: "custom"; id: string } | { kind: "unknown"; text: string };

export interface SubnetSummary {
  /** Logical id (live: the stack's logical id of the subnet, or its subnet id when the stack does not create it). */
  id: string;
  /**
   * "public" when its route table sends traffic to an internet gateway, "private" when it does not (a subnet with no
   * route-table association uses the VPC's main table, which a template cannot route to the internet), "unknown" when
   * the route table is outside the template.
   */
  tier: "public" | "private" | "unknown";
  /** The route that makes the subnet public. */
  internetRoute?: string;
  networkAcl: SubnetAcl;
  at: TemplatePath;
}

export interface VpcView extends ResourceView {
  cidrBlock: unknown;
  /** Flow logs whose resource is this VPC (subnet and interface flow logs do not cover the whole VPC); undefined live when they could not be read. */
  flowLogs: FlowLogSummary[] | undefined;
  subnets: SubnetSummary[];
}

/** The logical id of the template resource of `type` that a value names by Ref or GetAtt. */
function logicalIdOf(value: unknown, type: string): string | undefined {
  return (value instanceof ResourceRef || value instanceof ResourceAttribute) && value.type === type ? value.logicalId : undefined;
}

function isInternetGateway(value: unknown): boolean {
  if (logicalIdOf(value, "AWS::EC2::InternetGateway") !== undefined) return true;
  return stringValue(value)?.startsWith("igw-") ?? false;
}

export const vpcViews = defineView<VpcView>({
  name: "vpc",
  fromTemplate(template: ResolvedTemplate) {
    const views = new Map<string, VpcView>();
    for (const vpc of resourcesOfType(template, "AWS::EC2::VPC")) {
      views.set(vpc.logicalId, { logicalId: vpc.logicalId, type: vpc.type, at: ["Resources", vpc.logicalId], cidrBlock: vpc.properties.CidrBlock, flowLogs: [], subnets: [] });
    }
    for (const flowLog of resourcesOfType(template, "AWS::EC2::FlowLog")) {
      const { properties } = flowLog;
      if (stringValue(properties.ResourceType)?.toUpperCase() !== "VPC") continue;
      // ResourceIds (a list) is not a FlowLog property and fails the deploy; that is judged elsewhere, so the intent is taken here.
      const named = properties.ResourceId !== undefined ? [properties.ResourceId] : listValue(properties.ResourceIds);
      for (const vpcId of new Set(named.map((value) => logicalIdOf(value, "AWS::EC2::VPC")))) {
        const view = vpcId !== undefined ? views.get(vpcId) : undefined;
        view?.flowLogs?.push({ id: flowLog.logicalId, trafficType: properties.TrafficType, destinationType: properties.LogDestinationType ?? "cloud-watch-logs", at: ["Resources", flowLog.logicalId] });
      }
    }

    const internetRoutes = new Map<string, string>();
    for (const route of resourcesOfType(template, "AWS::EC2::Route")) {
      const table = logicalIdOf(route.properties.RouteTableId, "AWS::EC2::RouteTable");
      if (table !== undefined && isInternetGateway(route.properties.GatewayId) && !internetRoutes.has(table)) internetRoutes.set(table, route.logicalId);
    }
    const tableOfSubnet = new Map<string, unknown>();
    for (const association of resourcesOfType(template, "AWS::EC2::SubnetRouteTableAssociation")) {
      const subnet = logicalIdOf(association.properties.SubnetId, "AWS::EC2::Subnet");
      if (subnet !== undefined) tableOfSubnet.set(subnet, association.properties.RouteTableId);
    }
    const aclOfSubnet = new Map<string, SubnetAcl>();
    for (const association of resourcesOfType(template, "AWS::EC2::SubnetNetworkAclAssociation")) {
      const subnet = logicalIdOf(association.properties.SubnetId, "AWS::EC2::Subnet");
      if (subnet === undefined) continue;
      const target = aclTarget(association.properties.NetworkAclId);
      aclOfSubnet.set(subnet, !target ? { kind: "unknown", text: "no NetworkAclId" } : "outside" in target ? { kind: "unknown", text: target.outside } : target.isDefault ? { kind: "default" } : { kind: "custom", id: target.logicalId });
    }

    for (const subnet of resourcesOfType(template, "AWS::EC2::Subnet")) {
      const vpcId = logicalIdOf(subnet.properties.VpcId, "AWS::EC2::VPC");
      const view = vpcId !== undefined ? views.get(vpcId) : undefined;
      if (!view) continue;
      const summary: SubnetSummary = { id: subnet.logicalId, tier: "private", networkAcl: aclOfSubnet.get(subnet.logicalId) ?? { kind: "default" }, at: ["Resources", subnet.logicalId] };
      if (tableOfSubnet.has(subnet.logicalId)) {
        const table = logicalIdOf(tableOfSubnet.get(subnet.logicalId), "AWS::EC2::RouteTable");
        if (table === undefined) summary.tier = "unknown";
        else if (internetRoutes.has(table)) {
          summary.tier = "public";
          summary.internetRoute = internetRoutes.get(table)!;
        }
      }
      view.subnets.push(summary);
    }
    return [...views.values()];
  },
  fromLive(scope) {
    const reader = scope.session.reader(Ec2Reader);
    const views: VpcView[] = [];
    const name = liveNamer(scope);
    for (const resource of liveResourcesOfType(scope, "AWS::EC2::VPC")) {
      const vpc = reader.vpc(resource.physicalId);
      if (!vpc) continue;
      const at: TemplatePath = ["Resources", resource.logicalId];
      const flowLogs = reader.flowLogsOf(resource.physicalId)?.map((flowLog) => ({ id: flowLog.FlowLogId!, trafficType: flowLog.TrafficType, destinationType: flowLog.LogDestinationType, at }));
      const acls = reader.networkAclsOf(resource.physicalId);
      const tables = reader.routeTablesOf(resource.physicalId);
      views.push({
        logicalId: resource.logicalId,
        type: resource.type,
        physicalId: resource.physicalId,
        cidrBlock: vpc.CidrBlock,
        flowLogs,
        subnets: acls && tables ? liveSubnets(acls, tables, name, at) : [],
      });
    }
    return views;
  },
});

/** Every subnet of the VPC is associated with exactly one network ACL, so the ACL associations list the subnets. */
function liveSubnets(acls: NetworkAcl[], tables: RouteTable[], name: (physicalId: string) => string, at: TemplatePath): SubnetSummary[] {
  const internetRoute = (table: RouteTable | undefined): string | undefined => {
    const route = table?.Routes?.find((candidate) => candidate.GatewayId?.startsWith("igw-") && candidate.State !== "blackhole");
    return route ? `${table!.RouteTableId} routes ${route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? "?"} to ${route.GatewayId}` : undefined;
  };
  const mainTable = tables.find((table) => table.Associations?.some((association) => association.Main));
  const subnets: SubnetSummary[] = [];
  for (const acl of acls) {
    for (const association of acl.Associations ?? []) {
      const subnetId = association.SubnetId;
      if (!subnetId) continue;
      const table = tables.find((candidate) => candidate.Associations?.some((tableAssociation) => tableAssociation.SubnetId === subnetId)) ?? mainTable;
      const route = internetRoute(table);
      const summary: SubnetSummary = {
        id: name(subnetId),
        tier: table === undefined ? "unknown" : route ? "public" : "private",
        networkAcl: acl.IsDefault ? { kind: "default" } : { kind: "custom", id: name(acl.NetworkAclId!) },
        at,
      };
      if (route) summary.internetRoute = route;
      subnets.push(summary);
    }
  }
  return subnets.sort((a, b) => a.id.localeCompare(b.id));
}
