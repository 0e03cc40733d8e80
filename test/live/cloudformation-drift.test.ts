import assert from "node:assert/strict";
import { after, afterEach, describe, it } from "node:test";
import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
} from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";
import { CloudFormationDriftReader } from "../../shared/live/cloudformation-drift.ts";
import { LiveSession } from "../../shared/live/session.ts";
import { awsError, stackArn } from "./hand-stack.ts";

const cloudformation = mockClient(CloudFormationClient);
afterEach(() => cloudformation.reset());
after(() => cloudformation.restore());

const APP = stackArn("app");
const NETWORK = stackArn("network");

function reader(): { session: LiveSession; drift: CloudFormationDriftReader } {
  const session = new LiveSession({ region: "eu-west-1" });
  return { session, drift: session.reader(CloudFormationDriftReader) };
}

const inProgress = { StackId: APP, StackDriftDetectionId: "detect-app", DetectionStatus: "DETECTION_IN_PROGRESS" as const, Timestamp: new Date() };

describe("CloudFormationDriftReader", () => {
  it("starts detection, polls until it completes and reads every page of the modified and deleted resources", async () => {
    cloudformation.on(DetectStackDriftCommand, { StackName: APP }).resolves({ StackDriftDetectionId: "detect-app" });
    cloudformation
      .on(DescribeStackDriftDetectionStatusCommand, { StackDriftDetectionId: "detect-app" })
      .resolvesOnce(inProgress)
      .resolvesOnce(inProgress)
      .resolves({ ...inProgress, DetectionStatus: "DETECTION_COMPLETE", StackDriftStatus: "DRIFTED", DriftedStackResourceCount: 2 });
    cloudformation
      .on(DescribeStackResourceDriftsCommand, { StackName: APP, NextToken: undefined })
      .resolves({
        StackResourceDrifts: [
          {
            StackId: APP,
            LogicalResourceId: "WebGroup",
            PhysicalResourceId: "sg-0123",
            ResourceType: "AWS::EC2::SecurityGroup",
            StackResourceDriftStatus: "MODIFIED",
            Timestamp: new Date(),
            PropertyDifferences: [{ PropertyPath: "/SecurityGroupIngress/1", ExpectedValue: "null", ActualValue: '{"CidrIp":"0.0.0.0/0","FromPort":22}', DifferenceType: "ADD" }],
          },
        ],
        NextToken: "page-2",
      })
      .on(DescribeStackResourceDriftsCommand, { StackName: APP, NextToken: "page-2" })
      .resolves({
        StackResourceDrifts: [
          { StackId: APP, LogicalResourceId: "Key", PhysicalResourceId: "key-1", ResourceType: "AWS::KMS::Key", StackResourceDriftStatus: "DELETED", Timestamp: new Date() },
          { StackId: APP, LogicalResourceId: "Bucket", ResourceType: "AWS::S3::Bucket", StackResourceDriftStatus: "IN_SYNC", Timestamp: new Date() },
        ],
      });
    const { session, drift } = reader();
    await drift.detect([APP], 5_000, 10);
    const report = drift.report(APP)!;
    assert.equal(report.stackDriftStatus, "DRIFTED");
    assert.equal(report.detectionStatus, "DETECTION_COMPLETE");
    assert.deepEqual(report.drifts, [
      {
        logicalId: "WebGroup",
        physicalId: "sg-0123",
        type: "AWS::EC2::SecurityGroup",
        status: "MODIFIED",
        differences: [{ path: "/SecurityGroupIngress/1", expected: "null", actual: '{"CidrIp":"0.0.0.0/0","FromPort":22}', difference: "ADD" }],
      },
      { logicalId: "Key", physicalId: "key-1", type: "AWS::KMS::Key", status: "DELETED", differences: [] },
    ]);
    const filters = cloudformation.commandCalls(DescribeStackResourceDriftsCommand).map((call) => call.args[0].input.StackResourceDriftStatusFilters);
    assert.deepEqual(filters, [["MODIFIED", "DELETED"], ["MODIFIED", "DELETED"]]);
    assert.deepEqual(Object.fromEntries(session.calls), {
      "cloudformation:DetectStackDrift": 1,
      "cloudformation:DescribeStackDriftDetectionStatus": 3,
      "cloudformation:DescribeStackResourceDrifts": 2,
    });
    assert.deepEqual(session.failures, []);
    assert.deepEqual(session.notes, []);

    await drift.detect([APP], 5_000, 10);
    assert.equal(session.callCount("cloudformation"), 6, "a stack is detected once per scan");
  });

  it("gives up at the bounded wait, shared by every stack, with a note and no result", async () => {
    cloudformation.on(DetectStackDriftCommand).callsFake((input: { StackName: string }) => ({ StackDriftDetectionId: `detect-${input.StackName}` }));
    cloudformation.on(DescribeStackDriftDetectionStatusCommand).resolves(inProgress);
    const { session, drift } = reader();
    const started = Date.now();
    await drift.detect([APP, NETWORK], 300, 50);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 300 && elapsed < 1_500, `waited ${elapsed} ms`);
    assert.equal(drift.report(APP), undefined);
    assert.equal(drift.report(NETWORK), undefined);
    assert.equal(session.notes.length, 2);
    assert.match(session.notes[0]!, /CloudFormation drift detection for arn:aws:cloudformation:eu-west-1:111122223333:stack\/(app|network)\/.* in eu-west-1: drift detection detect-.* did not finish within 300 ms; its result is left out/);
    assert.deepEqual(session.failures, []);
    assert.equal(cloudformation.commandCalls(DescribeStackResourceDriftsCommand).length, 0);
  });

  it("an endpoint that answers HTTP 500 (moto) or denies access is a note, never a failed read", async () => {
    cloudformation.on(DetectStackDriftCommand, { StackName: APP }).rejects(awsError("InternalFailure", 500, "moto: drift detection is not implemented"));
    cloudformation.on(DetectStackDriftCommand, { StackName: NETWORK }).rejects(awsError("AccessDenied", 403, "not authorized to perform cloudformation:DetectStackDrift"));
    const { session, drift } = reader();
    await drift.detect([APP, NETWORK], 1_000, 10);
    assert.deepEqual(session.failures, []);
    assert.equal(drift.report(APP), undefined);
    assert.equal(session.notes.length, 2);
    assert.ok(session.notes.some((note) => /app\/.*cloudformation:DetectStackDrift failed, server-error: AWS answered with a server error 500/.test(note)), session.notes.join("\n"));
    assert.ok(session.notes.some((note) => /network\/.*cloudformation:DetectStackDrift failed, access-denied/.test(note)), session.notes.join("\n"));
    assert.equal(session.calls.get("cloudformation:DetectStackDrift"), 2);
  });

  it("keeps what a failed detection did check, and notes why it failed", async () => {
    cloudformation.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: "detect-app" });
    cloudformation.on(DescribeStackDriftDetectionStatusCommand).resolves({
      ...inProgress,
      DetectionStatus: "DETECTION_FAILED",
      DetectionStatusReason: "Failed to detect drift on resource [Trail]",
      StackDriftStatus: "DRIFTED",
    });
    cloudformation.on(DescribeStackResourceDriftsCommand).resolves({
      StackResourceDrifts: [{ StackId: APP, LogicalResourceId: "Database", ResourceType: "AWS::RDS::DBInstance", StackResourceDriftStatus: "MODIFIED", Timestamp: new Date() }],
    });
    const { session, drift } = reader();
    await drift.detect([APP], 1_000, 10);
    assert.deepEqual(drift.report(APP)?.drifts.map((resource) => resource.logicalId), ["Database"]);
    assert.equal(drift.report(APP)?.reason, "Failed to detect drift on resource [Trail]");
    assert.match(session.notes.join("\n"), /could not check every resource \(Failed to detect drift on resource \[Trail\]\)/);
    assert.deepEqual(session.failures, []);
  });

  it("a failing status poll or drift listing is a note too", async () => {
    cloudformation.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: "detect-app" });
    cloudformation.on(DescribeStackDriftDetectionStatusCommand).resolves({ ...inProgress, DetectionStatus: "DETECTION_COMPLETE", StackDriftStatus: "IN_SYNC" });
    cloudformation.on(DescribeStackResourceDriftsCommand).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    const { session, drift } = reader();
    await drift.detect([APP], 1_000, 10);
    assert.equal(drift.report(APP), undefined);
    assert.match(session.notes.join("\n"), /DescribeStackResourceDrifts failed, throttled/);
    assert.deepEqual(session.failures, []);
  });

  it("declares the IAM actions it calls", () => {
    assert.deepEqual([...CloudFormationDriftReader.actions].sort(), [
      "cloudformation:DescribeStackDriftDetectionStatus",
      "cloudformation:DescribeStackResourceDrifts",
      "cloudformation:DetectStackDrift",
    ]);
  });
});
