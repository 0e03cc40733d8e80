import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "template-invalid-arn-reference";

test("flags names, ids and URLs used as ARNs, nested ARNs and wrong managed policy paths", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  const messages = findings.map((finding) => `${finding.resource.logicalId}: ${finding.message}`);
  const expect = (pattern: RegExp) => assert.ok(messages.some((message) => pattern.test(message)), `no finding matches ${pattern}\n${messages.join("\n")}`);
  expect(/TrailRole: .*\$\{TrailLogGroup\}:\*.*Ref of TrailLogGroup \(AWS::Logs::LogGroup\) returns its name/);
  expect(/ApiPermission: .*SourceArn needs an ARN.*Ref of Api \(AWS::ApiGateway::RestApi\) returns its id/);
  expect(/FunctionRole: .*IAM policy Resource needs an ARN, but Ref of DataBucket .* returns its name/);
  expect(/FunctionRole: .*\$\{DataBucket\}\/\* starts with Ref of DataBucket/);
  expect(/FunctionRole: .*"reports-bucket" is neither/);
  expect(/FunctionRole: .*\$\{DataBucket\}\/reports\/\*/);
  expect(/FunctionRole: .*AWSLambdaBasicExecutionRole lives at arn:aws:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole/);
  expect(/DataBucketPolicy: .*nests an ARN inside an ARN: arn:aws:s3:::\$\{DataBucket\.Arn\}\/\*/);
  expect(/DataBucketPolicy: .*Principal AWS needs an ARN, but Ref of FunctionRole \(AWS::IAM::Role\) returns its name/);
  expect(/QueueMapping: .*EventSourceArn needs an ARN, but Ref of Queue \(AWS::SQS::Queue\) returns its URL/);
  expect(/ConfigRecorderRole: .*service-role\/ConfigRole names no AWS managed policy.*did you mean .*service-role\/AWS_ConfigRole/);
  assert.equal(findings.find((finding) => finding.resource.logicalId === "ConfigRecorderRole")?.severity, "medium");
  assert.deepEqual([...new Set(flagged(findings))], ["ApiPermission", "ConfigRecorderRole", "DataBucketPolicy", "FunctionRole", "QueueMapping", "TrailRole"]);
  // Resource [DataBucket name, DataBucket/*, reports-bucket, Sub list form] plus the !If branch and the managed policy.
  assert.equal(findings.filter((finding) => finding.resource.logicalId === "FunctionRole").length, 6);
  const branch = findings.find((finding) => finding.message.includes("only when"));
  assert.match(branch?.message ?? "", /Ref of DataBucket .* \(only when IsProd=true\)/);
  const trail = findings.find((finding) => finding.resource.logicalId === "TrailRole")!;
  assert.equal(trail.location?.line, 47);
});

test("flags the JSON long form (Fn::Join)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["ReaderPolicy"]);
  assert.match(findings[0]!.message, /\$\{Bucket\}\/\* starts with Ref of Bucket/);
});

test("stays quiet on ARNs built correctly, ARN-returning Refs and values it cannot know", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
