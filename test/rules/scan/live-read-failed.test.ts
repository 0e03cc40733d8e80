import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DEFAULT_POLICY } from "../../../shared/config/policy.ts";
import { ACCOUNT_SCOPE_NAME, judgeLiveAccount } from "../../../shared/judge-live.ts";
import type { ReadFailure } from "../../../shared/live/failures.ts";
import { LiveSession, type LiveAccount, type LiveStack } from "../../../shared/live/session.ts";
import rule from "../../../shared/rules/scan/live-read-failed.ts";
import { SCAN_RULES } from "../../../shared/rules/scan/index.ts";
import { fixture } from "../../helpers.ts";

function account(fixtureName: string): LiveAccount {
  const failures = JSON.parse(readFileSync(fixture(import.meta.url, fixtureName), "utf8")) as ReadFailure[];
  const session = new LiveSession({ region: "eu-central-1" });
  session.failures.push(...failures);
  return { scope: "account", session, account: "111122223333", region: "eu-central-1", stackRegions: new Map(), unattributedFailures: failures };
}

test("reports each failed read no stack accounts for as what could not be judged, once per operation and target, medium", () => {
  const result = judgeLiveAccount(account("live-read-failed.fail.json"), { rules: SCAN_RULES });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.findings.map((finding) => `${finding.resource.logicalId} ${finding.severity} ${finding.source}`).sort(), [
    "deploy-bot medium live",
    "eu-central-1 config medium live",
    "eu-central-1 ec2 medium live",
    "eu-central-1 securityhub medium live",
    "eu-central-1 wafv2 medium live",
  ]);
  const message = (service: string) => result.findings.find((finding) => (finding.evidence as { service: string }).service === service)!.message;
  assert.equal(
    message("ec2"),
    "could not judge whether EBS encryption by default is on (ec2-ebs-default-encryption-off) in 111122223333 eu-central-1: ec2:GetEbsEncryptionByDefault failed, throttled: still throttled after retries (RequestLimitExceeded: Request limit exceeded.)",
  );
  assert.match(message("securityhub"), /^could not judge whether Security Hub is enabled \(securityhub-disabled\) .*access-denied: .*grant securityhub:DescribeHub/);
  assert.match(message("iam"), /could not judge how old the IAM users' access keys are .*iam:ListAccessKeys for deploy-bot failed, malformed-response/);
  assert.match(message("wafv2"), /could not judge what wafv2:ListWebACLs returns .*server-error/);
  const finding = result.findings[0]!;
  assert.equal(finding.stack.name, ACCOUNT_SCOPE_NAME);
  assert.equal(finding.stack.region, "eu-central-1");
});

test("fingerprints stay stable when the same read fails for another reason next scan", () => {
  const first = judgeLiveAccount(account("live-read-failed.fail.json"), { rules: SCAN_RULES }).findings;
  const next = account("live-read-failed.fail.json");
  const retried = next.unattributedFailures.map((failure) => (failure.operation === "DescribeHub" ? { ...failure, kind: "throttled" as const, message: "still throttled" } : failure));
  const second = judgeLiveAccount({ ...next, unattributedFailures: retried }, { rules: SCAN_RULES }).findings;
  assert.deepEqual(second.map((finding) => finding.fingerprint).sort(), first.map((finding) => finding.fingerprint).sort());
});

test("stays quiet when every read succeeded or a stack accounts for it, and outside the account pass", () => {
  assert.deepEqual(judgeLiveAccount(account("live-read-failed.pass.json"), { rules: SCAN_RULES }).findings, []);
  assert.deepEqual(rule.scopes, ["account"]);
  assert.deepEqual(rule.judges, ["live"]);
  const { session } = account("live-read-failed.fail.json");
  const stack: LiveStack = { scope: "stack", session, stack: { name: "app", id: "arn:aws:cloudformation:eu-central-1:111122223333:stack/app/1", region: "eu-central-1", account: "111122223333", status: "CREATE_COMPLETE", parameters: {}, maskedParameters: [] }, resources: [] };
  assert.deepEqual(rule.check({ source: "live", scope: "stack", policy: DEFAULT_POLICY, views: () => [], live: stack }), []);
});
