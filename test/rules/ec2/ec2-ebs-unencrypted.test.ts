import assert from "node:assert/strict";
import { test } from "node:test";
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
