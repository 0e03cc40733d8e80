import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "lambda-async-no-failure-destination";

test("flags asynchronously invoked functions without a DLQ or on-failure destination, and SQS consumers of a queue without redrive", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AlertHandler", "MaybeDlq", "Nightly", "OrderWorker", "PermissionOnly", "RefundWorker", "UploadProcessor"]);
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
  assert.equal(
    byId("OrderWorker").message,
    "Function OrderWorker consumes SQS queue Orders (OrdersMapping), which has no RedrivePolicy: a message the function keeps failing on " +
      "goes back to the queue after every visibility timeout and is retried until the queue's MessageRetentionPeriod (4 days by default) " +
      "deletes it, unseen; the function's DeadLetterConfig does not apply to SQS event sources",
  );
  assert.equal(byId("OrderWorker").severity, "low");
  assert.equal(byId("OrderWorker").location?.line, findLine("OrdersMapping:"));
  assert.match(byId("RefundWorker").message, /queue Refunds \(RefundsMapping\), which has no RedrivePolicy.*\(only when HasDlq=false\)$/);
});

function findLine(text: string): number {
  const lines = readFileSync(fixture(import.meta.url, `${RULE}.fail.yaml`), "utf8").split("\n");
  return lines.findIndex((line) => line.trim() === text) + 1;
}

test("flags the JSON long form", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongForm", "LongForm"]);
  // A RedrivePolicy written as JSON text without deadLetterTargetArn moves nothing anywhere.
  assert.ok(findings.some((finding) => /consumes SQS queue Jobs \(JobsMapping\), which has no RedrivePolicy/.test(finding.message)));
  assert.ok(findings.some((finding) => /invoked asynchronously by events \(LongFormPermission\)/.test(finding.message)));
});

test("stays quiet on functions with a DLQ or OnFailure destination, on synchronous or idle functions and on SQS sources that redrive, are disabled or are outside the template", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

test("reads SAM functions of an unprocessed template: async events, DeadLetterQueue, EventInvokeConfig", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.sam.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["SamNoDlq", "SamPoison"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "SamNoDlq")!.message, /by sns, events \(SamNoDlq\)/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "SamPoison")!.message, /^Function SamPoison consumes SQS queue Dlq, which has no RedrivePolicy/);
});
