import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "cloudtrail-not-kms-encrypted";

test("flags trails with no KMSKeyId, including the !If branch that drops it with AWS::NoValue", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["NoKeyTrail", "OptionalKeyTrail"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "NoKeyTrail")!.message, /sets no KMSKeyId/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "OptionalKeyTrail")!.message, /only when UseKey=false/);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormTrail"]);
});

test("stays quiet when a key is set by Ref, ARN, alias, parameter or import", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
