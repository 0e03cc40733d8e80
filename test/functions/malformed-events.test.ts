/**
 * Malformed events to both handlers: each is answered without a throw and without a batch item failure (retrying
 * cannot help), logged with its reason, and nothing is read or written (every AWS client mocked and counted). A
 * well-formed request whose scan is throttled IS reported as a batch item failure, so SQS delivers it again.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, afterEach, before, describe, it } from "node:test";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { handler as planScan } from "../../functions/plan-scan/handler.ts";
import { handler as scanStack } from "../../functions/scan-stack/handler.ts";
import { awsError } from "../live/hand-stack.ts";
import { captureStdout } from "./helpers.ts";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const event = (name: string) => JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;
const STATUS_EVENT = event("stack-update-complete.json");
const statusEvent = (status: string) => JSON.stringify({ ...STATUS_EVENT, detail: { ...(STATUS_EVENT.detail as object), "status-details": { status, "status-reason": "" } } });
const scanRequest = (fields: Record<string, unknown>) => JSON.stringify({ kind: "stack", account: ACCOUNT, region: REGION, stack: "app", reason: "schedule", ...fields });

function record(messageId: unknown, body: unknown): Record<string, unknown> {
  return {
    ...(messageId !== undefined ? { messageId } : {}),
    receiptHandle: `rh-${String(messageId)}`,
    ...(body !== undefined ? { body } : {}),
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1763888142000", SenderId: "AIDAEXAMPLE", ApproximateFirstReceiveTimestamp: "1763888142000" },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:stackwarden-scan`,
    awsRegion: REGION,
  };
}
const batchOf = (...bodies: unknown[]) => ({ Records: bodies.map((body, index) => record(`m-${index}`, body)) });

/** Events scan-stack can never serve: none may be retried, none may cause a read or a write. */
const SCAN_STACK_EVENTS: [string, unknown][] = [
  ["not an object (a number)", 42],
  ["null", null],
  ["a string", "Records"],
  ["a list", [{ messageId: "m-0", body: scanRequest({}) }]],
  ["an object without Records", { detail: {} }],
  ["Records that is not a list", { Records: "m-0" }],
  ["a record that is not an object", { Records: [null, "m-1", 7] }],
  ["a record without messageId", { Records: [record(undefined, scanRequest({}))] }],
  ["a record whose messageId is not a string", { Records: [record(17, scanRequest({}))] }],
  ["a record without body", { Records: [record("m-0", undefined)] }],
  ["a body that is not a string", { Records: [record("m-0", { kind: "stack" })] }],
  ["an empty body", batchOf("")],
  ["a body that is not JSON", batchOf("{kind: stack")],
  ["a body of JSON null", batchOf("null")],
  ["a body of a JSON list", batchOf("[1,2,3]")],
  ["a body of a JSON string", batchOf('"scan app"')],
  ["JSON of the wrong shape", batchOf(JSON.stringify({ stack: "app", region: REGION }))],
  ["an unknown kind", batchOf(scanRequest({ kind: "organization" }))],
  ["a ScanRequest with wrong-typed fields", batchOf(scanRequest({ account: 123456789012, region: ["us-east-1"], stack: { name: "app" }, reason: null }))],
  ["a ScanRequest with an unknown field", batchOf(scanRequest({ priority: "high" }))],
  ["a ScanRequest for a stack name CloudFormation cannot have", batchOf(scanRequest({ stack: "-bad name" }))],
  ["a role ARN in another account", batchOf(scanRequest({ roleArn: "arn:aws:iam::210987654321:role/audit" }))],
  ["a stack status event being deleted", batchOf(statusEvent("DELETE_COMPLETE"))],
  ["a stack status event in progress", batchOf(statusEvent("UPDATE_IN_PROGRESS"))],
  ["a stack status event rolled back", batchOf(statusEvent("UPDATE_ROLLBACK_COMPLETE"))],
  ["a stack status event without a status", batchOf(JSON.stringify({ ...STATUS_EVENT, detail: { "stack-id": (STATUS_EVENT.detail as Record<string, unknown>)["stack-id"] } }))],
  ["a stack status event whose stack-id is not an ARN", batchOf(JSON.stringify({ ...STATUS_EVENT, detail: { "stack-id": "app", "status-details": { status: "UPDATE_COMPLETE" } } }))],
  ["an EventBridge event of another kind", batchOf(JSON.stringify({ version: "0", source: "aws.s3", "detail-type": "Object Created", detail: {} }))],
  ["an oversized body (300 KB)", batchOf(scanRequest({ stack: "a".repeat(300_000) }))],
  ["events/malformed.json", event("malformed.json")],
];

/** Events plan-scan does not take: answered { ok: false }, nothing listed or queued. */
const PLAN_SCAN_EVENTS: [string, unknown][] = [
  ["null", null],
  ["a string", "schedule"],
  ["a number", 7],
  ["a list", [{ regions: [REGION] }]],
  ["an empty object", {}],
  ["an unknown key", { region: REGION }],
  ["regions that is not a list", { regions: REGION }],
  ["an empty region list", { regions: [] }],
  ["regions that are not region names", { regions: ["mars-north-1", 5] }],
  ["a scheduled event with a wrong detail-type", { ...event("schedule.json"), "detail-type": "Object Created" }],
  ["a scheduled event from another source", { ...event("schedule.json"), source: "aws.s3" }],
  ["an SQS batch sent to the planner", batchOf(scanRequest({}))],
  ["events/plan-malformed.json", event("plan-malformed.json")],
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStub = AwsClientStub<any>;

describe(`malformed events: ${SCAN_STACK_EVENTS.length} to scan-stack, ${PLAN_SCAN_EVENTS.length} to plan-scan`, () => {
  const saved = { ...process.env };
  const stubs: Record<string, AnyStub> = {};

  before(() => {
    Object.assign(stubs, { dynamodb: mockClient(DynamoDBClient), sns: mockClient(SNSClient), sqs: mockClient(SQSClient), cloudformation: mockClient(CloudFormationClient), sts: mockClient(STSClient) });
    Object.assign(process.env, { TABLE_NAME: "stackwarden-findings", TOPIC_ARN: `arn:aws:sns:${REGION}:${ACCOUNT}:stackwarden-alerts`, QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/stackwarden-scan`, TARGET_REGIONS: REGION, AWS_REGION: REGION });
    for (const name of ["AWS_ENDPOINT_URL", "ORGANIZATION_MODE", "SCAN_POLICY"]) delete process.env[name];
  });
  afterEach(() => {
    for (const stub of Object.values(stubs)) stub.reset();
  });
  after(() => {
    for (const stub of Object.values(stubs)) stub.restore();
    process.env = saved;
  });

  function serveNothing(): void {
    for (const stub of Object.values(stubs)) stub.onAnyCommand().rejects(new Error("a malformed event must not reach AWS"));
  }

  const commandsSent = () => Object.entries(stubs).flatMap(([service, stub]) => stub.calls().map((call) => `${service}:${(call.args[0] as object).constructor.name}`));
  const reasons = (lines: Record<string, unknown>[]) => lines.filter((line) => typeof line.reason === "string" && line.reason !== "");

  for (const [name, input] of SCAN_STACK_EVENTS) {
    it(`scan-stack: ${name}`, async () => {
      serveNothing();
      const { value: response, lines } = await captureStdout(() => scanStack(input));
      assert.deepEqual(response, { batchItemFailures: [] }, "nothing is handed back for redelivery");
      assert.deepEqual(commandsSent(), [], "nothing read, nothing written");
      assert.ok(reasons(lines).length > 0, `a log line gives the reason: ${JSON.stringify(lines)}`);
    });
  }

  for (const [name, input] of PLAN_SCAN_EVENTS) {
    it(`plan-scan: ${name}`, async () => {
      serveNothing();
      const { value: response, lines } = await captureStdout(() => planScan(input));
      assert.equal(response.ok, false);
      assert.match((response as { error: string }).error, /\S/);
      assert.deepEqual(commandsSent(), [], "nothing listed, nothing queued");
      const logged = reasons(lines);
      assert.equal(logged.length, 1, `one log line gives the reason: ${JSON.stringify(lines)}`);
      assert.equal(logged[0]!.reason, (response as { error: string }).error);
    });
  }

  it("scan-stack: a throttled scan is handed back for redelivery while the malformed message beside it is not, and nothing is written", async () => {
    serveNothing();
    stubs.sts!.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:role/scanner`, UserId: "AROAEXAMPLE" });
    stubs.cloudformation!.onAnyCommand().rejects(awsError("Throttling", 400, "Rate exceeded"));
    const input = { Records: [record("throttled", scanRequest({})), record("garbage", "not json")] };
    process.env.AWS_MAX_ATTEMPTS = "1";
    try {
      const { value: response } = await captureStdout(() => scanStack(input));
      assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: "throttled" }] });
    } finally {
      delete process.env.AWS_MAX_ATTEMPTS;
    }
    const writes = commandsSent().filter((command) => !/^(sts|cloudformation):/.test(command));
    assert.deepEqual(writes, [], "no table item, no alert, no queue message");
    assert.ok(stubs.cloudformation!.calls().length > 0, "the scan did try to read the stack");
  });
});
