import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "kms-key-service-principal-unconditioned";

test("flags service principals with no confused-deputy guard, including guards that do not restrict", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["GuardOnlyWhenStrict", "NegatedAccount", "RegionOnlyCondition", "SharedServicesKey"]);
  const shared = findings.find((finding) => finding.resource.logicalId === "SharedServicesKey")!;
  assert.match(shared.message, /statement "Allow services to use the key" allows s3\.amazonaws\.com, rds\.amazonaws\.com, logs\.amazonaws\.com, cloudtrail\.amazonaws\.com to call kms:Decrypt, kms:GenerateDataKey, kms:CreateGrant with no condition/);
  assert.equal(shared.severity, "medium");
  assert.match(findings.find((finding) => finding.resource.logicalId === "RegionOnlyCondition")!.message, /logs\.us-east-1\.amazonaws\.com .*conditions \(aws:RequestedRegion\) that do not/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "GuardOnlyWhenStrict")!.message, /only when IsStrict=false/);
});

test("flags the JSON long form (a single statement object, an IfExists guard the service can skip)", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongForm"]);
});

test("stays quiet on SourceArn, SourceAccount, encryption-context and ViaService guards, Deny and IAM principals", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
