import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "template-hardcoded-values";

test("flags AMI ids, AZs, regions, account ids and global names written in resources, once per value", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  const details = findings.map((finding) => `${finding.resource.logicalId} ${finding.evidence.kind} ${finding.evidence.value}`).sort();
  assert.deepEqual(details, [
    "Bucket static name secure-bucket-hardcoded",
    "Instance AMI id ami-0c02fb55956c7d316",
    "Instance availability zone us-east-1a",
    "Instance region eu-west-1",
    "Reader account id 111122223333",
    "Reader account id 444455556666",
    "Reader region ap-south-1",
    "Reader region us-west-2",
    "Reader static name reader-role",
  ]);
  const ami = findings.find((finding) => finding.evidence.kind === "AMI id")!;
  assert.match(ami.message, /AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>/);
  assert.equal(ami.location?.line, 6);
});

test("flags values in the JSON long form (Fn::Join parts)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["Topic"]);
  assert.match(findings[0]!.message, /region eu-central-1/);
});

test("stays quiet on pseudo parameters, Mappings, parameter defaults, conditions, descriptions and inline code", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
