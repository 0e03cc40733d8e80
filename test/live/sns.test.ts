import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CreateTopicCommand, GetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { LiveSession } from "../../shared/live/session.ts";
import { SnsReader } from "../../shared/live/sns.ts";
import snsTopicUnencrypted, { topicEncryption } from "../../shared/rules/sns/sns-topic-unencrypted.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { snsTopicViews } from "../../shared/views/sns-topic.ts";
import { awsError, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const TOPIC = (name: string) => `arn:aws:sns:eu-west-1:111122223333:${name}`;

const TEMPLATE = `
Resources:
  AlertsKey:
    Type: AWS::KMS::Key
    Properties: { KeyPolicy: { Version: "2012-10-17", Statement: [] } }
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: alerts
      KmsMasterKeyId: !Ref AlertsKey
  Audit:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: audit
  Billing:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: billing
      KmsMasterKeyId: alias/aws/sns
`;

describe("SnsReader against a mocked SNS", () => {
  let sns: AwsClientStub<SNSClient>;
  before(() => {
    sns = mockClient(SNSClient);
  });
  afterEach(() => sns.reset());
  after(() => sns.restore());

  it("reads each topic once, with its key, and serves a second load from its cache", async () => {
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("alerts") }).resolves({ Attributes: { TopicArn: TOPIC("alerts"), KmsMasterKeyId: "1234abcd-12ab-34cd-56ef-1234567890ab" } });
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("audit") }).resolves({ Attributes: { TopicArn: TOPIC("audit"), KmsMasterKeyId: "" } });
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("orders.fifo") }).resolves({ Attributes: { TopicArn: TOPIC("orders.fifo"), FifoTopic: "true", KmsMasterKeyId: "alias/aws/sns" } });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(SnsReader);
    const resources = [
      resource("Alerts", "AWS::SNS::Topic", TOPIC("alerts")),
      resource("Audit", "AWS::SNS::Topic", TOPIC("audit")),
      resource("Orders", "AWS::SNS::Topic", TOPIC("orders.fifo")),
      resource("Pending", "AWS::SNS::Topic"),
      resource("Queue", "AWS::SQS::Queue", "https://sqs.eu-west-1.amazonaws.com/111122223333/q"),
    ];
    await reader.load(resources);
    await reader.load(resources);
    assert.equal(session.calls.get("sns:GetTopicAttributes"), 3);
    assert.deepEqual(reader.topic(TOPIC("alerts")), { arn: TOPIC("alerts"), name: "alerts", fifo: false, kmsMasterKeyId: "1234abcd-12ab-34cd-56ef-1234567890ab" });
    assert.deepEqual(reader.topic(TOPIC("audit")), { arn: TOPIC("audit"), name: "audit", fifo: false }, "an empty KmsMasterKeyId means no key");
    assert.equal(reader.topic(TOPIC("orders.fifo"))?.fifo, true);
    assert.deepEqual(session.failures, []);
  });

  it("records access denied, throttling, a deleted topic and a malformed answer, and reads the rest", async () => {
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("denied") }).rejects(awsError("AuthorizationErrorException", 403, "not authorized to perform SNS:GetTopicAttributes"));
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("busy") }).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("gone") }).rejects(awsError("NotFoundException", 404, "Topic does not exist"));
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("odd") }).resolves({ Attributes: { KmsMasterKeyId: { Id: "k" } } as unknown as Record<string, string> });
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("empty") }).resolves({});
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("fine") }).resolves({ Attributes: { TopicArn: TOPIC("fine") } });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(SnsReader);
    await reader.load(["denied", "busy", "gone", "odd", "empty", "fine"].map((name) => resource(name, "AWS::SNS::Topic", TOPIC(name))));
    const byTarget = new Map(session.failures.map((failure) => [failure.target, failure]));
    assert.equal(byTarget.get(TOPIC("denied"))?.kind, "access-denied");
    assert.match(byTarget.get(TOPIC("denied"))!.message, /grant sns:GetTopicAttributes/);
    assert.equal(byTarget.get(TOPIC("busy"))?.kind, "throttled");
    assert.equal(byTarget.get(TOPIC("gone"))?.kind, "not-found");
    assert.equal(byTarget.get(TOPIC("odd"))?.kind, "malformed-response");
    assert.equal(byTarget.get(TOPIC("empty"))?.kind, "malformed-response");
    assert.equal(session.failures.length, 5);
    assert.ok(reader.topic(TOPIC("fine")));
    for (const name of ["denied", "busy", "gone", "odd", "empty"]) assert.equal(reader.topic(TOPIC(name)), undefined, name);
  });

  it("builds live views and judges them: the unencrypted topic is a live finding with its ARN, the encrypted ones stay quiet", async () => {
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("alerts") }).resolves({ Attributes: { KmsMasterKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" } });
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("audit") }).resolves({ Attributes: {} });
    sns.on(GetTopicAttributesCommand, { TopicArn: TOPIC("billing") }).rejects(awsError("AccessDenied", 403));
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [
      resource("AlertsKey", "AWS::KMS::Key", "1234abcd-12ab-34cd-56ef-1234567890ab"),
      resource("Alerts", "AWS::SNS::Topic", TOPIC("alerts")),
      resource("Audit", "AWS::SNS::Topic", TOPIC("audit")),
      resource("Billing", "AWS::SNS::Topic", TOPIC("billing")),
    ]);
    await session.reader(SnsReader).load(stack.resources);

    const views = snsTopicViews.fromLive!(stack);
    assert.deepEqual(
      views.map((view) => [view.logicalId, view.physicalId, view.topicName, view.kmsMasterKeyId, view.at]),
      [
        ["Alerts", TOPIC("alerts"), "alerts", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", undefined],
        ["Audit", TOPIC("audit"), "audit", undefined, undefined],
      ],
      "the topic whose read failed has no view",
    );

    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [snsTopicUnencrypted] });
    assert.deepEqual(
      result.findings.map((finding) => [finding.resource.logicalId, finding.source, finding.resource.physicalId]),
      [["Audit", "live", TOPIC("audit")]],
    );
    assert.equal(result.findings[0]!.evidence.alsoInTemplate, true);
    assert.ok(result.findings[0]!.location, "a flaw in template and live points at its template line");
  });

  it("finds a topic whose key was removed out of band, and declares its encryption as a drift property", async () => {
    sns.on(GetTopicAttributesCommand).resolves({ Attributes: {} });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [resource("Alerts", "AWS::SNS::Topic", TOPIC("alerts")), resource("Billing", "AWS::SNS::Topic", TOPIC("billing"))]);
    await session.reader(SnsReader).load(stack.resources);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [snsTopicUnencrypted] });
    const alerts = result.findings.find((finding) => finding.resource.logicalId === "Alerts");
    assert.equal(alerts?.source, "live");
    assert.equal(alerts?.evidence.alsoInTemplate, undefined, "the template encrypts it: only live is flawed");

    const [property] = snsTopicUnencrypted.drift!;
    assert.equal(property!.property, "KmsMasterKeyId");
    const [resolved] = resolveTemplate(parseTemplate(TEMPLATE));
    const intended = new Map(snsTopicViews.fromTemplate(resolved!).map((view) => [view.logicalId, property!.value(view)]));
    assert.deepEqual(Object.fromEntries(intended), { Alerts: "customer-managed", Audit: "none", Billing: "aws-managed" });
    const live = new Map(snsTopicViews.fromLive!(stack).map((view) => [view.logicalId, property!.value(view)]));
    assert.deepEqual(Object.fromEntries(live), { Alerts: "none", Billing: "none" });
    assert.equal(topicEncryption({ logicalId: "T", type: "AWS::SNS::Topic", fifo: false, kmsAt: [], kmsMasterKeyId: "arn:aws:kms:eu-west-1:111122223333:alias/aws/sns" }), "aws-managed");
  });
});

describe("SnsReader against moto", () => {
  const moto = motoForTests();

  it("reads the key of topics created through the SNS API", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const client = new SNSClient(motoClientConfig(server.endpoint));
    const encrypted = await client.send(new CreateTopicCommand({ Name: "encrypted", Attributes: { KmsMasterKeyId: "alias/aws/sns" } }));
    const plain = await client.send(new CreateTopicCommand({ Name: "plain" }));
    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const stack = handStack(session, [resource("Encrypted", "AWS::SNS::Topic", encrypted.TopicArn!), resource("Plain", "AWS::SNS::Topic", plain.TopicArn!), resource("Gone", "AWS::SNS::Topic", `${plain.TopicArn!}-deleted`)]);
    await session.reader(SnsReader).load(stack.resources);
    const views = new Map(snsTopicViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.equal(views.get("Encrypted")?.kmsMasterKeyId, "alias/aws/sns");
    assert.equal(views.get("Plain")?.kmsMasterKeyId, undefined);
    assert.equal(views.has("Gone"), false);
    assert.deepEqual(session.failures.map((failure) => [failure.kind, failure.target]), [["not-found", `${plain.TopicArn!}-deleted`]]);
    const findings = judgeLiveStack(stack, undefined, { rules: [snsTopicUnencrypted] }).findings;
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.source, finding.resource.physicalId]), [["Plain", "live", plain.TopicArn]]);
  });
});
