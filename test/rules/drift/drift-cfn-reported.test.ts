import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, afterEach, test } from "node:test";
import { CloudFormationClient, DescribeStackDriftDetectionStatusCommand, DescribeStackResourceDriftsCommand, DetectStackDriftCommand } from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../../shared/judge-live.ts";
import { CloudFormationDriftReader } from "../../../shared/live/cloudformation-drift.ts";
import type { LiveStack } from "../../../shared/live/session.ts";
import rule from "../../../shared/rules/drift/drift-cfn-reported.ts";
import { DRIFT_RULES } from "../../../shared/rules/drift/index.ts";
import { parseTemplate } from "../../../shared/template/parse.ts";
import { fixture } from "../../helpers.ts";
import { deployed, driftContext, liveStack, STACK_ID, summary } from "./drift-context.ts";

const cloudformation = mockClient(CloudFormationClient);
afterEach(() => cloudformation.reset());
after(() => cloudformation.restore());

const failTemplate = readFileSync(fixture(import.meta.url, "drift-cfn-reported.fail.yaml"), "utf8");
const RESOURCES = deployed(["WebGroup", "AWS::EC2::SecurityGroup"], ["Key", "AWS::KMS::Key"]);

function detection(drifts: { LogicalResourceId: string; ResourceType: string; StackResourceDriftStatus: "MODIFIED" | "DELETED" | "IN_SYNC"; PhysicalResourceId?: string; PropertyDifferences?: { PropertyPath: string; ExpectedValue: string; ActualValue: string; DifferenceType: "ADD" | "REMOVE" | "NOT_EQUAL" }[] }[]) {
  cloudformation.on(DetectStackDriftCommand, { StackName: STACK_ID }).resolves({ StackDriftDetectionId: "detect-1" });
  cloudformation.on(DescribeStackDriftDetectionStatusCommand).resolves({
    StackId: STACK_ID,
    StackDriftDetectionId: "detect-1",
    DetectionStatus: "DETECTION_COMPLETE",
    StackDriftStatus: drifts.some((drift) => drift.StackResourceDriftStatus !== "IN_SYNC") ? "DRIFTED" : "IN_SYNC",
    Timestamp: new Date(),
  });
  cloudformation.on(DescribeStackResourceDriftsCommand).resolves({ StackResourceDrifts: drifts.map((drift) => ({ StackId: STACK_ID, Timestamp: new Date(), ...drift })) });
}

async function detected(stack: LiveStack): Promise<LiveStack> {
  await stack.session.reader(CloudFormationDriftReader).detect([stack.stack.id], 1_000, 10);
  return stack;
}

const DRIFTED = [
  {
    LogicalResourceId: "WebGroup",
    PhysicalResourceId: "webgroup-live",
    ResourceType: "AWS::EC2::SecurityGroup",
    StackResourceDriftStatus: "MODIFIED" as const,
    PropertyDifferences: [
      { PropertyPath: "/SecurityGroupIngress/1", ExpectedValue: "null", ActualValue: '{"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}', DifferenceType: "ADD" as const },
      { PropertyPath: "/GroupDescription", ExpectedValue: "web tier", ActualValue: "web", DifferenceType: "NOT_EQUAL" as const },
    ],
  },
  { LogicalResourceId: "Key", PhysicalResourceId: "key-live", ResourceType: "AWS::KMS::Key", StackResourceDriftStatus: "DELETED" as const },
];

test("passes on each resource CloudFormation's detection reports MODIFIED or DELETED, at info, property by property", async () => {
  detection(DRIFTED);
  const stack = await detected(liveStack(RESOURCES));
  const hits = rule.check(driftContext({ template: failTemplate, stack }));
  assert.deepEqual(summary(hits), ["Key - DELETED", "WebGroup - MODIFIED"]);
  const group = hits.find((hit) => hit.resource.logicalId === "WebGroup")!;
  assert.equal(group.message, 'CloudFormation\'s drift detection reports WebGroup MODIFIED: /SecurityGroupIngress/1 added {"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}; /GroupDescription web tier -> web');
  assert.equal(group.resource.physicalId, "webgroup-live");
  assert.equal((group.evidence as { differences: unknown[] }).differences.length, 2);
});

test("judge-live files them as info drift findings at the resource's line", async () => {
  detection(DRIFTED);
  const stack = await detected(liveStack(RESOURCES));
  const result = judgeLiveStack(stack, parseTemplate(failTemplate), { rules: DRIFT_RULES });
  const findings = result.findings.filter((finding) => finding.ruleId === "drift-cfn-reported");
  assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.severity, finding.source, finding.location?.line]).sort(), [
    ["Key", "info", "drift", 12],
    ["WebGroup", "info", "drift", 3],
  ]);
});

test("stays quiet when the stack is in sync, or when detection did not run or did not finish", async () => {
  const template = readFileSync(fixture(import.meta.url, "drift-cfn-reported.pass.yaml"), "utf8");
  detection([{ LogicalResourceId: "Key", ResourceType: "AWS::KMS::Key", StackResourceDriftStatus: "IN_SYNC" }]);
  const inSync = await detected(liveStack(deployed(["Key", "AWS::KMS::Key"])));
  assert.equal(inSync.session.reader(CloudFormationDriftReader).report(STACK_ID)?.stackDriftStatus, "IN_SYNC");
  assert.deepEqual(rule.check(driftContext({ template, stack: inSync })), []);

  assert.deepEqual(rule.check(driftContext({ template, stack: liveStack(deployed(["Key", "AWS::KMS::Key"])) })), []);

  cloudformation.reset();
  cloudformation.on(DetectStackDriftCommand).rejects(Object.assign(new Error("not implemented"), { name: "InternalFailure", $metadata: { httpStatusCode: 500 } }));
  const failed = await detected(liveStack(deployed(["Key", "AWS::KMS::Key"])));
  assert.deepEqual(rule.check(driftContext({ template, stack: failed })), []);
  assert.equal(failed.session.notes.length, 1);
});
