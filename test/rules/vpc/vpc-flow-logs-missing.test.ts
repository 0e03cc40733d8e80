import assert from "node:assert/strict";
import { after, afterEach, before, describe, it, test } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import rule from "../../../shared/rules/vpc/vpc-flow-logs-missing.ts";
import { emptyWorld, judgeWorld } from "../../live/ec2-fake.ts";
import { resource } from "../../live/hand-stack.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "vpc-flow-logs-missing";

test("flags VPCs with no VPC flow log: none at all, only a subnet flow log, or a flow log that a condition removes", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["ConditionalVpc", "SubnetOnlyVpc", "Vpc"]);
  assert.ok(findings.every((finding) => finding.severity === "medium"));
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("Vpc")!.message, /VPC Vpc has no flow log/);
  assert.match(byId.get("ConditionalVpc")!.message, /only when FlowLogsOn=false/);
  assert.equal(byId.get("Vpc")!.location?.line, 11);
});

test("flags the JSON long form when the only flow log is for an imported VPC", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormVpc"]);
});

test("stays quiet when a flow log names the VPC by Ref, GetAtt VpcId or Sub, with ResourceType from a parameter default", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

describe("live", () => {
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => ec2.reset());
  after(() => ec2.restore());

  it("flags a VPC no flow log names as its resource", async () => {
    const world = emptyWorld();
    world.vpcs = [{ VpcId: "vpc-logged" }, { VpcId: "vpc-dark" }];
    world.flowLogs = [{ FlowLogId: "fl-1", ResourceId: "vpc-logged", TrafficType: "ALL" }, { FlowLogId: "fl-2", ResourceId: "subnet-in-dark", TrafficType: "ALL" }];
    const findings = await judgeWorld(ec2, world, [resource("Logged", "AWS::EC2::VPC", "vpc-logged"), resource("Dark", "AWS::EC2::VPC", "vpc-dark")], rule);
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.resource.physicalId]), [["Dark", "vpc-dark"]]);
  });
});
