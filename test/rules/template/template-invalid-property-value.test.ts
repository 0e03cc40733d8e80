import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "template-invalid-property-value";

test("flags unknown properties, enum values, wrong types, missing required properties, parameter defaults and !If branches", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  const messages = findings.map((finding) => finding.message);
  const expected = [
    /^Key \(AWS::KMS::Key\): KeyRotationStatus is not a property this resource type has$/,
    /^Key \(AWS::KMS::Key\): EnableKeyRotation is yes, but the schema expects a boolean/,
    /^Bucket \(AWS::S3::Bucket\): BucketEncryption\.ServerSideEncryptionConfiguration\[0\]\.ServerSideEncryptionByDefault\.SSEAlgorithm is AES-256, but the schema expects one of .*AES256.*aws:kms:dsse/,
    /^Bucket \(AWS::S3::Bucket\): VersioningConfiguration is .*, but the schema expects an object$/,
    /^Logs \(AWS::Logs::LogGroup\): RetentionInDays is 2555, but the schema expects one of 1, 3, 5, .*2557/,
    /^Parameter \(AWS::SSM::Parameter\): Type is SecureString, but the schema expects one of String, StringList \(only when IsProd=true\)$/,
    /^Function \(AWS::Lambda::Function\): TracingConfig is Active, but the schema expects an object$/,
    /^Trail \(AWS::CloudTrail::Trail\): IsLogging is required but not set$/,
  ];
  for (const pattern of expected) assert.ok(messages.some((message) => pattern.test(message)), `no finding matches ${pattern}\n${messages.join("\n")}`);
  assert.equal(findings.length, expected.length, messages.join("\n"));
  const sse = findings.find((finding) => finding.message.includes("SSEAlgorithm"))!;
  assert.equal(sse.location?.line, 25);
});

test("flags the JSON long form", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["Queue", "Queue"]);
  assert.ok(findings.some((finding) => /VisibilityTimeoutSeconds is not a property/.test(finding.message)));
  assert.ok(findings.some((finding) => /FifoQueue is maybe, but the schema expects a boolean/.test(finding.message)));
});

test("accepts aws:kms:dsse, coerced strings, NoValue, symbolic values and custom resources", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
