import assert from "node:assert/strict";
import { test } from "node:test";
import { driftEqual, withPhysicalIds } from "../../shared/drift/compare.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { ResourceAttribute } from "../../shared/template/values.ts";
import { comparablePolicy } from "../../shared/views/comparable-policy.ts";
import { kmsKeyViews } from "../../shared/views/kms-key.ts";
import { readPolicyDocument } from "../../shared/views/policy-document.ts";

const read = (document: unknown) => readPolicyDocument(document, ["Resources", "Key", "Properties", "KeyPolicy"]);

test("statement order, list order, action and condition-key case and a bare account id make no difference", () => {
  const written = read({
    Statement: [
      { Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": false } } },
      { Sid: "Root", Effect: "Allow", Principal: { AWS: "111122223333" }, Action: ["kms:Encrypt", "KMS:Decrypt"], Resource: "*" },
    ],
  });
  const answered = read({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: ["kms:Decrypt", "kms:Encrypt"], Resource: "*" },
      { Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:ScheduleKeyDeletion", Resource: "*", Condition: { bool: { "aws:multifactorauthpresent": "false" } } },
    ],
  });
  assert.deepEqual(comparablePolicy(written), comparablePolicy(answered));
});

test("a widened grant differs", () => {
  const before = read({ Statement: [{ Effect: "Allow", Principal: { Service: "logs.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } } }] });
  const after = read({ Statement: [{ Effect: "Allow", Principal: { Service: "logs.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*" }] });
  assert.notDeepEqual(comparablePolicy(before), comparablePolicy(after));
});

test("a value the template cannot fix (a role's ARN) stays symbolic, for drift to match against the live ARN", () => {
  const [resolved] = resolveTemplate(
    parseTemplate(`
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties: { AssumeRolePolicyDocument: { Statement: [] } }
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - { Effect: Allow, Principal: { AWS: !GetAtt Role.Arn }, Action: "kms:Decrypt", Resource: "*" }
  Plain:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - { Effect: Allow, Principal: { AWS: !Sub "arn:aws:iam::\${AWS::AccountId}:root" }, Action: "kms:*", Resource: "*" }
`),
    { pseudo: { "AWS::AccountId": "111122223333" } },
  );
  const views = new Map(kmsKeyViews.fromTemplate(resolved!).map((view) => [view.logicalId, view]));
  const [grant] = comparablePolicy(views.get("Key")!.policy)!;
  assert.deepEqual(grant!.principals!.AWS!.map(String), ["${Role.Arn}"]);
  assert.ok(grant!.principals!.AWS![0] instanceof ResourceAttribute);
  assert.deepEqual(grant!.actions, ["kms:decrypt"]);
  assert.deepEqual(comparablePolicy(views.get("Plain")!.policy), [{ effect: "Allow", actions: ["kms:*"], resources: ["*"], principals: { AWS: ["arn:aws:iam::111122223333:root"] } }]);
});

test("drift matches the template's symbolic principal against the live ARN, and still finds a widened grant", () => {
  const [resolved] = resolveTemplate(
    parseTemplate(`
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties: { AssumeRolePolicyDocument: { Statement: [] } }
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - { Sid: Root, Effect: Allow, Principal: { AWS: !Sub "arn:aws:iam::\${AWS::AccountId}:root" }, Action: "kms:*", Resource: "*" }
          - { Sid: Use, Effect: Allow, Principal: { AWS: !GetAtt Role.Arn }, Action: ["kms:Decrypt", "kms:Encrypt"], Resource: "*" }
`),
    { pseudo: { "AWS::AccountId": "111122223333" } },
  );
  const intended = withPhysicalIds(comparablePolicy(kmsKeyViews.fromTemplate(resolved!)[0]!.policy), () => undefined);
  const live = (principal: string) =>
    comparablePolicy(
      read({
        Statement: [
          { Sid: "Use", Effect: "Allow", Principal: { AWS: principal }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*" },
          { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
        ],
      }),
    );
  assert.equal(driftEqual(intended, live("arn:aws:iam::111122223333:role/stack-Role-1A2B3C")), true);
  assert.equal(driftEqual(intended, live("*")), false, "the role's ARN opened to anyone");
  const widened = live("arn:aws:iam::111122223333:role/stack-Role-1A2B3C")!;
  widened.find((statement) => statement.sid === "Use")!.actions = ["kms:*"];
  assert.equal(driftEqual(intended, widened), false);
});
