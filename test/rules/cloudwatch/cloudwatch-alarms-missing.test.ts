import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "cloudwatch-alarms-missing";

test("flags a template whose only alarm exists in one condition branch, once, on the first watched resource", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["ApiFunction"]);
  assert.match(findings[0]!.message, /ApiFunction \(AWS::Lambda::Function\), OrdersTable \(AWS::DynamoDB::Table\) but declares no CloudWatch alarm/);
  assert.match(findings[0]!.message, /only when IsProd=false/);
  assert.equal(findings[0]!.severity, "info");
});

test("flags the JSON form with an instance and a database, once", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["WebServer"]);
  assert.match(findings[0]!.message, /WebServer .* Database/);
});

test("stays quiet when alarms exist, and when the only function backs a custom resource", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.json`), RULE), []);
});
