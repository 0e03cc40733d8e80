import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "iam-role-broad-managed-policy";

test("flags AdministratorAccess, PowerUserAccess, IAMFullAccess, *FullAccess and policies broader than their use", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AdminRole", "AdminRole", "AgentRole", "DataGroup", "DataGroup", "DevRole", "PowerUser"]);
  const agent = findings.find((finding) => finding.resource.logicalId === "AgentRole")!;
  assert.equal(agent.severity, "info");
  assert.match(agent.message, /CloudWatchAgentServerPolicy, which grants log writes to every log group.*lowered to info/);
  assert.ok(findings.filter((finding) => finding !== agent).every((finding) => finding.severity === "medium"));
  const ssm = findings.find((finding) => /AmazonEC2RoleforSSM/.test(finding.message))!;
  assert.match(ssm.message, /use AmazonSSMManagedInstanceCore/);
  const admin = findings.find((finding) => /AdministratorAccess/.test(finding.message))!;
  assert.match(admin.message, /Role AdminRole has the AWS managed policy AdministratorAccess, which grants full administrator access/);
  assert.equal(admin.location?.line, 20);
  assert.match(findings.find((finding) => finding.resource.logicalId === "PowerUser")!.message, /User PowerUser .*PowerUserAccess/);
  const group = findings.filter((finding) => finding.resource.logicalId === "DataGroup").map((finding) => finding.message).join("\n");
  assert.match(group, /AmazonS3FullAccess/);
  assert.match(group, /IAMFullAccess, which grants full control of IAM/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "DevRole")!.message, /AWSCodePipeline_FullAccess.*only when IsDev=true/);
});

test("flags the JSON long form", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormRole"]);
  assert.match(findings[0]!.message, /AmazonDynamoDBFullAccess/);
});

test("stays quiet on narrow AWS managed policies and on customer managed policies, whatever their name", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
