import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "kms-key-rotation-disabled";

test("flags symmetric keys with rotation missing, false, false by parameter default or false in one branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["NoRotationProperty", "RotationFalse", "RotationFalseText", "RotationFromParameter", "RotationOnlyInProd"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "NoRotationProperty")!.message, /is not set and defaults to false/);
  const explicit = findings.find((finding) => finding.resource.logicalId === "RotationFalse")!;
  assert.match(explicit.message, /EnableKeyRotation is false/);
  assert.equal(explicit.location?.line, 22);
  assert.match(findings.find((finding) => finding.resource.logicalId === "RotationOnlyInProd")!.message, /only when IsProd=false/);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongForm"]);
});

test("stays quiet on rotated, asymmetric, HMAC, imported, replica and unknown-rotation keys", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
