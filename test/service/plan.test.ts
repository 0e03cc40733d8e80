import assert from "node:assert/strict";
import { CloudFormationClient, CreateStackCommand, DeleteStackCommand } from "@aws-sdk/client-cloudformation";
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { describe, it } from "node:test";
import { DEFAULT_POLICY } from "../../shared/config/policy.ts";
import type { ServiceConfig } from "../../shared/service/config.ts";
import { parseQueueMessage, type ScanRequest } from "../../shared/service/messages.ts";
import { planScan, sendRequests } from "../../shared/service/plan.ts";
import { MOTO_ACCOUNT, motoClientConfig, motoForTests } from "../live/moto.ts";

const moto = motoForTests();
const MEMBER = "111111111111";
/** One security group: enough for a stack moto creates at once. */
const TEMPLATE = JSON.stringify({ Resources: { Group: { Type: "AWS::EC2::SecurityGroup", Properties: { GroupDescription: "plan test" } } } });

async function createStacks(endpoint: string, region: string, names: string[], credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<void> {
  const cfn = new CloudFormationClient({ ...motoClientConfig(endpoint), region, ...(credentials ? { credentials } : {}) });
  for (const name of names) await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: TEMPLATE }));
}

async function drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }));
    if (!page.Messages?.length) return messages;
    messages.push(...page.Messages);
  }
}

function config(endpoint: string, queueUrl: string, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    tableName: "unused",
    topicArn: `arn:aws:sns:us-east-1:${MOTO_ACCOUNT}:unused`,
    queueUrl,
    regions: ["us-east-1", "eu-west-1"],
    policy: DEFAULT_POLICY,
    endpointUrl: endpoint,
    ...overrides,
  };
}

/** Comparable regardless of key order. */
const sortRequests = (requests: ScanRequest[]) => requests.map((request) => JSON.stringify(request, Object.keys(request).sort())).sort();

describe("planScan against moto", () => {
  it("sends one request per active stack of every target region, plus one account request per region, in batches of ten", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const east = Array.from({ length: 12 }, (_, index) => `east-${index + 1}`);
    await createStacks(server.endpoint, "us-east-1", [...east, "gone"]);
    await createStacks(server.endpoint, "eu-west-1", ["west-1"]);
    // A deleted stack is not active: not planned.
    await new CloudFormationClient(motoClientConfig(server.endpoint)).send(new DeleteStackCommand({ StackName: "gone" }));
    const sqs = new SQSClient(motoClientConfig(server.endpoint));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "plan-scan-queue" }));

    const result = await planScan(config(server.endpoint, QueueUrl!));
    assert.deepEqual(result.errors, []);
    assert.equal(result.requests, 15);
    assert.equal(result.planned, 15);
    assert.equal(result.stacks, 13);
    assert.equal(result.batches, 2);
    assert.deepEqual(result.scopes, [
      { account: MOTO_ACCOUNT, region: "eu-west-1", stacks: 1, listed: true },
      { account: MOTO_ACCOUNT, region: "us-east-1", stacks: 12, listed: true },
    ]);

    const messages = await drain(sqs, QueueUrl!);
    const requests = messages.map((message) => parseQueueMessage(message.Body!));
    const expected: ScanRequest[] = [
      ...east.map((stack): ScanRequest => ({ kind: "stack", account: MOTO_ACCOUNT, region: "us-east-1", stack, reason: "schedule" })),
      { kind: "stack", account: MOTO_ACCOUNT, region: "eu-west-1", stack: "west-1", reason: "schedule" },
      { kind: "account", account: MOTO_ACCOUNT, region: "us-east-1", reason: "schedule" },
      { kind: "account", account: MOTO_ACCOUNT, region: "eu-west-1", reason: "schedule" },
    ];
    assert.deepEqual(sortRequests(requests), sortRequests(expected));
  });

  it("organization mode: lists a member account through its role; each of its requests carries the role", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const roleArn = `arn:aws:iam::${MEMBER}:role/StackWardenMemberRead`;
    const assumed = await new STSClient(motoClientConfig(server.endpoint)).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "setup" }));
    const credentials = { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! };
    await createStacks(server.endpoint, "us-east-1", ["member-app"], credentials);
    await createStacks(server.endpoint, "us-east-1", ["home-app"]);
    const sqs = new SQSClient(motoClientConfig(server.endpoint));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "plan-org-queue" }));

    const result = await planScan(config(server.endpoint, QueueUrl!, { regions: ["us-east-1"], organization: { memberRoleName: "StackWardenMemberRead", accounts: [MEMBER, MOTO_ACCOUNT] } }), new Date(), { reason: "manual" });
    assert.deepEqual(result.errors, []);
    const requests = (await drain(sqs, QueueUrl!)).map((message) => parseQueueMessage(message.Body!));
    assert.deepEqual(
      sortRequests(requests),
      sortRequests([
        { kind: "stack", account: MOTO_ACCOUNT, region: "us-east-1", stack: "home-app", reason: "manual" },
        { kind: "account", account: MOTO_ACCOUNT, region: "us-east-1", reason: "manual" },
        { kind: "stack", account: MEMBER, region: "us-east-1", stack: "member-app", roleArn, reason: "manual" },
        { kind: "account", account: MEMBER, region: "us-east-1", roleArn, reason: "manual" },
      ]),
    );
  });

  it("organization mode without member accounts plans the own account and says why", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const sqs = new SQSClient(motoClientConfig(server.endpoint));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "plan-org-empty" }));
    const result = await planScan(config(server.endpoint, QueueUrl!, { regions: ["us-east-1"], organization: { memberRoleName: "StackWardenMemberRead" } }));
    assert.deepEqual(result.errors, ["organization mode: no member accounts listed (set MEMBER_ACCOUNTS); only the service's own account is planned"]);
    assert.equal(result.requests, 1);
  });

  it("a queue that refuses every batch: each batch is sent once more, then every request is reported", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    await createStacks(server.endpoint, "us-east-1", ["app"]);
    const sqs = new SQSClient(motoClientConfig(server.endpoint));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "plan-partial" }));
    const broken = await planScan({ ...config(server.endpoint, QueueUrl!, { regions: ["us-east-1"] }), queueUrl: `${QueueUrl!}-missing` });
    assert.equal(broken.requests, 0);
    assert.equal(broken.errors.length, 2, broken.errors.join("\n"));
    for (const error of broken.errors) assert.match(error, /not queued after a retry: SendMessageBatch failed: .*(NonExistentQueue|QueueDoesNotExist)/);
    assert.equal(broken.batches, 2, "the failed batch is sent once more");
  });
});

describe("sendRequests: failed entries", () => {
  it("takes one request of each account and region in turn, so the scanners' concurrency spreads over every rate limit", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    await createStacks(server.endpoint, "us-east-1", ["east-1", "east-2", "east-3", "east-4"]);
    await createStacks(server.endpoint, "eu-west-1", ["west-1", "west-2"]);
    const mock = mockClient(SQSClient);
    try {
      const queued = new Map<number, ScanRequest>();
      mock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string; MessageBody: string }[] }) => {
        for (const entry of input.Entries) queued.set(Number(entry.Id.slice(1)), parseQueueMessage(entry.MessageBody));
        return { Successful: input.Entries.map(({ Id }) => ({ Id, MessageId: `m-${Id}`, MD5OfMessageBody: "x" })), Failed: [] };
      });
      const result = await planScan(config(server.endpoint, "http://127.0.0.1:9/123456789012/q"));
      assert.deepEqual(result.errors, []);
      const order = [...queued.keys()].sort((a, b) => a - b).map((index) => queued.get(index)!);
      const where = (request: ScanRequest) => `${request.region} ${request.kind === "stack" ? request.stack : "(account)"}`;
      assert.deepEqual(order.map(where).slice(0, 6), ["eu-west-1 west-1", "us-east-1 east-1", "eu-west-1 west-2", "us-east-1 east-2", "eu-west-1 (account)", "us-east-1 east-3"]);
      assert.equal(order.length, 8);
    } finally {
      mock.restore();
    }
  });

  it("retries the entries SQS refused once and reports those refused twice", async () => {
    const mock = mockClient(SQSClient);
    try {
      const calls: string[][] = [];
      mock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => {
        const ids = input.Entries.map((entry) => entry.Id);
        calls.push(ids);
        // First pass: r3 and r11 refused; retry: r11 refused again.
        const refused: string[] = calls.length <= 2 ? ids.filter((id) => id === "r3" || id === "r11") : ids.filter((id) => id === "r11");
        return {
          Successful: ids.filter((id) => !refused.includes(id)).map((Id) => ({ Id, MessageId: `m-${Id}`, MD5OfMessageBody: "x" })),
          Failed: refused.map((Id) => ({ Id, Code: "InternalError", SenderFault: false, Message: "try again" })),
        };
      });
      const requests: ScanRequest[] = Array.from({ length: 12 }, (_, index) => ({ kind: "stack", account: MOTO_ACCOUNT, region: "eu-west-1", stack: `s${index}`, reason: "schedule" }));
      const result = await sendRequests(config("http://127.0.0.1:9", "http://127.0.0.1:9/123456789012/q"), requests);
      assert.deepEqual(calls, [["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"], ["r10", "r11"], ["r3", "r11"]]);
      assert.equal(result.accepted, 11);
      assert.equal(result.batches, 3);
      assert.deepEqual(result.errors, ["123456789012/eu-west-1/s11: not queued after a retry: InternalError: try again"]);
    } finally {
      mock.restore();
    }
  });
});
