import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { listValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { aclTarget } from "./network-acl.ts";
import { defineView, resourcesOfType, type ResourceView } from "./view.ts";

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
  /** Logical id (a subnet id live). */
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
  /** Flow logs whose resource is this VPC (subnet and interface flow logs do not cover the whole VPC). */
  flowLogs: FlowLogSummary[];
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
        view?.flowLogs.push({ id: flowLog.logicalId, trafficType: properties.TrafficType, destinationType: properties.LogDestinationType ?? "cloud-watch-logs", at: ["Resources", flowLog.logicalId] });
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
});
