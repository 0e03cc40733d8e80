import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { alertBytes, buildAlert, publishAlert, SNS_MAX_BYTES, stackConsoleUrl, type Alert } from "../../shared/findings/notify.ts";
import { fingerprintOf, SEVERITIES, type Severity } from "../../shared/findings/finding.ts";
import type { StackKey, StoredFinding } from "../../shared/findings/store.ts";
import { awsError } from "../live/hand-stack.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoClientConfig, motoForTests } from "../live/moto.ts";

const KEY: StackKey = { account: "123456789012", region: "eu-west-1", stack: "prod-api" };
const STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/prod-api/1f2e3d4c-0000-11ee-8c90-0242ac120002";
const SECRET = "hunter2-S3cr3tValue-in-evidence";

let serial = 0;
function stored(severity: Severity, ruleId: string, logicalId: string, extra: Partial<StoredFinding> = {}): StoredFinding {
  serial += 1;
  return {
    ruleId,
    severity,
    title: `${ruleId} title`,
    message: `${logicalId} is wrong in the way ${ruleId} describes (#${serial}).`,
    source: "live",
    resource: { logicalId, type: "AWS::EC2::SecurityGroup", physicalId: `sg-${String(serial).padStart(8, "0")}` },
    stack: { name: KEY.stack, id: STACK_ID, region: KEY.region, account: KEY.account },
    evidence: { password: SECRET, cidr: "0.0.0.0/0" },
    remediation: `Fix ${logicalId} as ${ruleId} recommends.`,
    fingerprint: fingerprintOf({ account: KEY.account, region: KEY.region, stack: KEY.stack, logicalId, ruleId, detail: String(serial) }),
    status: "NEW",
    firstSeen: "2026-11-23T10:00:00.000Z",
    lastSeen: "2026-11-23T10:00:00.000Z",
    notified: false,
    ...extra,
  };
}

/** The finding lines ("12. [HIGH] RULE: title") of a body, in order. */
function findingLines(body: string): string[] {
  return body.split("\n").filter((line) => /^\d+\. \[[A-Z]+\] /.test(line));
}

const STACK_LINK = `https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/stackinfo?stackId=${encodeURIComponent(STACK_ID)}`;

describe("buildAlert", () => {
  it("writes the subject the brief shows, under 100 characters", () => {
    const alert = buildAlert(KEY, [stored("high", "SG_OPEN", "Web"), stored("critical", "RDS_PUBLIC", "Db"), stored("high", "SG_OPEN", "Admin")]);
    assert.equal(alert.subject, "StackWarden: 3 new findings (1 critical) in prod-api, 123456789012 eu-west-1");

    const one = buildAlert(KEY, [stored("medium", "S3_NO_TLS", "Bucket", { regressed: true })]);
    assert.equal(one.subject, "StackWarden: 1 new finding (1 medium, 1 regressed) in prod-api, 123456789012 eu-west-1");

    const twoHigh = buildAlert(KEY, [stored("high", "A", "X"), stored("high", "B", "Y"), stored("low", "C", "Z", { regressed: true })]);
    assert.equal(twoHigh.subject, "StackWarden: 3 new findings (2 high, 1 regressed) in prod-api, 123456789012 eu-west-1");
  });

  it("shortens a long stack name so the subject stays under 100 ASCII characters and keeps account and region", () => {
    const key: StackKey = { account: "123456789012", region: "ap-southeast-2", stack: `payments-${"x".repeat(119)}` };
    assert.equal(key.stack.length, 128, "CloudFormation's longest stack name");
    const alert = buildAlert(key, Array.from({ length: 1234 }, (_, i) => stored("critical", "R", `L${i}`, { regressed: i < 100 })));
    assert.ok(alert.subject.length < 100, `${alert.subject.length}: ${alert.subject}`);
    assert.match(alert.subject, /^StackWarden: 1234 new findings \(1234 critical\) in payments-x{7,}\.\.\., 123456789012 ap-southeast-2$/);
    // A shorter long name keeps the regressed count.
    const medium = buildAlert({ ...key, region: "eu-west-1", stack: `payments-${"y".repeat(40)}` }, [stored("high", "R", "L", { regressed: true })]);
    assert.match(medium.subject, /^StackWarden: 1 new finding \(1 high, 1 regressed\) in payments-y{10,}\.\.\., 123456789012 eu-west-1$/);
    assert.ok(medium.subject.length < 100, medium.subject);
    assert.match(alert.subject, /^[\x20-\x7e]+$/, "SNS subjects are printable ASCII");
    // The body still names the stack in full.
    assert.ok(alert.body.includes(key.stack));
  });

  it("groups findings by severity, critical first, each with rule, title, resource, what is wrong, how to fix, regressed and the console link", () => {
    const findings = [
      stored("low", "LOW_RULE", "LowRes"),
      stored("high", "HIGH_B", "HighRes2"),
      stored("critical", "CRIT_RULE", "CritRes", { regressed: true }),
      stored("medium", "MED_RULE", "MedRes", { resource: { logicalId: "Pending", type: "AWS::S3::Bucket" } }),
      stored("high", "HIGH_A", "HighRes1"),
    ];
    const alert = buildAlert(KEY, findings);
    const body = alert.body;

    const headers = body.split("\n").filter((line) => /^(CRITICAL|HIGH|MEDIUM|LOW|INFO): /.test(line));
    assert.deepEqual(headers, ["CRITICAL: 1 finding", "HIGH: 2 findings", "MEDIUM: 1 finding", "LOW: 1 finding"]);
    assert.deepEqual(
      findingLines(body).map((line) => line.replace(/ +\(regressed.*$/, "")),
      ["1. [CRITICAL] CRIT_RULE: CRIT_RULE title", "2. [HIGH] HIGH_A: HIGH_A title", "3. [HIGH] HIGH_B: HIGH_B title", "4. [MEDIUM] MED_RULE: MED_RULE title", "5. [LOW] LOW_RULE: LOW_RULE title"],
    );
    // Each header comes right before its findings.
    assert.ok(body.indexOf("CRITICAL: 1 finding") < body.indexOf("1. [CRITICAL]"));
    assert.ok(body.indexOf("1. [CRITICAL]") < body.indexOf("HIGH: 2 findings"));
    assert.ok(body.indexOf("HIGH: 2 findings") < body.indexOf("2. [HIGH]"));
    assert.ok(body.indexOf("LOW: 1 finding") < body.indexOf("5. [LOW]"));

    const critical = findings[2]!;
    const block = body.slice(body.indexOf("1. [CRITICAL]"), body.indexOf("HIGH: 2 findings"));
    assert.match(block, /^1\. \[CRITICAL\] CRIT_RULE: CRIT_RULE title {2}\(regressed: it was resolved and came back\)$/m);
    assert.ok(block.includes(`Resource:     CritRes (AWS::EC2::SecurityGroup), physical id ${critical.resource.physicalId}`), block);
    assert.ok(block.includes(`What's wrong: ${critical.message}`));
    assert.ok(block.includes(`How to fix:   ${critical.remediation}`));
    assert.ok(block.includes(`Console:      ${STACK_LINK}`));
    assert.ok(block.includes(critical.fingerprint));
    assert.deepEqual(findingLines(body).filter((line) => line.includes("(regressed")).map((line) => line.slice(0, 3)), ["1. "], "only the regressed finding says so");
    assert.match(body, /Resource: {5}Pending \(AWS::S3::Bucket\), not created yet or no physical id/);

    assert.match(body, /^StackWarden found 5 new findings in stack prod-api \(account 123456789012, region eu-west-1\): 1 critical, 2 high, 1 medium, 1 low\.$/m);
    assert.match(body, /^1 of them regressed: it was resolved and came back\.$/m);
    assert.ok(body.includes(`\n${STACK_LINK}\n`), "the stack's console link near the top");
    assert.ok(!body.includes("... and"), "nothing left out");
    assert.ok(!body.includes(SECRET) && !body.includes("0.0.0.0/0"), "evidence is never printed");
    assert.ok(!alert.subject.includes(SECRET));
  });

  it("links the stack by name when no finding carries its id, in the region's console (and partition)", () => {
    const finding = stored("high", "R", "L", { stack: { name: KEY.stack } });
    const alert = buildAlert(KEY, [finding]);
    assert.ok(alert.body.includes("https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/stackinfo?stackId=prod-api"));
    assert.equal(stackConsoleUrl("cn-north-1", "s"), "https://cn-north-1.console.amazonaws.cn/cloudformation/home?region=cn-north-1#/stacks/stackinfo?stackId=s");
    assert.equal(stackConsoleUrl("us-gov-west-1", "s"), "https://console.amazonaws-us-gov.com/cloudformation/home?region=us-gov-west-1#/stacks/stackinfo?stackId=s");
  });

  it("sets the attributes filter policies match on", () => {
    const alert = buildAlert(KEY, [stored("medium", "MED", "A"), stored("high", "HIGH_Z", "B"), stored("high", "HIGH_A", "C"), stored("medium", "MED", "D")]);
    assert.deepEqual(alert.attributes, {
      severity: { DataType: "String", StringValue: "high" },
      ruleId: { DataType: "String", StringValue: "HIGH_A" },
      ruleIds: { DataType: "String", StringValue: "HIGH_A,HIGH_Z,MED" },
      account: { DataType: "String", StringValue: "123456789012" },
      stack: { DataType: "String", StringValue: "prod-api" },
    });
  });

  it("leaves the ruleIds list out when it is too long, keeping ruleId", () => {
    const findings = Array.from({ length: 300 }, (_, i) => stored("high", `RULE_${String(i).padStart(4, "0")}`, `R${i}`));
    const alert = buildAlert(KEY, findings);
    assert.equal(alert.attributes.ruleIds, undefined);
    assert.equal(alert.attributes.ruleId?.StringValue, "RULE_0000");
    assert.equal(alert.attributes.severity?.StringValue, "high");
  });

  it("keeps 5,000 findings under SNS's 256 KB, leaving out the least severe and counting them", () => {
    // Multi-byte text so that bytes, not characters, are what is measured.
    const findings: StoredFinding[] = [];
    for (let i = 0; i < 5000; i++) {
      const severity = SEVERITIES[i % SEVERITIES.length]!;
      findings.push(stored(severity, `RULE_${severity.toUpperCase()}_${i % 7}`, `Résumé${i}`, { message: `Le groupe « Résumé${i} » est ouvert à tous — ${"é".repeat(60)} 🔓`, regressed: i % 11 === 0 }));
    }
    const started = performance.now();
    const alert = buildAlert(KEY, findings);
    const ms = performance.now() - started;
    const bytes = alertBytes(alert);
    assert.ok(bytes <= SNS_MAX_BYTES, `${bytes} bytes`);
    assert.ok(Buffer.byteLength(alert.body) > alert.body.length, "the body is multi-byte");

    const lines = findingLines(alert.body);
    const shown = lines.length;
    assert.ok(shown > 100 && shown < 5000, `${shown} shown`);
    assert.match(alert.body, new RegExp(`^\\.\\.\\. and ${5000 - shown} more findings \\(see the findings table\\)$`, "m"));
    // Most severe first: the findings shown are the first of the severity order, and the group cut short says so.
    const shownSeverities = lines.map((line) => /\[([A-Z]+)\]/.exec(line)![1]!.toLowerCase() as Severity);
    const sortedAll = [...findings].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
    assert.deepEqual(shownSeverities, sortedAll.slice(0, shown).map((finding) => finding.severity));
    const lastShown = shownSeverities.at(-1)!;
    const shownOfLast = shownSeverities.filter((severity) => severity === lastShown).length;
    assert.ok(shownOfLast < 1000);
    assert.match(alert.body, new RegExp(`^${lastShown.toUpperCase()}: 1000 findings \\(the first ${shownOfLast} shown\\)$`, "m"));
    // The intro still counts everything.
    assert.match(alert.body, /^StackWarden found 5000 new findings in stack prod-api .*: 1000 critical, 1000 high, 1000 medium, 1000 low, 1000 info\.$/m);
    // Not wastefully short: one more finding would not have fitted.
    const longestBlock = Math.max(...alert.body.split(/\n(?=\d+\. \[)/).slice(1, -1).map((block) => Buffer.byteLength(block)));
    assert.ok(bytes > SNS_MAX_BYTES - 2 * longestBlock, `${bytes} bytes, blocks up to ${longestBlock}`);
    assert.ok(alert.subject.length < 100);
    assert.ok(!alert.body.includes(SECRET));
    assert.ok(ms < 5000, `${ms} ms`);
  });

  it("honours a smaller maxBytes, counting subject and attributes", () => {
    const findings = Array.from({ length: 50 }, (_, i) => stored(i < 5 ? "critical" : "high", "R", `L${i}`));
    const alert = buildAlert(KEY, findings, { maxBytes: 4000 });
    assert.ok(alertBytes(alert) <= 4000, String(alertBytes(alert)));
    const shown = findingLines(alert.body).length;
    assert.ok(shown >= 1 && shown < 50, String(shown));
    assert.ok(alert.body.includes(`... and ${50 - shown} more findings (see the findings table)`));

    const tiny = buildAlert(KEY, findings, { maxBytes: 400 });
    assert.ok(alertBytes(tiny) <= 400, String(alertBytes(tiny)));
    assert.ok(tiny.body.endsWith("... and 50 more findings (see the findings table)\n"), tiny.body);
    assert.throws(() => buildAlert(KEY, findings, { maxBytes: 50 }), RangeError);
  });

  it("caps one huge message and strips control characters", () => {
    const big = stored("critical", "BIG", "Huge", { message: `start\u0000\u0007${"m".repeat(100_000)}`, title: "line one\r\nline two" });
    const alert = buildAlert(KEY, [big, stored("high", "OTHER", "Other")]);
    assert.equal(findingLines(alert.body).length, 2, "the other finding is not pushed out");
    assert.ok(Buffer.byteLength(alert.body) < 10_000);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f]/.test(alert.body));
    assert.ok(alert.body.includes("What's wrong: startmmm"));
  });

  it("refuses to build an alert for nothing", () => {
    assert.throws(() => buildAlert(KEY, []), /no findings/);
  });
});

describe("publishAlert against moto SNS -> SQS", () => {
  const moto = motoForTests();

  interface Envelope {
    Type: string;
    MessageId: string;
    TopicArn: string;
    Subject?: string;
    Message: string;
    MessageAttributes?: Record<string, { Type: string; Value: string }>;
  }

  async function inbox(sns: SNSClient, sqs: SQSClient, topicArn: string, name: string, filterPolicy?: object): Promise<string> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: Attributes!.QueueArn!,
        Attributes: { RawMessageDelivery: "false", ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : {}) },
      }),
    );
    return QueueUrl!;
  }

  async function receive(sqs: SQSClient, queueUrl: string, waitSeconds = 2): Promise<Envelope[]> {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }));
    return (Messages ?? []).map((message) => JSON.parse(message.Body!) as Envelope);
  }

  it("publishes one message whose SNS envelope carries the subject, body and attributes", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const sns = new SNSClient(motoClientConfig(server.endpoint));
    const sqs = new SQSClient(motoClientConfig(server.endpoint));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "stackwarden-alerts" }));
    const all = await inbox(sns, sqs, TopicArn!, "alerts-inbox");
    const criticalOnly = await inbox(sns, sqs, TopicArn!, "critical-inbox", { severity: ["critical"] });
    const otherAccount = await inbox(sns, sqs, TopicArn!, "other-account-inbox", { account: ["999999999999"] });
    const byRule = await inbox(sns, sqs, TopicArn!, "rule-inbox", { ruleId: ["RDS_PUBLIC"] });

    const findings = [stored("high", "SG_OPEN", "Web"), stored("critical", "RDS_PUBLIC", "Db", { regressed: true }), stored("high", "SG_OPEN", "Admin")];
    const expected: Alert = buildAlert(KEY, findings);
    const result = await publishAlert(KEY, findings, { topicArn: TopicArn!, target: { region: MOTO_REGION, endpointUrl: server.endpoint } });
    assert.ok("messageId" in result, JSON.stringify(result));

    const messages = await receive(sqs, all);
    assert.equal(messages.length, 1, "one message per stack scan");
    const envelope = messages[0]!;
    assert.equal(envelope.Type, "Notification");
    assert.equal(envelope.MessageId, result.messageId);
    assert.equal(envelope.TopicArn, TopicArn);
    assert.equal(envelope.Subject, "StackWarden: 3 new findings (1 critical, 1 regressed) in prod-api, 123456789012 eu-west-1");
    assert.equal(envelope.Message, expected.body);
    assert.match(envelope.Message, /^CRITICAL: 1 finding$/m);
    assert.ok(!envelope.Message.includes(SECRET));
    assert.deepEqual(envelope.MessageAttributes, {
      severity: { Type: "String", Value: "critical" },
      ruleId: { Type: "String", Value: "RDS_PUBLIC" },
      ruleIds: { Type: "String", Value: "RDS_PUBLIC,SG_OPEN" },
      account: { Type: "String", Value: "123456789012" },
      stack: { Type: "String", Value: "prod-api" },
    });

    assert.equal((await receive(sqs, criticalOnly)).length, 1, "a severity filter policy matches");
    assert.equal((await receive(sqs, byRule)).length, 1, "a ruleId filter policy matches");
    assert.equal((await receive(sqs, otherAccount, 1)).length, 0, "an account filter policy for another account does not");
  });

  it("returns { error } for a topic that does not exist, without throwing", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const topicArn = `arn:aws:sns:${MOTO_REGION}:${MOTO_ACCOUNT}:no-such-topic`;
    const result = await publishAlert(KEY, [stored("critical", "R", "L")], { topicArn, target: { region: MOTO_REGION, endpointUrl: server.endpoint, maxAttempts: 1 } });
    assert.ok("error" in result, JSON.stringify(result));
    assert.match(result.error, /^SNS Publish to arn:aws:sns:us-east-1:123456789012:no-such-topic failed \(NotFound/);
    assert.match(result.error, /check TOPIC_ARN/);
    assert.match(result.error, /the findings stay un-notified and the next scan sends them$/);
  });
});

describe("publishAlert against a mocked SNS", () => {
  let sns: AwsClientStub<SNSClient>;
  before(() => {
    sns = mockClient(SNSClient);
  });
  afterEach(() => sns.reset());
  after(() => sns.restore());

  const TOPIC = "arn:aws:sns:eu-west-1:123456789012:stackwarden-alerts";
  const target = { region: "eu-west-1" };

  it("sends exactly what buildAlert builds and returns the message id", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const findings = [stored("high", "A", "X"), stored("critical", "B", "Y")];
    assert.deepEqual(await publishAlert(KEY, findings, { topicArn: TOPIC, target }), { messageId: "m-1" });
    const calls = sns.commandCalls(PublishCommand);
    assert.equal(calls.length, 1);
    const expected = buildAlert(KEY, findings);
    const input = calls[0]!.args[0].input;
    assert.deepEqual(input, { TopicArn: TOPIC, Subject: expected.subject, Message: expected.body, MessageAttributes: expected.attributes });
  });

  it("publishes in the topic's region when the target's differs", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-2" });
    await publishAlert(KEY, [stored("high", "A", "X")], { topicArn: TOPIC, target: { region: "us-east-1" } });
    const client = sns.commandCalls(PublishCommand)[0]!.thisValue as SNSClient;
    assert.equal(await client.config.region(), "eu-west-1");
  });

  it("adds a group and a deduplication id for a FIFO topic", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-3" });
    const findings = [stored("high", "A", "X"), stored("high", "B", "Y")];
    await publishAlert(KEY, findings, { topicArn: `${TOPIC}.fifo`, target });
    await publishAlert(KEY, [...findings].reverse(), { topicArn: `${TOPIC}.fifo`, target });
    const [first, second] = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    assert.equal(first!.MessageGroupId, "123456789012-eu-west-1-prod-api");
    assert.match(first!.MessageDeduplicationId!, /^[0-9a-f]{64}$/);
    assert.equal(second!.MessageDeduplicationId, first!.MessageDeduplicationId, "the same findings, the same dedup id");
  });

  it("turns AccessDenied, a KMS refusal, NotFound and a network failure into { error }", async () => {
    const cases: [Error, RegExp][] = [
      [awsError("AuthorizationErrorException", 403, "User: arn:aws:sts::123456789012:assumed-role/scanner is not authorized to perform: SNS:Publish"), /AuthorizationErrorException: .*not authorized.*; grant sns:Publish on the topic/],
      [awsError("AccessDeniedException", 403, "Access denied"), /AccessDeniedException: Access denied\); grant sns:Publish/],
      [awsError("KMSAccessDeniedException", 400, "The ciphertext refers to a customer master key that does not exist"), /KMSAccessDeniedException: .*; the topic's KMS key refused/],
      [awsError("NotFoundException", 404, "Topic does not exist"), /NotFoundException: Topic does not exist\); check TOPIC_ARN/],
      [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), { code: "ECONNREFUSED" }), /\(connect ECONNREFUSED 127\.0\.0\.1:4566\); the findings stay un-notified/],
    ];
    for (const [error, expected] of cases) {
      sns.reset();
      sns.on(PublishCommand).rejects(error);
      const result = await publishAlert(KEY, [stored("critical", "R", "L")], { topicArn: TOPIC, target });
      assert.ok("error" in result, JSON.stringify(result));
      assert.match(result.error, new RegExp(`^SNS Publish to ${TOPIC.replace(/[.]/g, "\\.")} failed \\(`));
      assert.match(result.error, expected);
    }
  });

  it("returns { error } and publishes nothing for no findings, no topic, or an answer without a message id", async () => {
    sns.on(PublishCommand).resolves({});
    const none = await publishAlert(KEY, [], { topicArn: TOPIC, target });
    assert.ok("error" in none && /no new or regressed findings/.test(none.error));
    const noTopic = await publishAlert(KEY, [stored("high", "A", "X")], { topicArn: "", target });
    assert.ok("error" in noTopic && /no topic ARN configured/.test(noTopic.error));
    assert.equal(sns.commandCalls(PublishCommand).length, 0);
    const noId = await publishAlert(KEY, [stored("high", "A", "X")], { topicArn: TOPIC, target });
    assert.ok("error" in noId && /without a MessageId/.test(noId.error), JSON.stringify(noId));
  });
});
