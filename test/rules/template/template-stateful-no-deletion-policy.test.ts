import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "template-stateful-no-deletion-policy";

test("flags stateful resources missing either policy, and says which", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["DataBucket", "Database", "ProdKey", "Table"]);
  const message = (id: string) => findings.find((finding) => finding.resource.logicalId === id)!.message;
  assert.match(message("DataBucket"), /has no DeletionPolicy and no UpdateReplacePolicy$/);
  assert.match(message("Table"), /has no UpdateReplacePolicy$/);
  assert.match(message("Database"), /has no DeletionPolicy \(CloudFormation snapshots it on stack deletion by default/);
  assert.match(message("ProdKey"), /\(only when IsProd=true\)$/);
});

test("flags the JSON form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["Logs"]);
});

test("stays quiet on explicit policies, cluster member instances and stateless resources", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
