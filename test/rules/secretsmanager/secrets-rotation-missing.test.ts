import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "secrets-rotation-missing";

test("flags secrets that no RotationSchedule names, in every condition branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["DbSecret", "SometimesRotated", "WrongTarget"]);
  const byId = (id: string) => findings.find((finding) => finding.resource.logicalId === id)!;
  assert.equal(byId("DbSecret").message, "Secret DbSecret (prod/db) has no RotationSchedule, so its value never changes");
  assert.equal(byId("DbSecret").severity, "medium");
  assert.match(byId("SometimesRotated").message, /only when Rotate=false/);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormSecret"]);
});

test("stays quiet on secrets rotated by Ref or by name", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
