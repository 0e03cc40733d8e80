import assert from "node:assert/strict";
import { test } from "node:test";
import type { Finding } from "../../../shared/findings/finding.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "iam-policy-wildcard-resource";
const of = (findings: Finding[], logicalId: string) => findings.filter((finding) => finding.resource.logicalId === logicalId);

test("flags write and permission actions on Resource \"*\" or NotResource, one finding per statement", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["DecryptAllButOne", "DeployerPolicy", "TableWriterRole", "UploaderRole", "UploaderRole"]);
  const [write, logs] = of(findings, "UploaderRole").sort((a, b) => (a.location!.line - b.location!.line));
  assert.match(write!.message, /inline policy Upload statement WriteAnything allows s3:PutObject on Resource "\*"/);
  assert.doesNotMatch(write!.message, /GetObject/);
  assert.equal(write!.severity, "medium");
  assert.equal(logs!.severity, "low");
  assert.match(logs!.message, /lowered to low: it only lets the principal write log lines/);
  const deployer = of(findings, "DeployerPolicy")[0]!;
  assert.match(deployer.message, /iam:PassRole, sts:AssumeRole, s3:Put\*.*attached to user DeployerUser/);
  assert.match(of(findings, "DecryptAllButOne")[0]!.message, /kms:Decrypt on every resource but its NotResource/);
  assert.match(of(findings, "TableWriterRole")[0]!.message, /dynamodb:PutItem.*only when IsDev=true/);
});

test("flags the JSON long form (Fn::Join action, Fn::Sub resource)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["SnsRole"]);
  assert.match(findings[0]!.message, /sns:Publish, sqs:SendMessage/);
});

test("stays quiet on reads, resource-less actions, scoped or tag-conditioned writes, service wildcards and denies", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
