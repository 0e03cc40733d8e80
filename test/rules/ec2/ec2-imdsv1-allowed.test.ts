import assert from "node:assert/strict";
import { after, afterEach, before, describe, it, test } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import rule from "../../../shared/rules/ec2/ec2-imdsv1-allowed.ts";
import { emptyWorld, judgeWorld } from "../../live/ec2-fake.ts";
import { resource } from "../../live/hand-stack.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-imdsv1-allowed";

test("flags instances, launch templates and launch configurations that do not require tokens", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), [
    "InstanceOptional",
    "InstanceOverridingGoodTemplate",
    "InstanceWithoutOptions",
    "LegacyLaunchConfiguration",
    "TemplateOptionalInDev",
    "TemplateViaParameter",
    "WeakTemplate",
  ]);
  assert.ok(findings.every((finding) => finding.severity === "high"));
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("InstanceWithoutOptions")!.message, /instance InstanceWithoutOptions does not set MetadataOptions\.HttpTokens/);
  assert.match(byId.get("InstanceOptional")!.message, /HttpTokens to optional/);
  assert.match(byId.get("WeakTemplate")!.message, /launch template WeakTemplate does not set/);
  assert.match(byId.get("TemplateOptionalInDev")!.message, /optional.*only when IsDev=true/);
  assert.match(byId.get("LegacyLaunchConfiguration")!.message, /launch configuration/);
  // The instance that inherits the weak template is judged through it, not reported twice.
  assert.ok(!byId.has("InstanceFromWeakTemplate"));
  assert.equal(byId.get("InstanceOptional")!.location?.line, 23);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormConfiguration", "LongFormTemplate"]);
});

test("stays quiet on required tokens (own or inherited), a disabled endpoint, and values the template does not fix", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

describe("live", () => {
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => ec2.reset());
  after(() => ec2.restore());

  it("flags instances and launch-template versions that allow IMDSv1, and passes required tokens or a disabled endpoint", async () => {
    const world = emptyWorld();
    world.encryptionByDefault = true;
    world.instances = [
      { InstanceId: "i-optional", MetadataOptions: { HttpTokens: "optional", HttpEndpoint: "enabled" } },
      { InstanceId: "i-required", MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" } },
      { InstanceId: "i-disabled", MetadataOptions: { HttpTokens: "optional", HttpEndpoint: "disabled" } },
    ];
    world.launchTemplates = [
      { LaunchTemplateId: "lt-unset", VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { ImageId: "ami-1" } },
      { LaunchTemplateId: "lt-mixed", VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { MetadataOptions: { HttpTokens: "required" } } },
      { LaunchTemplateId: "lt-mixed", VersionNumber: 2, DefaultVersion: false, LaunchTemplateData: { MetadataOptions: { HttpTokens: "optional" } } },
      { LaunchTemplateId: "lt-required", VersionNumber: 4, DefaultVersion: true, LaunchTemplateData: { MetadataOptions: { HttpTokens: "required" } } },
    ];
    const resources = [
      resource("Optional", "AWS::EC2::Instance", "i-optional"),
      resource("Required", "AWS::EC2::Instance", "i-required"),
      resource("Disabled", "AWS::EC2::Instance", "i-disabled"),
      resource("Unset", "AWS::EC2::LaunchTemplate", "lt-unset"),
      resource("Mixed", "AWS::EC2::LaunchTemplate", "lt-mixed"),
      resource("Sealed", "AWS::EC2::LaunchTemplate", "lt-required"),
    ];
    const findings = await judgeWorld(ec2, world, resources, rule);
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.resource.physicalId]).sort(), [
      ["Mixed", "lt-mixed"],
      ["Optional", "i-optional"],
      ["Unset", "lt-unset"],
    ]);
    const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
    assert.match(byId.get("Mixed")!.message, /lt-mixed, versions 1 and 2\) sets MetadataOptions.HttpTokens to optional/);
    assert.match(byId.get("Unset")!.message, /does not set MetadataOptions.HttpTokens/);
  });
});
