import assert from "node:assert/strict";
import { test } from "node:test";
import { buildReferenceGraph } from "../../shared/template/graph.ts";
import { parseTemplate } from "../../shared/template/parse.ts";

const SOURCE = `
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Both: !And [!Condition IsProd, !Condition IsProd]
Resources:
  Key: {Type: AWS::KMS::Key}
  Alias: {Type: AWS::KMS::Alias, Properties: {TargetKeyId: !Ref Key, AliasName: alias/x}}
  Bucket:
    Type: AWS::S3::Bucket
    DependsOn: Alias
    Condition: IsProd
    Properties:
      Encryption: !Sub 'key \${Key.Arn} in \${AWS::Region} \${!Skip}'
      Other: !If [Both, !GetAtt [Key, Arn], !Ref AWS::NoValue]
Outputs:
  KeyId: {Value: !Ref Key}
`;

test("collects Ref, GetAtt, Sub, DependsOn and Condition references with their paths", () => {
  const graph = buildReferenceGraph(parseTemplate(SOURCE).body);
  const summary = graph.references.map((reference) => `${reference.from}->${reference.to}:${reference.kind}${reference.attribute ? `.${reference.attribute}` : ""}`);
  for (const expected of [
    "Alias->Key:Ref", "Bucket->Alias:DependsOn", "Bucket->IsProd:Condition", "Bucket->Key:Sub.Arn", "Bucket->AWS::Region:Sub",
    "Bucket->Both:Condition", "Bucket->Key:GetAtt.Arn", "Outputs.KeyId->Key:Ref", "Conditions.Both->IsProd:Condition", "Conditions.IsProd->Env:Ref",
  ]) assert.ok(summary.includes(expected), `missing ${expected} in ${summary.join(", ")}`);
  assert.ok(!summary.some((entry) => entry.includes("Skip")));
});

test("answers who uses a resource, and who uses it from a property", () => {
  const graph = buildReferenceGraph(parseTemplate(SOURCE).body);
  assert.deepEqual(graph.usersOf("Key").map((reference) => reference.from).sort(), ["Alias", "Bucket", "Bucket", "Outputs.KeyId"]);
  assert.deepEqual(graph.propertyUsersOf("Key").map((reference) => reference.path.join("/")).sort(), [
    "Resources/Alias/Properties/TargetKeyId/Ref",
    "Resources/Bucket/Properties/Encryption/Fn::Sub",
    "Resources/Bucket/Properties/Other/Fn::If/1/Fn::GetAtt",
  ]);
  assert.deepEqual(graph.usersOf("Alias"), []);
});
