/**
 * infra/template.yaml (the SAM app) and infra/member-role.yaml (the member accounts' role):
 * cfn-lint clean, StackWarden's own scan reports nothing above low, and the scanner's IAM policy is exactly the read
 * actions the live readers declare plus writes to the stack's own table, topic, queues, key and log groups.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { atLeast } from "../../shared/findings/finding.ts";
import { readOnlyActions } from "../../shared/live/permissions.ts";
import { RESOURCE_LESS_ACTIONS } from "../../shared/rules/iam/actions.ts";
import { scanFiles } from "../../shared/scan-files.ts";
import { parseTemplate, type TemplateBody } from "../../shared/template/parse.ts";

const INFRA = fileURLToPath(new URL("../../infra/", import.meta.url));
const TEMPLATE = join(INFRA, "template.yaml");
const MEMBER_ROLE = join(INFRA, "member-role.yaml");

const CFN_LINT_SKIP = "cfn-lint not found: infra lint test skipped; install it with `pip install cfn-lint` (the SAM translator comes with it)";
const CFN_LINT_REQUIRED = "cfn-lint not found, and STACKWARDEN_REQUIRE_CFN_LINT=1 says infra/ must be linted; install it with `pip install cfn-lint`";

function body(file: string): TemplateBody {
  return parseTemplate(readFileSync(file, "utf8")).body;
}

type Resource = { Type: string; Condition?: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };

function resources(template: TemplateBody): Record<string, Resource> {
  return template.Resources as Record<string, Resource>;
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface AttachedDocument {
  /** Where the document is declared: "ScannerRole/Policies/StackWardenReadOnly", "MemberRoleAccessPolicy". */
  origin: string;
  condition?: string;
  statements: Statement[];
}

function statementsOf(document: unknown): Statement[] {
  return list((document as { Statement?: Statement | Statement[] }).Statement);
}

/** Every identity-policy document that applies to the role: its inline Policies and policy resources naming it. */
function roleDocuments(template: TemplateBody, roleId: string): { documents: AttachedDocument[]; managedPolicyArns: unknown[] } {
  const all = resources(template);
  const role = all[roleId];
  assert.ok(role && role.Type === "AWS::IAM::Role", `${roleId} is not an AWS::IAM::Role`);
  const documents: AttachedDocument[] = [];
  for (const policy of list(role.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined)) {
    documents.push({ origin: `${roleId}/Policies/${policy.PolicyName}`, statements: statementsOf(policy.PolicyDocument) });
  }
  const namesRole = (value: unknown) => JSON.stringify(value) === JSON.stringify({ Ref: roleId });
  for (const [logicalId, resource] of Object.entries(all)) {
    const properties = resource.Properties ?? {};
    const attached =
      (resource.Type === "AWS::IAM::RolePolicy" && namesRole(properties.RoleName)) ||
      ((resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") && list(properties.Roles as unknown[]).some(namesRole));
    if (attached) {
      documents.push({ origin: logicalId, ...(resource.Condition ? { condition: resource.Condition } : {}), statements: statementsOf(properties.PolicyDocument) });
    }
  }
  return { documents, managedPolicyArns: list(role.Properties?.ManagedPolicyArns as unknown[] | undefined) };
}

const TRACING_ACTIONS = new Set(RESOURCE_LESS_ACTIONS.filter((action) => action.startsWith("xray:")));

/** What the scanner may do with each kind of its own resource (the brief's least-privilege list). */
const OWN_RESOURCE_ACTIONS: Record<string, ReadonlySet<string>> = {
  "AWS::DynamoDB::Table": new Set(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchWriteItem"]),
  "AWS::SNS::Topic": new Set(["sns:Publish"]),
  "AWS::SQS::Queue": new Set(["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]),
  "AWS::KMS::Key": new Set(["kms:GenerateDataKey", "kms:Decrypt"]),
  "AWS::Logs::LogGroup": new Set(["logs:CreateLogStream", "logs:PutLogEvents"]),
};

/** The resource type a Resource entry names, when it is one of the template's own resources (or its table's indexes). */
function ownResourceType(template: TemplateBody, entry: unknown): string | undefined {
  const all = resources(template);
  if (typeof entry !== "object" || entry === null) return undefined;
  const record = entry as Record<string, unknown>;
  if (typeof record.Ref === "string") return all[record.Ref]?.Type;
  const getAtt = record["Fn::GetAtt"];
  if (Array.isArray(getAtt) && getAtt[1] === "Arn" && typeof getAtt[0] === "string") return all[getAtt[0]]?.Type;
  const sub = record["Fn::Sub"];
  const index = typeof sub === "string" ? /^\$\{(\w+)\.Arn\}\/index\/\*$/.exec(sub) : null;
  if (index && all[index[1]!]?.Type === "AWS::DynamoDB::Table") return "AWS::DynamoDB::Table";
  return undefined;
}

const MEMBER_ROLE_ARN = "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}";

/**
 * Everything wrong with the scanner role's permissions: its "*" statements must hold exactly the readers' read actions
 * (plus X-Ray's resource-less writes), every other statement must act only on the stack's own resources with the
 * actions the brief allows for them, and sts:AssumeRole only on the member role, in organization mode only.
 */
export function scannerPolicyProblems(template: TemplateBody, roleId = "ScannerRole"): string[] {
  const problems: string[] = [];
  const { documents, managedPolicyArns } = roleDocuments(template, roleId);
  if (managedPolicyArns.length > 0) problems.push(`${roleId} attaches managed policies (${JSON.stringify(managedPolicyArns)}): their actions are not reviewed here`);
  const expectedReads = readOnlyActions();
  const reads = new Set<string>();
  for (const document of documents) {
    document.statements.forEach((statement, position) => {
      const where = `${document.origin} statement ${statement.Sid ?? position + 1}`;
      if (statement.Effect !== "Allow") return;
      if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
        problems.push(`${where} uses NotAction/NotResource`);
        return;
      }
      const actions = list(statement.Action);
      for (const action of actions) if (action.includes("*")) problems.push(`${where} allows a wildcard action ${action}`);
      const resourceEntries = list(statement.Resource as unknown);
      if (resourceEntries.includes("*")) {
        if (resourceEntries.length > 1) problems.push(`${where} mixes "*" with other resources`);
        for (const action of actions) {
          if (TRACING_ACTIONS.has(action)) continue;
          if (expectedReads.includes(action)) reads.add(action);
          else problems.push(`${where} allows ${action} on every resource, and it is not a read action a reader declares`);
        }
        return;
      }
      for (const action of actions) {
        if (action === "sts:AssumeRole") {
          const onMemberRole = resourceEntries.every((entry) => JSON.stringify(entry) === JSON.stringify({ "Fn::Sub": MEMBER_ROLE_ARN }));
          if (!onMemberRole) problems.push(`${where} allows sts:AssumeRole on ${JSON.stringify(resourceEntries)}, not only the member role`);
          if (document.condition !== "IsOrganizationMode") problems.push(`${where} allows sts:AssumeRole outside organization mode`);
          continue;
        }
        for (const entry of resourceEntries) {
          const type = ownResourceType(template, entry);
          if (type === undefined) problems.push(`${where} allows ${action} on ${JSON.stringify(entry)}, which is not one of the stack's own resources`);
          else if (!OWN_RESOURCE_ACTIONS[type]?.has(action)) problems.push(`${where} allows ${action} on a ${type}, which the scanner has no need for`);
        }
      }
    });
  }
  const missing = expectedReads.filter((action) => !reads.has(action));
  if (missing.length > 0) problems.push(`${roleId} lacks read actions the readers declare: ${missing.join(", ")}`);
  return problems;
}

/** Action lists of every policy document in the template: roles, policies, key, queue and topic policies. */
function allStatements(template: TemplateBody): { where: string; statement: Statement }[] {
  const found: { where: string; statement: Statement }[] = [];
  const visit = (value: unknown, where: string) => {
    if (Array.isArray(value)) return value.forEach((item, index) => visit(item, `${where}/${index}`));
    if (typeof value !== "object" || value === null) return;
    const record = value as Record<string, unknown>;
    if ("Statement" in record) for (const statement of statementsOf(record)) found.push({ where, statement });
    for (const [key, child] of Object.entries(record)) visit(child, `${where}/${key}`);
  };
  visit(template.Resources, "Resources");
  return found;
}

describe("infra/ lints clean with cfn-lint", () => {
  it("reports no errors or warnings for template.yaml (SAM translated) and member-role.yaml", (t) => {
    const run = spawnSync("cfn-lint", [TEMPLATE, MEMBER_ROLE], { encoding: "utf8", timeout: 180_000, env: { AWS_DEFAULT_REGION: "us-east-1", ...process.env } });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
      if (process.env.STACKWARDEN_REQUIRE_CFN_LINT === "1") assert.fail(CFN_LINT_REQUIRED);
      t.skip(CFN_LINT_SKIP);
      return;
    }
    assert.ifError(run.error);
    assert.equal(run.status, 0, `cfn-lint found problems:\n${run.stdout}${run.stderr}`);
    assert.equal(run.stdout.trim(), "");
  });

  it("does fail a broken SAM template (the lint really runs)", (t) => {
    const folder = mkdtempSync(join(tmpdir(), "stackwarden-lint-"));
    try {
      const broken = join(folder, "broken.yaml");
      writeFileSync(broken, "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs24.x\n      Handler: index.handler\n      CodeUri: s3://bucket/key\n      Timeout: 9000\n      Architectures: [sparc]\n");
      const run = spawnSync("cfn-lint", [broken], { encoding: "utf8", timeout: 180_000, env: { AWS_DEFAULT_REGION: "us-east-1", ...process.env } });
      if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
        if (process.env.STACKWARDEN_REQUIRE_CFN_LINT === "1") assert.fail(CFN_LINT_REQUIRED);
        t.skip(CFN_LINT_SKIP);
        return;
      }
      assert.notEqual(run.status, 0, "cfn-lint accepted a template with an invalid architecture and timeout");
      assert.match(run.stdout, /E\d{4}/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("StackWarden's own scan of infra/", () => {
  it("reports nothing above low, reads both templates without errors, and suppresses only what is listed with a reason", () => {
    const report = scanFiles([INFRA]);
    assert.deepEqual(report.errors, []);
    assert.equal(report.summary.templates, 2);
    const aboveLow = report.findings.filter((finding) => finding.status !== "SUPPRESSED" && atLeast(finding.severity, "medium"));
    assert.deepEqual(
      aboveLow.map((finding) => `${finding.severity} ${finding.ruleId} ${finding.resource.logicalId}: ${finding.message}`),
      [],
    );
    const suppressed = report.findings.filter((finding) => finding.status === "SUPPRESSED");
    // Each suppression is a judgement (the rule is wrong for that case): adding one is a deliberate change to this list.
    assert.deepEqual(
      suppressed.map((finding) => `${finding.ruleId} ${finding.resource.logicalId}`),
      ["template-hardcoded-values MemberRoleAccessPolicy"],
    );
  });
});

describe("the scanner's IAM policy (least privilege)", () => {
  const template = body(TEMPLATE);

  it("reads exactly what the readers declare, and writes only to the stack's own table, topic, queues, key and logs", () => {
    assert.deepEqual(scannerPolicyProblems(template), []);
  });

  it("catches an extra read, a write on every resource, a foreign ARN, a missing read and an unconditional AssumeRole", () => {
    const mutate = (change: (copy: TemplateBody) => void) => {
      const copy = structuredClone(template);
      change(copy);
      return scannerPolicyProblems(copy);
    };
    const role = (copy: TemplateBody) => resources(copy).ScannerRole!.Properties!.Policies as { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[];
    const readStatement = (copy: TemplateBody) => role(copy).find((policy) => policy.PolicyName === "StackWardenReadOnly")!.PolicyDocument.Statement[0]!;
    const serviceStatements = (copy: TemplateBody) => role(copy).find((policy) => policy.PolicyName === "StackWardenService")!.PolicyDocument.Statement;

    assert.match(mutate((copy) => (readStatement(copy).Action as string[]).push("s3:ListAllMyBuckets")).join("\n"), /s3:ListAllMyBuckets on every resource/);
    assert.match(mutate((copy) => (readStatement(copy).Action as string[]).push("s3:PutObject")).join("\n"), /s3:PutObject on every resource/);
    assert.match(mutate((copy) => (readStatement(copy).Action as string[]).push("ec2:*")).join("\n"), /wildcard action ec2:\*/);
    assert.match(mutate((copy) => (readStatement(copy).Action as string[]).shift()).join("\n"), /lacks read actions the readers declare: apigateway:GET/);
    assert.match(
      mutate((copy) => serviceStatements(copy).push({ Effect: "Allow", Action: "sns:Publish", Resource: "arn:aws:sns:us-east-1:111122223333:other" })).join("\n"),
      /not one of the stack's own resources/,
    );
    assert.match(
      mutate((copy) => serviceStatements(copy).push({ Effect: "Allow", Action: "dynamodb:DeleteTable", Resource: { "Fn::GetAtt": ["FindingsTable", "Arn"] } })).join("\n"),
      /dynamodb:DeleteTable on a AWS::DynamoDB::Table/,
    );
    assert.match(mutate((copy) => delete resources(copy).MemberRoleAccessPolicy!.Condition).join("\n"), /sts:AssumeRole outside organization mode/);
  });

  it("gives the member role the same read actions, assumable only by the scanner role ARN with the ExternalId", () => {
    const memberRole = body(MEMBER_ROLE);
    assert.deepEqual(scannerPolicyProblems(memberRole, "ReadOnlyRole"), []);
    const role = resources(memberRole).ReadOnlyRole!;
    const trust = statementsOf(role.Properties!.AssumeRolePolicyDocument);
    assert.deepEqual(trust, [
      {
        Sid: "StackWardenScanner",
        Effect: "Allow",
        Principal: { AWS: { Ref: "ScannerRoleArn" } },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } },
      },
    ]);
    // The scanner builds the member role's ARN from its name: the role name must be the MemberRoleName parameter's.
    assert.deepEqual(role.Properties!.RoleName, { Ref: "RoleName" });
    assert.equal((memberRole.Parameters!.RoleName as { Default: string }).Default, (body(TEMPLATE).Parameters!.MemberRoleName as { Default: string }).Default);
  });

  it("has no \"*\" action anywhere, and no service-wide wildcard in an Allow", () => {
    for (const file of [TEMPLATE, MEMBER_ROLE]) {
      const statements = allStatements(body(file));
      assert.ok(statements.length > 0);
      for (const { where, statement } of statements) {
        for (const action of list(statement.Action)) {
          assert.ok(action !== "*" && action !== "*:*", `${file} ${where}: Action "${action}"`);
          if (statement.Effect === "Allow") assert.doesNotMatch(action, /^[\w-]+:\*$/, `${file} ${where}: Allow ${action}`);
        }
      }
    }
  });
});

describe("the SAM app's shape", () => {
  const template = body(TEMPLATE);
  const all = resources(template);

  it("runs both functions on nodejs24.x, arm64, with active tracing, the scanner role, the service's environment and a log group with retention", () => {
    for (const id of ["PlanScanFunction", "ScanStackFunction"]) {
      const properties = all[id]!.Properties!;
      assert.equal(properties.Runtime, "nodejs24.x", id);
      assert.deepEqual(properties.Architectures, ["arm64"], id);
      assert.equal(properties.Tracing, "Active", id);
      assert.deepEqual(properties.Role, { "Fn::GetAtt": ["ScannerRole", "Arn"] }, id);
      const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
      for (const name of ["TABLE_NAME", "TOPIC_ARN", "QUEUE_URL", "TARGET_REGIONS", "ORGANIZATION_MODE", "MEMBER_ROLE_NAME"]) assert.ok(name in variables, `${id} lacks ${name}`);
      const logGroup = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      assert.deepEqual(all[logGroup]!.Properties!.RetentionInDays, { Ref: "LogRetentionDays" });
    }
  });

  it("schedules the planner, feeds the scanner from the queue with partial batch failures and bounded concurrency", () => {
    const schedule = (all.PlanScanFunction!.Properties!.Events as Record<string, { Type: string; Properties: Record<string, unknown> }>).Schedule!;
    assert.equal(schedule.Type, "Schedule");
    assert.deepEqual(schedule.Properties.Schedule, { Ref: "ScanSchedule" });
    assert.equal((template.Parameters!.ScanSchedule as { Default: string }).Default, "rate(1 day)");
    const queue = (all.ScanStackFunction!.Properties!.Events as Record<string, { Type: string; Properties: Record<string, unknown> }>).ScanQueue!;
    assert.equal(queue.Type, "SQS");
    assert.deepEqual(queue.Properties.Queue, { "Fn::GetAtt": ["ScanQueue", "Arn"] });
    assert.deepEqual(queue.Properties.FunctionResponseTypes, ["ReportBatchItemFailures"]);
    assert.deepEqual(queue.Properties.BatchSize, { Ref: "ScanBatchSize" });
    assert.deepEqual(queue.Properties.ScalingConfig, { MaximumConcurrency: { Ref: "ScanMaximumConcurrency" } });
    assert.equal((template.Parameters!.ScanBatchSize as { Default: number }).Default, 5);
    assert.equal((template.Parameters!.ScanMaximumConcurrency as { Default: number }).Default, 5);
  });

  it("sends completed creates, updates and imports to the same queue, which has a dead-letter queue after 5 receives", () => {
    const rule = all.StackDeployedRule!.Properties!;
    assert.deepEqual(rule.EventPattern, {
      source: ["aws.cloudformation"],
      "detail-type": ["CloudFormation Stack Status Change"],
      detail: { "status-details": { status: ["CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"] } },
    });
    assert.deepEqual((rule.Targets as { Arn: unknown }[]).map((target) => target.Arn), [{ "Fn::GetAtt": ["ScanQueue", "Arn"] }]);
    assert.deepEqual(all.ScanQueue!.Properties!.RedrivePolicy, { deadLetterTargetArn: { "Fn::GetAtt": ["ScanDeadLetterQueue", "Arn"] }, maxReceiveCount: 5 });
    // The visibility timeout must outlast a scan, or a message comes back while it is still being scanned.
    assert.ok((all.ScanQueue!.Properties!.VisibilityTimeout as number) >= 6 * (all.ScanStackFunction!.Properties!.Timeout as number));
  });

  it("encrypts the queues, the topic and the table with the stack's own key", () => {
    const key = { "Fn::GetAtt": ["ServiceKey", "Arn"] };
    for (const id of ["ScanQueue", "ScanDeadLetterQueue", "PlanScanDeadLetterQueue"]) assert.deepEqual(all[id]!.Properties!.KmsMasterKeyId, key, id);
    assert.deepEqual(all.AlertsTopic!.Properties!.KmsMasterKeyId, key);
    assert.deepEqual(all.FindingsTable!.Properties!.SSESpecification, { SSEEnabled: true, SSEType: "KMS", KMSMasterKeyId: key });
    assert.equal(all.ServiceKey!.Properties!.EnableKeyRotation, true);
  });

  it("declares the findings table of the store contract", () => {
    const table = all.FindingsTable as Resource & { DeletionPolicy?: string; UpdateReplacePolicy?: string };
    assert.equal(table.DeletionPolicy, "Retain");
    assert.equal(table.UpdateReplacePolicy, "Retain");
    const properties = table.Properties!;
    assert.equal(properties.BillingMode, "PAY_PER_REQUEST");
    assert.deepEqual(properties.KeySchema, [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    const indexes = Object.fromEntries((properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[]).map((index) => [index.IndexName, index.KeySchema]));
    assert.deepEqual(indexes, {
      "open-by-severity": [
        { AttributeName: "openSeverity", KeyType: "HASH" },
        { AttributeName: "lastSeen", KeyType: "RANGE" },
      ],
      "by-rule": [
        { AttributeName: "ruleId", KeyType: "HASH" },
        { AttributeName: "pk", KeyType: "RANGE" },
      ],
    });
    assert.deepEqual(properties.TimeToLiveSpecification, { AttributeName: "expiresAt", Enabled: true });
    assert.deepEqual(properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
  });

  it("alarms on both dead-letter queues and both functions' errors, to the alerts topic; email only when given", () => {
    const alarms = Object.values(all).filter((resource) => resource.Type === "AWS::CloudWatch::Alarm");
    const watched = alarms.map((alarm) => `${alarm.Properties!.MetricName} ${JSON.stringify((alarm.Properties!.Dimensions as { Value: unknown }[])[0]!.Value)}`).sort();
    assert.deepEqual(watched, [
      'ApproximateNumberOfMessagesVisible {"Fn::GetAtt":["PlanScanDeadLetterQueue","QueueName"]}',
      'ApproximateNumberOfMessagesVisible {"Fn::GetAtt":["ScanDeadLetterQueue","QueueName"]}',
      'Errors {"Ref":"PlanScanFunction"}',
      'Errors {"Ref":"ScanStackFunction"}',
    ]);
    for (const alarm of alarms) assert.deepEqual(alarm.Properties!.AlarmActions, [{ Ref: "AlertsTopic" }]);
    assert.equal(all.AlertsEmailSubscription!.Condition, "HasAlertEmail");
  });
});
