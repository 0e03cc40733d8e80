import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "rds-single-az";

test("flags single-AZ instances, single-instance Aurora clusters, replicas and !If/parameter values", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AuroraCluster", "DefaultInstance", "DevOnlySingle", "HeadlessCluster", "LiteralCluster", "ParamMultiAz", "Replica", "SingleInstance", "SqlServerExpress"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("DefaultInstance")!.message, /MultiAZ is not set/);
  assert.match(byId.get("DevOnlySingle")!.message, /only when IsProd=false/);
  assert.match(byId.get("AuroraCluster")!.message, /single DB instance \(AuroraWriter\)/);
  assert.match(byId.get("LiteralCluster")!.message, /LiteralClusterWriter/);
  assert.equal(byId.get("Replica")!.severity, "medium");
  assert.match(byId.get("SqlServerExpress")!.message, /Express edition of SQL Server cannot run Multi-AZ/);
  assert.equal(byId.get("HeadlessCluster")!.severity, "medium");
  assert.equal(byId.get("SingleInstance")!.severity, "high");
  assert.equal(byId.get("SingleInstance")!.location?.line, 19);
});

test("flags the JSON long form and a cluster joined through Fn::Sub", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormIf", "StringFalse", "SubCluster"]);
});

test("stays quiet on Multi-AZ instances, two-instance Aurora, Multi-AZ DB clusters, Serverless v1, headless global secondaries and unknown values", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
