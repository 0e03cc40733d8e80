import assert from "node:assert/strict";
import { after, afterEach, before, describe, it, test } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import rule from "../../../shared/rules/ec2/ec2-sg-unattached.ts";
import { emptyWorld, eni, group, judgeWorld } from "../../live/ec2-fake.ts";
import { resource } from "../../live/hand-stack.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-sg-unattached";

test("flags groups nothing uses: orphans, groups only other rules name, Output-only groups, users absent in a branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["ExportedOnly", "NovaModelWebSecurityGroup", "OnlyNamedByRules", "UsedOnlyInProd"]);
  assert.ok(findings.every((finding) => finding.severity === "low"));
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("OnlyNamedByRules")!.message, /only security-group rules mention it: DatabaseSecurityGroup, SeparateRule/);
  assert.match(byId.get("NovaModelWebSecurityGroup")!.message, /not attached to any resource/);
  assert.match(byId.get("UsedOnlyInProd")!.message, /only when IsProd=false/);
});

test("flags the JSON long form: a group only another group's egress names", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormOrphan"]);
});

test("stays quiet on groups worn by instances, launch templates, ENIs, load balancers, caches, services, mount targets, endpoints, nested stacks and literal names", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

describe("live", () => {
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => ec2.reset());
  after(() => ec2.restore());

  it("flags a group no network interface uses, and not one an interface of any service uses", async () => {
    const world = emptyWorld();
    world.groups = [group("sg-web"), group("sg-db"), group("sg-spare")];
    world.interfaces = [eni("eni-1", ["sg-web"]), eni("eni-2", ["sg-db"], { RequesterId: "amazon-rds", Description: "RDSNetworkInterface" })];
    const resources = [resource("Web", "AWS::EC2::SecurityGroup", "sg-web"), resource("Db", "AWS::EC2::SecurityGroup", "sg-db"), resource("Spare", "AWS::EC2::SecurityGroup", "sg-spare")];
    const findings = await judgeWorld(ec2, world, resources, rule);
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.resource.physicalId, finding.severity]), [["Spare", "sg-spare", "low"]]);
    assert.match(findings[0]!.message, /Spare \(sg-spare\) is not used by any network interface/);
  });

  it("merges with the template's finding when both say the group is unused", async () => {
    const world = emptyWorld();
    world.groups = [group("sg-spare")];
    const findings = await judgeWorld(ec2, world, [resource("Spare", "AWS::EC2::SecurityGroup", "sg-spare")], rule, "Resources:\n  Spare:\n    Type: AWS::EC2::SecurityGroup\n    Properties: { GroupDescription: spare }\n");
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.evidence.alsoInTemplate]), [["Spare", true]]);
  });
});
