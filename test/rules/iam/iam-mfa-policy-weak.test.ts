import assert from "node:assert/strict";
import { test } from "node:test";
import type { Finding } from "../../../shared/findings/finding.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "iam-mfa-policy-weak";
const of = (findings: Finding[], logicalId: string) => findings.filter((finding) => finding.resource.logicalId === logicalId);

test("flags broad exemptions, Bool or inverted conditions, narrowed denies, loose allows and unattached policies", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), [
    "BoolCondition", "ChangePasswordExempt", "InvertedGroup", "LooseAllow", "RegionScoped", "UnattachedMfaPolicy", "WildcardExemption",
  ]);
  assert.ok(findings.every((finding) => finding.severity === "high"));
  const [exempt] = of(findings, "ChangePasswordExempt");
  assert.match(exempt!.message, /exempts iam:ChangePassword, iam:CreateAccessKey from the MFA requirement/);
  assert.doesNotMatch(exempt!.message, /EnableMFADevice/);
  assert.match(of(findings, "BoolCondition")[0]!.message, /tests aws:MultiFactorAuthPresent with Bool instead of BoolIfExists "false"/);
  assert.match(of(findings, "InvertedGroup")[0]!.message, /InvertedGroup's inline policy RequireMfa statement 1 denies when aws:MultiFactorAuthPresent is true/);
  assert.match(of(findings, "UnattachedMfaPolicy")[0]!.message, /UnattachedMfaPolicy \(require-mfa\) denies access without MFA but is attached to no user, group or role/);
  assert.match(of(findings, "WildcardExemption")[0]!.message, /exempts iam:\*MFA\*/);
  assert.match(of(findings, "RegionScoped")[0]!.message, /denies only when StringNotEquals aws:RequestedRegion also matches/);
  assert.match(of(findings, "LooseAllow")[0]!.message, /allows on BoolIfExists aws:MultiFactorAuthPresent "true"/);
});

test("flags the JSON long form in the branch where the condition tests true", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormMfaPolicy"]);
  assert.match(findings[0]!.message, /denies when aws:MultiFactorAuthPresent is true.*only when IsStrict=false/);
});

test("stays quiet on AWS's documented policy, attached by group, user, name or export, and on Bool+Null pairs", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
