import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "apigw-stage-logging-off";

test("flags REST, HTTP and WebSocket stages without an access log destination, however they are created", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), [
    "FormatOnlyDeployment",
    "HttpStage",
    "MaybeLoggedStage",
    "ProdStage",
    "QuickApi",
    "SocketStage",
    "StageByDeployment",
  ]);
  const byId = (id: string) => findings.find((finding) => finding.resource.logicalId === id)!;
  assert.equal(byId("ProdStage").message, 'REST API stage "prod" of Api (ProdStage) has no AccessLogSetting destination, so requests are not access-logged');
  assert.equal(byId("ProdStage").severity, "medium");
  assert.match(byId("MaybeLoggedStage").message, /only when LogsOn=false/);
  assert.match(byId("StageByDeployment").message, /stage "dev" of Api created by deployment StageByDeployment through StageName/);
  assert.match(byId("HttpStage").message, /^HTTP API stage "\$default" of HttpApi \(HttpStage\) has no AccessLogSettings destination/);
  assert.match(byId("SocketStage").message, /^WEBSOCKET API stage "live"/);
  assert.match(byId("QuickApi").message, /quick create \(Target\)/);
});

test("flags the JSON long form", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormStage"]);
});

test("stays quiet on stages with a destination (known or not) and deployments without a stage", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

test("reads SAM APIs of an unprocessed template", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.sam.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["SamHttpNoLogs", "SamRestNoLogs"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "SamHttpNoLogs")!.message, /^HTTP API stage "\$default" of SamHttpNoLogs \(SamHttpNoLogs\) has no AccessLogSettings destination/);
});
