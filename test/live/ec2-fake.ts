/**
 * A small EC2 for aws-sdk-client-mock: answers the Describe calls Ec2Reader makes from an in-memory world, applying
 * their filters and paging their results as EC2 does, so tests assert what the reader asks, not what it is handed.
 */
import {
  DescribeFlowLogsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  GetEbsEncryptionByDefaultCommand,
  type Filter,
  type FlowLog,
  type Instance,
  type LaunchTemplateVersion,
  type NetworkAcl,
  type NetworkInterface,
  type RouteTable,
  type SecurityGroup,
  type Volume,
  type Vpc,
} from "@aws-sdk/client-ec2";
import type { AwsClientStub } from "aws-sdk-client-mock";
import type { Finding } from "../../shared/findings/finding.ts";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { Ec2Reader } from "../../shared/live/ec2.ts";
import { LiveSession, type StackResource } from "../../shared/live/session.ts";
import type { Rule } from "../../shared/rules/rule.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { handStack } from "./hand-stack.ts";

export interface Ec2World {
  groups: SecurityGroup[];
  interfaces: NetworkInterface[];
  instances: Instance[];
  volumes: Volume[];
  launchTemplates: LaunchTemplateVersion[];
  vpcs: Vpc[];
  flowLogs: FlowLog[];
  acls: NetworkAcl[];
  routeTables: RouteTable[];
  encryptionByDefault: boolean;
  /** Items per page (EC2 pages at MaxResults; a small value here makes the reader follow NextToken). */
  pageSize: number;
}

export function emptyWorld(): Ec2World {
  return { groups: [], interfaces: [], instances: [], volumes: [], launchTemplates: [], vpcs: [], flowLogs: [], acls: [], routeTables: [], encryptionByDefault: false, pageSize: 1000 };
}

function values(filters: Filter[] | undefined, name: string): Set<string> | undefined {
  const filter = filters?.find((candidate) => candidate.Name === name);
  return filter ? new Set(filter.Values ?? []) : undefined;
}

function page<T>(items: T[], token: string | undefined, size: number): { items: T[]; NextToken?: string } {
  const start = token ? Number(token) : 0;
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { NextToken: String(end) } : {}) };
}

/** Installs the fake on a client stub; the world can change between calls. */
export function serveWorld(ec2: AwsClientStub<EC2Client>, world: Ec2World): void {
  const matching = <T>(items: T[], filters: Filter[] | undefined, keys: Record<string, (item: T) => (string | undefined)[]>): T[] =>
    items.filter((item) =>
      Object.entries(keys).every(([name, read]) => {
        const wanted = values(filters, name);
        return !wanted || read(item).some((value) => value !== undefined && wanted.has(value));
      }),
    );
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input) => {
    const found = matching(world.groups, input.Filters, { "group-id": (group) => [group.GroupId], "group-name": (group) => [group.GroupName] });
    const { items, NextToken } = page(found, input.NextToken, world.pageSize);
    return { SecurityGroups: items, NextToken };
  });
  ec2.on(DescribeNetworkInterfacesCommand).callsFake((input) => {
    const found = matching(world.interfaces, input.Filters, { "group-id": (eni) => (eni.Groups ?? []).map((group) => group.GroupId) });
    const { items, NextToken } = page(found, input.NextToken, world.pageSize);
    return { NetworkInterfaces: items, NextToken };
  });
  ec2.on(DescribeInstancesCommand).callsFake((input) => {
    const found = matching(world.instances, input.Filters, { "instance-id": (instance) => [instance.InstanceId] });
    const { items, NextToken } = page(found, input.NextToken, world.pageSize);
    return { Reservations: items.map((instance) => ({ Instances: [instance] })), NextToken };
  });
  ec2.on(DescribeVolumesCommand).callsFake((input) => {
    const found = matching(world.volumes, input.Filters, { "volume-id": (volume) => [volume.VolumeId] });
    const { items, NextToken } = page(found, input.NextToken, world.pageSize);
    return { Volumes: items, NextToken };
  });
  ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake((input) => {
    const versions = world.launchTemplates.filter((version) => version.LaunchTemplateId === input.LaunchTemplateId);
    if (versions.length === 0) throw Object.assign(new Error(`The specified launch template, with template ID ${input.LaunchTemplateId}, does not exist.`), { name: "InvalidLaunchTemplateId.NotFound", $metadata: { httpStatusCode: 400 } });
    const latest = Math.max(...versions.map((version) => version.VersionNumber!));
    const wanted = versions.filter((version) => (input.Versions ?? []).some((asked: string) => (asked === "$Default" && version.DefaultVersion) || (asked === "$Latest" && version.VersionNumber === latest) || asked === String(version.VersionNumber)));
    return { LaunchTemplateVersions: wanted };
  });
  ec2.on(DescribeVpcsCommand).callsFake((input) => {
    const found = matching(world.vpcs, input.Filters, { "vpc-id": (vpc) => [vpc.VpcId] });
    const { items, NextToken } = page(found, input.NextToken, world.pageSize);
    return { Vpcs: items, NextToken };
  });
  ec2.on(DescribeFlowLogsCommand).callsFake((input) => {
    const found = matching(world.flowLogs, input.Filter, { "resource-id": (flowLog) => [flowLog.ResourceId] });
    const { items, NextToken } = page(found, input.NextToken, world.pageSize);
    return { FlowLogs: items, NextToken };
  });
  ec2.on(DescribeNetworkAclsCommand).callsFake((input) => {
    const found = matching(world.acls, input.Filters, { "vpc-id": (acl) => [acl.VpcId], "network-acl-id": (acl) => [acl.NetworkAclId] });
    const { items, NextToken } = page(found, input.NextToken, world.pageSize);
    return { NetworkAcls: items, NextToken };
  });
  ec2.on(DescribeRouteTablesCommand).callsFake((input) => {
    const found = matching(world.routeTables, input.Filters, { "vpc-id": (table) => [table.VpcId] });
    const { items, NextToken } = page(found, input.NextToken, world.pageSize);
    return { RouteTables: items, NextToken };
  });
  ec2.on(GetEbsEncryptionByDefaultCommand).callsFake(() => ({ EbsEncryptionByDefault: world.encryptionByDefault }));
}

/** A VPC security group with the given ingress (egress: AWS's allow-all, as a new group has). */
export function group(id: string, ingress: SecurityGroup["IpPermissions"] = [], egress?: SecurityGroup["IpPermissionsEgress"]): SecurityGroup {
  return {
    GroupId: id,
    GroupName: `name-${id}`,
    Description: `group ${id}`,
    VpcId: "vpc-0a1",
    IpPermissions: ingress,
    IpPermissionsEgress: egress ?? [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }],
  };
}

export function tcpFromWorld(port: number): NonNullable<SecurityGroup["IpPermissions"]>[number] {
  return { IpProtocol: "tcp", FromPort: port, ToPort: port, IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [{ CidrIpv6: "::/0" }], PrefixListIds: [], UserIdGroupPairs: [] };
}

export function eni(id: string, groupIds: string[], extra: Partial<NetworkInterface> = {}): NetworkInterface {
  return { NetworkInterfaceId: id, InterfaceType: "interface", Groups: groupIds.map((GroupId) => ({ GroupId })), ...extra };
}

/** Loads the resources from the world through Ec2Reader and judges the stack live with one rule; the live findings. */
export async function judgeWorld(ec2: AwsClientStub<EC2Client>, world: Ec2World, resources: StackResource[], rule: Rule, template?: string): Promise<Finding[]> {
  serveWorld(ec2, world);
  const session = new LiveSession({ region: "eu-west-1" });
  await session.reader(Ec2Reader).load(resources);
  const result = judgeLiveStack(handStack(session, resources), template !== undefined ? parseTemplate(template) : undefined, { rules: [rule] });
  if (result.errors.length > 0 || session.failures.length > 0) throw new Error(`live judge errors: ${JSON.stringify([...result.errors, ...session.failures])}`);
  return result.findings.filter((finding) => finding.source === "live");
}
