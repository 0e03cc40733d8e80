import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { IgnoredEventError, InvalidMessageError, parsePlanEvent, parseQueueMessage, type ScanRequest } from "../../shared/service/messages.ts";

const EVENTS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "events");
const ACCOUNT = "123456789012";

type Expect = ScanRequest | { invalid: RegExp } | { ignored: RegExp };

/** What parseQueueMessage makes of every message in each events/ file (a batch: per record; else the file itself). */
const QUEUE_EXPECTATIONS: Record<string, Expect[]> = {
  "stack-create-complete.json": [{ kind: "stack", account: ACCOUNT, region: "us-east-1", stack: "stackwarden-demo-web", reason: "deploy" }],
  "stack-update-complete.json": [{ kind: "stack", account: ACCOUNT, region: "us-east-1", stack: "stackwarden-demo-web", reason: "deploy" }],
  "stack-import-complete.json": [{ kind: "stack", account: ACCOUNT, region: "us-east-1", stack: "stackwarden-demo-data", reason: "deploy" }],
  "stack-delete-complete.json": [{ ignored: /stackwarden-demo-old .* is DELETE_COMPLETE: only CREATE_COMPLETE, UPDATE_COMPLETE, IMPORT_COMPLETE start a scan/ }],
  "stack-update-in-progress.json": [{ ignored: /is UPDATE_IN_PROGRESS/ }],
  "sqs-scan-requests.json": [
    { kind: "stack", account: ACCOUNT, region: "us-east-1", stack: "stackwarden-demo-web", reason: "schedule" },
    { kind: "stack", account: ACCOUNT, region: "us-east-1", stack: "stackwarden-demo-data", reason: "schedule" },
    { kind: "account", account: ACCOUNT, region: "us-east-1", reason: "schedule" },
  ],
  "sqs-stack-status.json": [{ kind: "stack", account: ACCOUNT, region: "us-east-1", stack: "stackwarden-demo-web", reason: "deploy" }, { ignored: /DELETE_COMPLETE/ }],
  "malformed.json": [
    { invalid: /account must be a 12-digit account id, not "1234"/ },
    { invalid: /not JSON/ },
    { invalid: /region must be an AWS region name.*stack must be a stack name.*reason must be one of/ },
    { invalid: /EventBridge event the scanner does not take: source "aws.s3"/ },
    { invalid: /not a JSON object/ },
    { invalid: /empty/ },
  ],
  // Events for plan-scan, not queue messages: the queue rejects them (parsePlanEvent takes them, below).
  "schedule.json": [{ invalid: /EventBridge event the scanner does not take: source "aws.events", detail-type "Scheduled Event"/ }],
  "plan-manual.json": [{ invalid: /neither a ScanRequest \(no "kind"\) nor an EventBridge event/ }],
  "plan-malformed.json": [{ invalid: /does not take: source "aws.s3"/ }],
};

function bodiesOf(file: string): string[] {
  const text = readFileSync(join(EVENTS, file), "utf8");
  const document = JSON.parse(text) as { Records?: { body: string }[] };
  return document.Records ? document.Records.map((record) => record.body) : [text];
}

function check(body: string, expected: Expect): void {
  if ("invalid" in expected || "ignored" in expected) {
    assert.throws(
      () => parseQueueMessage(body),
      (error: unknown) => {
        assert.ok(error instanceof InvalidMessageError, `expected InvalidMessageError, got ${String(error)}`);
        assert.equal(error instanceof IgnoredEventError, "ignored" in expected, `ignored vs invalid: ${error.message}`);
        assert.match(error.message, "invalid" in expected ? expected.invalid : expected.ignored);
        return true;
      },
    );
  } else {
    assert.deepEqual(parseQueueMessage(body), expected);
  }
}

describe("parseQueueMessage: every events/ file", () => {
  it("has an expectation for every file in events/ (a new event file needs one)", () => {
    assert.deepEqual(readdirSync(EVENTS).filter((file) => file.endsWith(".json")).sort(), Object.keys(QUEUE_EXPECTATIONS).sort());
  });
  for (const [file, expectations] of Object.entries(QUEUE_EXPECTATIONS)) {
    it(file, () => {
      const bodies = bodiesOf(file);
      assert.equal(bodies.length, expectations.length, `${file}: messages`);
      bodies.forEach((body, index) => check(body, expectations[index]!));
    });
  }
});

describe("parseQueueMessage: ScanRequests", () => {
  const stack = { kind: "stack", account: ACCOUNT, region: "eu-west-1", stack: "app", reason: "manual" };
  it("round-trips a stack request with a member role and an account request", () => {
    const withRole = { ...stack, account: "111122223333", roleArn: "arn:aws:iam::111122223333:role/StackWardenMemberRead" };
    assert.deepEqual(parseQueueMessage(JSON.stringify(withRole)), withRole);
    const account = { kind: "account", account: ACCOUNT, region: "us-gov-west-1", reason: "schedule" };
    assert.deepEqual(parseQueueMessage(JSON.stringify(account)), account);
  });
  it("rejects unknown fields, a role of another account, a deploy account request and a stack ARN as name", () => {
    const cases: [unknown, RegExp][] = [
      [{ ...stack, extra: 1 }, /unknown field "extra"/],
      [{ ...stack, roleArn: "arn:aws:iam::999999999999:role/r" }, /is in account 999999999999, not the account to scan \(123456789012\)/],
      [{ ...stack, roleArn: "not-an-arn" }, /roleArn must be an IAM role ARN/],
      [{ kind: "account", account: ACCOUNT, region: "eu-west-1", reason: "deploy" }, /account request's reason is schedule or manual/],
      [{ kind: "account", account: ACCOUNT, region: "eu-west-1", stack: "app", reason: "manual" }, /unknown field "stack"/],
      [{ ...stack, stack: "arn:aws:cloudformation:eu-west-1:123456789012:stack/app/x" }, /stack must be a stack name/],
      [{ ...stack, stack: "a".repeat(129) }, /stack must be a stack name/],
      [{ ...stack, kind: "org" }, /kind must be "stack" or "account"/],
      [{ ...stack, account: 123456789012 }, /12-digit account id/],
    ];
    for (const [input, pattern] of cases) assert.throws(() => parseQueueMessage(JSON.stringify(input)), pattern, JSON.stringify(input));
  });
  it("rejects stack status events without a usable stack-id or status", () => {
    const event = JSON.parse(readFileSync(join(EVENTS, "stack-create-complete.json"), "utf8")) as { detail: Record<string, unknown> };
    const variant = (detail: Record<string, unknown>) => JSON.stringify({ ...event, detail });
    assert.throws(() => parseQueueMessage(variant({ ...event.detail, "stack-id": "arn:aws:s3:::bucket" })), /stack-id is not a stack ARN/);
    assert.throws(() => parseQueueMessage(variant({ "stack-id": event.detail["stack-id"] })), /without detail\["status-details"\]\.status/);
    assert.throws(() => parseQueueMessage(JSON.stringify({ ...event, detail: null })), /without a detail object/);
  });
  it("names the problem without echoing a huge body", () => {
    const error = (() => {
      try {
        parseQueueMessage(`{${"x".repeat(10_000)}`);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error("no error");
    })();
    assert.ok(error.message.length < 400, error.message);
  });
});

describe("parsePlanEvent", () => {
  it("takes the scheduled event with its time, and a manual regions override", () => {
    const schedule = parsePlanEvent(JSON.parse(readFileSync(join(EVENTS, "schedule.json"), "utf8")));
    assert.deepEqual(schedule, { reason: "schedule", time: new Date("2026-11-23T06:00:00Z") });
    assert.deepEqual(parsePlanEvent(JSON.parse(readFileSync(join(EVENTS, "plan-manual.json"), "utf8"))), { reason: "manual", regions: ["us-east-1"] });
  });
  it("rejects other events, bad regions and other shapes with the reason", () => {
    assert.throws(() => parsePlanEvent(JSON.parse(readFileSync(join(EVENTS, "plan-malformed.json"), "utf8"))), /scheduled events only .*aws\.s3/);
    assert.throws(() => parsePlanEvent({ regions: [] }), /non-empty list/);
    assert.throws(() => parsePlanEvent({ regions: ["eu-west-1", "moon-1"] }), /not AWS region names: \["moon-1"\]/);
    assert.throws(() => parsePlanEvent({ regions: ["eu-west-1"], stacks: ["x"] }), /keys regions, stacks/);
    assert.throws(() => parsePlanEvent(null), InvalidMessageError);
    assert.throws(() => parsePlanEvent([]), InvalidMessageError);
  });
});
