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
import { batches, inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** Values per filter and ids per request that EC2's Describe* calls take. */
const BATCH_SIZE = 200;
const PAGE_SIZE = 1000;

/** The versions of a launch template that launch machines: the default one, and the latest one CloudFormation wrote. */
export interface LaunchTemplateVersions {
  default?: LaunchTemplateVersion;
  latest?: LaunchTemplateVersion;
}

/** The region's EBS encryption by default, as GetEbsEncryptionByDefault answers. */
export interface EbsEncryptionByDefault {
  enabled: boolean;
}

const TYPES = {
  securityGroup: "AWS::EC2::SecurityGroup",
  instance: "AWS::EC2::Instance",
  launchTemplate: "AWS::EC2::LaunchTemplate",
  volume: "AWS::EC2::Volume",
  vpc: "AWS::EC2::VPC",
  networkAcl: "AWS::EC2::NetworkAcl",
} as const;

function isList(value: unknown): value is unknown[] {
  return Array.isArray(value);
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/** MetadataOptions.HttpTokens, when present, is "optional" or "required": anything else would be judged (and drift) as a value. */
function hasTextHttpTokens(holder: unknown): boolean {
  const options = (holder as { MetadataOptions?: unknown } | null | undefined)?.MetadataOptions;
  if (options === undefined) return true;
  if (!options || typeof options !== "object") return false;
  const tokens = (options as { HttpTokens?: unknown }).HttpTokens;
  return tokens === undefined || typeof tokens === "string";
}

/**
 * EC2 and VPC: security groups and the network interfaces that use them, instances and the volumes attached to them,
 * launch templates, volumes, VPCs with their flow logs, network ACLs and route tables, and the region's EBS encryption
 * by default. Everything is read with filters in batches of 200, so a resource deleted since the stack listed it is
 * simply missing (recorded as not-found) instead of failing the whole batch as an unknown id would.
 */
export class Ec2Reader implements ServiceReader {
  static readonly service = "ec2";
  static readonly actions = [
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeInstances",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeVolumes",
    "ec2:DescribeVpcs",
    "ec2:DescribeFlowLogs",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRouteTables",
    "ec2:GetEbsEncryptionByDefault",
  ] as const;
  static readonly resourceTypes = Object.values(TYPES);

  private readonly groups = new Map<string, SecurityGroup>();
  private readonly groupIdByName = new Map<string, string>();
  /** Security group id -> the network interfaces that list it; absent when that read failed. */
  private readonly interfacesByGroup = new Map<string, NetworkInterface[]>();
  private readonly instances = new Map<string, Instance>();
  private readonly launchTemplates = new Map<string, LaunchTemplateVersions>();
  private readonly volumes = new Map<string, Volume>();
  private readonly vpcs = new Map<string, Vpc>();
  private readonly flowLogsByVpc = new Map<string, FlowLog[]>();
  private readonly acls = new Map<string, NetworkAcl>();
  private readonly aclsByVpc = new Map<string, NetworkAcl[]>();
  private readonly routeTablesByVpc = new Map<string, RouteTable[]>();
  /** Ids asked for already (found or not), so a second load does not ask again. */
  private readonly asked = new Set<string>();
  private encryptionDefault?: EbsEncryptionByDefault;
  private encryptionDefaultLoad?: Promise<void>;

  constructor(private readonly session: LiveSession) {}

  private get client(): EC2Client {
    return this.session.client(EC2Client);
  }

  /** By group id, or by the name CloudFormation gives as the physical id of a group created without a VPC. */
  securityGroup(id: string): SecurityGroup | undefined {
    const byName = this.groupIdByName.get(id);
    return this.groups.get(byName ?? id);
  }

  /** The network interfaces that use the group; undefined when they could not be read. */
  networkInterfacesOf(groupId: string): NetworkInterface[] | undefined {
    return this.interfacesByGroup.get(groupId);
  }

  instance(id: string): Instance | undefined {
    return this.instances.get(id);
  }

  launchTemplate(id: string): LaunchTemplateVersions | undefined {
    return this.launchTemplates.get(id);
  }

  volume(id: string): Volume | undefined {
    return this.volumes.get(id);
  }

  vpc(id: string): Vpc | undefined {
    return this.vpcs.get(id);
  }

  flowLogsOf(vpcId: string): FlowLog[] | undefined {
    return this.flowLogsByVpc.get(vpcId);
  }

  networkAcl(id: string): NetworkAcl | undefined {
    return this.acls.get(id);
  }

  /** Every network ACL of the VPC (its default one included); undefined when they could not be read. */
  networkAclsOf(vpcId: string): NetworkAcl[] | undefined {
    return this.aclsByVpc.get(vpcId);
  }

  routeTablesOf(vpcId: string): RouteTable[] | undefined {
    return this.routeTablesByVpc.get(vpcId);
  }

  /** undefined until loadAccount ran, or when it failed. */
  get ebsEncryptionByDefault(): EbsEncryptionByDefault | undefined {
    return this.encryptionDefault;
  }

  async load(resources: readonly StackResource[]): Promise<void> {
    const idsOf = (type: string): string[] => {
      const ids = new Set<string>();
      for (const resource of resources) {
        if (resource.type !== type || !resource.physicalId || resource.status === "DELETE_COMPLETE") continue;
        if (!this.asked.has(resource.physicalId)) ids.add(resource.physicalId);
      }
      for (const id of ids) this.asked.add(id);
      return [...ids];
    };
    const groupIds = idsOf(TYPES.securityGroup);
    const instanceIds = idsOf(TYPES.instance);
    const launchTemplateIds = idsOf(TYPES.launchTemplate);
    const volumeIds = idsOf(TYPES.volume);
    const vpcIds = idsOf(TYPES.vpc);
    const aclIds = idsOf(TYPES.networkAcl);

    await Promise.all([
      this.loadSecurityGroups(groupIds).then((found) => this.loadNetworkInterfaces(found)),
      this.loadInstances(instanceIds).then((attached) => this.loadVolumes([...new Set([...volumeIds, ...attached])], new Set(volumeIds))),
      this.loadLaunchTemplates(launchTemplateIds),
      this.loadVpcs(vpcIds).then((found) => Promise.all([this.loadFlowLogs(found), this.loadNetworkAcls(found, aclIds), this.loadRouteTables(found)])),
      // The region's default decides whether a launch-template mapping that leaves Encrypted out gets an encrypted volume.
      launchTemplateIds.length > 0 ? this.loadAccount() : undefined,
    ]);
  }

  async loadAccount(): Promise<void> {
    this.encryptionDefaultLoad ??= (async () => {
      const result = await this.session.call("ec2", "GetEbsEncryptionByDefault", () => this.client.send(new GetEbsEncryptionByDefaultCommand({})));
      if (!result.ok) return;
      const enabled = result.value.EbsEncryptionByDefault;
      if (typeof enabled !== "boolean") {
        this.session.fail("ec2", "GetEbsEncryptionByDefault", "malformed-response", `GetEbsEncryptionByDefault answered without a boolean EbsEncryptionByDefault (got ${JSON.stringify(enabled)})`);
        return;
      }
      this.encryptionDefault = { enabled };
    })();
    await this.encryptionDefaultLoad;
  }

  /**
   * Reads every page of a filtered Describe call for each batch of ids and hands each batch's valid items to `onBatch`
   * (undefined when the batch could not be read); an item in a shape EC2 does not send is recorded and left out.
   */
  private async describe<P, T>(
    operation: string,
    idKey: string,
    ids: readonly string[],
    send: (batch: string[], token: string | undefined) => Promise<P>,
    items: (page: P) => unknown,
    validate: (item: Record<string, unknown>) => string | undefined,
    onBatch: (batch: string[], found: T[] | undefined) => void,
  ): Promise<void> {
    await Promise.all(
      batches(ids, BATCH_SIZE).map(async (batch) => {
        const pages = await this.session.paginate("ec2", operation, (token) => send(batch, token), (page) => (page as { NextToken?: string }).NextToken, { targets: batch });
        if (!pages) return onBatch(batch, undefined);
        const found: T[] = [];
        for (const page of pages) {
          const list = items(page);
          if (!isList(list)) {
            this.session.fail("ec2", operation, "malformed-response", `${operation} answered without its list of results`, batch.length === 1 ? batch[0] : undefined).targets = batch;
            return onBatch(batch, undefined);
          }
          for (const item of list) {
            const problem = item && typeof item === "object" ? validate(item as Record<string, unknown>) : "an entry that is not an object";
            if (!problem) {
              found.push(item as T);
              continue;
            }
            const id = (item as Record<string, unknown> | null)?.[idKey];
            const failure = this.session.fail("ec2", operation, "malformed-response", `${operation} answered with ${problem}`, isText(id) ? id : batch.length === 1 ? batch[0] : undefined);
            if (!isText(id)) failure.targets = batch;
          }
        }
        onBatch(batch, found);
      }),
    );
  }

  /** Records the ids asked for and not answered; an id already failed on (an entry in a shape EC2 does not send) is not also missing. */
  private notFound(operation: string, what: string, ids: Iterable<string>): void {
    for (const id of ids) if (!this.session.failures.some((failure) => failure.operation === operation && failure.target === id)) this.session.fail("ec2", operation, "not-found", `${what} ${id} was not found (deleted since the stack listed it?)`, id);
  }

  /** Returns the ids of the groups read. Stack groups outside a VPC (EC2-Classic, the default VPC by name) have a name as physical id. */
  private async loadSecurityGroups(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const byId = ids.filter((id) => id.startsWith("sg-"));
    const byName = ids.filter((id) => !id.startsWith("sg-"));
    const read: string[] = [];
    const validate = (group: Record<string, unknown>) => {
      if (!isText(group.GroupId)) return "a security group without GroupId";
      if (!isList(group.IpPermissions) || !isList(group.IpPermissionsEgress)) return `security group ${group.GroupId} without IpPermissions/IpPermissionsEgress lists`;
      return undefined;
    };
    const lookups: [string[], string][] = [
      [byId, "group-id"],
      [byName, "group-name"],
    ];
    await Promise.all(
      lookups.map(([wanted, filter]) =>
        this.describe<{ SecurityGroups?: SecurityGroup[] }, SecurityGroup>(
          "DescribeSecurityGroups",
          "GroupId",
          wanted,
          (batch, token) => this.client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: filter, Values: batch }], MaxResults: PAGE_SIZE, NextToken: token })),
          (page) => page.SecurityGroups,
          validate,
          (batch, found) => {
            if (!found) return;
            if (filter === "group-name") found = this.uniqueByName(found);
            for (const group of found) {
              this.groups.set(group.GroupId!, group);
              if (filter === "group-name") this.groupIdByName.set(group.GroupName!, group.GroupId!);
              read.push(group.GroupId!);
            }
            const seen = new Set(found.flatMap((group) => [group.GroupId, group.GroupName]));
            this.notFound("DescribeSecurityGroups", "security group", batch.filter((id) => !seen.has(id)));
          },
        ),
      ),
    );
    return read;
  }

  /** Groups in different VPCs may share a name: a name that matches several cannot say which group the stack made. */
  private uniqueByName(groups: SecurityGroup[]): SecurityGroup[] {
    const counts = new Map<string | undefined, number>();
    for (const group of groups) counts.set(group.GroupName, (counts.get(group.GroupName) ?? 0) + 1);
    for (const [name, count] of counts) {
      if (name !== undefined && count > 1) this.session.fail("ec2", "DescribeSecurityGroups", "error", `security group name ${name} matches ${count} groups in different VPCs; the stack's group cannot be told apart`, name);
    }
    return groups.filter((group) => group.GroupName !== undefined && counts.get(group.GroupName) === 1);
  }

  private async loadNetworkInterfaces(groupIds: string[]): Promise<void> {
    await this.describe<{ NetworkInterfaces?: NetworkInterface[] }, NetworkInterface>(
      "DescribeNetworkInterfaces",
      "NetworkInterfaceId",
      groupIds,
      (batch, token) => this.client.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "group-id", Values: batch }], MaxResults: PAGE_SIZE, NextToken: token })),
      (page) => page.NetworkInterfaces,
      (eni) =>
        !isText(eni.NetworkInterfaceId)
          ? "a network interface without NetworkInterfaceId"
          : !isList(eni.Groups) || eni.Groups.some((group) => !isText((group as { GroupId?: unknown } | null)?.GroupId))
            ? `network interface ${eni.NetworkInterfaceId} without its Groups' ids`
            : undefined,
      (batch, found) => {
        // An interface left out as malformed may be the one that uses a group: "unused" cannot be told.
        if (!found || this.session.failures.some((failure) => failure.operation === "DescribeNetworkInterfaces" && failure.targets?.some((id) => batch.includes(id)))) return;
        for (const groupId of batch) this.interfacesByGroup.set(groupId, []);
        for (const eni of found) {
          for (const group of eni.Groups ?? []) {
            if (group.GroupId) this.interfacesByGroup.get(group.GroupId)?.push(eni);
          }
        }
      },
    );
  }

  /** Returns the ids of the EBS volumes attached to the instances read. */
  private async loadInstances(ids: string[]): Promise<string[]> {
    const attached: string[] = [];
    await this.describe<{ Reservations?: { Instances?: Instance[] }[] }, Instance>(
      "DescribeInstances",
      "InstanceId",
      ids,
      (batch, token) => this.client.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: batch }], MaxResults: PAGE_SIZE, NextToken: token })),
      (page) => (isList(page.Reservations) ? page.Reservations.flatMap((reservation) => reservation.Instances ?? []) : undefined),
      (instance) => (!isText(instance.InstanceId) ? "an instance without InstanceId" : !hasTextHttpTokens(instance) ? `instance ${instance.InstanceId} with a MetadataOptions.HttpTokens that is not text` : undefined),
      (batch, found) => {
        if (!found) return;
        // A terminated instance stays listed for a while; it no longer exists.
        found = found.filter((instance) => instance.State?.Name !== "terminated");
        for (const instance of found) {
          this.instances.set(instance.InstanceId!, instance);
          if (!instance.MetadataOptions) this.session.fail("ec2", "DescribeInstances", "malformed-response", `DescribeInstances answered without MetadataOptions for instance ${instance.InstanceId}: its IMDS settings cannot be judged`, instance.InstanceId);
          for (const mapping of instance.BlockDeviceMappings ?? []) if (mapping.Ebs?.VolumeId) attached.push(mapping.Ebs.VolumeId);
        }
        const seen = new Set(found.map((instance) => instance.InstanceId));
        this.notFound("DescribeInstances", "instance", batch.filter((id) => !seen.has(id)));
      },
    );
    return attached;
  }

  /** `stackVolumes`: the volumes the stack declares (a missing one is reported; a missing attached volume is not). */
  private async loadVolumes(ids: string[], stackVolumes: ReadonlySet<string>): Promise<void> {
    await this.describe<{ Volumes?: Volume[] }, Volume>(
      "DescribeVolumes",
      "VolumeId",
      ids.filter((id) => !this.volumes.has(id)),
      (batch, token) => this.client.send(new DescribeVolumesCommand({ Filters: [{ Name: "volume-id", Values: batch }], MaxResults: 500, NextToken: token })),
      (page) => page.Volumes,
      (volume) => (!isText(volume.VolumeId) ? "a volume without VolumeId" : typeof volume.Encrypted !== "boolean" ? `volume ${volume.VolumeId} without a boolean Encrypted` : undefined),
      (batch, found) => {
        if (!found) return;
        for (const volume of found) this.volumes.set(volume.VolumeId!, volume);
        this.notFound("DescribeVolumes", "volume", batch.filter((id) => stackVolumes.has(id) && !this.volumes.has(id)));
      },
    );
  }

  /** DescribeLaunchTemplateVersions takes one launch template per request when it names one. */
  private async loadLaunchTemplates(ids: string[]): Promise<void> {
    await inParallel(ids, 8, async (id) => {
      const result = await this.session.call(
        "ec2",
        "DescribeLaunchTemplateVersions",
        () => this.client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ["$Default", "$Latest"] })),
        { target: id },
      );
      if (!result.ok) return;
      const versions = result.value.LaunchTemplateVersions;
      if (!isList(versions) || versions.some((version) => typeof version?.VersionNumber !== "number" || !hasTextHttpTokens(version?.LaunchTemplateData))) {
        this.session.fail("ec2", "DescribeLaunchTemplateVersions", "malformed-response", `DescribeLaunchTemplateVersions answered for ${id} without numbered versions`, id);
        return;
      }
      if (versions.length === 0) {
        this.notFound("DescribeLaunchTemplateVersions", "launch template", [id]);
        return;
      }
      const latest = versions.reduce((best, version) => (version.VersionNumber! > best.VersionNumber! ? version : best));
      this.launchTemplates.set(id, { default: versions.find((version) => version.DefaultVersion === true), latest });
    });
  }

  private async loadVpcs(ids: string[]): Promise<string[]> {
    const read: string[] = [];
    await this.describe<{ Vpcs?: Vpc[] }, Vpc>(
      "DescribeVpcs",
      "VpcId",
      ids,
      (batch, token) => this.client.send(new DescribeVpcsCommand({ Filters: [{ Name: "vpc-id", Values: batch }], MaxResults: PAGE_SIZE, NextToken: token })),
      (page) => page.Vpcs,
      (vpc) => (!isText(vpc.VpcId) ? "a VPC without VpcId" : undefined),
      (batch, found) => {
        if (!found) return;
        for (const vpc of found) {
          this.vpcs.set(vpc.VpcId!, vpc);
          read.push(vpc.VpcId!);
        }
        this.notFound("DescribeVpcs", "VPC", batch.filter((id) => !this.vpcs.has(id)));
      },
    );
    return read;
  }

  private async loadFlowLogs(vpcIds: string[]): Promise<void> {
    await this.describe<{ FlowLogs?: FlowLog[] }, FlowLog>(
      "DescribeFlowLogs",
      "FlowLogId",
      vpcIds,
      (batch, token) => this.client.send(new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: batch }], MaxResults: PAGE_SIZE, NextToken: token })),
      (page) => page.FlowLogs,
      (flowLog) => (!isText(flowLog.FlowLogId) || !isText(flowLog.ResourceId) ? "a flow log without FlowLogId or ResourceId" : undefined),
      (batch, found) => {
        if (!found) return;
        for (const vpcId of batch) this.flowLogsByVpc.set(vpcId, []);
        for (const flowLog of found) this.flowLogsByVpc.get(flowLog.ResourceId!)?.push(flowLog);
      },
    );
  }

  /** The ACLs of the stack's VPCs (default ACL and subnet associations included), then any stack ACL outside them. */
  private async loadNetworkAcls(vpcIds: string[], aclIds: string[]): Promise<void> {
    const validate = (acl: Record<string, unknown>) =>
      !isText(acl.NetworkAclId) ? "a network ACL without NetworkAclId" : !isList(acl.Entries) || !isList(acl.Associations) ? `network ACL ${acl.NetworkAclId} without Entries/Associations lists` : undefined;
    const describe = (filter: string, ids: string[], onBatch: (batch: string[], found: NetworkAcl[] | undefined) => void) =>
      this.describe<{ NetworkAcls?: NetworkAcl[] }, NetworkAcl>(
        "DescribeNetworkAcls",
        "NetworkAclId",
        ids,
        (batch, token) => this.client.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: filter, Values: batch }], MaxResults: PAGE_SIZE, NextToken: token })),
        (page) => page.NetworkAcls,
        validate,
        onBatch,
      );
    await describe("vpc-id", vpcIds, (batch, found) => {
      if (!found) return;
      for (const vpcId of batch) this.aclsByVpc.set(vpcId, []);
      for (const acl of found) {
        this.acls.set(acl.NetworkAclId!, acl);
        if (acl.VpcId) this.aclsByVpc.get(acl.VpcId)?.push(acl);
      }
    });
    await describe("network-acl-id", aclIds.filter((id) => !this.acls.has(id)), (batch, found) => {
      if (!found) return;
      for (const acl of found) this.acls.set(acl.NetworkAclId!, acl);
      this.notFound("DescribeNetworkAcls", "network ACL", batch.filter((id) => !this.acls.has(id)));
    });
  }

  private async loadRouteTables(vpcIds: string[]): Promise<void> {
    await this.describe<{ RouteTables?: RouteTable[] }, RouteTable>(
      "DescribeRouteTables",
      "RouteTableId",
      vpcIds,
      (batch, token) => this.client.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: batch }], MaxResults: 100, NextToken: token })),
      (page) => page.RouteTables,
      (table) => (!isText(table.RouteTableId) ? "a route table without RouteTableId" : undefined),
      (batch, found) => {
        if (!found) return;
        for (const vpcId of batch) this.routeTablesByVpc.set(vpcId, []);
        for (const table of found) if (table.VpcId) this.routeTablesByVpc.get(table.VpcId)?.push(table);
      },
    );
  }
}
