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

test("flags Lambda runtimes AWS no longer creates functions with: literal, parameter default, !If branch and SAM Globals", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.runtime.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["BranchRuntime", "DefaultRuntime", "OldNode", "SamFunction"]);
  const byId = (id: string) => findings.find((finding) => finding.resource.logicalId === id)!;
  assert.equal(
    byId("OldNode").message,
    "OldNode (AWS::Lambda::Function): Runtime nodejs14.x was deprecated on 2023-12-04 and AWS has refused to create functions with it " +
      "since 2024-01-09, so the stack cannot create this function (and the runtime gets no security patches); move to nodejs24.x",
  );
  assert.equal(byId("OldNode").severity, "high");
  assert.equal(byId("OldNode").location?.line, 22);
  assert.match(byId("DefaultRuntime").message, /Runtime python3\.7 was deprecated on 2023-12-04/);
  assert.match(byId("BranchRuntime").message, /Runtime go1\.x .* move to provided\.al2023 \(only when IsProd=true\)$/);
  assert.match(byId("SamFunction").message, /^SamFunction \(AWS::Serverless::Function\): Runtime ruby2\.7 /);
  assert.equal(byId("SamFunction").location?.line, 16);
});

test("flags blocked runtimes in the JSON long form, through Fn::FindInMap", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.runtime.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["ClrFunction", "JvmFunction"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "JvmFunction")!.message, /Runtime java8 was deprecated on 2024-01-08 .* since 2024-02-08/);
});

test("accepts supported runtimes, runtimes with only an announced block, java8.al2, unknown runtimes and images", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.runtime.pass.yaml`), RULE), []);
});

test("flags bucket ACLs on buckets whose ACLs are disabled, by default or explicitly, and in an !If branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.acl.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AccessLogs", "Audit", "Website"]);
  const byId = (id: string) => findings.find((finding) => finding.resource.logicalId === id)!;
  assert.equal(
    byId("AccessLogs").message,
    "AccessLogs (AWS::S3::Bucket): AccessControl is LogDeliveryWrite, but the bucket's object ownership is BucketOwnerEnforced " +
      "(S3's default for new buckets since April 2023, as no OwnershipControls is set), which disables ACLs: S3 rejects the bucket " +
      "(InvalidBucketAclWithObjectOwnership). Grant access with a bucket policy instead, or set OwnershipControls ObjectOwnership to " +
      "BucketOwnerPreferred if a service really needs the ACL",
  );
  assert.equal(byId("AccessLogs").location?.line, 15);
  assert.match(byId("Website").message, /AccessControl is PublicRead, but .* BucketOwnerEnforced \(set in OwnershipControls\)/);
  assert.match(byId("Audit").message, /LogDeliveryWrite.*\(only when IsProd=true\)$/);
});

test("flags a bucket ACL in the JSON long form", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.acl.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LegacyLogs"]);
  assert.match(findings[0]!.message, /AccessControl is AuthenticatedRead/);
});

test("accepts owner-only ACLs, ACLs with ObjectWriter or BucketOwnerPreferred ownership, and ownership unknown until deploy", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.acl.pass.yaml`), RULE), []);
});
