import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "s3-not-kms-encrypted";

test("flags SSE-S3 default encryption, declared or implicit, by parameter default or in one branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AlgorithmFromParameter", "ExplicitAes", "ImplicitSseS3", "KmsOnlyWhenWanted", "NlbLogs"]);
  assert.ok(findings.every((finding) => finding.severity === "low"));
  const message = (logicalId: string) => findings.find((finding) => finding.resource.logicalId === logicalId)!.message;
  assert.match(message("ImplicitSseS3"), /declares no KMS default encryption, so S3 uses SSE-S3 \(AES256\)/);
  assert.match(message("ExplicitAes"), /sets SSEAlgorithm AES256 \(SSE-S3\)/);
  assert.equal(findings.find((finding) => finding.resource.logicalId === "ExplicitAes")!.location?.line, 26);
  assert.match(message("KmsOnlyWhenWanted"), /only when KmsWanted=false/);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongForm"]);
});

test("stays quiet on SSE-KMS, DSSE-KMS (aws:kms:dsse), unknown algorithms and ALB or Classic ELB log buckets", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
