import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "rds-enhanced-monitoring-off";

test("flags interval 0 (set, defaulted or in an !If branch), an interval without a role or with a role the template does not create, and each Aurora instance rather than its cluster", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AuroraWriter", "ConsoleRole", "ExplicitZero", "IntervalWithoutRole", "LiteralRoleWriter", "NotSet", "OnlyInProd"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("NotSet")!.message, /MonitoringInterval is not set and defaults to 0/);
  assert.match(byId.get("ExplicitZero")!.message, /MonitoringInterval: 0/);
  assert.match(byId.get("OnlyInProd")!.message, /only when IsProd=false/);
  assert.match(byId.get("IntervalWithoutRole")!.message, /MonitoringInterval 30 but no MonitoringRoleArn/);
  assert.equal(
    byId.get("ConsoleRole")!.message,
    "DB instance ConsoleRole sets MonitoringInterval 60 with a MonitoringRoleArn naming role rds-monitoring-role by ARN, a role this " +
      "template does not create: unless a role of that name already exists in the account and lets monitoring.rds.amazonaws.com assume " +
      "it, RDS rejects the deployment and no enhanced monitoring is collected (the RDS console creates rds-monitoring-role only in " +
      "accounts where someone enabled enhanced monitoring through it)",
  );
  assert.equal(byId.get("ConsoleRole")!.severity, "low");
  assert.equal(byId.get("ConsoleRole")!.location?.line, 61);
  assert.match(byId.get("LiteralRoleWriter")!.message, /^DB instance LiteralRoleWriter sets MonitoringInterval 15 with a MonitoringRoleArn naming role db-monitoring by ARN.*no enhanced monitoring is collected$/);
});

test("flags the JSON long form and a Multi-AZ DB cluster, which carries monitoring itself", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["JoinedRole", "MultiAzCluster", "StringZero"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "JoinedRole")!.message, /naming role legacy-monitoring by ARN/);
});

test("stays quiet on monitored instances (template roles, named or not, and parameter roles), unknown intervals, RDS Custom and Aurora instances that inherit the cluster's interval", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
