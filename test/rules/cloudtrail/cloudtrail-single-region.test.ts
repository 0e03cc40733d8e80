import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "cloudtrail-single-region";

test("flags trails that leave IsMultiRegionTrail out, set it false, or get false from a parameter default or an !If branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["DevOnlyTrail", "ExplicitFalseTrail", "ParameterTrail", "StringFalseTrail", "UnsetTrail"]);
  const unset = findings.find((finding) => finding.resource.logicalId === "UnsetTrail")!;
  assert.match(unset.message, /does not set IsMultiRegionTrail \(it defaults to false\)/);
  assert.equal(unset.severity, "high");
  const explicit = findings.find((finding) => finding.resource.logicalId === "ExplicitFalseTrail")!;
  assert.match(explicit.message, /sets IsMultiRegionTrail to false/);
  assert.equal(explicit.location?.line, 24);
  const dev = findings.find((finding) => finding.resource.logicalId === "DevOnlyTrail")!;
  assert.match(dev.message, /only when IsProd=false/);
});

test("flags the JSON long form (Fn::If branch, Fn::Select)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormTrail", "SelectTrail"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "LongFormTrail")!.message, /only when IsDev=true/);
});

test("stays quiet on multi-region trails and on values the template does not fix", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
