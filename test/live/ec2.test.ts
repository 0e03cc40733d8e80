import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand, EC2Client, GetEbsEncryptionByDefaultCommand } from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { containsUnknown, driftEqual, withPhysicalIds } from "../../shared/drift/compare.ts";
import type { Finding } from "../../shared/findings/finding.ts";
import { attachDeployedTemplate, judgeLiveAccount, judgeLiveStack } from "../../shared/judge-live.ts";
import { Ec2Reader } from "../../shared/live/ec2.ts";
import { LiveSession, type StackResource } from "../../shared/live/session.ts";
import { ALL_RULES } from "../../shared/rules/index.ts";
import ec2EbsUnencrypted from "../../shared/rules/ec2/ec2-ebs-unencrypted.ts";
import ec2Imdsv1Allowed from "../../shared/rules/ec2/ec2-imdsv1-allowed.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { ebsEncryptionDefaultViews } from "../../shared/views/ebs-encryption-default.ts";
import { ebsVolumeViews } from "../../shared/views/ebs-volume.ts";
import { ec2InstanceViews } from "../../shared/views/ec2-instance.ts";
import { networkAclViews } from "../../shared/views/network-acl.ts";
import { securityGroupViews } from "../../shared/views/security-group.ts";
import { vpcViews } from "../../shared/views/vpc.ts";
import { emptyWorld, eni, group, serveWorld, tcpFromWorld, type Ec2World } from "./ec2-fake.ts";
import { awsError, handAccount, handStack, resource } from "./hand-stack.ts";

const REGION = "eu-west-1";

/** The deployed template of the stack both worlds below hold (one flawed live, one kept as the template says). */
const TEMPLATE = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: { CidrBlock: 10.0.0.0/16 }
  VpcFlowLog:
    Type: AWS::EC2::FlowLog
    Properties: { ResourceType: VPC, ResourceId: !Ref Vpc, TrafficType: ALL, LogDestinationType: s3, LogDestination: arn:aws:s3:::logs }
  AdminGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: admin
      VpcId: !Ref Vpc
      SecurityGroupIngress: [{ IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8 }]
      SecurityGroupEgress: [{ IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8 }]
  LbGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: load balancer
      VpcId: !Ref Vpc
      SecurityGroupIngress: [{ IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0 }]
      SecurityGroupEgress: [{ IpProtocol: tcp, FromPort: 8080, ToPort: 8080, CidrIp: 10.0.0.0/16 }]
  SpareGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: spare
      VpcId: !Ref Vpc
      SecurityGroupEgress: [{ IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8 }]
  WebServer:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0abc
      SecurityGroupIds: [!Ref AdminGroup, !Ref SpareGroup]
      MetadataOptions: { HttpTokens: required }
      BlockDeviceMappings: [{ DeviceName: /dev/xvda, Ebs: { Encrypted: true } }]
  WebTemplate:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        ImageId: ami-0abc
        MetadataOptions: { HttpTokens: required }
        BlockDeviceMappings: [{ DeviceName: /dev/xvdb, Ebs: { Encrypted: true } }]
  DataVolume:
    Type: AWS::EC2::Volume
    Properties: { AvailabilityZone: eu-west-1a, Size: 10, Encrypted: true }
  WebAcl:
    Type: AWS::EC2::NetworkAcl
    Properties: { VpcId: !Ref Vpc }
  WebAclHttps:
    Type: AWS::EC2::NetworkAclEntry
    Properties: { NetworkAclId: !Ref WebAcl, RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: { From: 443, To: 443 } }
  LoadBalancer:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: { SecurityGroups: [!Ref LbGroup], Subnets: [subnet-a, subnet-b] }
`;

const RESOURCES: StackResource[] = [
  resource("Vpc", "AWS::EC2::VPC", "vpc-0a1"),
  resource("VpcFlowLog", "AWS::EC2::FlowLog", "fl-0a1"),
  resource("AdminGroup", "AWS::EC2::SecurityGroup", "sg-admin"),
  resource("LbGroup", "AWS::EC2::SecurityGroup", "sg-lb"),
  resource("SpareGroup", "AWS::EC2::SecurityGroup", "sg-spare"),
  resource("WebServer", "AWS::EC2::Instance", "i-web"),
  resource("WebTemplate", "AWS::EC2::LaunchTemplate", "lt-web"),
  resource("DataVolume", "AWS::EC2::Volume", "vol-data"),
  resource("WebAcl", "AWS::EC2::NetworkAcl", "acl-web"),
  resource("WebAclHttps", "AWS::EC2::NetworkAclEntry", "acl-web-entry-100"),
  resource("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer", "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188"),
];

const LB_INTERFACE = { RequesterId: "amazon-elb", Description: "ELB app/web/50dc6c495c0c9188" };

/** The stack as the template says it should be. */
function keptWorld(): Ec2World {
  const world = emptyWorld();
  const https = { IpProtocol: "tcp", FromPort: 443, ToPort: 443 };
  world.groups = [
    group("sg-admin", [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/8" }] }], [{ ...https, IpRanges: [{ CidrIp: "10.0.0.0/8" }] }]),
    group("sg-lb", [{ ...https, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }], [{ IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: "10.0.0.0/16" }] }]),
    group("sg-spare", [], [{ ...https, IpRanges: [{ CidrIp: "10.0.0.0/8" }] }]),
  ];
  world.interfaces = [eni("eni-web", ["sg-admin", "sg-spare"]), eni("eni-lb-a", ["sg-lb"], LB_INTERFACE), eni("eni-lb-b", ["sg-lb"], LB_INTERFACE)];
  world.instances = [
    {
      InstanceId: "i-web",
      ImageId: "ami-0abc",
      MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
      BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-root" } }],
    },
  ];
  world.volumes = [
    { VolumeId: "vol-root", Encrypted: true, KmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1" },
    { VolumeId: "vol-data", Encrypted: true, KmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1" },
  ];
  world.launchTemplates = [
    {
      LaunchTemplateId: "lt-web",
      VersionNumber: 1,
      DefaultVersion: true,
      LaunchTemplateData: { ImageId: "ami-0abc", MetadataOptions: { HttpTokens: "required" }, BlockDeviceMappings: [{ DeviceName: "/dev/xvdb", Ebs: { Encrypted: true } }] },
    },
  ];
  world.vpcs = [{ VpcId: "vpc-0a1", CidrBlock: "10.0.0.0/16" }];
  world.flowLogs = [{ FlowLogId: "fl-0a1", ResourceId: "vpc-0a1", TrafficType: "ALL", LogDestinationType: "s3" }];
  world.acls = [
    {
      NetworkAclId: "acl-default",
      VpcId: "vpc-0a1",
      IsDefault: true,
      Entries: [
        { RuleNumber: 100, Egress: false, Protocol: "-1", RuleAction: "allow", CidrBlock: "0.0.0.0/0" },
        { RuleNumber: 32767, Egress: false, Protocol: "-1", RuleAction: "deny", CidrBlock: "0.0.0.0/0" },
      ],
      Associations: [{ SubnetId: "subnet-private" }],
    },
    {
      NetworkAclId: "acl-web",
      VpcId: "vpc-0a1",
      IsDefault: false,
      Entries: [
        { RuleNumber: 100, Egress: false, Protocol: "6", RuleAction: "allow", CidrBlock: "0.0.0.0/0", PortRange: { From: 443, To: 443 } },
        { RuleNumber: 32767, Egress: false, Protocol: "-1", RuleAction: "deny", CidrBlock: "0.0.0.0/0" },
      ],
      Associations: [{ SubnetId: "subnet-public" }],
    },
  ];
  world.routeTables = [
    { RouteTableId: "rtb-main", VpcId: "vpc-0a1", Associations: [{ Main: true }], Routes: [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local" }] },
    { RouteTableId: "rtb-public", VpcId: "vpc-0a1", Associations: [{ SubnetId: "subnet-public" }], Routes: [{ DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-1" }] },
  ];
  world.encryptionByDefault = true;
  return world;
}

/** The same stack after changes made outside CloudFormation. */
function driftedWorld(): Ec2World {
  const world = keptWorld();
  world.groups[0]!.IpPermissions = [tcpFromWorld(22)];
  world.groups[1]!.IpPermissions = [tcpFromWorld(443)];
  world.interfaces = world.interfaces.filter((candidate) => candidate.NetworkInterfaceId !== "eni-web").concat(eni("eni-web", ["sg-admin"]));
  world.instances[0]!.MetadataOptions = { HttpTokens: "optional", HttpEndpoint: "enabled" };
  world.volumes = [
    { VolumeId: "vol-root", Encrypted: false },
    { VolumeId: "vol-data", Encrypted: false },
  ];
  world.launchTemplates.push({
    LaunchTemplateId: "lt-web",
    VersionNumber: 2,
    DefaultVersion: false,
    LaunchTemplateData: { ImageId: "ami-0abc", MetadataOptions: { HttpTokens: "optional" }, BlockDeviceMappings: [{ DeviceName: "/dev/xvdb", Ebs: { VolumeSize: 20 } }] },
  });
  world.flowLogs = [];
  world.acls[1]!.Entries!.unshift({ RuleNumber: 90, Egress: false, Protocol: "-1", RuleAction: "allow", CidrBlock: "0.0.0.0/0" });
  // Both tiers left on the default ACL.
  world.acls[0]!.Associations!.push({ SubnetId: "subnet-public" });
  world.acls[1]!.Associations = [];
  world.encryptionByDefault = false;
  return world;
}

const EC2_RULES = new Set(["ec2-sg-egress-unrestricted", "ec2-sg-ingress-open-admin-port", "ec2-sg-ingress-open-world", "ec2-sg-unattached", "ec2-imdsv1-allowed", "ec2-ebs-unencrypted", "vpc-flow-logs-missing", "vpc-nacl-permissive"]);

function liveFindings(findings: Finding[]): Finding[] {
  return findings.filter((finding) => finding.source === "live" && EC2_RULES.has(finding.ruleId));
}

async function loadedStack(world: Ec2World, ec2: AwsClientStub<EC2Client>, resources = RESOURCES) {
  serveWorld(ec2, world);
  const session = new LiveSession({ region: REGION });
  await session.reader(Ec2Reader).load(resources);
  return { session, stack: handStack(session, resources) };
}

describe("Ec2Reader against a mocked EC2", () => {
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => ec2.reset());
  after(() => ec2.restore());

  it("reads every kind of resource with one filtered call each, and a second load asks nothing", async () => {
    const { session } = await loadedStack(keptWorld(), ec2);
    assert.deepEqual(Object.fromEntries(session.calls), {
      "ec2:DescribeSecurityGroups": 1,
      "ec2:DescribeNetworkInterfaces": 1,
      "ec2:DescribeInstances": 1,
      "ec2:DescribeVolumes": 1,
      "ec2:DescribeLaunchTemplateVersions": 1,
      "ec2:DescribeVpcs": 1,
      "ec2:DescribeFlowLogs": 1,
      "ec2:DescribeNetworkAcls": 1,
      "ec2:DescribeRouteTables": 1,
      "ec2:GetEbsEncryptionByDefault": 1,
    });
    assert.deepEqual(session.failures, []);
    const before = session.callCount("ec2");
    await session.reader(Ec2Reader).load(RESOURCES);
    await session.reader(Ec2Reader).loadAccount();
    assert.equal(session.callCount("ec2"), before);
    const volumes = ec2.commandCalls(DescribeVolumesCommand)[0]!.args[0].input.Filters![0]!;
    assert.deepEqual([volumes.Name, [...volumes.Values!].sort()], ["volume-id", ["vol-data", "vol-root"]]);
  });

  it("asks for groups in batches of 200 ids and follows NextToken", async () => {
    const world = emptyWorld();
    world.groups = Array.from({ length: 450 }, (_, index) => group(`sg-${index}`));
    world.interfaces = world.groups.map((item, index) => eni(`eni-${index}`, [item.GroupId!]));
    world.pageSize = 150;
    const resources = world.groups.map((item, index) => resource(`Group${index}`, "AWS::EC2::SecurityGroup", item.GroupId));
    const { session } = await loadedStack(world, ec2, resources);
    const batches = ec2.commandCalls(DescribeSecurityGroupsCommand).filter((call) => call.args[0].input.NextToken === undefined);
    assert.deepEqual(batches.map((call) => call.args[0].input.Filters![0]!.Values!.length), [200, 200, 50]);
    // 200 ids in pages of 150: two pages for each full batch, one for the last.
    assert.equal(session.calls.get("ec2:DescribeSecurityGroups"), 5);
    assert.equal(session.calls.get("ec2:DescribeNetworkInterfaces"), 5);
    const reader = session.reader(Ec2Reader);
    assert.equal(reader.securityGroup("sg-449")?.GroupId, "sg-449");
    assert.deepEqual(reader.networkInterfacesOf("sg-449")?.map((item) => item.NetworkInterfaceId), ["eni-449"]);
    assert.deepEqual(session.failures, []);
  });

  it("reports a resource the stack lists but EC2 no longer has as not-found, and reads the rest", async () => {
    const world = keptWorld();
    world.groups = world.groups.filter((item) => item.GroupId !== "sg-spare");
    const { session } = await loadedStack(world, ec2);
    assert.deepEqual(session.failures.map((failure) => [failure.operation, failure.kind, failure.target]), [["DescribeSecurityGroups", "not-found", "sg-spare"]]);
    assert.ok(session.reader(Ec2Reader).securityGroup("sg-admin"));
  });

  it("turns AccessDenied on one call into a failure naming its targets, and reads the other services' data", async () => {
    serveWorld(ec2, keptWorld());
    ec2.on(DescribeVolumesCommand).rejects(awsError("UnauthorizedOperation", 403, "You are not authorized to perform this operation."));
    const session = new LiveSession({ region: REGION });
    await session.reader(Ec2Reader).load(RESOURCES);
    assert.equal(session.failures.length, 1);
    const [failure] = session.failures;
    assert.equal(failure!.kind, "access-denied");
    assert.equal(failure!.operation, "DescribeVolumes");
    assert.deepEqual([...failure!.targets!].sort(), ["vol-data", "vol-root"]);
    assert.match(failure!.message, /ec2:DescribeVolumes/);
    const stack = handStack(session, RESOURCES);
    // The volume could not be read: no volume view, and the instance's device is not judged.
    assert.deepEqual(ebsVolumeViews.fromLive!(stack), []);
    const instance = ec2InstanceViews.fromLive!(stack).find((view) => view.kind === "instance")!;
    assert.equal(instance.blockDevices[0]!.encrypted, undefined);
    assert.equal(securityGroupViews.fromLive!(stack).length, 3);
    const findings = liveFindings(judgeLiveStack(stack, parseTemplate(TEMPLATE)).findings);
    assert.ok(!findings.some((finding) => finding.ruleId === "ec2-ebs-unencrypted"));
  });

  it("reports throttling that outlasts the retries as throttled, for the groups it was about", async () => {
    serveWorld(ec2, keptWorld());
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError("RequestLimitExceeded", 400, "Request limit exceeded."));
    const session = new LiveSession({ region: REGION });
    await session.reader(Ec2Reader).load(RESOURCES);
    assert.deepEqual(session.failures.map((failure) => [failure.operation, failure.kind]), [["DescribeSecurityGroups", "throttled"]]);
    assert.deepEqual([...session.failures[0]!.targets!].sort(), ["sg-admin", "sg-lb", "sg-spare"]);
    // No group read: no interfaces asked for, no group views, and no finding says a group is unattached.
    assert.equal(session.calls.get("ec2:DescribeNetworkInterfaces"), undefined);
    const stack = handStack(session, RESOURCES);
    assert.deepEqual(securityGroupViews.fromLive!(stack), []);
    assert.equal(vpcViews.fromLive!(stack).length, 1);
  });

  it("records answers in shapes EC2 does not send as malformed, and builds no view from them", async () => {
    const world = driftedWorld();
    delete world.groups[2]!.IpPermissions;
    delete world.instances[0]!.MetadataOptions;
    serveWorld(ec2, world);
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: "yes" as unknown as boolean });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: undefined });
    const session = new LiveSession({ region: REGION });
    await session.reader(Ec2Reader).load(RESOURCES);
    assert.deepEqual(session.failures.map((failure) => [failure.operation, failure.kind]).sort(), [
      ["DescribeInstances", "malformed-response"],
      ["DescribeNetworkInterfaces", "malformed-response"],
      ["DescribeSecurityGroups", "malformed-response"],
      ["GetEbsEncryptionByDefault", "malformed-response"],
    ]);
    const malformed = session.failuresFor("sg-spare");
    assert.deepEqual(malformed.map((failure) => failure.kind), ["malformed-response"]);
    assert.match(malformed[0]!.message, /sg-spare without IpPermissions/);
    const stack = handStack(session, RESOURCES);
    const groups = securityGroupViews.fromLive!(stack);
    assert.deepEqual(groups.map((view) => view.logicalId).sort(), ["AdminGroup", "LbGroup"]);
    assert.ok(groups.every((view) => view.networkInterfaces === undefined), "interfaces unread: nothing said about attachment");
    assert.equal(session.reader(Ec2Reader).ebsEncryptionByDefault, undefined);
    assert.deepEqual(ebsEncryptionDefaultViews.fromLive!(handAccount(session)), []);
    const findings = liveFindings(judgeLiveStack(stack, parseTemplate(TEMPLATE)).findings);
    assert.ok(!findings.some((finding) => finding.ruleId === "ec2-sg-unattached"));
    // The instance's IMDS settings are unknown, not "not set"; its volumes are still judged.
    assert.ok(!findings.some((finding) => finding.ruleId === "ec2-imdsv1-allowed" && finding.resource.logicalId === "WebServer"));
    assert.ok(findings.some((finding) => finding.ruleId === "ec2-ebs-unencrypted" && finding.resource.logicalId === "WebServer"));
  });

  it("treats a terminated instance as gone, and finds a group made without a VPC by its name unless the name is ambiguous", async () => {
    const world = keptWorld();
    world.instances[0]!.State = { Name: "terminated" };
    world.groups.push({ ...group("sg-classic"), GroupName: "classic-web", VpcId: "vpc-default" });
    world.groups.push({ ...group("sg-twin-a"), GroupName: "twin" }, { ...group("sg-twin-b"), GroupName: "twin", VpcId: "vpc-other" });
    const resources = [...RESOURCES, resource("ClassicGroup", "AWS::EC2::SecurityGroup", "classic-web"), resource("TwinGroup", "AWS::EC2::SecurityGroup", "twin")];
    const { session, stack } = await loadedStack(world, ec2, resources);
    assert.deepEqual(session.failures.map((failure) => [failure.operation, failure.kind, failure.target]).sort(), [
      ["DescribeInstances", "not-found", "i-web"],
      ["DescribeSecurityGroups", "error", "twin"],
    ]);
    assert.ok(!ec2InstanceViews.fromLive!(stack).some((view) => view.kind === "instance"));
    const classic = securityGroupViews.fromLive!(stack).find((view) => view.logicalId === "ClassicGroup");
    assert.equal(classic?.physicalId, "sg-classic");
    assert.ok(!securityGroupViews.fromLive!(stack).some((view) => view.logicalId === "TwinGroup"));
  });

  it("does not take an interface's description alone as a load balancer's", async () => {
    const world = driftedWorld();
    world.interfaces = world.interfaces.map((item) => (item.RequesterId ? { ...item, RequesterId: "AIDAEXAMPLEUSER" } : item));
    const { stack } = await loadedStack(world, ec2);
    const findings = liveFindings(judgeLiveStack(stack, undefined).findings).filter((finding) => finding.ruleId === "ec2-sg-ingress-open-world");
    assert.deepEqual(findings.map((finding) => finding.severity), ["medium", "medium"]);
  });

  it("builds the default ACL a template adds entries to, telling its entries from AWS's", async () => {
    const template = `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: { CidrBlock: 10.0.0.0/16 }
  OpenDefault:
    Type: AWS::EC2::NetworkAclEntry
    Properties: { NetworkAclId: !GetAtt Vpc.DefaultNetworkAcl, RuleNumber: 90, Protocol: -1, RuleAction: allow, CidrBlock: 0.0.0.0/0 }
`;
    const world = keptWorld();
    world.acls[0]!.Entries!.unshift({ RuleNumber: 90, Egress: false, Protocol: "-1", RuleAction: "allow", CidrBlock: "0.0.0.0/0" });
    const resources = [resource("Vpc", "AWS::EC2::VPC", "vpc-0a1"), resource("OpenDefault", "AWS::EC2::NetworkAclEntry", "entry-90")];
    const { stack } = await loadedStack(world, ec2, resources);
    const result = judgeLiveStack(stack, parseTemplate(template));
    const [acl] = networkAclViews.fromLive!(stack);
    assert.equal(acl!.logicalId, "OpenDefault");
    assert.equal(acl!.isDefault, true);
    assert.deepEqual(acl!.rules.map((rule) => [rule.ruleNumber, rule.declaredBy]), [[90, "OpenDefault"], [100, undefined], [32767, undefined]]);
    // AWS's own rule 100 is left to the tier check; the template's rule 90 is one finding, found in both places.
    const findings = result.findings.filter((finding) => finding.ruleId === "vpc-nacl-permissive");
    assert.deepEqual(findings.map((finding) => [finding.source, finding.resource.logicalId, finding.evidence.ruleNumber, finding.evidence.alsoInTemplate]), [["live", "OpenDefault", 90, true]]);
  });

  it("builds live views in the template views' shape, with physical ids", async () => {
    const { stack } = await loadedStack(driftedWorld(), ec2);
    const groups = securityGroupViews.fromLive!(stack);
    const admin = groups.find((view) => view.logicalId === "AdminGroup")!;
    assert.equal(admin.physicalId, "sg-admin");
    assert.equal(admin.at, undefined);
    // One rule per peer: the IPv4 and IPv6 ranges of one permission are two rules.
    assert.deepEqual(admin.ingress.map((rule) => [rule.protocol, rule.fromPort, rule.toPort, rule.peer]), [
      ["tcp", 22, 22, { kind: "cidr", cidr: "0.0.0.0/0" }],
      ["tcp", 22, 22, { kind: "cidr", cidr: "::/0" }],
    ]);
    assert.deepEqual(groups.find((view) => view.logicalId === "SpareGroup")!.networkInterfaces, []);
    assert.deepEqual(groups.find((view) => view.logicalId === "LbGroup")!.networkInterfaces!.map((item) => item.loadBalancer), ["app/web/50dc6c495c0c9188", "app/web/50dc6c495c0c9188"]);

    const machines = ec2InstanceViews.fromLive!(stack);
    const template = machines.find((view) => view.kind === "launch-template")!;
    assert.deepEqual(template.versions, [1, 2]);
    assert.equal(template.metadataOptions.httpTokens, "optional", "version 2 allows IMDSv1, so the template launches machines that do");
    assert.deepEqual(template.blockDevices.map((device) => [device.deviceName, device.encrypted, device.encryptedValue, device.encryptionByDefault]), [["/dev/xvdb", false, undefined, false]]);
    const instance = machines.find((view) => view.kind === "instance")!;
    assert.deepEqual(instance.blockDevices.map((device) => [device.deviceName, device.volumeId, device.encrypted]), [["/dev/xvda", "vol-root", false]]);

    const [vpc] = vpcViews.fromLive!(stack);
    assert.deepEqual(vpc!.flowLogs, []);
    assert.deepEqual(vpc!.subnets.map((subnet) => [subnet.id, subnet.tier, subnet.networkAcl.kind]), [
      ["subnet-private", "private", "default"],
      ["subnet-public", "public", "default"],
    ]);
    const [acl] = networkAclViews.fromLive!(stack);
    assert.deepEqual(acl!.rules.map((rule) => [rule.ruleNumber, rule.direction, rule.action, rule.protocol, rule.declaredBy]), [
      [90, "ingress", "allow", "-1", "WebAcl"],
      [100, "ingress", "allow", "tcp", "WebAcl"],
      [32767, "ingress", "deny", "-1", undefined],
    ]);
    // With the deployed template, an entry it declares is told by its direction and rule number.
    attachDeployedTemplate(stack, parseTemplate(TEMPLATE));
    const [declared] = networkAclViews.fromLive!(stack);
    assert.deepEqual(declared!.rules.map((rule) => [rule.ruleNumber, rule.declaredBy, rule.at]), [
      [90, "WebAcl", ["Resources", "WebAcl"]],
      [100, "WebAclHttps", ["Resources", "WebAclHttps", "Properties"]],
      [32767, undefined, ["Resources", "WebAcl"]],
    ]);
  });

  it("judges the drifted stack live: each flaw once, source live, with the physical id", async () => {
    const { stack } = await loadedStack(driftedWorld(), ec2);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE));
    assert.deepEqual(result.errors, []);
    const found = liveFindings(result.findings).map((finding) => [finding.ruleId, finding.resource.logicalId, finding.resource.physicalId, finding.severity]);
    assert.deepEqual(found.sort(), [
      ["ec2-ebs-unencrypted", "DataVolume", "vol-data", "high"],
      ["ec2-ebs-unencrypted", "WebServer", "i-web", "high"],
      ["ec2-ebs-unencrypted", "WebTemplate", "lt-web", "high"],
      ["ec2-imdsv1-allowed", "WebServer", "i-web", "high"],
      ["ec2-imdsv1-allowed", "WebTemplate", "lt-web", "high"],
      ["ec2-sg-ingress-open-admin-port", "AdminGroup", "sg-admin", "high"],
      ["ec2-sg-ingress-open-admin-port", "AdminGroup", "sg-admin", "high"],
      ["ec2-sg-ingress-open-world", "LbGroup", "sg-lb", "low"],
      ["ec2-sg-ingress-open-world", "LbGroup", "sg-lb", "low"],
      ["ec2-sg-unattached", "SpareGroup", "sg-spare", "low"],
      ["vpc-flow-logs-missing", "Vpc", "vpc-0a1", "medium"],
      ["vpc-nacl-permissive", "Vpc", "vpc-0a1", "low"],
      ["vpc-nacl-permissive", "WebAcl", "acl-web", "low"],
    ].sort());
    const byRule = (id: string, logicalId: string) => liveFindings(result.findings).find((finding) => finding.ruleId === id && finding.resource.logicalId === logicalId)!;
    assert.match(byRule("ec2-sg-ingress-open-world", "LbGroup").message, /load balancer app\/web\/50dc6c495c0c9188/);
    assert.match(byRule("ec2-sg-unattached", "SpareGroup").message, /not used by any network interface/);
    assert.match(byRule("ec2-ebs-unencrypted", "WebTemplate").message, /lt-web, versions 1 and 2\).*encryption by default is off/);
    assert.match(byRule("ec2-ebs-unencrypted", "WebServer").message, /vol-root attached at \/dev\/xvda/);
    assert.match(byRule("vpc-nacl-permissive", "Vpc").message, /subnet-public.*subnet-private/);
    // Live findings sit on the template's lines.
    assert.ok(byRule("ec2-sg-ingress-open-admin-port", "AdminGroup").location?.line);
  });

  it("stays quiet on the stack kept as its template says", async () => {
    const { stack } = await loadedStack(keptWorld(), ec2);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE));
    assert.deepEqual(result.errors, []);
    const found = liveFindings(result.findings).map((finding) => [finding.ruleId, finding.resource.logicalId, finding.severity]);
    // The load balancer's public HTTPS is the one finding both sides share (low, by design).
    assert.deepEqual(found, [["ec2-sg-ingress-open-world", "LbGroup", "low"]]);
  });

  it("counts the account's encryption by default for launch-template mappings that leave Encrypted out", async () => {
    const world = driftedWorld();
    world.encryptionByDefault = true;
    const { stack } = await loadedStack(world, ec2);
    const template = ec2InstanceViews.fromLive!(stack).find((view) => view.kind === "launch-template")!;
    // Version 1 writes Encrypted: true, version 2 leaves it to the region's default, which is on.
    assert.deepEqual(template.blockDevices.map((device) => device.encrypted), [true]);
    const findings = liveFindings(judgeLiveStack(stack, parseTemplate(TEMPLATE)).findings);
    assert.ok(!findings.some((finding) => finding.ruleId === "ec2-ebs-unencrypted" && finding.resource.logicalId === "WebTemplate"));
    // A volume is judged as it is: encryption by default applies to new volumes only.
    assert.ok(findings.some((finding) => finding.ruleId === "ec2-ebs-unencrypted" && finding.resource.logicalId === "DataVolume"));
  });

  /** The drift properties of the EC2 rules that differ between the template and the live world, compared as drift compares them. */
  async function differences(templateText: string, world: Ec2World, resources = RESOURCES): Promise<string[]> {
    const intended = resolveTemplate(parseTemplate(templateText))[0]!;
    const { stack } = await loadedStack(world, ec2, resources);
    ec2.reset();
    const physicalIdOf = (logicalId: string) => resources.find((item) => item.logicalId === logicalId)?.physicalId;
    const differing: string[] = [];
    for (const rule of [ec2Imdsv1Allowed, ec2EbsUnencrypted]) {
      for (const property of rule.drift!) {
        const live = property.view.fromLive!(stack);
        for (const view of property.view.fromTemplate(intended)) {
          const twin = live.find((candidate) => candidate.logicalId === view.logicalId);
          const value = property.value(view);
          if (!twin || containsUnknown(value)) continue;
          if (!driftEqual(withPhysicalIds(value, physicalIdOf), property.value(twin))) differing.push(`${view.logicalId}.${property.property}`);
        }
      }
    }
    return differing.sort();
  }

  it("declares drift properties that are equal while live state keeps the template's intent, and differ where it does not", async () => {
    assert.deepEqual(await differences(TEMPLATE, keptWorld()), []);
    assert.deepEqual(await differences(TEMPLATE, driftedWorld()), ["DataVolume.Encrypted", "WebServer.HttpTokens", "WebTemplate.BlockDeviceMappings.Encrypted", "WebTemplate.HttpTokens"]);
  });

  it("finds no drift where the template leaves a property to AWS's defaults or to a launch template", async () => {
    const loose = `
Resources:
  WebTemplate:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        ImageId: ami-0abc
        BlockDeviceMappings: [{ DeviceName: /dev/xvdb, Ebs: { VolumeSize: 20 } }]
  WebServer:
    Type: AWS::EC2::Instance
    Properties:
      LaunchTemplate: { LaunchTemplateId: !Ref WebTemplate, Version: !GetAtt WebTemplate.LatestVersionNumber }
  DataVolume:
    Type: AWS::EC2::Volume
    Properties: { AvailabilityZone: eu-west-1a, Size: 10 }
`;
    const world = driftedWorld();
    // The stack as deployed from the loose template: one version, without metadata options or Encrypted.
    world.launchTemplates = [{ LaunchTemplateId: "lt-web", VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { ImageId: "ami-0abc", BlockDeviceMappings: [{ DeviceName: "/dev/xvdb", Ebs: { VolumeSize: 20 } }] } }];
    assert.deepEqual(await differences(loose, world), []);
    // A metadata option or an Encrypted set on the launch template outside CloudFormation is drift.
    world.launchTemplates[0]!.LaunchTemplateData!.MetadataOptions = { HttpTokens: "required" };
    world.launchTemplates[0]!.LaunchTemplateData!.BlockDeviceMappings![0]!.Ebs!.Encrypted = true;
    assert.deepEqual(await differences(loose, world), ["WebTemplate.BlockDeviceMappings.Encrypted", "WebTemplate.HttpTokens"]);
  });

  it("keeps EC2 calls a small constant for a stack of 50 security groups, however many rules judge it", async () => {
    const world = emptyWorld();
    world.groups = Array.from({ length: 50 }, (_, index) =>
      group(`sg-${index}`, [tcpFromWorld(443), tcpFromWorld(22), { IpProtocol: "tcp", FromPort: 8000, ToPort: 8100, UserIdGroupPairs: [{ GroupId: `sg-${(index + 1) % 50}` }] }]),
    );
    world.interfaces = world.groups.slice(0, 45).map((item, index) => eni(`eni-${index}`, [item.GroupId!], index < 5 ? LB_INTERFACE : {}));
    const resources = world.groups.map((item, index) => resource(`Group${index}`, "AWS::EC2::SecurityGroup", item.GroupId));
    const template = `Resources:\n${world.groups
      .map((_, index) => `  Group${index}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: g${index}\n      SecurityGroupIngress: [{ IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8 }]\n`)
      .join("")}`;
    const { session, stack } = await loadedStack(world, ec2, resources);
    const result = judgeLiveStack(stack, parseTemplate(template), { rules: ALL_RULES });
    await session.reader(Ec2Reader).load(resources);
    assert.deepEqual(Object.fromEntries(session.calls), { "ec2:DescribeSecurityGroups": 1, "ec2:DescribeNetworkInterfaces": 1 });
    assert.equal(ec2.calls().length, 2);
    const live = liveFindings(result.findings);
    assert.equal(live.filter((finding) => finding.ruleId === "ec2-sg-ingress-open-admin-port").length, 100, "22 from 0.0.0.0/0 and ::/0 on each group");
    assert.equal(live.filter((finding) => finding.ruleId === "ec2-sg-unattached").length, 5);
    assert.equal(live.filter((finding) => finding.ruleId === "ec2-sg-ingress-open-world" && finding.severity === "low").length, 10);
    assert.equal(live.filter((finding) => finding.ruleId === "ec2-sg-ingress-open-world" && finding.severity === "medium").length, 90);
  });
});

describe("EBS encryption by default, account scope", () => {
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => ec2.reset());
  after(() => ec2.restore());

  it("is read once per region by loadAccount and judged once for the account", async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: false });
    const session = new LiveSession({ region: REGION });
    await Promise.all([session.reader(Ec2Reader).loadAccount(), session.reader(Ec2Reader).loadAccount()]);
    assert.equal(session.calls.get("ec2:GetEbsEncryptionByDefault"), 1);
    const account = handAccount(session);
    const [view] = ebsEncryptionDefaultViews.fromLive!(account);
    assert.deepEqual([view!.enabled, view!.region, view!.physicalId], [false, REGION, `111122223333/${REGION}`]);
    assert.deepEqual(ebsEncryptionDefaultViews.fromLive!(handStack(session, [])), [], "an account view, never a stack's");
    const findings = judgeLiveAccount(account).findings.filter((finding) => finding.ruleId === "ec2-ebs-default-encryption-off");
    assert.equal(findings.length, 1);
  });
});
