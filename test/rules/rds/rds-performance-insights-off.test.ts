import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "rds-performance-insights-off";

test("flags Performance Insights off (defaulted, false, an !If branch) and each Aurora instance rather than its cluster", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AuroraWriter", "ExplicitFalse", "NotSet", "OnlyInProd"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("NotSet")!.message, /EnablePerformanceInsights is not set/);
  assert.match(byId.get("OnlyInProd")!.message, /only when IsProd=false/);
});

test("flags the JSON long form and a Multi-AZ DB cluster", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["MultiAzCluster", "StringFalse"]);
});

test("stays quiet on enabled or unknown settings, classes without Performance Insights and Aurora instances that inherit it", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
