import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "wafv2-webacl-no-rate-limit";

test("flags ACLs without a rate-based statement anywhere, in every !If branch and through rule groups", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["ManagedOnly", "MaybeRateLimited", "NoRules", "UsesGroupWithoutRate"]);
  const managed = findings.find((finding) => finding.resource.logicalId === "ManagedOnly")!;
  assert.match(managed.message, /2 rule\(s\) \(CommonRuleSet, BlockBadIps\) and none is rate-based/);
  assert.equal(managed.severity, "low");
  assert.match(findings.find((finding) => finding.resource.logicalId === "MaybeRateLimited")!.message, /only when RateLimited=false/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "NoRules")!.message, /no rules at all/);
});

test("stays quiet on direct, nested, rule-group and unknowable rate limits", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
