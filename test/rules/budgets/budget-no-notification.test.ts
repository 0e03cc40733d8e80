import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "budget-no-notification";

test("flags a budget with no notification, a notification with no subscriber, and notifications only in one !If branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["NotificationWithoutSubscribers", "SilentBudget", "SubscriberOnlyWithEmail"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("SilentBudget")!.message, /SilentBudget \(monthly-100\) has no NotificationsWithSubscribers/);
  assert.match(byId.get("NotificationWithoutSubscribers")!.message, /forecasted notification at 100% has no subscribers/);
  assert.equal(byId.get("NotificationWithoutSubscribers")!.location?.line, 32);
  assert.equal(byId.get("SilentBudget")!.severity, "info");
});

test("flags the JSON long form: subscribers emptied by Fn::If", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormBudget"]);
  assert.match(findings[0]!.message, /stack-budget.*actual notification at 90%/);
});

test("stays quiet when every notification has an SNS or email subscriber", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
