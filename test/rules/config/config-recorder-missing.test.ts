import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "config-recorder-missing";

test("flags every rule that DependsOn a recorder the template does not define (seed 003 §6)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["MfaConfigRule", "S3EncryptionConfigRule"]);
  for (const finding of findings) {
    assert.match(finding.message, /DependsOn ConfigRecorder, which the template does not define/);
    assert.equal(finding.severity, "medium");
  }
  assert.equal(findings.find((finding) => finding.resource.logicalId === "S3EncryptionConfigRule")!.location?.line, 5);
});

test("flags a recorder whose delivery channel exists only in one condition branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.no-channel.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["Recorder"]);
  assert.match(findings[0]!.message, /no AWS::Config::DeliveryChannel.*rules EncryptedVolumes evaluate nothing.*only when IsProd=false/);
});

test("flags rules and a conformance pack with no recorder at all at low, once (JSON form)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["RootMfaRule"]);
  assert.equal(findings[0]!.severity, "low");
  assert.match(findings[0]!.message, /RootMfaRule, OperationalPack .* no configuration recorder or delivery channel.*already records/);
});

test("stays quiet with a recorder, a delivery channel and rules depending on them", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
