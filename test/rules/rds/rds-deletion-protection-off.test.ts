import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "rds-deletion-protection-off";

test("flags missing and false DeletionProtection on instances and clusters, in an !If branch and from a parameter default", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AuroraCluster", "FromParameter", "NotSet", "ProtectedOnlyInProd"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("NotSet")!.message, /DeletionProtection is not set/);
  assert.doesNotMatch(byId.get("ProtectedOnlyInProd")!.message, /only when/);
  assert.deepEqual(byId.get("ProtectedOnlyInProd")!.evidence.scenarios, ["defaults"]);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["StringFalse"]);
});

test("stays quiet on protected databases, unknown values and Aurora instances", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
