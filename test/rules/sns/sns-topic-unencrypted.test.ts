import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "sns-topic-unencrypted";

test("flags topics without a key, a key only in one !If branch and an empty key parameter default", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AlertsTopic", "EmptyKeyParameter", "EncryptedOnlyInProd"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("AlertsTopic")!.message, /AlertsTopic \(stack-alerts\) has no KmsMasterKeyId/);
  assert.match(byId.get("EncryptedOnlyInProd")!.message, /only when IsProd=false/);
  assert.equal(byId.get("EmptyKeyParameter")!.location?.line, 24);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["BudgetTopic"]);
});

test("stays quiet on topics with an AWS managed, customer managed, Sub-built or unknown key", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
