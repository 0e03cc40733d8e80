import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalKey, canonicalLiveRules, canonicalTemplateRules, IMPLICIT_IPV6_EGRESS_KEY, peerKey, trafficKey, valueAt } from "../../shared/drift/security-group.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { Unknown } from "../../shared/template/values.ts";
import { securityGroupViews, type SecurityGroupRule } from "../../shared/views/security-group.ts";

function rule(fields: Partial<SecurityGroupRule>): SecurityGroupRule {
  return { direction: "ingress", protocol: "tcp", peer: { kind: "cidr", cidr: "10.0.0.0/8" }, at: ["Resources", "G"], ...fields };
}

describe("trafficKey", () => {
  it("spells protocol and ports one way: numbers as names, every port as 'all'", () => {
    assert.equal(trafficKey(rule({ protocol: "6", fromPort: 22, toPort: 22 })), "ingress|tcp|22-22");
    assert.equal(trafficKey(rule({ protocol: "tcp", fromPort: 0, toPort: 65535 })), "ingress|tcp|all");
    assert.equal(trafficKey(rule({ protocol: "tcp" })), "ingress|tcp|all");
    assert.equal(trafficKey(rule({ direction: "egress", protocol: "-1", fromPort: -1, toPort: -1 })), "egress|-1|all");
    assert.equal(trafficKey(rule({ protocol: "icmp" })), "ingress|icmp|-1--1");
    assert.equal(trafficKey(rule({ protocol: "icmp", fromPort: -1, toPort: -1 })), "ingress|icmp|-1--1");
    assert.equal(trafficKey(rule({ protocol: "icmp", fromPort: 8, toPort: 0 })), "ingress|icmp|8-0");
  });
});

describe("peerKey", () => {
  it("keys CIDRs, prefix lists and groups; maps group references through the given lookup", () => {
    assert.equal(peerKey({ kind: "cidr", cidr: " 2001:DB8::/32 " }), "cidr:2001:db8::/32");
    assert.equal(peerKey({ kind: "prefix-list", id: "pl-123" }), "prefix-list:pl-123");
    assert.equal(peerKey({ kind: "group", group: "sg-1" }), "group:sg-1");
    assert.equal(peerKey({ kind: "group", group: "111122223333/sg-1" }), "group:sg-1");
    assert.equal(peerKey({ kind: "group", group: "${App}" }, () => undefined), undefined);
    assert.equal(peerKey({ kind: "unknown", text: "<parameter without default>" }), undefined);
  });
});

const TEMPLATE = parseTemplate(`
Parameters:
  AdminCidr: { Type: String }
  AdminPort: { Type: Number }
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 443, ToPort: 443, SourceSecurityGroupId: !GetAtt App.GroupId }
        - { IpProtocol: tcp, FromPort: 444, ToPort: 444, SourceSecurityGroupId: !Ref App }
        - { IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref AdminCidr }
        - { IpProtocol: tcp, FromPort: !Ref AdminPort, ToPort: !Ref AdminPort, CidrIp: 10.0.0.0/8 }
        - { IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: !ImportValue shared-sg }
        - { IpProtocol: tcp, FromPort: 9090, ToPort: 9090, SourceSecurityGroupId: sg-0literal }
        - { IpProtocol: tcp, FromPort: 9091, ToPort: 9091, SourceSecurityGroupId: !Ref Outside }
  App:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app
  Outside:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: not deployed
`);

describe("canonicalTemplateRules", () => {
  const resolved = resolveTemplate(TEMPLATE)[0]!;
  const web = securityGroupViews.fromTemplate(resolved).find((view) => view.logicalId === "Web")!;
  const physicalIdOf = (logicalId: string) => ({ App: "sg-app", Web: "sg-web" })[logicalId];

  it("maps Ref and GetAtt peers to the live group id and keeps literal ids", () => {
    const { fixed } = canonicalTemplateRules(web.ingress, physicalIdOf, resolved);
    assert.deepEqual(
      fixed.map((entry) => entry.key),
      ["ingress|tcp|443-443|group:sg-app", "ingress|tcp|444-444|group:sg-app", "ingress|tcp|9090-9090|group:sg-0literal"],
    );
  });

  it("sets apart rules whose peer or ports the template does not fix, or whose group the stack does not hold", () => {
    const { open } = canonicalTemplateRules(web.ingress, physicalIdOf, resolved);
    assert.deepEqual(
      open.map((entry) => `${entry.rule.fromPort ?? "?"}: ${entry.why}`),
      [
        "22: the template does not fix one of its values",
        "?: the template does not fix one of its values",
        "8080: the template does not fix one of its values",
        "9091: the group ${Outside} has no physical id in the stack",
      ],
    );
  });

  it("an open rule accounts for the live rules that agree with what it fixes", () => {
    const { open } = canonicalTemplateRules(web.ingress, physicalIdOf, resolved);
    const [cidrFromParameter, portFromParameter, importedGroup] = open;
    const live = (ports: [number, number], peer: SecurityGroupRule["peer"], protocol = "tcp") => canonicalLiveRules([rule({ protocol, fromPort: ports[0], toPort: ports[1], peer })])[0]!;
    assert.equal(cidrFromParameter!.accounts(live([22, 22], { kind: "cidr", cidr: "203.0.113.9/32" })), true);
    assert.equal(cidrFromParameter!.accounts(live([23, 23], { kind: "cidr", cidr: "203.0.113.9/32" })), false);
    assert.equal(portFromParameter!.accounts(live([2222, 2222], { kind: "cidr", cidr: "10.0.0.0/8" })), true);
    assert.equal(portFromParameter!.accounts(live([2222, 2222], { kind: "cidr", cidr: "0.0.0.0/0" })), false);
    assert.equal(portFromParameter!.accounts(live([2222, 2222], { kind: "cidr", cidr: "10.0.0.0/8" }, "udp")), false);
    assert.equal(importedGroup!.accounts(live([8080, 8080], { kind: "group", group: "sg-shared" })), true);
    assert.equal(importedGroup!.accounts(live([8081, 8081], { kind: "group", group: "sg-shared" })), false);
  });

  it("keeps the implicit egress as the template's allow-all intent", () => {
    const { fixed } = canonicalTemplateRules(web.egress, physicalIdOf, resolved);
    assert.deepEqual(fixed.map((entry) => [entry.key, entry.rule.implicit]), [["egress|-1|all|cidr:0.0.0.0/0", true]]);
    assert.equal(IMPLICIT_IPV6_EGRESS_KEY, canonicalKey("egress|-1|all", "cidr:::/0"));
  });
});

describe("canonicalLiveRules and valueAt", () => {
  it("keys live rules the same way", () => {
    assert.deepEqual(
      canonicalLiveRules([rule({ fromPort: 22, toPort: 22, peer: { kind: "cidr", cidr: "0.0.0.0/0" } }), rule({ direction: "egress", protocol: "-1", peer: { kind: "prefix-list", id: "pl-1" } })]).map((entry) => entry.key),
      ["ingress|tcp|22-22|cidr:0.0.0.0/0", "egress|-1|all|prefix-list:pl-1"],
    );
  });
  it("reads a resolved value back from a template path", () => {
    const resolved = resolveTemplate(TEMPLATE)[0]!;
    assert.ok(valueAt(resolved, ["Resources", "Web", "Properties", "SecurityGroupIngress", 2, "CidrIp"]) instanceof Unknown);
    assert.equal(valueAt(resolved, ["Resources", "Web", "Properties", "GroupDescription"]), "web");
    assert.equal(valueAt(resolved, ["Resources", "Web"]), undefined);
    assert.equal(valueAt(resolved, ["Resources", "Nope", "Properties"]), undefined);
    assert.equal(valueAt(resolved, ["Outputs", "X"]), undefined);
  });
});
