import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import rule from "../../../shared/rules/drift/drift-sg-rule-added.ts";
import { securityGroupViews, type Peer, type SecurityGroupRule, type SecurityGroupView } from "../../../shared/views/security-group.ts";
import type { ResourceView, ViewKind } from "../../../shared/views/view.ts";
import { fixture } from "../../helpers.ts";
import { deployed, driftContext, liveStack, summary } from "./drift-context.ts";

const GROUP = "AWS::EC2::SecurityGroup";
const RESOURCES = deployed(["WebGroup", GROUP], ["WebHttp", "AWS::EC2::SecurityGroupIngress"], ["AppGroup", GROUP], ["DbGroup", GROUP]);
const cidr = (value: string): Peer => ({ kind: "cidr", cidr: value });
const group = (id: string): Peer => ({ kind: "group", group: id });

/** A rule as the live view gives it (what DescribeSecurityGroups says). */
function live(logicalId: string, direction: SecurityGroupRule["direction"], protocol: string, ports: [number, number] | undefined, peer: Peer): SecurityGroupRule {
  return { direction, protocol, ...(ports ? { fromPort: ports[0], toPort: ports[1] } : {}), peer, at: ["Resources", logicalId] };
}

function liveGroup(logicalId: string, ingress: [string, [number, number] | undefined, Peer][], egress: [string, [number, number] | undefined, Peer][]): SecurityGroupView {
  return {
    logicalId,
    type: GROUP,
    physicalId: `${logicalId.toLowerCase()}-live`,
    vpcId: "vpc-0a1b2c3d",
    ingress: ingress.map(([protocol, ports, peer]) => live(logicalId, "ingress", protocol, ports, peer)),
    egress: egress.map(([protocol, ports, peer]) => live(logicalId, "egress", protocol, ports, peer)),
  };
}

const ALL_EGRESS: [string, undefined, Peer][] = [["-1", undefined, cidr("0.0.0.0/0")], ["-1", undefined, cidr("::/0")]];
const failTemplate = readFileSync(fixture(import.meta.url, "drift-sg-rule-added.fail.yaml"), "utf8");

function check(template: string, groups: SecurityGroupView[]) {
  const views: [ViewKind<ResourceView>, ResourceView[]] = [securityGroupViews as unknown as ViewKind<ResourceView>, groups];
  return rule.check(driftContext({ template, stack: liveStack(RESOURCES), live: [views] }));
}

const driftedGroups = [
  liveGroup(
    "WebGroup",
    [
      ["tcp", [443, 443], cidr("0.0.0.0/0")],
      ["tcp", [80, 80], cidr("0.0.0.0/0")],
      ["tcp", [22, 22], cidr("0.0.0.0/0")],
      ["tcp", [8443, 8443], cidr("10.1.0.0/16")],
    ],
    ALL_EGRESS,
  ),
  liveGroup(
    "AppGroup",
    [
      ["tcp", [8080, 8080], group("webgroup-live")],
      ["tcp", [22, 22], cidr("203.0.113.7/32")],
    ],
    [["tcp", [443, 443], cidr("10.0.0.0/16")]],
  ),
  liveGroup("DbGroup", [], [ALL_EGRESS[0]!]),
];

test("reports live rules the template does not declare and declared rules the live group lacks, as sets", () => {
  const hits = check(failTemplate, driftedGroups);
  assert.deepEqual(summary(hits), [
    "AppGroup low egress|tcp|5432-5432|group:dbgroup-live",
    "DbGroup medium ingress|tcp|5432-5432|group:appgroup-live",
    "WebGroup high ingress|tcp|22-22|cidr:0.0.0.0/0",
    "WebGroup medium ingress|tcp|8443-8443|cidr:10.1.0.0/16",
  ]);
  const ssh = hits.find((hit) => hit.detail === "ingress|tcp|22-22|cidr:0.0.0.0/0")!;
  assert.match(ssh.message, /WebGroup \(webgroup-live\) has a live ingress rule the template does not declare: tcp port 22 from 0\.0\.0\.0\/0, open to the whole internet/);
  assert.equal(ssh.resource.physicalId, "webgroup-live");
  assert.deepEqual(ssh.path, ["Resources", "WebGroup"]);
  assert.equal((ssh.evidence as { change: string }).change, "added");
  assert.ok(((ssh.evidence as { template: string[] }).template).includes("ingress|tcp|80-80|cidr:0.0.0.0/0"), "the separate WebHttp rule belongs to the template side");
  const egress = hits.find((hit) => hit.resource.logicalId === "AppGroup")!;
  assert.match(egress.message, /lacks an egress rule the template declares: tcp port 5432 to group \$\{DbGroup\} \(dbgroup-live\); it was removed outside CloudFormation \(low: removing egress narrows access\)/);
  assert.deepEqual(egress.path, ["Resources", "AppGroup", "Properties", "SecurityGroupEgress", 1]);
  assert.equal((egress.evidence as { change: string }).change, "missing");
});

test("the implicit allow-all egress is intent: reported when the live group lost it, low", () => {
  const groups = [...driftedGroups.slice(0, 2), liveGroup("DbGroup", [["tcp", [5432, 5432], group("appgroup-live")]], [])];
  const hits = check(failTemplate, groups).filter((hit) => hit.resource.logicalId === "DbGroup");
  assert.deepEqual(summary(hits), ["DbGroup low egress|-1|all|cidr:0.0.0.0/0"]);
  assert.match(hits[0]!.message, /allow-all egress AWS gives a group that declares none/);
});

test("world-open IPv6 and all-traffic additions are high; a rule to a peer group outside the template is medium", () => {
  const groups = [
    liveGroup(
      "WebGroup",
      [
        ["tcp", [443, 443], cidr("0.0.0.0/0")],
        ["tcp", [80, 80], cidr("0.0.0.0/0")],
        ["-1", undefined, cidr("::/0")],
        ["tcp", [3306, 3306], group("sg-0ffee0000000000aa")],
      ],
      ALL_EGRESS,
    ),
    ...driftedGroups.slice(1, 2),
    liveGroup("DbGroup", [["tcp", [5432, 5432], group("appgroup-live")]], [ALL_EGRESS[0]!]),
  ];
  assert.deepEqual(summary(check(failTemplate, groups)), [
    "AppGroup low egress|tcp|5432-5432|group:dbgroup-live",
    "WebGroup high ingress|-1|all|cidr:::/0",
    "WebGroup medium ingress|tcp|3306-3306|group:sg-0ffee0000000000aa",
  ]);
});

test("stays quiet when the live rules match: protocol numbers, all-ports ranges, group references by Ref and GetAtt, separate egress resources", () => {
  const groups = [
    liveGroup(
      "WebGroup",
      [
        ["tcp", [443, 443], cidr("0.0.0.0/0")],
        ["tcp", [0, 65535], group("appgroup-live")],
      ],
      [ALL_EGRESS[0]!],
    ),
    liveGroup(
      "AppGroup",
      [],
      [
        ["icmp", [-1, -1], cidr("10.0.0.0/8")],
        ["tcp", [443, 443], group("webgroup-live")],
      ],
    ),
  ];
  assert.deepEqual(check(readFileSync(fixture(import.meta.url, "drift-sg-rule-added.pass.yaml"), "utf8"), groups), []);
});

test("a group without a live view is left to drift-resource-missing", () => {
  assert.deepEqual(summary(check(failTemplate, driftedGroups.slice(2))), ["DbGroup medium ingress|tcp|5432-5432|group:appgroup-live"]);
});
