import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "template-hardcoded-values";

test("flags AMI ids, AZs, regions, account ids and physical names written in resources, once per value", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  const details = findings.map((finding) => `${finding.resource.logicalId} ${finding.evidence.kind} ${finding.evidence.value}`).sort();
  assert.deepEqual(details, [
    "Bucket static name secure-bucket-hardcoded",
    "Handler static name order-handler",
    "Instance AMI id ami-0c02fb55956c7d316",
    "Instance availability zone us-east-1a",
    "Instance region eu-west-1",
    "Reader account id 111122223333",
    "Reader account id 444455556666",
    "Reader region ap-south-1",
    "Reader region us-west-2",
    "Reader static name reader-role",
    "WebGroup static name web-servers",
  ]);
  const group = findings.find((finding) => finding.resource.logicalId === "WebGroup")!;
  assert.match(group.message, /GroupName.*same account and region.*cannot apply an update that replaces it/);
  const bucket = findings.find((finding) => finding.resource.logicalId === "Bucket" && finding.evidence.kind === "static name")!;
  assert.match(bucket.message, /across all AWS accounts/);
  const ami = findings.find((finding) => finding.evidence.kind === "AMI id")!;
  assert.match(ami.message, /AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>/);
  assert.equal(ami.location?.line, 6);
});

test("flags values in the JSON long form (Fn::Join parts)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["Topic"]);
  assert.match(findings[0]!.message, /region eu-central-1/);
});

test("stays quiet on pseudo parameters, Mappings, parameter defaults, conditions, descriptions, inline code, names built from the stack, and names that point at other resources or inside them", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
