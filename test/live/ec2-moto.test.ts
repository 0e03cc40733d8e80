import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateFlowLogsCommand,
  CreateLaunchTemplateCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { Ec2Reader } from "../../shared/live/ec2.ts";
import { LiveSession } from "../../shared/live/session.ts";
import { ebsEncryptionDefaultViews } from "../../shared/views/ebs-encryption-default.ts";
import { ebsVolumeViews } from "../../shared/views/ebs-volume.ts";
import { ec2InstanceViews } from "../../shared/views/ec2-instance.ts";
import { securityGroupViews } from "../../shared/views/security-group.ts";
import { vpcViews } from "../../shared/views/vpc.ts";
import { handAccount, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const EC2_RULES = new Set(["ec2-sg-egress-unrestricted", "ec2-sg-ingress-open-admin-port", "ec2-sg-ingress-open-world", "ec2-sg-unattached", "ec2-imdsv1-allowed", "ec2-ebs-unencrypted", "vpc-flow-logs-missing", "vpc-nacl-permissive"]);

describe("Ec2Reader against moto", () => {
  const moto = motoForTests();

  it("reads what EC2 holds and judges it live", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const client = new EC2Client(motoClientConfig(server.endpoint));
    const vpc = (await client.send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16" }))).Vpc!.VpcId!;
    const loggedVpc = (await client.send(new CreateVpcCommand({ CidrBlock: "10.2.0.0/16" }))).Vpc!.VpcId!;
    const flowLog = await client.send(
      new CreateFlowLogsCommand({ ResourceType: "VPC", ResourceIds: [loggedVpc], TrafficType: "ALL", LogDestinationType: "cloud-watch-logs", LogGroupName: "flows", DeliverLogsPermissionArn: "arn:aws:iam::123456789012:role/flows" }),
    );
    assert.deepEqual(flowLog.Unsuccessful ?? [], []);
    const subnet = (await client.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.1.1.0/24" }))).Subnet!.SubnetId!;
    const admin = (await client.send(new CreateSecurityGroupCommand({ GroupName: "admin", Description: "admin", VpcId: vpc }))).GroupId!;
    const spare = (await client.send(new CreateSecurityGroupCommand({ GroupName: "spare", Description: "spare", VpcId: vpc }))).GroupId!;
    await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: admin, IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
    await client.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, Groups: [admin] }));
    const launchTemplate = (await client.send(new CreateLaunchTemplateCommand({
      LaunchTemplateName: "web",
      LaunchTemplateData: { ImageId: "ami-12c6146b", MetadataOptions: { HttpTokens: "required" }, BlockDeviceMappings: [{ DeviceName: "/dev/xvdb", Ebs: { VolumeSize: 8 } }] },
    }))).LaunchTemplate!.LaunchTemplateId!;
    const instance = (await client.send(new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: 1, MaxCount: 1, SubnetId: subnet, SecurityGroupIds: [admin] }))).Instances![0]!.InstanceId!;
    const volume = (await client.send(new CreateVolumeCommand({ AvailabilityZone: `${MOTO_REGION}a`, Size: 8, Encrypted: true }))).VolumeId!;
    const acl = (await client.send(new CreateNetworkAclCommand({ VpcId: vpc }))).NetworkAcl!.NetworkAclId!;
    await client.send(new CreateNetworkAclEntryCommand({ NetworkAclId: acl, RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress: false, CidrBlock: "0.0.0.0/0" }));

    const resources = [
      resource("Vpc", "AWS::EC2::VPC", vpc),
      resource("LoggedVpc", "AWS::EC2::VPC", loggedVpc),
      resource("Subnet", "AWS::EC2::Subnet", subnet),
      resource("AdminGroup", "AWS::EC2::SecurityGroup", admin),
      resource("SpareGroup", "AWS::EC2::SecurityGroup", spare),
      resource("WebTemplate", "AWS::EC2::LaunchTemplate", launchTemplate),
      resource("WebServer", "AWS::EC2::Instance", instance),
      resource("DataVolume", "AWS::EC2::Volume", volume),
      resource("OpenAcl", "AWS::EC2::NetworkAcl", acl),
    ];
    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    await session.reader(Ec2Reader).load(resources);
    assert.deepEqual(session.failures, []);
    assert.ok(session.callCount("ec2") <= 10, `EC2 calls: ${JSON.stringify(Object.fromEntries(session.calls))}`);
    const stack = handStack(session, resources);

    const groups = securityGroupViews.fromLive!(stack);
    assert.deepEqual(groups.map((view) => [view.logicalId, view.networkInterfaces?.length]).sort(), [["AdminGroup", 2], ["SpareGroup", 0]]);
    const machines = ec2InstanceViews.fromLive!(stack);
    assert.equal(machines.find((view) => view.kind === "instance")!.metadataOptions.httpTokens, "optional");
    assert.equal(machines.find((view) => view.kind === "launch-template")!.metadataOptions.httpTokens, "required");
    assert.deepEqual(ebsVolumeViews.fromLive!(stack).map((view) => [view.logicalId, view.encrypted]), [["DataVolume", true]]);
    assert.deepEqual(vpcViews.fromLive!(stack).map((view) => [view.logicalId, view.flowLogs?.length]), [["Vpc", 0], ["LoggedVpc", 1]]);

    const findings = judgeLiveStack(stack, undefined).findings.filter((finding) => finding.source === "live" && EC2_RULES.has(finding.ruleId)).map((finding) => [finding.ruleId, finding.resource.logicalId, finding.resource.physicalId]);
    assert.deepEqual(findings.sort(), [
      ["ec2-ebs-unencrypted", "WebServer", instance],
      ["ec2-ebs-unencrypted", "WebTemplate", launchTemplate],
      ["ec2-imdsv1-allowed", "WebServer", instance],
      ["ec2-sg-egress-unrestricted", "AdminGroup", admin],
      ["ec2-sg-egress-unrestricted", "SpareGroup", spare],
      ["ec2-sg-ingress-open-admin-port", "AdminGroup", admin],
      ["ec2-sg-unattached", "SpareGroup", spare],
      ["vpc-flow-logs-missing", "Vpc", vpc],
      ["vpc-nacl-permissive", "OpenAcl", acl],
    ].sort());

    await client.send(new EnableEbsEncryptionByDefaultCommand({}));
    const later = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    await later.reader(Ec2Reader).loadAccount();
    assert.deepEqual(ebsEncryptionDefaultViews.fromLive!(handAccount(later)).map((view) => view.enabled), [true]);
  });
});
