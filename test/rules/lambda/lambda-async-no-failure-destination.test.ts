import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "lambda-async-no-failure-destination";

test("flags asynchronously invoked functions without a DLQ or on-failure destination", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AlertHandler", "MaybeDlq", "Nightly", "PermissionOnly", "UploadProcessor"]);
  const byId = (id: string) => findings.find((finding) => finding.resource.logicalId === id)!;
  assert.equal(
    byId("AlertHandler").message,
    "Function AlertHandler is invoked asynchronously by sns (Alerts) but has no DeadLetterConfig and no EventInvokeConfig OnFailure destination, so events that fail every retry are dropped",
  );
  assert.equal(byId("AlertHandler").severity, "low");
  assert.match(byId("UploadProcessor").message, /by s3 \(Uploads\)/);
  assert.match(byId("Nightly").message, /by events \(NightlyRule\)/);
  assert.match(byId("PermissionOnly").message, /by sns \(PermissionOnlyInvoke\)/);
  assert.match(byId("MaybeDlq").message, /only when HasDlq=false/);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongForm"]);
});

test("stays quiet on functions with a DLQ or OnFailure destination and on synchronous or idle functions", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

test("reads SAM functions of an unprocessed template: async events, DeadLetterQueue, EventInvokeConfig", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.sam.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["SamNoDlq"]);
  assert.match(findings[0]!.message, /by sns, events \(SamNoDlq\)/);
});
