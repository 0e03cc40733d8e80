import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "kms-key-unused";

test("flags keys no resource property uses: outputs, aliases, DependsOn and Metadata are not uses", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AliasOnlyKey", "OrderingOnlyKey", "OrphanKey", "ProdOnlyUserKey"]);
  assert.ok(findings.every((finding) => finding.severity === "low"));
  assert.match(findings.find((finding) => finding.resource.logicalId === "OrphanKey")!.message, /not referenced by any resource property in the stack \(only by output OrphanKeyArn, which is not a use\)/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "AliasOnlyKey")!.message, /only by alias AliasOnlyKeyAlias, output AliasOnlyKeyId/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "ProdOnlyUserKey")!.message, /only when IsProd=false/);
});

test("flags the JSON long form; an alias name that only looks alike is not a use", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormKey"]);
});

test("counts direct references, IAM policy ARNs and uses through an alias (Ref, name or ARN) as use", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
