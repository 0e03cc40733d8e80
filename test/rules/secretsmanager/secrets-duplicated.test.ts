import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "secrets-duplicated";

test("flags SSM parameters holding the same secret as a Secrets Manager secret", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["ApiKeyParameter", "CopiedParameter", "DbPasswordParameter"]);
  const byId = (id: string) => findings.find((finding) => finding.resource.logicalId === id)!;
  assert.equal(byId("DbPasswordParameter").message, "SSM parameter DbPasswordParameter (/app/db/password) and Secrets Manager secret DbSecret both hold template parameter DBPassword");
  assert.equal(byId("DbPasswordParameter").severity, "low");
  assert.match(byId("CopiedParameter").message, /stores the value of Secrets Manager secret GeneratedSecret/);
  assert.match(byId("ApiKeyParameter").message, /ApiKeySecret hold the same literal value ak\*{6} \(18 chars\)/);
  assert.ok(!JSON.stringify(findings).includes("ak-live-0011223344"));
});

test("flags the JSON long form (Fn::Join and Fn::Sub)", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["AdminParameter"]);
});

test("stays quiet on secret pointers and non-secret values kept in both", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
