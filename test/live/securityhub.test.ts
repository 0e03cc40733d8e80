import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { DescribeHubCommand, EnableSecurityHubCommand, GetEnabledStandardsCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveAccount } from "../../shared/judge-live.ts";
import { SecurityHubReader } from "../../shared/live/securityhub.ts";
import { LiveSession } from "../../shared/live/session.ts";
import securityhubDisabled from "../../shared/rules/securityhub/securityhub-disabled.ts";
import { securityHubViews } from "../../shared/views/security-hub.ts";
import { awsError, handAccount, handStack } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const HUB = "arn:aws:securityhub:eu-west-1:111122223333:hub/default";
const FSBP = "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0";
const CIS = "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0";

describe("SecurityHubReader against a mocked Security Hub", () => {
  let hub: AwsClientStub<SecurityHubClient>;
  before(() => {
    hub = mockClient(SecurityHubClient);
  });
  afterEach(() => hub.reset());
  after(() => hub.restore());

  it("reads the hub and every page of enabled standards once per region scan", async () => {
    hub.on(DescribeHubCommand).resolves({ HubArn: HUB, SubscribedAt: "2024-01-01T00:00:00.000Z" });
    hub.on(GetEnabledStandardsCommand, { NextToken: undefined }).resolves({ StandardsSubscriptions: [{ StandardsSubscriptionArn: "s1", StandardsArn: CIS, StandardsInput: {}, StandardsStatus: "DELETING" }], NextToken: "next" });
    hub.on(GetEnabledStandardsCommand, { NextToken: "next" }).resolves({ StandardsSubscriptions: [{ StandardsSubscriptionArn: "s2", StandardsArn: FSBP, StandardsInput: {}, StandardsStatus: "READY" }] });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(SecurityHubReader);
    await Promise.all([reader.loadAccount(), reader.loadAccount()]);
    await reader.loadAccount();
    assert.equal(session.calls.get("securityhub:DescribeHub"), 1);
    assert.equal(session.calls.get("securityhub:GetEnabledStandards"), 2);
    assert.deepEqual(reader.hub(), {
      enabled: true,
      hubArn: HUB,
      subscribedAt: "2024-01-01T00:00:00.000Z",
      standards: [
        { standardsArn: CIS, status: "DELETING" },
        { standardsArn: FSBP, status: "READY" },
      ],
    });
    const [view] = securityHubViews.fromLive!(handAccount(session));
    assert.deepEqual(view?.standards?.map((standard) => [standard.name, standard.active]), [
      ["cis-aws-foundations-benchmark/v/1.2.0", false],
      ["aws-foundational-security-best-practices/v/1.0.0", true],
    ]);
    assert.equal(view?.physicalId, HUB);
    assert.deepEqual(securityHubViews.fromLive!(handStack(session, [])), [], "an account-level view is never built for a stack");
  });

  it("takes InvalidAccessException and ResourceNotFoundException as 'not enabled', an answer rather than a failure", async () => {
    for (const name of ["InvalidAccessException", "ResourceNotFoundException"]) {
      hub.reset();
      hub.on(DescribeHubCommand).rejects(awsError(name, 401, "Account 111122223333 is not subscribed to AWS Security Hub"));
      const session = new LiveSession({ region: "eu-west-1" });
      await session.reader(SecurityHubReader).loadAccount();
      assert.deepEqual(session.reader(SecurityHubReader).hub(), { enabled: false }, name);
      assert.deepEqual(session.failures, []);
      assert.equal(session.calls.get("securityhub:GetEnabledStandards"), undefined);
    }
  });

  it("records access denied and throttling: no view, so the rule says nothing it cannot know", async () => {
    hub.on(DescribeHubCommand).rejects(awsError("AccessDeniedException", 403, "not authorized to perform: securityhub:DescribeHub"));
    const denied = new LiveSession({ region: "eu-west-1" });
    await denied.reader(SecurityHubReader).loadAccount();
    assert.deepEqual(denied.failures.map((failure) => failure.kind), ["access-denied"]);
    assert.deepEqual(securityHubViews.fromLive!(handAccount(denied)), []);
    assert.deepEqual(judgeLiveAccount(handAccount(denied), { rules: [securityhubDisabled] }).findings, []);

    hub.reset();
    hub.on(DescribeHubCommand).resolves({ HubArn: HUB });
    hub.on(GetEnabledStandardsCommand).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    const throttled = new LiveSession({ region: "eu-west-1" });
    await throttled.reader(SecurityHubReader).loadAccount();
    assert.deepEqual(throttled.failures.map((failure) => [failure.operation, failure.kind]), [["GetEnabledStandards", "throttled"]]);
    const [view] = securityHubViews.fromLive!(handAccount(throttled));
    assert.equal(view?.enabled, true);
    assert.equal(view?.standards, undefined);
    assert.deepEqual(judgeLiveAccount(handAccount(throttled), { rules: [securityhubDisabled] }).findings, [], "standards unread: nothing to say");
  });

  it("records a subscription without a status as a malformed response", async () => {
    hub.on(DescribeHubCommand).resolves({ HubArn: HUB });
    hub.on(GetEnabledStandardsCommand).resolves({ StandardsSubscriptions: [{ StandardsSubscriptionArn: "s1", StandardsArn: FSBP, StandardsInput: {} } as never] });
    const session = new LiveSession({ region: "eu-west-1" });
    await session.reader(SecurityHubReader).loadAccount();
    assert.deepEqual(session.failures.map((failure) => failure.kind), ["malformed-response"]);
    assert.equal(session.reader(SecurityHubReader).hub()?.standards, undefined);
  });

  it("judges the account: disabled, and enabled with no running standard, are findings filed under the account", async () => {
    hub.on(DescribeHubCommand).rejects(awsError("InvalidAccessException", 401, "not subscribed"));
    const off = new LiveSession({ region: "eu-west-1" });
    await off.reader(SecurityHubReader).loadAccount();
    const [disabled] = judgeLiveAccount(handAccount(off), { rules: [securityhubDisabled] }).findings;
    assert.equal(disabled?.ruleId, "securityhub-disabled");
    assert.equal(disabled?.source, "live");
    assert.deepEqual(disabled?.stack, { name: "(account)", region: "eu-west-1", account: "111122223333" });
    assert.match(disabled!.message, /not enabled in eu-west-1 \(account 111122223333\)/);

    hub.reset();
    hub.on(DescribeHubCommand).resolves({ HubArn: HUB });
    hub.on(GetEnabledStandardsCommand).resolves({ StandardsSubscriptions: [] });
    const bare = new LiveSession({ region: "eu-west-1" });
    await bare.reader(SecurityHubReader).loadAccount();
    const [noStandard] = judgeLiveAccount(handAccount(bare), { rules: [securityhubDisabled] }).findings;
    assert.match(noStandard!.message, /enabled in eu-west-1 .* but no security standard is enabled/);
    assert.equal(noStandard!.resource.physicalId, HUB);
    assert.notEqual(noStandard!.fingerprint, disabled!.fingerprint);
  });
});

describe("SecurityHubReader against moto", () => {
  const moto = motoForTests();

  it("tells a region without Security Hub from one with it; moto's missing GetEnabledStandards is recorded, not guessed", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const before = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    await before.reader(SecurityHubReader).loadAccount();
    assert.deepEqual(before.reader(SecurityHubReader).hub(), { enabled: false });
    assert.deepEqual(before.failures, []);
    const findings = judgeLiveAccount(handAccount(before), { rules: [securityhubDisabled] }).findings;
    assert.deepEqual(findings.map((finding) => finding.ruleId), ["securityhub-disabled"]);

    await new SecurityHubClient(motoClientConfig(server.endpoint)).send(new EnableSecurityHubCommand({ EnableDefaultStandards: true }));
    const after = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    await after.reader(SecurityHubReader).loadAccount();
    const hub = after.reader(SecurityHubReader).hub();
    assert.equal(hub?.enabled, true);
    assert.match(hub?.hubArn ?? "", /^arn:aws:securityhub:us-east-1:\d{12}:hub\/default$/);
    // moto 5.2 does not implement GetEnabledStandards: it answers 404 with an HTML page.
    assert.equal(hub?.standards, undefined);
    assert.deepEqual(after.failures.map((failure) => [failure.operation, failure.kind]), [["GetEnabledStandards", "not-found"]]);
    assert.deepEqual(judgeLiveAccount(handAccount(after), { rules: [securityhubDisabled] }).findings, []);
  });
});
