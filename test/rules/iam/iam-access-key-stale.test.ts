import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { IAMClient, ListAccessKeysCommand, ListUsersCommand } from "@aws-sdk/client-iam";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveAccount } from "../../../shared/judge-live.ts";
import { IamReader } from "../../../shared/live/iam.ts";
import { LiveSession } from "../../../shared/live/session.ts";
import rule from "../../../shared/rules/iam/iam-access-key-stale.ts";
import { ALL_RULES } from "../../../shared/rules/index.ts";
import { handAccount } from "../../live/hand-stack.ts";
import { fixture, scanText } from "../../helpers.ts";

interface AccessKeyFixture {
  now: string;
  users?: string[];
  accessKeys: { UserName: string; AccessKeyId: string; Status: string; CreateDate: string }[];
}

let iam: AwsClientStub<IAMClient>;
before(() => {
  iam = mockClient(IAMClient);
});
after(() => iam.restore());

/** Serves the fixture's ListUsers and ListAccessKeys answers and judges the account at the fixture's clock. */
async function judgeFixture(name: string) {
  const data = JSON.parse(readFileSync(fixture(import.meta.url, name), "utf8")) as AccessKeyFixture;
  iam.reset();
  const users = [...new Set([...(data.users ?? []), ...data.accessKeys.map((key) => key.UserName)])];
  iam.on(ListUsersCommand).resolves({ Users: users.map((name) => ({ UserName: name, Arn: `arn:aws:iam::111122223333:user/${name}`, Path: "/", UserId: "AIDA", CreateDate: new Date(data.now) })), IsTruncated: false });
  iam.on(ListAccessKeysCommand).callsFake(async (input: { UserName?: string }) => ({
    AccessKeyMetadata: data.accessKeys.filter((key) => key.UserName === input.UserName).map((key) => ({ ...key, CreateDate: new Date(key.CreateDate) })),
    IsTruncated: false,
  }));
  const session = new LiveSession({ region: "us-east-1" }, { now: new Date(data.now) });
  await session.reader(IamReader).loadAccount();
  return judgeLiveAccount(handAccount(session), { rules: [rule] }).findings;
}

test("carries the catalogue's metadata and runs once per account, live only", () => {
  assert.ok(ALL_RULES.includes(rule));
  assert.equal(rule.severity, "medium");
  assert.deepEqual(rule.judges, ["live"]);
  assert.deepEqual(rule.scopes, ["account"]);
  assert.deepEqual(rule.seeds, ["004 §4"]);
  assert.deepEqual(rule.anchors, ["prowler iam_rotate_access_key_90_days", "securityhub IAM.3"]);
});

test("flags active keys older than 90 days, one finding per key", async () => {
  const findings = await judgeFixture(`${rule.id}.fail.json`);
  assert.deepEqual(findings.map((finding) => finding.resource.physicalId).sort(), ["AKIACIOLD", "AKIACIOLDER", "AKIAOPS"]);
  const older = findings.find((finding) => finding.resource.physicalId === "AKIACIOLDER")!;
  assert.equal(older.resource.logicalId, "ci");
  assert.equal(older.resource.type, "AWS::IAM::AccessKey");
  assert.match(older.message, /Access key AKIACIOLDER of IAM user ci is active and 400 days old \(created 2025-01-25\)/);
  assert.equal(older.evidence.ageDays, 400);
  assert.equal(older.stack.name, "(account)");
  assert.equal(findings.find((finding) => finding.resource.physicalId === "AKIACIOLD")!.evidence.ageDays, 91);
});

test("passes keys of 90 days or less, and inactive keys of any age", async () => {
  assert.deepEqual(await judgeFixture(`${rule.id}.pass.json`), []);
});

test("judges nothing in a template", () => {
  const findings = scanText("Resources:\n  Key:\n    Type: AWS::IAM::AccessKey\n    Properties:\n      UserName: ci\n", rule.id);
  assert.deepEqual(findings, []);
});
