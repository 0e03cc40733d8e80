import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "rds-backup-retention-short";

test("flags the default of 1 day, 0, an !If branch, a parameter default and an Aurora cluster (not its instance)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AuroraCluster", "BackupsOff", "DefaultRetention", "ShortFromParameter", "ShortInDev"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("DefaultRetention")!.message, /1 day \(BackupRetentionPeriod is not set/);
  assert.match(byId.get("BackupsOff")!.message, /automated backups are off/);
  assert.match(byId.get("ShortInDev")!.message, /1 day.*only when IsProd=false/);
  assert.match(byId.get("ShortFromParameter")!.message, /3 days/);
  assert.match(byId.get("AuroraCluster")!.message, /^Aurora DB cluster AuroraCluster/);
});

test("flags the JSON long form: a string value and Fn::FindInMap on a cluster", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["ClusterRetention", "StringRetention"]);
});

test("stays quiet on 7+ days, unknown values, replicas and Aurora instances", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
