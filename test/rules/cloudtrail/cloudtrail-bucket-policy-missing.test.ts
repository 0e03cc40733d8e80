import assert from "node:assert/strict";
import { test } from "node:test";
import type { Finding } from "../../../shared/findings/finding.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "cloudtrail-bucket-policy-missing";
const of = (findings: Finding[], logicalId: string) => findings.find((finding) => finding.resource.logicalId === logicalId)!;

test("flags trails whose bucket has no policy, or one that misses GetBucketAcl or PutObject for CloudTrail", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE).filter((finding) => finding.severity === "high");
  assert.deepEqual(flagged(findings), ["AclTrail", "NameAsArnTrail", "NamedTrail", "NoPolicyTrail", "PrefixTrail", "ProdOnlyTrail"]);
  assert.match(of(findings, "NoPolicyTrail").message, /bucket NoPolicyBucket, which has no bucket policy/);
  assert.match(of(findings, "PrefixTrail").message, /does not grant cloudtrail\.amazonaws\.com s3:PutObject on audit\/AWSLogs/);
  assert.doesNotMatch(of(findings, "PrefixTrail").message, /GetBucketAcl/);
  assert.match(of(findings, "AclTrail").message, /s3:GetBucketAcl on the bucket/);
  assert.doesNotMatch(of(findings, "AclTrail").message, /PutObject/);
  assert.match(of(findings, "NamedTrail").message, /NamedBucket \(NamedBucketPolicy\).*GetBucketAcl.*PutObject/);
  assert.match(of(findings, "NameAsArnTrail").message, /GetBucketAcl on the bucket or s3:PutObject.*names the bucket by name.*!GetAtt NameAsArnBucket\.Arn/);
  assert.doesNotMatch(of(findings, "PrefixTrail").message, /names the bucket by name/);
  assert.match(of(findings, "ProdOnlyTrail").message, /no bucket policy.*only when IsProd=false/);
});

test("flags, at low, delivery grants with no aws:SourceArn or aws:SourceAccount condition", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE).filter((finding) => finding.severity === "low");
  // ProdOnlyTrail: in production its bucket has a policy, which delivers but is unconditioned.
  assert.deepEqual(flagged(findings), ["HalfConditionedTrail", "ProdOnlyTrail", "UnconditionedTrail"]);
  assert.match(of(findings, "ProdOnlyTrail").message, /\(statement 0, statement 1\) with no aws:SourceArn/);
  assert.equal(
    of(findings, "UnconditionedTrail").message,
    "The policy of bucket UnconditionedBucket (UnconditionedBucketPolicy) lets cloudtrail.amazonaws.com deliver trail UnconditionedTrail's logs " +
      "(statement AWSCloudTrailAclCheck, statement AWSCloudTrailWrite) with no aws:SourceArn or aws:SourceAccount condition: the grant is to " +
      "the service, not to this trail, so any trail CloudTrail runs, including one in another account that names this bucket, can use it " +
      "(confused deputy); AWS recommends conditioning both statements on aws:SourceArn of the trail (low: delivery works; the gap is who " +
      "else can write logs there)",
  );
  assert.match(of(findings, "HalfConditionedTrail").message, /\(statement Write\) with no aws:SourceArn/);
  assert.equal(of(findings, "HalfConditionedTrail").location?.line, 185);
});

test("flags the JSON long form: no policy, and PutObject granted on the bucket rather than its objects", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["BucketOnlyTrail", "LongFormTrail", "OpenTrail"]);
  assert.match(of(findings, "BucketOnlyTrail").message, /s3:PutObject on AWSLogs/);
  assert.equal(of(findings, "OpenTrail").severity, "low");
  assert.match(of(findings, "OpenTrail").message, /bucket OpenBucket \(OpenBucketPolicy\) lets cloudtrail\.amazonaws\.com deliver .*\(statement 0\) with no aws:SourceArn/);
});

test("stays quiet on the documented policy (Sub, Join, literal names, prefixes, SourceArn/SourceAccount conditions) and on buckets outside the template", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
