import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, ListStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { EC2Client } from "@aws-sdk/client-ec2";
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { CloudFormationReader } from "../shared/live/cloudformation.ts";
import { DEFAULT_POLICY } from "../shared/config/policy.ts";
import { ALL_RULES } from "../shared/rules/index.ts";
import { scanLive } from "../shared/scan-live.ts";
import { emptyWorld, eni, group, serveWorld, tcpFromWorld } from "./live/ec2-fake.ts";
import { awsError } from "./live/hand-stack.ts";

const cloudformation = mockClient(CloudFormationClient);
afterEach(() => cloudformation.reset());
after(() => cloudformation.restore());

const ARN = (name: string, region = "eu-west-1") => `arn:aws:cloudformation:${region}:111122223333:stack/${name}/0a1b2c3d-0000-0000-0000-000000000000`;
const stack = (name: string, region = "eu-west-1") => ({ StackName: name, StackId: ARN(name, region), StackStatus: "CREATE_COMPLETE" as const, CreationTime: new Date() });

const OPEN_GROUP = `Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0 }
`;

/** Only the CloudFormation reader: these tests are about the scan's flow, not the services' readers. */
const readers = [CloudFormationReader];

describe("scanLive", () => {
  it("judges every active stack of the region; a stack whose template is broken or unreadable is an error, the others are judged", async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("good"), stack("broken"), stack("denied")] });
    cloudformation.on(GetTemplateCommand, { StackName: ARN("good") }).resolves({ TemplateBody: OPEN_GROUP });
    cloudformation.on(GetTemplateCommand, { StackName: ARN("broken") }).resolves({ TemplateBody: "Resources: [unclosed" });
    cloudformation.on(GetTemplateCommand, { StackName: ARN("denied") }).rejects(awsError("AccessDenied", 403, "not allowed"));
    cloudformation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [{ LogicalResourceId: "Web", PhysicalResourceId: "sg-0123456789abcdef0", ResourceType: "AWS::EC2::SecurityGroup", ResourceStatus: "CREATE_COMPLETE", LastUpdatedTimestamp: new Date() }] });

    const result = await scanLive({ regions: ["eu-west-1"], allStacks: true, readers });

    assert.deepEqual(result.stacks.map((judged) => judged.name), ["broken", "denied", "good"]);
    const open = result.findings.find((finding) => finding.ruleId === "ec2-sg-ingress-open-admin-port");
    assert.ok(open, "the good stack's template is judged");
    assert.deepEqual(open.stack, { name: "good", id: ARN("good"), region: "eu-west-1", account: "111122223333" });
    assert.equal(open.location?.file, undefined, "a live stack's template has no file");
    assert.equal(open.location?.line, 7);
    assert.ok(result.errors.some((error) => error.target === "broken" && /deployed template could not be read/.test(error.message)), JSON.stringify(result.errors));
    assert.ok(result.errors.some((error) => error.target === "denied" && /cloudformation:GetTemplate.*access denied/.test(error.message)), JSON.stringify(result.errors));
    assert.ok(!result.findings.some((finding) => finding.stack.name !== "good"));
  });

  it("scans the stacks named, says which cannot be found, and takes a stack ARN in its own region only", async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: "app" }).callsFake(async (_input, getClient) => {
      if ((await getClient().config.region()) === "eu-west-1") return { Stacks: [stack("app")] };
      throw awsError("ValidationError", 400, "Stack with id app does not exist");
    });
    cloudformation.on(DescribeStacksCommand, { StackName: "ghost" }).rejects(awsError("ValidationError", 400, "Stack with id ghost does not exist"));
    cloudformation.on(DescribeStacksCommand, { StackName: ARN("other", "us-east-1") }).resolves({ Stacks: [stack("other", "us-east-1")] });
    cloudformation.on(GetTemplateCommand).resolves({ TemplateBody: "Resources: {}\n" });
    cloudformation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });

    const result = await scanLive({ regions: ["eu-west-1", "us-east-1"], stacks: ["app", "ghost", ARN("other", "us-east-1")], readers });

    assert.deepEqual(result.stacks.map((judged) => `${judged.region} ${judged.name}`).sort(), ["eu-west-1 app", "us-east-1 other"]);
    assert.deepEqual(result.errors.map((error) => error.target), ["ghost"]);
    assert.match(result.errors[0]!.message, /not found.*eu-west-1, us-east-1/);
    assert.ok(result.notes.includes("stack app does not exist in us-east-1"));
    assert.equal(result.calls["us-east-1 cloudformation:DescribeStacks"], 3);
  });

  it("reports a listing that fails as an error and judges nothing it could not see", async () => {
    cloudformation.on(DescribeStacksCommand).rejects(awsError("Throttling", 400, "Rate exceeded"));
    const result = await scanLive({ regions: ["eu-west-1"], allStacks: true, readers });
    assert.deepEqual(result.findings, []);
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0]!.message, /cloudformation:DescribeStacks in eu-west-1: still throttled after retries/);
  });
});

describe("scanLive: parameters", () => {
  it("judges the deployed parameter values, and a NoEcho parameter as unknown rather than its default", async () => {
    const template = `Parameters:
  SshCidr: { Type: String, Default: 10.0.0.0/8 }
  AdminCidr: { Type: String, NoEcho: true, Default: 0.0.0.0/0 }
Resources:
  Ssh:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: ssh
      SecurityGroupIngress: [{ IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref SshCidr }]
  Admin:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: admin
      SecurityGroupIngress: [{ IpProtocol: tcp, FromPort: 3389, ToPort: 3389, CidrIp: !Ref AdminCidr }]
`;
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [{ ...stack("params"), Parameters: [{ ParameterKey: "SshCidr", ParameterValue: "0.0.0.0/0" }, { ParameterKey: "AdminCidr", ParameterValue: "****" }] }],
    });
    cloudformation.on(GetTemplateCommand).resolves({ TemplateBody: template });
    cloudformation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    const result = await scanLive({ regions: ["eu-west-1"], allStacks: true, readers, rules: ALL_RULES.filter((rule) => rule.id === "ec2-sg-ingress-open-admin-port") });
    assert.deepEqual(result.findings.map((finding) => `${finding.ruleId} ${finding.resource.logicalId}`), ["ec2-sg-ingress-open-admin-port Ssh"]);
    assert.doesNotMatch(result.findings[0]!.message, /only when/, "a deployed stack is judged in its own scenario only");
  });
});

describe("scanLive: the account pass", () => {
  it("with no stack named, lists the stacks of the scanned and required regions and reports a stack missing from a required region", async () => {
    cloudformation.on(DescribeStacksCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      return { Stacks: region === "eu-west-1" ? [stack("baseline"), stack("app")] : [stack("baseline", "us-east-1")] };
    });
    const policy = { ...DEFAULT_POLICY, requiredRegions: ["eu-west-1", "us-east-1"] };
    const result = await scanLive({ regions: ["eu-west-1"], stacks: [], accountChecks: true, policy, readers, rules: ALL_RULES.filter((rule) => rule.id === "account-regions-missing") });
    assert.deepEqual(result.stacks, [], "listed, not judged");
    assert.deepEqual(
      result.findings.map((finding) => `${finding.ruleId} ${finding.stack.name} ${finding.resource.logicalId}`),
      [`account-regions-missing (account) app`],
    );
    assert.match(result.findings[0]!.message, /us-east-1/);
  });
});

describe("scanLive: calls per stack", () => {
  const ec2 = mockClient(EC2Client);
  const kms = mockClient(KMSClient);
  after(() => {
    ec2.restore();
    kms.restore();
  });

  it("a stack of 50 security groups and 20 keys costs a constant few EC2 calls and one key policy read per key, whatever the rules", async () => {
    const groups = Array.from({ length: 50 }, (_, index) => `sg-${String(index).padStart(17, "0")}`);
    const keys = Array.from({ length: 20 }, (_, index) => `1234abcd-12ab-34cd-56ef-${String(index).padStart(12, "0")}`);
    const world = emptyWorld();
    world.groups = groups.map((id, index) => group(id, index % 5 === 0 ? [tcpFromWorld(22)] : []));
    world.interfaces = groups.slice(0, 30).map((id, index) => eni(`eni-${index}`, [id]));
    serveWorld(ec2, world);
    kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId?: string }) => ({ KeyMetadata: { KeyId: input.KeyId!, Arn: `arn:aws:kms:eu-west-1:111122223333:key/${input.KeyId}`, KeyState: "Enabled", Enabled: true, KeyManager: "CUSTOMER", KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS" } }));
    kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" }] }) });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: false });
    const template = [
      "Resources:",
      ...groups.map((_, index) => `  Group${index}:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: group ${index}`),
      ...keys.map((_, index) => `  Key${index}:\n    Type: AWS::KMS::Key`),
    ].join("\n");
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("big")] });
    cloudformation.on(GetTemplateCommand).resolves({ TemplateBody: template });
    cloudformation.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        ...groups.map((id, index) => ({ LogicalResourceId: `Group${index}`, PhysicalResourceId: id, ResourceType: "AWS::EC2::SecurityGroup", ResourceStatus: "CREATE_COMPLETE" as const, LastUpdatedTimestamp: new Date() })),
        ...keys.map((id, index) => ({ LogicalResourceId: `Key${index}`, PhysicalResourceId: id, ResourceType: "AWS::KMS::Key", ResourceStatus: "CREATE_COMPLETE" as const, LastUpdatedTimestamp: new Date() })),
      ],
    });

    const result = await scanLive({ regions: ["eu-west-1"], allStacks: true });

    const calls = (service: string) => Object.entries(result.calls).filter(([key]) => key.startsWith(`eu-west-1 ${service}:`)).reduce((sum, [, count]) => sum + count, 0);
    assert.ok(calls("ec2") <= 4, `EC2 calls: ${JSON.stringify(result.calls)}`);
    assert.equal(result.calls["eu-west-1 kms:GetKeyPolicy"], 20);
    assert.ok(calls("kms") <= 3 * 20, `KMS calls: ${calls("kms")}`);
    assert.equal(calls("cloudformation"), 3);
    // Ten groups open port 22 to 0.0.0.0/0 and to ::/0: a finding per peer.
    assert.equal(result.findings.filter((finding) => finding.ruleId === "ec2-sg-ingress-open-admin-port" && finding.source === "live").length, 20);
    assert.equal(result.findings.filter((finding) => finding.ruleId === "kms-key-rotation-disabled" && finding.source === "live").length, 20);
    assert.equal(result.findings.filter((finding) => finding.ruleId === "ec2-sg-unattached" && finding.source === "live").length, 20);
  });
});
