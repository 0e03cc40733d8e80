import assert from "node:assert/strict";
import { after, afterEach, before, describe, it, test } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import rule from "../../../shared/rules/ec2/ec2-ebs-unencrypted.ts";
import { emptyWorld, judgeWorld, type Ec2World } from "../../live/ec2-fake.ts";
import { resource } from "../../live/hand-stack.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-ebs-unencrypted";

test("flags unencrypted volumes and block-device mappings of instances, launch templates and launch configurations", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), [
    "InstanceDataVolume",
    "LegacyConfiguration",
    "PublicAmiInstance",
    "TemplateViaParameter",
    "VolumeEncryptedFalse",
    "VolumeUnencryptedInDev",
    "VolumeWithoutEncrypted",
  ]);
  assert.ok(findings.every((finding) => finding.severity === "high"));
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("VolumeWithoutEncrypted")!.message, /does not set Encrypted.*encryption by default/);
  assert.match(byId.get("VolumeEncryptedFalse")!.message, /Encrypted to false/);
  assert.match(byId.get("VolumeUnencryptedInDev")!.message, /only when IsDev=true/);
  assert.match(byId.get("InstanceDataVolume")!.message, /\/dev\/sdf without Encrypted/);
  assert.match(byId.get("TemplateViaParameter")!.message, /Launch template TemplateViaParameter maps EBS volume \/dev\/xvda with Encrypted false/);
  assert.match(byId.get("LegacyConfiguration")!.message, /Launch configuration.*\/dev\/sda1/);
  assert.match(byId.get("PublicAmiInstance")!.message, /root volume.*\/aws\/service\/ami-amazon-linux-latest\/al2023/);
  // The instance that takes its mappings from the template is judged through the template.
  assert.ok(!byId.has("InstanceFromTemplate"));
});

test("flags the JSON long form: Fn::If on a volume and a public AMI's unmapped root volume in a launch template", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormTemplate", "LongFormVolume"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "LongFormTemplate")!.message, /root volume.*amzn2/);
});

test("stays quiet on encrypted volumes, snapshot copies, unknown settings, instance-store mappings and private AMIs", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

describe("live", () => {
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => ec2.reset());
  after(() => ec2.restore());

  function world(encryptionByDefault: boolean): Ec2World {
    const result = emptyWorld();
    result.encryptionByDefault = encryptionByDefault;
    result.volumes = [
      { VolumeId: "vol-plain", Encrypted: false },
      { VolumeId: "vol-sealed", Encrypted: true },
      { VolumeId: "vol-root", Encrypted: false },
    ];
    result.instances = [{ InstanceId: "i-1", MetadataOptions: { HttpTokens: "required" }, BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-root" } }] }];
    result.launchTemplates = [
      { LaunchTemplateId: "lt-open", VersionNumber: 3, DefaultVersion: true, LaunchTemplateData: { BlockDeviceMappings: [{ DeviceName: "/dev/xvdf", Ebs: { VolumeSize: 50 } }, { DeviceName: "/dev/sdb", VirtualName: "ephemeral0" }] } },
      { LaunchTemplateId: "lt-sealed", VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { BlockDeviceMappings: [{ DeviceName: "/dev/xvdf", Ebs: { Encrypted: true } }] } },
    ];
    return result;
  }
  const resources = [
    resource("PlainVolume", "AWS::EC2::Volume", "vol-plain"),
    resource("SealedVolume", "AWS::EC2::Volume", "vol-sealed"),
    resource("Server", "AWS::EC2::Instance", "i-1"),
    resource("OpenTemplate", "AWS::EC2::LaunchTemplate", "lt-open"),
    resource("SealedTemplate", "AWS::EC2::LaunchTemplate", "lt-sealed"),
  ];

  it("flags unencrypted volumes, attached volumes and launch-template mappings when the region's default is off", async () => {
    const findings = await judgeWorld(ec2, world(false), resources, rule);
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.resource.physicalId]).sort(), [
      ["OpenTemplate", "lt-open"],
      ["PlainVolume", "vol-plain"],
      ["Server", "i-1"],
    ]);
    const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
    assert.match(byId.get("OpenTemplate")!.message, /maps EBS volume \/dev\/xvdf without Encrypted, and the region's EBS encryption by default is off/);
    assert.equal(byId.get("OpenTemplate")!.evidence.encryptionByDefault, false);
    assert.match(byId.get("Server")!.message, /vol-root attached at \/dev\/xvda/);
    assert.match(byId.get("PlainVolume")!.message, /PlainVolume \(vol-plain\) is not encrypted/);
  });

  it("counts the region's default for launch-template mappings, not for volumes that already exist", async () => {
    const findings = await judgeWorld(ec2, world(true), resources, rule);
    assert.deepEqual(findings.map((finding) => finding.resource.logicalId).sort(), ["PlainVolume", "Server"]);
  });
});
