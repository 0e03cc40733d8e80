import assert from "node:assert/strict";
import { after, afterEach, before, describe, it, test } from "node:test";
import { EC2Client, type NetworkAclEntry } from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import rule from "../../../shared/rules/vpc/vpc-nacl-permissive.ts";
import { emptyWorld, judgeWorld } from "../../live/ec2-fake.ts";
import { resource } from "../../live/hand-stack.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "vpc-nacl-permissive";

test("flags inbound allow-all entries (IPv4, IPv6, default ACL) and public/private tiers left on the default ACL", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["DefaultAclAllowAll", "PublicAcl", "PublicAcl", "TieredVpc"]);
  assert.ok(findings.every((finding) => finding.severity === "low"));
  const messages = findings.map((finding) => finding.message).join("\n");
  assert.match(messages, /network ACL PublicAcl allows all inbound traffic.*from 0\.0\.0\.0\/0 \(rule 100, declared by PublicAllowAllIn\)/);
  assert.match(messages, /network ACL PublicAcl allows all inbound traffic.*from ::\/0 \(rule 101/);
  assert.match(messages, /the VPC's default network ACL allows all inbound traffic.*rule 90/);
  assert.match(messages, /VPC TieredVpc separates public subnets \(PublicSubnet\) from private subnets \(PrivateSubnet, IsolatedSubnet\).*default network ACL/);
  const entry = findings.find((finding) => /rule 100/.test(finding.message))!;
  assert.equal(entry.location?.line, 17);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["Acl"]);
});

test("stays quiet on narrow inbound entries, outbound allow-all, deny entries, separated tiers and single-tier VPCs", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

describe("live", () => {
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => ec2.reset());
  after(() => ec2.restore());

  it("flags an allow-all inbound entry and public and private subnets sharing the default ACL, not AWS's own entries", async () => {
    const world = emptyWorld();
    const allowAll = (ruleNumber: number, egress: boolean): NetworkAclEntry => ({ RuleNumber: ruleNumber, Egress: egress, Protocol: "-1", RuleAction: "allow", CidrBlock: "0.0.0.0/0" });
    world.vpcs = [{ VpcId: "vpc-1" }];
    world.acls = [
      { NetworkAclId: "acl-default", VpcId: "vpc-1", IsDefault: true, Entries: [allowAll(100, false), allowAll(100, true)], Associations: [{ SubnetId: "subnet-public" }, { SubnetId: "subnet-private" }] },
      { NetworkAclId: "acl-open", VpcId: "vpc-1", IsDefault: false, Entries: [allowAll(100, false), allowAll(100, true)], Associations: [] },
      { NetworkAclId: "acl-egress", VpcId: "vpc-1", IsDefault: false, Entries: [allowAll(100, true), { ...allowAll(110, false), Protocol: "6", PortRange: { From: 443, To: 443 } }], Associations: [] },
    ];
    world.routeTables = [
      { RouteTableId: "rtb-main", VpcId: "vpc-1", Associations: [{ Main: true }], Routes: [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local" }] },
      { RouteTableId: "rtb-public", VpcId: "vpc-1", Associations: [{ SubnetId: "subnet-public" }], Routes: [{ DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-1" }] },
    ];
    const resources = [
      resource("Vpc", "AWS::EC2::VPC", "vpc-1"),
      resource("PublicSubnet", "AWS::EC2::Subnet", "subnet-public"),
      resource("OpenAcl", "AWS::EC2::NetworkAcl", "acl-open"),
      resource("EgressAcl", "AWS::EC2::NetworkAcl", "acl-egress"),
    ];
    const findings = await judgeWorld(ec2, world, resources, rule);
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.resource.physicalId]).sort(), [
      ["OpenAcl", "acl-open"],
      ["Vpc", "vpc-1"],
    ]);
    const tiers = findings.find((finding) => finding.resource.logicalId === "Vpc")!;
    assert.match(tiers.message, /public subnets \(PublicSubnet\) from private subnets \(subnet-private\)/);
  });
});
