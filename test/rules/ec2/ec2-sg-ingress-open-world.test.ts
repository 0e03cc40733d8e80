import assert from "node:assert/strict";
import { after, afterEach, before, describe, it, test } from "node:test";
import { EC2Client } from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import rule from "../../../shared/rules/ec2/ec2-sg-ingress-open-world.ts";
import { emptyWorld, eni, group, judgeWorld, tcpFromWorld } from "../../live/ec2-fake.ts";
import { resource } from "../../live/hand-stack.ts";
import type { Finding } from "../../../shared/findings/finding.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-sg-ingress-open-world";

function find(findings: Finding[], id: string, pattern: RegExp): Finding {
  const found = findings.find((finding) => finding.resource.logicalId === id && pattern.test(finding.message));
  assert.ok(found, `no finding on ${id} matching ${pattern}: ${JSON.stringify(findings.map((finding) => finding.message))}`);
  return found;
}

test("flags world ingress: low for 80/443 on load-balancer groups, medium elsewhere, none for admin ports", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AlbSecurityGroup", "AlbSecurityGroup", "AlbSecurityGroup", "AppViaParameter", "ClassicElbSecurityGroup", "PingInDev", "WebServerSecurityGroup"]);
  assert.equal(find(findings, "AlbSecurityGroup", /port 443 from 0\.0\.0\.0\/0.*load balancer Alb/).severity, "low");
  assert.equal(find(findings, "AlbSecurityGroup", /port 80 from ::\/0.*load balancer Alb/).severity, "low");
  assert.equal(find(findings, "AlbSecurityGroup", /port 8443/).severity, "medium");
  assert.equal(find(findings, "ClassicElbSecurityGroup", /port 80.*declared by ClassicHttp.*load balancer ClassicElb/).severity, "low");
  assert.equal(find(findings, "WebServerSecurityGroup", /port 443.*whole internet/).severity, "medium");
  assert.equal(find(findings, "AppViaParameter", /port 8080 from 0\.0\.0\.0\/0/).severity, "medium");
  assert.equal(find(findings, "PingInDev", /icmp.*only when IsDev=true/).severity, "medium");
});

test("flags the JSON long form with Fn::Join", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongForm"]);
  assert.match(findings[0]!.message, /udp port 500 from 0\.0\.0\.0\/0/);
});

test("stays quiet on admin-port rules (reported by ec2-sg-ingress-open-admin-port), narrow and unknown sources", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

describe("live", () => {
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => ec2.reset());
  after(() => ec2.restore());

  it("lowers 80/443 on a group Elastic Load Balancing's interfaces use, and only there", async () => {
    const world = emptyWorld();
    world.groups = [group("sg-alb", [tcpFromWorld(443), tcpFromWorld(8080)]), group("sg-nlb", [tcpFromWorld(80)]), group("sg-web", [tcpFromWorld(443), tcpFromWorld(22)])];
    world.interfaces = [
      eni("eni-alb", ["sg-alb"], { RequesterId: "amazon-elb", Description: "ELB app/public/50dc6c495c0c9188" }),
      eni("eni-nlb", ["sg-nlb"], { InterfaceType: "network_load_balancer", Description: "ELB net/edge/1a2b3c" }),
      eni("eni-web", ["sg-web"]),
    ];
    const resources = [resource("Alb", "AWS::EC2::SecurityGroup", "sg-alb"), resource("Nlb", "AWS::EC2::SecurityGroup", "sg-nlb"), resource("Web", "AWS::EC2::SecurityGroup", "sg-web")];
    const findings = await judgeWorld(ec2, world, resources, rule);
    const seen = findings.map((finding) => [finding.resource.logicalId, finding.evidence.fromPort, finding.evidence.source, finding.severity]);
    assert.deepEqual(seen.sort(), [
      ["Alb", 443, "0.0.0.0/0", "low"],
      ["Alb", 443, "::/0", "low"],
      ["Alb", 8080, "0.0.0.0/0", "medium"],
      ["Alb", 8080, "::/0", "medium"],
      ["Nlb", 80, "0.0.0.0/0", "low"],
      ["Nlb", 80, "::/0", "low"],
      ["Web", 443, "0.0.0.0/0", "medium"],
      ["Web", 443, "::/0", "medium"],
    ].sort());
    const albHttps = findings.find((finding) => finding.resource.logicalId === "Alb" && finding.severity === "low")!;
    assert.match(albHttps.message, /load balancer app\/public\/50dc6c495c0c9188/);
    assert.equal(albHttps.resource.physicalId, "sg-alb");
  });
});
