import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, afterEach, before, test } from "node:test";
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { GetBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../../shared/judge-live.ts";
import { CloudTrailReader } from "../../../shared/live/cloudtrail.ts";
import { LiveSession } from "../../../shared/live/session.ts";
import { ALL_RULES } from "../../../shared/rules/index.ts";
import { parseTemplate } from "../../../shared/template/parse.ts";
import { fixture, scanFixture } from "../../helpers.ts";
import { HAND_ACCOUNT, handStack, resource } from "../../live/hand-stack.ts";

const RULE = "cloudtrail-not-logging";
const REGION = "eu-west-1";
const rule = ALL_RULES.filter((candidate) => candidate.id === RULE);

let cloudtrail: AwsClientStub<CloudTrailClient>;
let s3: AwsClientStub<S3Client>;
before(() => {
  cloudtrail = mockClient(CloudTrailClient);
  s3 = mockClient(S3Client);
});
afterEach(() => {
  cloudtrail.reset();
  s3.reset();
});
after(() => {
  cloudtrail.restore();
  s3.restore();
});

/** The fixture deployed as a stack whose trails CloudTrail reports with these logging states. */
async function judgeDeployed(name: string, logging: Record<string, boolean>) {
  const text = readFileSync(fixture(import.meta.url, name), "utf8");
  const trails = Object.keys(logging).map((trailName) => ({
    Name: trailName,
    TrailARN: `arn:aws:cloudtrail:${REGION}:${HAND_ACCOUNT}:trail/${trailName}`,
    HomeRegion: REGION,
    S3BucketName: "central-audit-logs",
    IsMultiRegionTrail: true,
    LogFileValidationEnabled: true,
  }));
  cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: trails });
  cloudtrail.on(GetTrailStatusCommand).callsFake(async ({ Name }: { Name?: string }) => ({ IsLogging: logging[Name!.split("/").pop()!] }));
  cloudtrail.on(GetEventSelectorsCommand).resolves({ EventSelectors: [] });
  s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: [] }) });
  const session = new LiveSession({ region: REGION });
  const logicalIds = Object.keys(parseTemplate(text).body.Resources);
  const resources = logicalIds.map((logicalId, index) => resource(logicalId, "AWS::CloudTrail::Trail", Object.keys(logging)[index]));
  await session.reader(CloudTrailReader).load(resources);
  return judgeLiveStack(handStack(session, resources), parseTemplate(text), { rules: rule });
}

test("is a live-only rule: a template that says IsLogging false raises nothing on its own", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE), []);
});

test("flags deployed trails that exist but are not logging, with the physical id, at the IsLogging line", async () => {
  const result = await judgeDeployed(`${RULE}.fail.yaml`, { audit: false, paused: false });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.findings.map((finding) => [finding.resource.logicalId, finding.source, finding.resource.physicalId, finding.severity]), [
    ["AuditTrail", "live", "audit", "high"],
    ["PausedTrail", "live", "paused", "high"],
  ]);
  assert.match(result.findings[0]!.message, /AuditTrail \(audit\) exists but is not logging \(GetTrailStatus: IsLogging false\)/);
  assert.equal(result.findings[0]!.location?.line, 7);
});

test("stays quiet on a logging trail", async () => {
  const result = await judgeDeployed(`${RULE}.pass.yaml`, { audit: true });
  assert.deepEqual(result.findings, []);
});
