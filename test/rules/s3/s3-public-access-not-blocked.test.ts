import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "s3-public-access-not-blocked";

test("flags buckets with any public-access-block setting off or missing", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["FromParameter", "NoBlock", "PartialBlock", "PublicWhenAsked", "TextFalse"]);
  assert.ok(findings.every((finding) => finding.severity === "high"));
  const message = (logicalId: string) => findings.find((finding) => finding.resource.logicalId === logicalId)!.message;
  assert.match(message("NoBlock"), /declares no PublicAccessBlockConfiguration, so all four settings are off/);
  assert.match(message("PartialBlock"), /sets IgnorePublicAcls to false and leaves RestrictPublicBuckets unset \(off\)/);
  assert.equal(findings.find((finding) => finding.resource.logicalId === "PartialBlock")!.location?.line, 21);
  assert.match(message("TextFalse"), /sets BlockPublicAcls to false/);
  assert.match(message("FromParameter"), /sets BlockPublicPolicy, RestrictPublicBuckets to false/);
  assert.match(message("PublicWhenAsked"), /only when IsPublic=true/);
});

test("flags the JSON long form", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongForm"]);
  assert.match(findings[0]!.message, /BlockPublicPolicy, RestrictPublicBuckets to false/);
});

test("stays quiet when all four settings are on, or not fixed by the template", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
