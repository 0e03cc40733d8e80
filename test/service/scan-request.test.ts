import assert from "node:assert/strict";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { describe, it } from "node:test";
import { DEFAULT_POLICY } from "../../shared/config/policy.ts";
import type { Finding, ScanError } from "../../shared/findings/finding.ts";
import type { LiveScanResult } from "../../shared/scan-live.ts";
import type { ServiceConfig } from "../../shared/service/config.ts";
import { InvalidMessageError, type ScanRequest } from "../../shared/service/messages.ts";
import { LIVE_READERS } from "../../shared/live/readers.ts";
import type { LiveScanOptions } from "../../shared/scan-live.ts";
import { outcomeOf, ScanFailedError, scanRequest } from "../../shared/service/scan-request.ts";

const ACCOUNT = "123456789012";
const stackRequest: ScanRequest = { kind: "stack", account: ACCOUNT, region: "eu-west-1", stack: "app", reason: "schedule" };
const key = { account: ACCOUNT, region: "eu-west-1", stack: "app" };
const scan = { scanId: "m-1", startedAt: "2026-11-23T10:00:00.000Z", durationMs: 1200 };

function finding(stack = "app", account = ACCOUNT): Finding {
  return {
    ruleId: "ec2-sg-ingress-open-world",
    severity: "high",
    title: "t",
    message: "m",
    source: "live",
    resource: { logicalId: "Web", type: "AWS::EC2::SecurityGroup" },
    stack: { name: stack, account, region: "eu-west-1" },
    evidence: {},
    remediation: "r",
    fingerprint: "f1",
    status: "OPEN",
  };
}

function result(errors: ScanError[], findings: Finding[] = [finding()], stacks = [{ name: "app", region: "eu-west-1", resources: 3 }]): LiveScanResult {
  return { findings, errors, notes: [], stacks, calls: {} };
}

describe("outcomeOf", () => {
  it("a clean scan is complete and judges everything", () => {
    const outcome = outcomeOf(stackRequest, key, result([]), scan);
    assert.deepEqual(outcome, { ...scan, findings: [finding()], errors: [], unjudged: [], complete: true });
  });
  it("errors pinned to resources leave those unjudged (each logical id of a batch failure) and the scan complete", () => {
    const errors = [
      { target: "app", resource: "Db, Cache", message: "rds:DescribeDBInstances in eu-west-1: throttled" },
      { target: "app", resource: "Key", message: "kms:GetKeyPolicy: AccessDenied" },
      { target: "app", resource: "Db", message: "again" },
    ];
    const outcome = outcomeOf(stackRequest, key, result(errors), scan);
    assert.deepEqual(outcome.unjudged, ["Cache", "Db", "Key"]);
    assert.equal(outcome.complete, true);
    assert.equal(outcome.errors.length, 3);
  });
  it("an error that names no resource (the template or resources unread, a rule that could not judge) makes the scan incomplete", () => {
    for (const message of ["cloudformation:GetTemplate in eu-west-1 for arn:...: AccessDenied", "the deployed template could not be read: bad YAML", "rule x could not judge the live state of app"]) {
      const outcome = outcomeOf(stackRequest, key, result([{ target: "app", message }]), scan);
      assert.equal(outcome.complete, false, message);
    }
  });
  it("a resource list with nameless entries (an emulator's answer) was still read: the scan stays complete", () => {
    const partial = "cloudformation:ListStackResources in us-east-1 for arn:aws:cloudformation:us-east-1:123456789012:stack/app/69d5: ListStackResources returned 3 entries without a logical id or type";
    assert.equal(outcomeOf(stackRequest, key, result([{ target: "app", message: partial }]), scan).complete, true);
    const failed = "cloudformation:ListStackResources in us-east-1 for arn:aws:cloudformation:us-east-1:123456789012:stack/app/69d5: AccessDenied: not authorized";
    assert.equal(outcomeOf(stackRequest, key, result([{ target: "app", message: failed }]), scan).complete, false);
  });
  it("a stack the scan did not judge (missing, or DescribeStacks failed) throws, naming why", () => {
    assert.throws(
      () => outcomeOf(stackRequest, key, result([{ target: "app", message: "stack app was not found (or is deleted) in eu-west-1" }], [], []), scan),
      (error: unknown) => error instanceof ScanFailedError && /123456789012\/eu-west-1\/app: the stack was not scanned: stack app was not found/.test(error.message),
    );
    // Same name in another region is not this stack.
    assert.throws(() => outcomeOf(stackRequest, key, result([], [], [{ name: "app", region: "us-east-1", resources: 1 }]), scan), ScanFailedError);
  });
  it("refuses findings of another stack or account (never filed under the wrong key)", () => {
    assert.throws(() => outcomeOf(stackRequest, key, result([], [finding("other")]), scan), /finding of 123456789012\/other/);
    assert.throws(() => outcomeOf(stackRequest, key, result([], [finding("app", "999999999999")]), scan), /finding of 999999999999\/app/);
  });
  it("the account pass: no stack to find; complete only without errors", () => {
    const accountRequest: ScanRequest = { kind: "account", account: ACCOUNT, region: "eu-west-1", reason: "schedule" };
    const accountKey = { ...key, stack: "(account)" };
    assert.equal(outcomeOf(accountRequest, accountKey, result([], [finding("(account)")], []), scan).complete, true);
    assert.equal(outcomeOf(accountRequest, accountKey, result([{ target: "(account) eu-west-1", message: "securityhub:DescribeHub: AccessDenied" }], [], []), scan).complete, false);
  });
});

describe("scanRequest: which account", () => {
  const config: ServiceConfig = {
    tableName: "t",
    topicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts`,
    queueUrl: "http://127.0.0.1:9/q",
    regions: ["eu-west-1"],
    policy: DEFAULT_POLICY,
    endpointUrl: "http://127.0.0.1:9",
  };
  it("rejects (acknowledges) another account's stack outside organization mode", async () => {
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    try {
      await assert.rejects(scanRequest({ ...stackRequest, account: "111122223333" }, "m", config), (error: unknown) => error instanceof InvalidMessageError && /111122223333 is not this account \(123456789012\) and organization mode is off/.test(error.message));
    } finally {
      sts.restore();
    }
  });
  it("asks scanLive for the one stack, or for the account pass (global readers such as IAM only in the first target region)", async () => {
    const sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    const seen: LiveScanOptions[] = [];
    const scan = async (options: LiveScanOptions) => {
      seen.push(options);
      throw new Error("stop after the options");
    };
    const twoRegions = { ...config, regions: ["eu-west-1", "us-east-1"] };
    try {
      await assert.rejects(scanRequest(stackRequest, "m", twoRegions, { scan }), /stop after the options/);
      await assert.rejects(scanRequest({ kind: "account", account: ACCOUNT, region: "eu-west-1", reason: "schedule" }, "m", twoRegions, { scan }), /stop/);
      await assert.rejects(scanRequest({ kind: "account", account: ACCOUNT, region: "us-east-1", reason: "schedule" }, "m", twoRegions, { scan }), /stop/);
    } finally {
      sts.restore();
    }
    const [stack, primary, secondary] = seen;
    assert.deepEqual({ regions: stack!.regions, stacks: stack!.stacks, accountChecks: stack!.accountChecks, endpointUrl: stack!.endpointUrl, readers: stack!.readers }, { regions: ["eu-west-1"], stacks: ["app"], accountChecks: false, endpointUrl: "http://127.0.0.1:9", readers: undefined });
    assert.equal(stack!.policy, DEFAULT_POLICY);
    assert.deepEqual({ stacks: primary!.stacks, accountChecks: primary!.accountChecks, allStacks: primary!.allStacks, readers: primary!.readers }, { stacks: [], accountChecks: true, allStacks: undefined, readers: undefined });
    assert.deepEqual(secondary!.regions, ["us-east-1"]);
    assert.ok(secondary!.readers && secondary!.readers.length === LIVE_READERS.length - 1 && secondary!.readers.every((Reader) => !Reader.global));
    assert.ok(LIVE_READERS.some((Reader) => Reader.global), "IAM is a global reader");
  });
});
