import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "rds-storage-unencrypted";

test("flags missing and false StorageEncrypted, an !If NoValue branch, a parameter default, a replica of an unencrypted source and an Aurora cluster", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AuroraCluster", "EncryptedOnlyInProd", "ExplicitFalse", "FromParameter", "NotSet", "ReplicaOfUnencrypted"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("NotSet")!.message, /StorageEncrypted is not set/);
  assert.match(byId.get("EncryptedOnlyInProd")!.message, /only when IsProd=false/);
  assert.match(byId.get("ReplicaOfUnencrypted")!.message, /inherited from ExplicitFalse/);
  assert.equal(byId.get("ExplicitFalse")!.severity, "high");
});

test("flags the JSON long form on an instance and a Multi-AZ DB cluster", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["MultiAzCluster", "StringFalse"]);
});

test("stays quiet on encrypted storage, unknown values, snapshot restores, replicas of encrypted sources and Aurora instances", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
