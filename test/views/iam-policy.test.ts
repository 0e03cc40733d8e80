import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { iamPolicyViews, iamPrincipalViews, isBoundaryOnly } from "../../shared/views/iam-policy.ts";

const TEMPLATE = `
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app-role
      PermissionsBoundary: !Sub "arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/boundary"
      ManagedPolicyArns:
        - !Ref Shared
        - arn:aws:iam::aws:policy/ReadOnlyAccess
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: Inline
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: "*"
  Admins:
    Type: AWS::IAM::Group
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Groups: [!Ref Admins]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: sqs:SendMessage
            Resource: "*"
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: boundary
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: "*"
            Resource: "*"
  Exported:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: { Statement: [] }
  ByName:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: by-name
      Roles: [app-role, role-of-another-stack]
      PolicyDocument: '{"Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}'
Outputs:
  ExportedArn:
    Value: !Ref Exported
`;

function build() {
  const [resolved] = resolveTemplate(parseTemplate(TEMPLATE));
  return { policies: iamPolicyViews.fromTemplate(resolved!), principals: iamPrincipalViews.fromTemplate(resolved!) };
}

test("lists every identity document with the principals it applies to, never the trust policy", () => {
  const { policies } = build();
  const byKey = new Map(policies.map((policy) => [`${policy.logicalId}/${policy.key}`, policy]));
  assert.deepEqual([...byKey.keys()].sort(), ["AppRole/Policies/Inline", "Boundary/PolicyDocument", "ByName/PolicyDocument", "Exported/PolicyDocument", "Shared/PolicyDocument"]);
  const inline = byKey.get("AppRole/Policies/Inline")!;
  assert.equal(inline.policyKind, "inline");
  assert.deepEqual(inline.attachedTo, [{ kind: "role", logicalId: "AppRole", name: "app-role" }]);
  assert.deepEqual(inline.document.statements[0]!.actions, ["s3:GetObject"]);
  assert.deepEqual(inline.document.statements[0]!.at, ["Resources", "AppRole", "Properties", "Policies", 0, "PolicyDocument", "Statement", 0]);
  const shared = byKey.get("Shared/PolicyDocument")!;
  assert.deepEqual(shared.attachedTo.map((attachment) => `${attachment.kind}:${attachment.logicalId}`).sort(), ["group:Admins", "role:AppRole"]);
  const byName = byKey.get("ByName/PolicyDocument")!;
  assert.deepEqual(byName.attachedTo, [{ kind: "role", logicalId: "AppRole", name: "app-role" }, { kind: "role", name: "role-of-another-stack" }]);
  assert.deepEqual(byName.document.statements[0]!.actions, ["sns:Publish"]);
});

test("links a permissions boundary named by ARN, and tells unattached from exported policies", () => {
  const { policies } = build();
  const boundary = policies.find((policy) => policy.logicalId === "Boundary")!;
  assert.deepEqual(boundary.boundaryOf, [{ kind: "role", logicalId: "AppRole", name: "app-role" }]);
  assert.equal(isBoundaryOnly(boundary), true);
  const exported = policies.find((policy) => policy.logicalId === "Exported")!;
  assert.deepEqual(exported.attachedTo, []);
  assert.equal(exported.referencedElsewhere, true);
  assert.equal(boundary.referencedElsewhere, false);
});

test("describes principals with their managed policy ARNs, boundary and trust policy", () => {
  const { principals } = build();
  const role = principals.find((principal) => principal.logicalId === "AppRole")!;
  assert.equal(role.kind, "role");
  assert.deepEqual((role.managedPolicyArns ?? []).map((attachment) => attachment.policyLogicalId ?? attachment.arn), ["Shared", "arn:aws:iam::aws:policy/ReadOnlyAccess"]);
  assert.equal(role.permissionsBoundary?.policyLogicalId, "Boundary");
  assert.deepEqual(role.trustPolicy?.statements[0]!.principals?.service, ["lambda.amazonaws.com"]);
  assert.deepEqual(principals.map((principal) => principal.logicalId).sort(), ["Admins", "AppRole"]);
});
