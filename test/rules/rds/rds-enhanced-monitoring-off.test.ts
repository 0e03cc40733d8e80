import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "rds-enhanced-monitoring-off";

test("flags interval 0 (set, defaulted or in an !If branch), an interval without a role, and each Aurora instance rather than its cluster", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AuroraWriter", "ExplicitZero", "IntervalWithoutRole", "NotSet", "OnlyInProd"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("NotSet")!.message, /MonitoringInterval is not set and defaults to 0/);
  assert.match(byId.get("ExplicitZero")!.message, /MonitoringInterval: 0/);
  assert.match(byId.get("OnlyInProd")!.message, /only when IsProd=false/);
  assert.match(byId.get("IntervalWithoutRole")!.message, /MonitoringInterval 30 but no MonitoringRoleArn/);
});

test("flags the JSON long form and a Multi-AZ DB cluster, which carries monitoring itself", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["MultiAzCluster", "StringZero"]);
});

test("stays quiet on monitored instances, unknown intervals, RDS Custom and Aurora instances that inherit the cluster's interval", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
