import assert from "node:assert/strict";
import { test } from "node:test";
import { defineRule } from "../shared/rules/rule.ts";
import { scanTemplate } from "../shared/scan.ts";
import { securityGroupViews } from "../shared/views/security-group.ts";
import { ALL_RULES } from "../shared/rules/index.ts";

const egressRule = ALL_RULES.find((rule) => rule.id === "ec2-sg-egress-unrestricted")!;
const OPEN_GROUP = `
Parameters:
  Env: {Type: String, AllowedValues: [dev, prod], Default: prod}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      SecurityGroupEgress:
        - IpProtocol: "-1"
          CidrIp: !If [IsDev, 0.0.0.0/0, 0.0.0.0/0]
`;

test("a rule that throws becomes an error entry and the other rules still judge the template", () => {
  const broken = defineRule({ ...egressRule, id: "broken-rule", check: () => { throw new Error("boom"); } });
  const result = scanTemplate(OPEN_GROUP, { file: "t.yaml", rules: [broken, egressRule] });
  assert.equal(result.findings.length, 1);
  assert.equal(result.errors.length, 2, "one error per scenario the rule failed in");
  assert.match(result.errors[0]!.message, /broken-rule could not judge this template: boom/);
});

test("a finding present in every scenario is reported once, without a branch note", () => {
  const [finding] = scanTemplate(OPEN_GROUP, { file: "t.yaml", rules: [egressRule] }).findings;
  assert.doesNotMatch(finding!.message, /only when/);
  assert.deepEqual(finding!.evidence.scenarios, ["defaults", "IsDev=true"]);
});

test("the fingerprint ignores lines and file layout but not the stack, resource, rule or detail", () => {
  const first = scanTemplate(OPEN_GROUP, { file: "t.yaml", rules: [egressRule] }).findings[0]!;
  const shifted = scanTemplate(`\n\n# moved down\n${OPEN_GROUP}`, { file: "t.yaml", rules: [egressRule] }).findings[0]!;
  assert.notEqual(first.location!.line, shifted.location!.line);
  assert.equal(first.fingerprint, shifted.fingerprint);
  const otherStack = scanTemplate(OPEN_GROUP, { file: "other.yaml", rules: [egressRule] }).findings[0]!;
  assert.notEqual(first.fingerprint, otherStack.fingerprint);
});

test("findings follow the finding contract", () => {
  const [finding] = scanTemplate(OPEN_GROUP, { file: "dir/t.yaml", stack: { name: "web", region: "eu-west-1", account: "111122223333" }, rules: [egressRule] }).findings;
  assert.deepEqual(Object.keys(finding!).sort(), ["evidence", "fingerprint", "location", "message", "remediation", "resource", "ruleId", "severity", "source", "stack", "status", "title"]);
  assert.equal(finding!.source, "template");
  assert.deepEqual(finding!.resource, { logicalId: "Group", type: "AWS::EC2::SecurityGroup" });
  assert.deepEqual(finding!.location, { file: "dir/t.yaml", line: 12, column: 11 });
  assert.equal(finding!.status, "OPEN");
  assert.match(finding!.fingerprint, /^[0-9a-f]{32}$/);
});

test("a malformed template is an error entry, not an exception", () => {
  const result = scanTemplate("Resources:\n  A: [\n", { file: "bad.yaml" });
  assert.deepEqual(result.findings, []);
  assert.equal(result.errors[0]!.target, "bad.yaml");
  assert.ok(result.errors[0]!.location);
});

test("views are built once per scenario however many rules ask", () => {
  let builds = 0;
  const counting = { ...securityGroupViews, fromTemplate: (template: Parameters<typeof securityGroupViews.fromTemplate>[0]) => { builds++; return securityGroupViews.fromTemplate(template); } };
  const asker = (id: string) => defineRule({ ...egressRule, id, check: (context) => { context.views(counting); return []; } });
  scanTemplate(OPEN_GROUP, { rules: [asker("a"), asker("b"), asker("c")] });
  assert.equal(builds, 2);
});

test("a finding on a list item after a dropped AWS::NoValue item points at that item's own line", () => {
  const source = `
Parameters:
  Restricted: {Type: String, AllowedValues: ["yes", "no"], Default: "no"}
Conditions:
  IsRestricted: !Equals [!Ref Restricted, "yes"]
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: x
      SecurityGroupEgress:
        - !If
          - IsRestricted
          - IpProtocol: tcp
            FromPort: 443
            ToPort: 443
            CidrIp: 10.0.0.0/8
          - !Ref AWS::NoValue
        - IpProtocol: "-1"
          CidrIp: 0.0.0.0/0
`;
  const [finding] = scanTemplate(source, { file: "t.yaml", rules: [egressRule] }).findings;
  assert.equal(finding!.location!.line, 19);
});
