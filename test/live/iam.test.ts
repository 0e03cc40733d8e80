import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetAccountAuthorizationDetailsCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { CloudFormationClient, CreateStackCommand, ListStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { attachDeployedTemplate, judgeLiveAccount, judgeLiveStack } from "../../shared/judge-live.ts";
import { ACCOUNT_DETAILS_THRESHOLD, IamReader, parsePolicyDocumentText, type IamPrincipalKind } from "../../shared/live/iam.ts";
import { LiveSession, type StackResource } from "../../shared/live/session.ts";
import driftSecurityProperty from "../../shared/rules/drift/drift-security-property.ts";
import { IAM_RULES } from "../../shared/rules/iam/index.ts";
import iamAccessKeyStale from "../../shared/rules/iam/iam-access-key-stale.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { iamAccessKeyViews } from "../../shared/views/iam-access-key.ts";
import { iamPolicyViews, iamPrincipalViews } from "../../shared/views/iam-policy.ts";
import { awsError, HAND_ACCOUNT, handAccount, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_ACCOUNT, MOTO_REGION } from "./moto.ts";

const REGION = "eu-west-1";
const policyArn = (name: string) => `arn:aws:iam::${HAND_ACCOUNT}:policy/${name}`;
const encode = (document: unknown) => encodeURIComponent(JSON.stringify(document));
const statement = (action: string | string[], resourceArn: string | string[] = "*", extra: Record<string, unknown> = {}) => ({ Effect: "Allow", Action: action, Resource: resourceArn, ...extra });
const doc = (...statements: unknown[]) => ({ Version: "2012-10-17", Statement: statements });
const lambdaTrust = doc({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" });
const mfaDeny = {
  Sid: "DenyWithoutMfa",
  Effect: "Deny",
  NotAction: ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
  Resource: "*",
  Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
};

interface FakePrincipal {
  boundary?: string;
  trust?: string;
  /** Inline documents as IAM returns them (URL-encoded JSON, or whatever a test wants to break). */
  inline: Record<string, string>;
  attached: string[];
}

interface FakeIam {
  roles: Record<string, FakePrincipal>;
  users: Record<string, FakePrincipal>;
  groups: Record<string, FakePrincipal>;
  policies: Record<string, { document: string; attachedTo: { kind: "role" | "user" | "group"; name: string }[]; boundaryOf?: { kind: "role" | "user"; name: string }[] }>;
  keys?: Record<string, { id: string; status: string; created: Date }[]>;
  /** Roles GetAccountAuthorizationDetails describes without their AttachedManagedPolicies. */
  describedWithoutAttachments?: string[];
}

const PAGE = 2;

/** Pages a list two entries at a time, the way IAM does with IsTruncated and Marker. */
function paged<T>(items: T[], marker: string | undefined): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const start = Number(marker ?? 0);
  const truncated = start + PAGE < items.length;
  return { items: items.slice(start, start + PAGE), IsTruncated: truncated, ...(truncated ? { Marker: String(start + PAGE) } : {}) };
}

function serveIam(iam: AwsClientStub<IAMClient>, state: FakeIam): void {
  const find = (table: Record<string, FakePrincipal>, name: string | undefined, what: string) => {
    const found = table[name ?? ""];
    if (!found) throw awsError("NoSuchEntity", 404, `The ${what} with name ${name} cannot be found.`);
    return found;
  };
  const inline = (table: Record<string, FakePrincipal>, what: string) => async (input: { RoleName?: string; UserName?: string; GroupName?: string; Marker?: string }) => {
    const page = paged(Object.keys(find(table, input.RoleName ?? input.UserName ?? input.GroupName, what).inline), input.Marker);
    return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  };
  const attached = (table: Record<string, FakePrincipal>, what: string) => async (input: { RoleName?: string; UserName?: string; GroupName?: string; Marker?: string }) => {
    const page = paged(find(table, input.RoleName ?? input.UserName ?? input.GroupName, what).attached, input.Marker);
    return { AttachedPolicies: page.items.map((arn) => ({ PolicyArn: arn, PolicyName: arn.split("/").pop() })), IsTruncated: page.IsTruncated, Marker: page.Marker };
  };
  const document = (table: Record<string, FakePrincipal>, what: string) => async (input: { RoleName?: string; UserName?: string; GroupName?: string; PolicyName?: string }) => {
    const principal = find(table, input.RoleName ?? input.UserName ?? input.GroupName, what);
    const text = principal.inline[input.PolicyName ?? ""];
    if (text === undefined) throw awsError("NoSuchEntity", 404, `The ${what} policy ${input.PolicyName} cannot be found.`);
    return { PolicyName: input.PolicyName, PolicyDocument: text };
  };
  iam.on(GetRoleCommand).callsFake(async (input: { RoleName?: string }) => {
    const role = find(state.roles, input.RoleName, "role");
    return {
      Role: {
        RoleName: input.RoleName, Arn: `arn:aws:iam::${HAND_ACCOUNT}:role/${input.RoleName}`, Path: "/", RoleId: "AROA", CreateDate: new Date(),
        AssumeRolePolicyDocument: role.trust ?? encode(lambdaTrust),
        ...(role.boundary ? { PermissionsBoundary: { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: role.boundary } } : {}),
      },
    };
  });
  iam.on(GetUserCommand).callsFake(async (input: { UserName?: string }) => {
    const user = find(state.users, input.UserName, "user");
    return { User: { UserName: input.UserName, Arn: `arn:aws:iam::${HAND_ACCOUNT}:user/${input.UserName}`, Path: "/", UserId: "AIDA", CreateDate: new Date(), ...(user.boundary ? { PermissionsBoundary: { PermissionsBoundaryArn: user.boundary } } : {}) } };
  });
  iam.on(ListRolePoliciesCommand).callsFake(inline(state.roles, "role"));
  iam.on(ListUserPoliciesCommand).callsFake(inline(state.users, "user"));
  iam.on(ListGroupPoliciesCommand).callsFake(inline(state.groups, "group"));
  iam.on(ListAttachedRolePoliciesCommand).callsFake(attached(state.roles, "role"));
  iam.on(ListAttachedUserPoliciesCommand).callsFake(attached(state.users, "user"));
  iam.on(ListAttachedGroupPoliciesCommand).callsFake(attached(state.groups, "group"));
  iam.on(GetRolePolicyCommand).callsFake(document(state.roles, "role"));
  iam.on(GetUserPolicyCommand).callsFake(document(state.users, "user"));
  iam.on(GetGroupPolicyCommand).callsFake(document(state.groups, "group"));
  const policy = (arn: string | undefined) => {
    const found = state.policies[arn ?? ""];
    if (!found) throw awsError("NoSuchEntity", 404, `Policy ${arn} does not exist or is not attachable.`);
    return found;
  };
  iam.on(GetPolicyCommand).callsFake(async (input: { PolicyArn?: string }) => {
    const found = policy(input.PolicyArn);
    return { Policy: { Arn: input.PolicyArn, PolicyName: input.PolicyArn!.split("/").pop(), DefaultVersionId: "v3", AttachmentCount: found.attachedTo.length, PermissionsBoundaryUsageCount: found.boundaryOf?.length ?? 0 } };
  });
  iam.on(GetPolicyVersionCommand).callsFake(async (input: { PolicyArn?: string; VersionId?: string }) => {
    assert.equal(input.VersionId, "v3", "the default version is read");
    return { PolicyVersion: { Document: policy(input.PolicyArn).document, VersionId: "v3", IsDefaultVersion: true } };
  });
  iam.on(ListEntitiesForPolicyCommand).callsFake(async (input: { PolicyArn?: string; PolicyUsageFilter?: string }) => {
    const found = policy(input.PolicyArn);
    const entities = input.PolicyUsageFilter === "PermissionsBoundary" ? (found.boundaryOf ?? []) : found.attachedTo;
    return {
      PolicyRoles: entities.filter((entity) => entity.kind === "role").map((entity) => ({ RoleName: entity.name })),
      PolicyUsers: entities.filter((entity) => entity.kind === "user").map((entity) => ({ UserName: entity.name })),
      PolicyGroups: entities.filter((entity) => entity.kind === "group").map((entity) => ({ GroupName: entity.name })),
      IsTruncated: false,
    };
  });
  iam.on(GetAccountAuthorizationDetailsCommand).callsFake(async (input: { Filter?: string[]; Marker?: string; MaxItems?: number }) => {
    assert.deepEqual(input.Filter, ["Role", "User", "Group", "LocalManagedPolicy"], "AWS managed policies are never asked for");
    const arnOf = (kind: string, name: string) => `arn:aws:iam::${HAND_ACCOUNT}:${kind}/${name}`;
    const inline = (principal: FakePrincipal) => Object.entries(principal.inline).map(([PolicyName, PolicyDocument]) => ({ PolicyName, PolicyDocument }));
    const attached = (principal: FakePrincipal) => principal.attached.map((arn) => ({ PolicyArn: arn, PolicyName: arn.split("/").pop() }));
    const boundary = (principal: FakePrincipal) => (principal.boundary ? { PermissionsBoundary: { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: principal.boundary } } : {});
    const entities = [
      ...Object.entries(state.roles).map(([name, role]) => ({
        RoleDetailList: { RoleName: name, Arn: arnOf("role", name), Path: "/", RoleId: "AROA", AssumeRolePolicyDocument: role.trust ?? encode(lambdaTrust), RolePolicyList: inline(role), ...(state.describedWithoutAttachments?.includes(name) ? {} : { AttachedManagedPolicies: attached(role) }), ...boundary(role) },
      })),
      ...Object.entries(state.users).map(([name, user]) => ({ UserDetailList: { UserName: name, Arn: arnOf("user", name), Path: "/", UserPolicyList: inline(user), AttachedManagedPolicies: attached(user), GroupList: [], ...boundary(user) } })),
      ...Object.entries(state.groups).map(([name, group]) => ({ GroupDetailList: { GroupName: name, Arn: arnOf("group", name), Path: "/", GroupPolicyList: inline(group), AttachedManagedPolicies: attached(group) } })),
      ...Object.entries(state.policies).map(([arn, policy]) => ({
        Policies: {
          Arn: arn, PolicyName: arn.split("/").pop(), DefaultVersionId: "v3", AttachmentCount: policy.attachedTo.length, PermissionsBoundaryUsageCount: policy.boundaryOf?.length ?? 0,
          PolicyVersionList: [{ VersionId: "v2", IsDefaultVersion: false, Document: encode(doc()) }, { VersionId: "v3", IsDefaultVersion: true, Document: policy.document }],
        },
      })),
    ];
    // IAM fills each page with up to MaxItems entities of every kind; the fake pages them by the same PAGE as the listings.
    const page = paged(entities, input.Marker);
    const of = (key: string) => page.items.flatMap((entity) => Object.entries(entity).filter(([entityKey]) => entityKey === key).map(([, value]) => value));
    return { RoleDetailList: of("RoleDetailList"), UserDetailList: of("UserDetailList"), GroupDetailList: of("GroupDetailList"), Policies: of("Policies"), IsTruncated: page.IsTruncated, Marker: page.Marker };
  });
  iam.on(ListUsersCommand).callsFake(async (input: { Marker?: string }) => {
    const page = paged(Object.keys(state.keys ?? {}), input.Marker);
    return { Users: page.items.map((name) => ({ UserName: name, Arn: `arn:aws:iam::${HAND_ACCOUNT}:user/${name}`, Path: "/", UserId: "AIDA", CreateDate: new Date() })), IsTruncated: page.IsTruncated, Marker: page.Marker };
  });
  iam.on(ListAccessKeysCommand).callsFake(async (input: { UserName?: string; Marker?: string }) => {
    const page = paged(state.keys?.[input.UserName ?? ""] ?? [], input.Marker);
    return { AccessKeyMetadata: page.items.map((key) => ({ UserName: input.UserName, AccessKeyId: key.id, Status: key.status, CreateDate: key.created })), IsTruncated: page.IsTruncated, Marker: page.Marker };
  });
}

const TEMPLATE = `
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app-role
      PermissionsBoundary: !Ref Boundary
      ManagedPolicyArns:
        - !Ref Shared
        - arn:aws:iam::aws:policy/ReadOnlyAccess
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: Reads
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [s3:GetObject]
                Resource: !Sub "arn:aws:s3:::reports-\${AWS::AccountId}/*"
        - PolicyName: Queue
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: arn:aws:sqs:eu-west-1:111122223333:jobs
  TwinRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: twin-role
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: Reads
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: arn:aws:s3:::twin/*
  Buckets:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: buckets
      Roles: [!Ref AppRole, existing-role]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:*
            Resource: "*"
  Shared:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: sqs:ReceiveMessage
            Resource: arn:aws:sqs:eu-west-1:111122223333:jobs
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [s3:GetObject, sqs:*]
            Resource: "*"
          - Effect: Deny
            Action: [iam:*, organizations:*, account:*]
            Resource: "*"
  RequireMfa:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Groups: [!Ref Humans]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Sid: DenyWithoutMfa
            Effect: Deny
            NotAction: [iam:CreateVirtualMFADevice, iam:EnableMFADevice, iam:GetUser, iam:ListMFADevices, iam:ListVirtualMFADevices, iam:ResyncMFADevice, sts:GetSessionToken]
            Resource: "*"
            Condition:
              BoolIfExists:
                aws:MultiFactorAuthPresent: "false"
  Humans:
    Type: AWS::IAM::Group
  Deployer:
    Type: AWS::IAM::User
    Properties:
      Groups: [!Ref Humans]
`;

const SHARED_ARN = policyArn("app-Shared-1");
const BOUNDARY_ARN = policyArn("app-Boundary-1");
const MFA_ARN = policyArn("app-RequireMfa-1");

const STACK_RESOURCES: StackResource[] = [
  resource("AppRole", "AWS::IAM::Role", "app-role"),
  resource("TwinRole", "AWS::IAM::Role", "twin-role"),
  resource("Buckets", "AWS::IAM::Policy", "app-Bucke-1A2B3C4D5E6F"),
  resource("Shared", "AWS::IAM::ManagedPolicy", SHARED_ARN),
  resource("Boundary", "AWS::IAM::ManagedPolicy", BOUNDARY_ARN),
  resource("RequireMfa", "AWS::IAM::ManagedPolicy", MFA_ARN),
  resource("Humans", "AWS::IAM::Group", "app-Humans-1"),
  resource("Deployer", "AWS::IAM::User", "app-Deployer-1"),
];

/** The stack as deployed, with what changed out of band: a wildcard in AppRole's Queue policy, AdministratorAccess attached, the MFA policy detached. */
function deployed(): FakeIam {
  const buckets = encode(doc(statement("s3:*")));
  return {
    roles: {
      "app-role": {
        boundary: BOUNDARY_ARN,
        inline: {
          Reads: encode(doc(statement(["s3:GetObject"], `arn:aws:s3:::reports-${HAND_ACCOUNT}/*`))),
          Queue: encode(doc(statement("sqs:*", "arn:aws:sqs:eu-west-1:111122223333:jobs"))),
          buckets,
        },
        attached: [SHARED_ARN, "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess"],
      },
      "twin-role": { inline: { Reads: encode(doc(statement("s3:GetObject", "arn:aws:s3:::twin/*"))) }, attached: [] },
      "existing-role": { inline: { buckets }, attached: [] },
    },
    users: { "app-Deployer-1": { inline: {}, attached: [] } },
    groups: { "app-Humans-1": { inline: {}, attached: [] } },
    policies: {
      [SHARED_ARN]: { document: JSON.stringify(doc(statement("sqs:ReceiveMessage", "arn:aws:sqs:eu-west-1:111122223333:jobs"))), attachedTo: [{ kind: "role", name: "app-role" }] },
      [BOUNDARY_ARN]: {
        document: encode(doc(statement(["s3:GetObject", "sqs:*"]), { Effect: "Deny", Action: ["iam:*", "organizations:*", "account:*"], Resource: "*" })),
        attachedTo: [],
        boundaryOf: [{ kind: "role", name: "app-role" }],
      },
      [MFA_ARN]: { document: encode(doc(mfaDeny)), attachedTo: [] },
    },
  };
}

const PRINCIPAL_KINDS: Record<string, IamPrincipalKind> = { "AWS::IAM::Role": "role", "AWS::IAM::User": "user", "AWS::IAM::Group": "group" };

/** Roles of the account's other stacks: with STACK_RESOURCES, more principals and policies than ACCOUNT_DETAILS_THRESHOLD. */
const WORKERS: StackResource[] = Array.from({ length: ACCOUNT_DETAILS_THRESHOLD - 6 }, (_, index) => resource(`Worker${index}`, "AWS::IAM::Role", `worker-${index}`));

function withWorkers(state: FakeIam): FakeIam {
  for (const worker of WORKERS) state.roles[worker.physicalId!] = { inline: { Work: encode(doc(statement("sqs:ReceiveMessage", `arn:aws:sqs:eu-west-1:111122223333:${worker.physicalId}`))) }, attached: [SHARED_ARN] };
  state.policies[SHARED_ARN]!.attachedTo.push(...WORKERS.map((worker) => ({ kind: "role" as const, name: worker.physicalId! })));
  return state;
}

/**
 * Reads the stack and the workers as an account-wide scan does (one load of every resource, then the stack's own
 * principals), or, `oneByOne`, in loads small enough to stay under the threshold; returns what the stack's views see.
 */
async function readAccount(oneByOne: boolean) {
  const session = new LiveSession({ region: REGION });
  const reader = session.reader(IamReader);
  if (oneByOne) {
    await reader.load(STACK_RESOURCES);
    await reader.load(WORKERS);
  } else await reader.load([...STACK_RESOURCES, ...WORKERS]);
  const stack = handStack(session, STACK_RESOURCES);
  attachDeployedTemplate(stack, parseTemplate(TEMPLATE));
  await reader.loadStack(stack);
  const names = [...STACK_RESOURCES, ...WORKERS, resource("Existing", "AWS::IAM::Role", "existing-role")];
  return {
    session,
    read: {
      principals: names.filter((entry) => entry.type in PRINCIPAL_KINDS).map((entry) => reader.principal(PRINCIPAL_KINDS[entry.type]!, entry.physicalId!)),
      policies: [SHARED_ARN, BOUNDARY_ARN, MFA_ARN].map((arn) => reader.managedPolicy(arn)),
    },
    views: { principals: iamPrincipalViews.fromLive!(stack), policies: iamPolicyViews.fromLive!(stack) },
    findings: judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [...IAM_RULES, driftSecurityProperty] }).findings,
  };
}

const sortedFailures = (session: LiveSession) => session.failures.map((failure) => `${failure.operation} ${failure.kind} ${failure.target} ${failure.message}`).sort();

describe("parsePolicyDocumentText", () => {
  it("reads URL-encoded JSON and plain JSON, and says what else came back", () => {
    assert.deepEqual(parsePolicyDocumentText(encode(doc(statement("s3:GetObject")))), { ok: true, document: doc(statement("s3:GetObject")) });
    assert.deepEqual(parsePolicyDocumentText(JSON.stringify(doc())), { ok: true, document: doc() });
    const repr = parsePolicyDocumentText("{'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*', 'Condition': {'Bool': {'aws:SecureTransport': True}}}]}");
    assert.deepEqual(repr, { ok: false, problem: "Python repr text (single quotes, True/False), not JSON" });
    assert.equal(parsePolicyDocumentText({ Statement: [] }).ok, false);
    assert.equal(parsePolicyDocumentText("%E0%A4%A").ok, false);
    assert.equal(parsePolicyDocumentText(encode(["not", "a", "policy"])).ok, false);
  });
});

describe("IamReader against a mocked IAM", () => {
  let iam: AwsClientStub<IAMClient>;
  before(() => {
    iam = mockClient(IAMClient);
  });
  afterEach(() => iam.reset());
  after(() => iam.restore());

  it("reads each principal's inline and attached policies (every page) and each managed policy once per scan", async () => {
    serveIam(iam, deployed());
    const session = new LiveSession({ region: REGION });
    const reader = session.reader(IamReader);
    await reader.load(STACK_RESOURCES);
    assert.deepEqual(session.failures, []);
    const calls = Object.fromEntries(session.calls);
    assert.deepEqual(calls, {
      "iam:GetRole": 2,
      "iam:GetUser": 1,
      // app-role has three inline policies and three attached ones: two pages each.
      "iam:ListRolePolicies": 3,
      "iam:ListAttachedRolePolicies": 3,
      "iam:GetRolePolicy": 4,
      "iam:ListUserPolicies": 1,
      "iam:ListAttachedUserPolicies": 1,
      "iam:ListGroupPolicies": 1,
      "iam:ListAttachedGroupPolicies": 1,
      "iam:GetPolicy": 3,
      "iam:GetPolicyVersion": 3,
      // Shared is attached once; Boundary is a boundary once; RequireMfa is used by nobody (no listing needed).
      "iam:ListEntitiesForPolicy": 2,
    });
    assert.deepEqual([...reader.principal("role", "app-role")!.inlinePolicies!.keys()], ["Reads", "Queue", "buckets"]);
    assert.equal(reader.principal("role", "app-role")!.permissionsBoundaryArn, BOUNDARY_ARN);
    assert.equal(reader.principal("role", "existing-role"), undefined, "a principal outside the stack is read only when asked");

    await reader.load(STACK_RESOURCES);
    assert.equal(session.callCount("iam"), 25, "a second load asks for nothing already read");

    const stack = handStack(session, STACK_RESOURCES);
    attachDeployedTemplate(stack, parseTemplate(TEMPLATE));
    await reader.loadStack(stack);
    assert.deepEqual(reader.principal("role", "existing-role")?.inlinePolicies?.get("buckets"), doc(statement("s3:*")));
    assert.equal(session.calls.get("iam:GetRole"), 3);
  });

  it("builds principal and policy views in the template's shape, with IAM's attachments", async () => {
    serveIam(iam, deployed());
    const session = new LiveSession({ region: REGION });
    await session.reader(IamReader).load(STACK_RESOURCES);
    const stack = handStack(session, STACK_RESOURCES);
    attachDeployedTemplate(stack, parseTemplate(TEMPLATE));

    const principals = new Map(iamPrincipalViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.deepEqual([...principals.keys()], ["AppRole", "TwinRole", "Humans", "Deployer"]);
    const role = principals.get("AppRole")!;
    assert.equal(role.physicalId, "app-role");
    assert.equal(role.at, undefined);
    assert.deepEqual(role.managedPolicyArns!.map((attachment) => attachment.policyLogicalId ?? attachment.arn), ["Shared", "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess"]);
    assert.equal(role.permissionsBoundary?.policyLogicalId, "Boundary");
    assert.deepEqual(role.trustPolicy?.statements[0]!.principals?.service, ["lambda.amazonaws.com"]);
    assert.deepEqual(Object.keys(role.inlinePolicies!), ["Reads", "Queue"], "the AWS::IAM::Policy's copy is that resource's, not the role's");

    const policies = iamPolicyViews.fromLive!(stack).map((view) => ({ logicalId: view.logicalId, key: view.key, physicalId: view.physicalId, attachedTo: view.attachedTo.map((entry) => entry.logicalId ?? entry.name), boundaryOf: view.boundaryOf.map((entry) => entry.logicalId ?? entry.name) }));
    assert.deepEqual(policies, [
      { logicalId: "AppRole", key: "Policies/Reads", physicalId: "app-role", attachedTo: ["AppRole"], boundaryOf: [] },
      { logicalId: "AppRole", key: "Policies/Queue", physicalId: "app-role", attachedTo: ["AppRole"], boundaryOf: [] },
      { logicalId: "TwinRole", key: "Policies/Reads", physicalId: "twin-role", attachedTo: ["TwinRole"], boundaryOf: [] },
      // existing-role is not read (not a stack resource, loadStack not called): the copy on AppRole is judged.
      { logicalId: "Buckets", key: "PolicyDocument", physicalId: "app-Bucke-1A2B3C4D5E6F", attachedTo: ["AppRole"], boundaryOf: [] },
      { logicalId: "Shared", key: "PolicyDocument", physicalId: SHARED_ARN, attachedTo: ["AppRole"], boundaryOf: [] },
      { logicalId: "Boundary", key: "PolicyDocument", physicalId: BOUNDARY_ARN, attachedTo: [], boundaryOf: ["AppRole"] },
      { logicalId: "RequireMfa", key: "PolicyDocument", physicalId: MFA_ARN, attachedTo: [], boundaryOf: [] },
    ]);
  });

  it("judges the deployed stack: out-of-band changes are live findings and drift, declared flaws merge, the twin stays quiet", async () => {
    serveIam(iam, deployed());
    const session = new LiveSession({ region: REGION });
    await session.reader(IamReader).load(STACK_RESOURCES);
    const result = judgeLiveStack(handStack(session, STACK_RESOURCES), parseTemplate(TEMPLATE), { rules: [...IAM_RULES, driftSecurityProperty] });
    const summary = result.findings.map((finding) => `${finding.source} ${finding.ruleId} ${finding.resource.logicalId} ${finding.severity}${finding.source === "drift" ? ` ${finding.evidence.property}` : ""}`).sort();
    assert.deepEqual(summary, [
      "drift drift-security-property AppRole high InlinePolicies",
      "drift drift-security-property AppRole high ManagedPolicyArns",
      "drift drift-security-property RequireMfa high MfaPolicy",
      "live iam-mfa-policy-weak RequireMfa high",
      "live iam-policy-wildcard-action AppRole high",
      "live iam-policy-wildcard-action Buckets high",
      "live iam-role-broad-managed-policy AppRole medium",
    ]);
    const bySummary = (ruleId: string, logicalId: string) => result.findings.find((finding) => finding.ruleId === ruleId && finding.resource.logicalId === logicalId)!;
    const buckets = bySummary("iam-policy-wildcard-action", "Buckets");
    assert.equal(buckets.evidence.alsoInTemplate, true, "declared in the template and live: one finding");
    assert.equal(buckets.resource.physicalId, "app-Bucke-1A2B3C4D5E6F");
    const queue = bySummary("iam-policy-wildcard-action", "AppRole");
    assert.match(queue.message, /AppRole's inline policy Queue .* sqs:\*/);
    assert.equal(queue.resource.physicalId, "app-role");
    assert.equal(queue.evidence.alsoInTemplate, undefined);
    assert.ok(queue.location!.line > 0, "located at the inline policy in the deployed template");
    assert.match(bySummary("iam-role-broad-managed-policy", "AppRole").message, /AdministratorAccess/);
    assert.match(bySummary("iam-mfa-policy-weak", "RequireMfa").message, /attached to no user, group or role/);
    const mfaDrift = result.findings.find((finding) => finding.evidence.property === "MfaPolicy")!;
    assert.deepEqual([(mfaDrift.evidence.template as { attached: boolean }).attached, (mfaDrift.evidence.live as { attached: boolean }).attached], [true, false]);
  });

  it("finds no drift when IAM holds what the template says, symbolic resources and CloudFormation's attachments included", async () => {
    const state = deployed();
    state.roles["app-role"]!.inline.Queue = encode(doc(statement("sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:jobs")));
    state.roles["app-role"]!.attached = [SHARED_ARN, "arn:aws:iam::aws:policy/ReadOnlyAccess"];
    state.policies[MFA_ARN]!.attachedTo = [{ kind: "group", name: "app-Humans-1" }];
    serveIam(iam, state);
    const session = new LiveSession({ region: REGION });
    await session.reader(IamReader).load(STACK_RESOURCES);
    const result = judgeLiveStack(handStack(session, STACK_RESOURCES), parseTemplate(TEMPLATE), { rules: [...IAM_RULES, driftSecurityProperty] });
    assert.deepEqual(result.findings.map((finding) => `${finding.source} ${finding.ruleId} ${finding.resource.logicalId}`), ["live iam-policy-wildcard-action Buckets"]);
  });

  it("records access denied, vanished principals and Python repr documents, and judges the rest", async () => {
    const state = deployed();
    state.roles["app-role"]!.inline.Queue = "{'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}";
    delete state.users["app-Deployer-1"];
    state.policies[SHARED_ARN]!.document = "{'Statement': True}";
    serveIam(iam, state);
    iam.on(GetRolePolicyCommand, { RoleName: "twin-role", PolicyName: "Reads" }).rejects(awsError("AccessDenied", 403, "User is not authorized to perform: iam:GetRolePolicy"));
    iam.on(ListAttachedGroupPoliciesCommand).rejects(awsError("AccessDenied", 403, "not authorized"));
    const session = new LiveSession({ region: REGION });
    await session.reader(IamReader).load(STACK_RESOURCES);
    const summary = session.failures.map((failure) => `${failure.operation} ${failure.kind} ${failure.target}`).sort();
    assert.deepEqual(summary, [
      "GetPolicyVersion malformed-response " + SHARED_ARN,
      "GetRolePolicy access-denied twin-role",
      "GetRolePolicy malformed-response app-role",
      "GetUser not-found app-Deployer-1",
      "ListAttachedGroupPolicies access-denied app-Humans-1",
    ]);
    assert.match(session.failures.find((failure) => failure.target === "app-role")!.message, /inline policy Queue of role app-role as Python repr text/);

    const stack = handStack(session, STACK_RESOURCES);
    attachDeployedTemplate(stack, parseTemplate(TEMPLATE));
    const principals = new Map(iamPrincipalViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.deepEqual([...principals.keys()], ["AppRole", "TwinRole", "Humans"], "the vanished user has no view");
    assert.equal(principals.get("AppRole")!.inlinePolicies, undefined, "an unreadable inline policy leaves the set unknown");
    assert.equal(principals.get("Humans")!.managedPolicyArns, undefined, "an unreadable listing is not an empty one");
    const keys = iamPolicyViews.fromLive!(stack).map((view) => `${view.logicalId} ${view.key}`);
    assert.deepEqual(keys, ["AppRole Policies/Reads", "Buckets PolicyDocument", "Boundary PolicyDocument", "RequireMfa PolicyDocument"]);

    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [...IAM_RULES, driftSecurityProperty] });
    assert.ok(!result.findings.some((finding) => finding.source === "drift" && finding.evidence.property === "InlinePolicies"), "no drift from a document that could not be read");
    assert.ok(result.findings.some((finding) => finding.ruleId === "iam-policy-wildcard-action" && finding.resource.logicalId === "Buckets" && finding.source === "live"));
  });

  it("reads an account-wide scan's principals and policies with GetAccountAuthorizationDetails: the same reads, views and findings as one by one", async () => {
    serveIam(iam, withWorkers(deployed()));
    const oneByOne = await readAccount(true);
    const detailed = await readAccount(false);
    assert.deepEqual(oneByOne.session.failures, []);
    assert.deepEqual(detailed.session.failures, []);
    assert.equal(oneByOne.session.calls.get("iam:GetAccountAuthorizationDetails"), undefined, "loads under the threshold read one by one");
    // 22 roles, a user, a group and 3 policies, two per page; existing-role (read by loadStack) is among them.
    assert.deepEqual(Object.fromEntries(detailed.session.calls), { "iam:GetAccountAuthorizationDetails": 14 });
    assert.ok(oneByOne.session.callCount("iam") > 100);
    assert.deepEqual(detailed.read, oneByOne.read);
    assert.ok(detailed.read.principals.every((principal) => principal !== undefined) && detailed.read.policies.every((policy) => policy !== undefined));
    assert.deepEqual(detailed.views, oneByOne.views);
    assert.deepEqual(detailed.findings, oneByOne.findings);
    assert.ok(detailed.findings.some((finding) => finding.ruleId === "iam-policy-wildcard-action" && finding.resource.logicalId === "AppRole"), "the out-of-band wildcard is judged from the details");
  });

  it("falls back to one by one, with a note and no error, when GetAccountAuthorizationDetails is denied", async () => {
    serveIam(iam, withWorkers(deployed()));
    const oneByOne = await readAccount(true);
    iam.on(GetAccountAuthorizationDetailsCommand).rejects(awsError("AccessDenied", 403, "User is not authorized to perform: iam:GetAccountAuthorizationDetails"));
    const denied = await readAccount(false);
    assert.deepEqual(denied.session.failures, []);
    assert.equal(denied.session.notes.length, 1);
    assert.match(denied.session.notes[0]!, /GetAccountAuthorizationDetails is not allowed .* read one by one/);
    assert.equal(denied.session.calls.get("iam:GetAccountAuthorizationDetails"), 1, "asked once per scan");
    assert.equal(denied.session.calls.get("iam:GetRole"), 22);
    assert.deepEqual(denied.read, oneByOne.read);
    assert.deepEqual(denied.views, oneByOne.views);
    assert.deepEqual(denied.findings, oneByOne.findings);
  });

  it("reads one by one what the details describe badly, recording the same failures as one by one", async () => {
    const state = withWorkers(deployed());
    state.roles["app-role"]!.inline.Queue = "{'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}";
    state.policies[MFA_ARN]!.document = "{'Statement': True}";
    serveIam(iam, state);
    const oneByOne = await readAccount(true);
    const detailed = await readAccount(false);
    assert.deepEqual(sortedFailures(oneByOne.session), [
      `GetPolicyVersion malformed-response ${MFA_ARN} GetPolicyVersion returned version v3 of policy ${MFA_ARN} as Python repr text (single quotes, True/False), not JSON: it is not judged`,
      "GetRolePolicy malformed-response app-role GetRolePolicy returned the inline policy Queue of role app-role as Python repr text (single quotes, True/False), not JSON: that policy is not judged",
    ]);
    assert.deepEqual(sortedFailures(detailed.session), sortedFailures(oneByOne.session));
    const calls = Object.fromEntries(detailed.session.calls);
    // app-role and the MFA policy are read one by one, and so are Shared and Boundary, which app-role uses: without it the details account for one use too few.
    assert.deepEqual([calls["iam:GetRole"], calls["iam:GetRolePolicy"], calls["iam:GetPolicy"], calls["iam:GetUser"]], [1, 3, 3, undefined]);
    assert.deepEqual(detailed.read, oneByOne.read);
    assert.deepEqual(detailed.views, oneByOne.views);
    assert.deepEqual(detailed.findings, oneByOne.findings);
  });

  it("derives a managed policy's users from the details only when IAM's counts agree", async () => {
    const state = withWorkers(deployed());
    state.describedWithoutAttachments = ["worker-0"];
    serveIam(iam, state);
    const oneByOne = await readAccount(true);
    const detailed = await readAccount(false);
    assert.deepEqual(detailed.session.failures, []);
    const calls = Object.fromEntries(detailed.session.calls);
    // worker-0 is read one by one; Shared, attached to it, is too: the other principals account for one use too few.
    assert.deepEqual([calls["iam:GetRole"], calls["iam:GetPolicy"], calls["iam:ListEntitiesForPolicy"]], [1, 1, 1]);
    assert.deepEqual(detailed.read, oneByOne.read);
    assert.deepEqual(detailed.views, oneByOne.views);
  });

  it("reads every user's access keys account-wide and flags active keys older than 90 days by the session's clock", async () => {
    const now = new Date("2026-06-30T12:00:00Z");
    const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000);
    serveIam(iam, {
      ...deployed(),
      keys: {
        alice: [{ id: "AKIAALICEOLD", status: "Active", created: daysAgo(200) }, { id: "AKIAALICENEW", status: "Active", created: daysAgo(10) }],
        bob: [{ id: "AKIABOBOLD", status: "Inactive", created: daysAgo(400) }],
        carol: [{ id: "AKIACAROL90", status: "Active", created: daysAgo(90) }],
        dave: [],
        erin: [{ id: "AKIAERIN", status: "Active", created: daysAgo(91) }],
      },
    });
    const session = new LiveSession({ region: REGION }, { now });
    const reader = session.reader(IamReader);
    await reader.loadAccount();
    await reader.loadAccount();
    assert.equal(session.calls.get("iam:ListUsers"), 3, "five users, two per page");
    assert.equal(session.calls.get("iam:ListAccessKeys"), 5);
    assert.equal(iamAccessKeyViews.fromLive!(handStack(session, [])).length, 0, "account-level views are built for the account only");
    const account = handAccount(session);
    assert.equal(iamAccessKeyViews.fromLive!(account).length, 5);

    const result = judgeLiveAccount(account, { rules: IAM_RULES });
    assert.deepEqual(result.findings.map((finding) => `${finding.ruleId} ${finding.resource.logicalId} ${finding.resource.physicalId}`), [
      "iam-access-key-stale alice AKIAALICEOLD",
      "iam-access-key-stale erin AKIAERIN",
    ]);
    assert.match(result.findings[0]!.message, /AKIAALICEOLD of IAM user alice is active and 200 days old/);
    assert.equal(result.findings[0]!.severity, "medium");
    assert.notEqual(result.findings[0]!.fingerprint, result.findings[1]!.fingerprint);
    assert.deepEqual(judgeLiveStack(handStack(session, STACK_RESOURCES), undefined, { rules: [iamAccessKeyStale] }).findings, [], "an account rule never runs per stack");
  });

  it("leaves access keys unjudged when the users cannot be listed", async () => {
    iam.on(ListUsersCommand).rejects(awsError("AccessDenied", 403, "not authorized to perform iam:ListUsers"));
    const session = new LiveSession({ region: REGION });
    await session.reader(IamReader).loadAccount();
    assert.equal(session.reader(IamReader).accessKeys(), undefined);
    assert.equal(session.failures[0]!.kind, "access-denied");
    assert.deepEqual(judgeLiveAccount(handAccount(session), { rules: IAM_RULES }).findings, []);
  });
});

describe("IamReader against moto", () => {
  const moto = motoForTests();

  it("reads a stack's roles, users and policies; moto's Python-repr inline policy is a recorded failure, never a guess", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const config = motoClientConfig(server.endpoint);
    const cloudformation = new CloudFormationClient(config);
    const client = new IAMClient(config);
    const template = {
      Resources: {
        AppRole: {
          Type: "AWS::IAM::Role",
          Properties: {
            RoleName: "moto-app-role",
            AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] },
            Policies: [{ PolicyName: "Inline", PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] } }],
          },
        },
        Buckets: { Type: "AWS::IAM::Policy", Properties: { PolicyName: "buckets", Roles: [{ Ref: "AppRole" }], PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] } } },
        Shared: { Type: "AWS::IAM::ManagedPolicy", Properties: { Roles: [{ Ref: "AppRole" }], PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: "*" }] } } },
        Deployer: { Type: "AWS::IAM::User" },
      },
    };
    const templateBody = JSON.stringify(template);
    await cloudformation.send(new CreateStackCommand({ StackName: "iam-live", TemplateBody: templateBody, Capabilities: ["CAPABILITY_NAMED_IAM"] }));
    const listed = await cloudformation.send(new ListStackResourcesCommand({ StackName: "iam-live" }));
    const resources: StackResource[] = (listed.StackResourceSummaries ?? []).map((summary) => resource(summary.LogicalResourceId!, summary.ResourceType!, summary.PhysicalResourceId, summary.ResourceStatus));
    // Out of band: a wildcard inline policy put through the API, and AdministratorAccess attached.
    await client.send(new PutRolePolicyCommand({ RoleName: "moto-app-role", PolicyName: "Added", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) }));
    await client.send(new AttachRolePolicyCommand({ RoleName: "moto-app-role", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }));
    await client.send(new CreateUserCommand({ UserName: "old-timer" }));
    await client.send(new CreateAccessKeyCommand({ UserName: "old-timer" }));
    const retired = await client.send(new CreateAccessKeyCommand({ UserName: "old-timer" }));
    await client.send(new UpdateAccessKeyCommand({ UserName: "old-timer", AccessKeyId: retired.AccessKey!.AccessKeyId!, Status: "Inactive" }));

    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint }, { now: new Date(Date.now() + 120 * 24 * 60 * 60 * 1000) });
    const reader = session.reader(IamReader);
    await reader.load(resources);
    await reader.loadAccount();
    // moto's CloudFormation stores a role's Policies documents as Python dicts and answers their repr.
    const malformed = session.failures.filter((failure) => failure.kind === "malformed-response");
    assert.deepEqual(malformed.map((failure) => `${failure.operation} ${failure.target}`), ["GetRolePolicy moto-app-role"]);
    assert.match(malformed[0]!.message, /inline policy Inline of role moto-app-role as Python repr text/);
    assert.deepEqual(session.failures.filter((failure) => failure.kind !== "malformed-response"), []);

    const stack = { ...handStack(session, resources, "iam-live"), stack: { ...handStack(session, resources, "iam-live").stack, account: MOTO_ACCOUNT, region: MOTO_REGION } };
    const result = judgeLiveStack(stack, parseTemplate(templateBody), { rules: IAM_RULES });
    const live = result.findings.filter((finding) => finding.source === "live").map((finding) => `${finding.ruleId} ${finding.resource.logicalId} ${finding.severity}`).sort();
    assert.deepEqual(live, [
      "iam-policy-wildcard-action AppRole critical",
      "iam-policy-wildcard-action Buckets high",
      "iam-policy-wildcard-resource Shared medium",
      "iam-role-broad-managed-policy AppRole medium",
    ]);
    const shared = iamPolicyViews.fromLive!(stack).find((view) => view.logicalId === "Shared")!;
    assert.deepEqual(shared.attachedTo.map((entry) => entry.logicalId), ["AppRole"]);

    const stale = judgeLiveAccount(handAccount(session), { rules: IAM_RULES }).findings.map((finding) => `${finding.resource.logicalId}`);
    assert.deepEqual(stale, ["old-timer"], "old-timer's active key is 120 days old by the session's clock; the inactive one is no finding");
  });

  it("reads an account's roles, users, groups and managed policies with GetAccountAuthorizationDetails as one by one", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const client = new IAMClient(motoClientConfig(server.endpoint));
    const policyDocument = (action: string, resourceArn = "*") => JSON.stringify(doc(statement(action, resourceArn)));
    const created: StackResource[] = [];
    const managed = async (name: string, action: string) => {
      const policy = await client.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: policyDocument("s3:GetObject") }));
      // The default version is the second: the first must not be what is judged.
      await client.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Policy!.Arn!, PolicyDocument: policyDocument(action), SetAsDefault: true }));
      created.push(resource(name, "AWS::IAM::ManagedPolicy", policy.Policy!.Arn!));
      return policy.Policy!.Arn!;
    };
    const shared = await managed("shared", "sqs:ReceiveMessage");
    const admin = await managed("everything", "*");
    const boundary = await managed("boundary", "s3:*");
    for (let index = 0; index < 20; index++) {
      const name = `moto-worker-${index}`;
      await client.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(lambdaTrust), ...(index === 0 ? { PermissionsBoundary: boundary } : {}) }));
      await client.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "work", PolicyDocument: policyDocument(index === 1 ? "sqs:*" : "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:jobs") }));
      await client.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: index === 2 ? admin : shared }));
      if (index === 3) await client.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }));
      created.push(resource(`Worker${index}`, "AWS::IAM::Role", name));
    }
    for (const name of ["moto-ops", "moto-auditors"]) {
      await client.send(new CreateGroupCommand({ GroupName: name }));
      await client.send(new PutGroupPolicyCommand({ GroupName: name, PolicyName: "logs", PolicyDocument: policyDocument(name === "moto-ops" ? "logs:*" : "logs:GetLogEvents") }));
      await client.send(new AttachGroupPolicyCommand({ GroupName: name, PolicyArn: shared }));
      created.push(resource(name, "AWS::IAM::Group", name));
    }
    for (const name of ["moto-alice", "moto-bob", "moto-carol"]) {
      await client.send(new CreateUserCommand({ UserName: name }));
      await client.send(new PutUserPolicyCommand({ UserName: name, PolicyName: "own", PolicyDocument: policyDocument("s3:GetObject", `arn:aws:s3:::${name}/*`) }));
      await client.send(new AddUserToGroupCommand({ UserName: name, GroupName: "moto-ops" }));
      if (name === "moto-bob") await client.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: admin }));
      created.push(resource(name, "AWS::IAM::User", name));
    }
    assert.ok(created.length > ACCOUNT_DETAILS_THRESHOLD);

    const read = async (oneByOne: boolean) => {
      const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
      const reader = session.reader(IamReader);
      if (oneByOne) for (let start = 0; start < created.length; start += ACCOUNT_DETAILS_THRESHOLD) await reader.load(created.slice(start, start + ACCOUNT_DETAILS_THRESHOLD));
      else await reader.load(created);
      const stack = { ...handStack(session, created, "iam-account"), stack: { ...handStack(session, created, "iam-account").stack, account: MOTO_ACCOUNT, region: MOTO_REGION } };
      const kinds: Record<string, IamPrincipalKind> = PRINCIPAL_KINDS;
      // moto lists attachments and a policy's users in one order one by one and in another in the details.
      const sorted = <T>(items: readonly T[] | undefined, key: (item: T) => string) => items && [...items].sort((first, second) => key(first).localeCompare(key(second)));
      return {
        session,
        principals: created.filter((entry) => entry.type in kinds).map((entry) => {
          const principal = reader.principal(kinds[entry.type]!, entry.physicalId!);
          return principal && { ...principal, attachedPolicies: sorted(principal.attachedPolicies, (entry) => entry.arn) };
        }),
        policies: [shared, admin, boundary].map((arn) => {
          const policy = reader.managedPolicy(arn);
          return policy && { ...policy, attachedTo: sorted(policy.attachedTo, (entry) => `${entry.kind} ${entry.name}`), boundaryOf: sorted(policy.boundaryOf, (entry) => `${entry.kind} ${entry.name}`) };
        }),
        views: {
          principals: iamPrincipalViews.fromLive!(stack).map((view) => ({ ...view, managedPolicyArns: sorted(view.managedPolicyArns, (entry) => String(entry.arn)) })),
          policies: iamPolicyViews.fromLive!(stack).map((view) => ({ ...view, attachedTo: sorted(view.attachedTo, (entry) => `${entry.kind} ${entry.name}`), boundaryOf: sorted(view.boundaryOf, (entry) => `${entry.kind} ${entry.name}`) })),
        },
        findings: judgeLiveStack(stack, undefined, { rules: IAM_RULES }).findings,
      };
    };
    const oneByOne = await read(true);
    const detailed = await read(false);
    assert.deepEqual(oneByOne.session.failures, []);
    assert.deepEqual(detailed.session.failures, []);
    assert.deepEqual(Object.fromEntries(detailed.session.calls), { "iam:GetAccountAuthorizationDetails": 1 }, "moto describes every entity completely");
    assert.ok(oneByOne.session.callCount("iam") > 100);
    assert.deepEqual(detailed.principals, oneByOne.principals);
    assert.deepEqual(detailed.policies, oneByOne.policies);
    assert.deepEqual(detailed.policies.map((policy) => policy?.attachedTo?.length), [21, 2, 0]);
    assert.deepEqual(detailed.views, oneByOne.views);
    assert.deepEqual(detailed.findings, oneByOne.findings);
    const summary = detailed.findings.filter((finding) => finding.source === "live").map((finding) => `${finding.ruleId} ${finding.resource.logicalId}`).sort();
    assert.ok(summary.includes("iam-policy-wildcard-action Worker1") && summary.includes("iam-role-broad-managed-policy Worker3"), summary.join("\n"));
  });
});
