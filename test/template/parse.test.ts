import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTemplate, TemplateParseError } from "../../shared/template/parse.ts";

const SHORT_FORMS = `
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Or [!Condition NotProd, !Equals [a, b]]]
Resources:
  Thing:
    Type: AWS::S3::Bucket
    Properties:
      A: !Ref Env
      B: !Sub '\${AWS::StackName}-x'
      C: !GetAtt Other.Arn
      D: !GetAtt [Other, Endpoint.Address]
      E: !If [IsProd, !Join ['-', [a, b]], !Select [0, !Split [',', 'x,y']]]
      F: !FindInMap [Map, !Ref 'AWS::Region', Key]
      G: !ImportValue shared-vpc
      H: !Base64 { 'Fn::Sub': 'echo hi' }
      I: !Cidr [10.0.0.0/16, 4, 8]
      J: !Select [0, !GetAZs '']
      K: !Transform { Name: AWS::Include, Parameters: { Location: s3://x } }
`;

test("rewrites every short-form tag to its long form", () => {
  const { body } = parseTemplate(SHORT_FORMS);
  const properties = (body.Resources.Thing as { Properties: Record<string, unknown> }).Properties;
  assert.deepEqual(properties.A, { Ref: "Env" });
  assert.deepEqual(properties.B, { "Fn::Sub": "${AWS::StackName}-x" });
  assert.deepEqual(properties.C, { "Fn::GetAtt": ["Other", "Arn"] });
  assert.deepEqual(properties.D, { "Fn::GetAtt": ["Other", "Endpoint.Address"] });
  assert.deepEqual(properties.E, {
    "Fn::If": ["IsProd", { "Fn::Join": ["-", ["a", "b"]] }, { "Fn::Select": [0, { "Fn::Split": [",", "x,y"] }] }],
  });
  assert.deepEqual(properties.F, { "Fn::FindInMap": ["Map", { Ref: "AWS::Region" }, "Key"] });
  assert.deepEqual(properties.G, { "Fn::ImportValue": "shared-vpc" });
  assert.deepEqual(properties.H, { "Fn::Base64": { "Fn::Sub": "echo hi" } });
  assert.deepEqual(properties.I, { "Fn::Cidr": ["10.0.0.0/16", 4, 8] });
  assert.deepEqual(properties.J, { "Fn::Select": [0, { "Fn::GetAZs": "" }] });
  assert.deepEqual(properties.K, { "Fn::Transform": { Name: "AWS::Include", Parameters: { Location: "s3://x" } } });
  assert.deepEqual(body.Conditions!.NotProd, { "Fn::Not": [{ Condition: "IsProd" }] });
});

test("keeps the line and column of every key, through short forms and sequences", () => {
  const parsed = parseTemplate(SHORT_FORMS);
  assert.deepEqual(parsed.positionOf(["Resources", "Thing"]), { line: 7, column: 3 });
  assert.deepEqual(parsed.positionOf(["Resources", "Thing", "Properties", "D"]), { line: 13, column: 7 });
  assert.deepEqual(parsed.positionOf(["Resources", "Thing", "Properties", "E", "Fn::If", 1]), { line: 14, column: 29 });
  assert.deepEqual(parsed.positionOf(["Resources", "Thing", "Properties", "Missing", "Deeper"]), { line: 9, column: 5 });
});

test("reads JSON with positions", () => {
  const parsed = parseTemplate('{\n  "Resources": {\n    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "${AWS::StackName}"}}}\n  }\n}\n');
  assert.equal(parsed.format, "json");
  assert.deepEqual(parsed.positionOf(["Resources", "Topic", "Properties", "TopicName"]), { line: 3, column: 57 });
});

const BAD_INPUTS: [string, string, RegExp, number?][] = [
  ["duplicate key", "Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n", /duplicate key "A"/, 4],
  ["duplicate JSON key", '{"Resources": {"A": {"Type": "X"}, "A": {"Type": "Y"}}}', /duplicate key "A"/, 1],
  ["unknown tag", "Resources:\n  A:\n    Type: X\n    Properties:\n      P: !Reff B\n", /unknown tag !Reff/, 5],
  ["not a mapping", "- just\n- a list\n", /must be a mapping/, 1],
  ["a scalar", "hello", /must be a mapping/],
  ["no Resources", "Parameters: {}\n", /no Resources section/],
  ["Resources not a mapping", "Resources:\n  - A\n", /Resources must be a mapping/, 1],
  ["syntax error", "Resources:\n  A: [unclosed\n", /.+/],
  ["GetAtt without attribute", "Resources:\n  A:\n    Type: X\n    Properties: {P: !GetAtt Lonely}\n", /Resource.Attribute/, 4],
  ["empty file", "", /must be a mapping/],
];

for (const [name, source, message, line] of BAD_INPUTS) {
  test(`rejects ${name} with a clear error and a position`, () => {
    assert.throws(
      () => parseTemplate(source),
      (error: unknown) => {
        assert.ok(error instanceof TemplateParseError, `expected TemplateParseError, got ${error}`);
        assert.match(error.message, message);
        if (line !== undefined) assert.equal(error.position?.line, line);
        return true;
      },
    );
  });
}

test("stops a YAML alias bomb quickly instead of expanding it", () => {
  const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let level = 1; level < 9; level++) {
    const previous = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`);
  }
  const started = Date.now();
  assert.throws(() => parseTemplate(`${levels.join("\n")}\nResources: {}\n`), /alias bomb/);
  assert.ok(Date.now() - started < 5000);
});

test("rejects deep nesting without overflowing the stack", () => {
  assert.throws(() => parseTemplate(`Resources: ${"[".repeat(20000)}`), TemplateParseError);
  assert.throws(() => parseTemplate(`Resources:\n  A: ${"{a: ".repeat(600)}1${"}".repeat(600)}\n`), /nests/);
});

test("rejects templates over CloudFormation's 1 MB limit and reads one just under it", () => {
  const filler = (bytes: number) => `Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Metadata:\n      Padding: "${"x".repeat(bytes)}"\n`;
  assert.throws(() => parseTemplate(filler(1_048_576)), /1 MB/);
  assert.equal(parseTemplate(filler(1_000_000)).format, "yaml");
});
