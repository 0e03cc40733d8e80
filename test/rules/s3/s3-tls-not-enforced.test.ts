import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "s3-tls-not-enforced";

test("flags buckets whose policies lack a Deny on aws:SecureTransport=false to everyone covering reads", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AllowOnly", "NoPolicy", "OneRoleOnly", "TlsOnlyInProd", "UploadsOnly"]);
  assert.ok(findings.every((finding) => finding.severity === "medium"));
  const message = (logicalId: string) => findings.find((finding) => finding.resource.logicalId === logicalId)!.message;
  assert.match(message("NoPolicy"), /has no bucket policy denying aws:SecureTransport = false/);
  assert.match(message("AllowOnly"), /bucket policy \(AllowOnlyPolicy\) has no Deny on aws:SecureTransport = false/);
  assert.match(message("UploadsOnly"), /denies non-TLS requests only for s3:PutObject, not s3:GetObject/);
  assert.match(message("TlsOnlyInProd"), /only when IsProd=false/);
});

test("flags the JSON long form: a TLS deny in another bucket's policy does not count", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongForm"]);
});

test("stays quiet on TLS denies attached by Ref, literal name, GetAtt, Fn::Sub list form or JSON text, and on a policy the template does not fix", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
