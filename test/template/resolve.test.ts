import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { Composite, ResourceAttribute, ResourceRef, Unknown } from "../../shared/template/values.ts";

function properties(source: string, logicalId = "Subject", scenario = 0): Record<string, unknown> {
  const resolved = resolveTemplate(parseTemplate(source))[scenario]!;
  return resolved.resources.get(logicalId)!.properties;
}

test("Ref resolves parameters (default), pseudo parameters and resources (with what their Ref returns)", () => {
  const p = properties(`
Parameters:
  Cidr: {Type: String, Default: 0.0.0.0/0}
  NoDefault: {Type: String}
  Ports: {Type: CommaDelimitedList, Default: "22, 80"}
  Ami: {Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/ami}
Resources:
  Bucket: {Type: AWS::S3::Bucket}
  Topic: {Type: AWS::SNS::Topic}
  Group: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: x}}
  Subject:
    Type: AWS::SNS::Topic
    Properties: {A: !Ref Cidr, B: !Ref NoDefault, C: !Ref Ports, D: !Ref Ami, E: !Ref AWS::Region, F: !Ref Bucket, G: !Ref Topic, H: !Ref Group, I: !Ref Nowhere}
`);
  assert.equal(p.A, "0.0.0.0/0");
  assert.ok(p.B instanceof Unknown);
  assert.deepEqual(p.C, ["22", "80"]);
  assert.ok(p.D instanceof Unknown);
  assert.equal(p.E, "us-east-1");
  assert.deepEqual([p.F, p.G, p.H].map((value) => (value as ResourceRef).returns), ["name", "arn", "id"]);
  assert.ok(p.I instanceof Unknown);
});

test("Fn::Sub in both forms, with ${X.Attr}, ${!Literal} and list-form variables", () => {
  const p = properties(`
Resources:
  LogGroup: {Type: AWS::Logs::LogGroup}
  Subject:
    Type: AWS::SNS::Topic
    Properties:
      Plain: !Sub 'arn:\${AWS::Partition}:s3:::fixed-\${AWS::AccountId}'
      Literal: !Sub '\${!NotAVariable}-\${AWS::Region}'
      NameRef: !Sub '\${LogGroup}:*'
      Attr: !Sub '\${LogGroup.Arn}'
      ListForm: { 'Fn::Sub': ['\${Prefix}-\${Suffix}', { Prefix: !Ref 'AWS::StackName', Suffix: !GetAtt LogGroup.Arn }] }
`);
  assert.equal(p.Plain, "arn:aws:s3:::fixed-123456789012");
  assert.equal(p.Literal, "${NotAVariable}-us-east-1");
  assert.ok(p.NameRef instanceof Composite);
  const [ref, tail] = (p.NameRef as Composite).parts;
  assert.ok(ref instanceof ResourceRef && ref.returns === "name" && tail === ":*");
  assert.ok(p.Attr instanceof ResourceAttribute && p.Attr.returns === "arn");
  assert.ok(p.ListForm instanceof Composite);
  assert.equal(String(p.ListForm), "stack-${LogGroup.Arn}");
});

test("Join, Select, Split, FindInMap, GetAZs, Base64, ImportValue, dynamic references and custom resources", () => {
  const p = properties(`
Mappings:
  Regions: { us-east-1: { Ami: ami-123 } }
Resources:
  Custom: {Type: Custom::Thing, Properties: {ServiceToken: x}}
  Subject:
    Type: AWS::SNS::Topic
    Properties:
      Joined: !Join [':', [a, b, c]]
      Selected: !Select [1, [x, y, z]]
      SplitThenSelect: !Select [2, !Split [',', 'p,q,r']]
      Mapped: !FindInMap [Regions, !Ref 'AWS::Region', Ami]
      Missing: !FindInMap [Regions, eu-west-1, Ami]
      Zone: !Select [0, !GetAZs '']
      Encoded: !Base64 plain
      Imported: !ImportValue other-stack-vpc
      Dynamic: '{{resolve:secretsmanager:db:SecretString:password}}'
      CustomAttr: !GetAtt Custom.Value
      NoValue: !Ref AWS::NoValue
      List: [a, !Ref AWS::NoValue, b]
`);
  assert.equal(p.Joined, "a:b:c");
  assert.equal(p.Selected, "y");
  assert.equal(p.SplitThenSelect, "r");
  assert.equal(p.Mapped, "ami-123");
  assert.ok(p.Missing instanceof Unknown);
  assert.ok(p.Zone instanceof Unknown);
  assert.equal(p.Encoded, "plain");
  assert.ok(p.Imported instanceof Unknown);
  assert.ok(p.Dynamic instanceof Unknown);
  assert.ok(p.CustomAttr instanceof Unknown);
  assert.ok(!("NoValue" in p));
  assert.deepEqual(p.List, ["a", "b"]);
});

test("conditions are judged in every branch they can take, the defaults first", () => {
  const source = `
Parameters:
  Env: {Type: String, AllowedValues: [dev, staging, prod], Default: prod}
  Region2: {Type: String, Default: none}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsNotProd: !Not [!Condition IsProd]
  HasSecond: !Not [!Equals [!Ref Region2, none]]
  ProdAndSecond: !And [!Condition IsProd, !Condition HasSecond]
Resources:
  OnlyInProd: {Type: AWS::SNS::Topic, Condition: IsProd}
  Subject:
    Type: AWS::RDS::DBInstance
    Properties:
      MultiAZ: !If [IsProd, true, false]
      Replica: !If [ProdAndSecond, yes, !Ref AWS::NoValue]
`;
  const scenarios = resolveTemplate(parseTemplate(source));
  assert.equal(scenarios[0]!.scenario.label, "");
  assert.equal(scenarios[0]!.resources.get("Subject")!.properties.MultiAZ, true);
  const labels = scenarios.map((scenario) => scenario.scenario.label);
  assert.ok(labels.some((label) => /IsProd=false/.test(label)), labels.join(" | "));
  assert.ok(labels.some((label) => /HasSecond=true/.test(label)), labels.join(" | "));
  const devBranch = scenarios.find((scenario) => scenario.scenario.conditions.IsProd === false)!;
  assert.equal(devBranch.resources.get("Subject")!.properties.MultiAZ, false);
  assert.ok(!devBranch.resources.has("OnlyInProd"));
  assert.ok(scenarios.length <= 8);
});

test("a parameter without AllowedValues still takes both sides of an Equals, and conditions naming each other end", () => {
  const scenarios = resolveTemplate(parseTemplate(`
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsLive: !Equals [!Ref Stage, live]
  Loop1: !Condition Loop2
  Loop2: !Condition Loop1
Resources:
  Subject: {Type: AWS::SNS::Topic, Properties: {Name: !If [IsLive, live-topic, test-topic]}}
`));
  assert.deepEqual(scenarios.map((scenario) => scenario.resources.get("Subject")!.properties.Name).sort(), ["live-topic", "test-topic"]);
});

test("parameter values a deployed stack was given override defaults", () => {
  const [resolved] = resolveTemplate(parseTemplate("Parameters:\n  Cidr: {Type: String, Default: 10.0.0.0/8}\nResources:\n  Subject: {Type: AWS::SNS::Topic, Properties: {C: !Ref Cidr}}\n"), {
    parameterValues: { Cidr: "0.0.0.0/0" },
  });
  assert.equal(resolved!.resources.get("Subject")!.properties.C, "0.0.0.0/0");
});

test("an Equals between two Refs can come out true in some scenario", () => {
  const scenarios = resolveTemplate(parseTemplate(`
Parameters:
  TargetRegion: {Type: String, Default: eu-west-1}
Conditions:
  InTargetRegion: !Equals [!Ref AWS::Region, !Ref TargetRegion]
Resources:
  Subject: {Type: AWS::SNS::Topic, Condition: InTargetRegion, Properties: {Name: x}}
`));
  assert.ok(scenarios.some((scenario) => scenario.resources.has("Subject")));
});
