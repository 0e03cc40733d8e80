import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "cloudtrail-log-validation-off";

test("flags trails without log file validation: left out, false, a parameter default, an !If branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["DevOnlyTrail", "ExplicitFalseTrail", "ParameterTrail", "UnsetTrail"]);
  const unset = findings.find((finding) => finding.resource.logicalId === "UnsetTrail")!;
  assert.match(unset.message, /does not set EnableLogFileValidation \(it defaults to false\)/);
  assert.equal(unset.severity, "medium");
  assert.match(findings.find((finding) => finding.resource.logicalId === "ExplicitFalseTrail")!.message, /sets EnableLogFileValidation to false/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "DevOnlyTrail")!.message, /only when IsProd=false/);
});

test("flags the JSON long form (Fn::If, Fn::FindInMap)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormTrail", "MappedTrail"]);
});

test("stays quiet on validated trails and on values the template does not fix", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
