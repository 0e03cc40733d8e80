import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CloudTrailClient, CreateTrailCommand, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, StartLoggingCommand, type Trail } from "@aws-sdk/client-cloudtrail";
import { CreateBucketCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveAccount, judgeLiveStack } from "../../shared/judge-live.ts";
import { CloudTrailReader, managementEventsOf } from "../../shared/live/cloudtrail.ts";
import { LiveSession, type ServiceReaderClass } from "../../shared/live/session.ts";
import { CLOUDTRAIL_RULES } from "../../shared/rules/cloudtrail/index.ts";
import cloudtrailLogValidationOff from "../../shared/rules/cloudtrail/cloudtrail-log-validation-off.ts";
import cloudtrailNotKmsEncrypted from "../../shared/rules/cloudtrail/cloudtrail-not-kms-encrypted.ts";
import cloudtrailSingleRegion from "../../shared/rules/cloudtrail/cloudtrail-single-region.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { cloudTrailTrailViews } from "../../shared/views/cloudtrail-trail.ts";
import { awsError, HAND_ACCOUNT, handAccount, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_ACCOUNT, MOTO_REGION } from "./moto.ts";

const REGION = "eu-west-1";
const trailArn = (name: string, region = REGION) => `arn:aws:cloudtrail:${region}:${HAND_ACCOUNT}:trail/${name}`;
const KEY_ARN = `arn:aws:kms:${REGION}:${HAND_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function trail(name: string, overrides: Partial<Trail> = {}): Trail {
  return {
    Name: name,
    TrailARN: trailArn(name, overrides.HomeRegion),
    HomeRegion: REGION,
    S3BucketName: "audit-logs",
    IsMultiRegionTrail: true,
    LogFileValidationEnabled: true,
    KmsKeyId: KEY_ARN,
    IsOrganizationTrail: false,
    HasCustomEventSelectors: false,
    ...overrides,
  };
}

function deliveryPolicy(bucket: string, statements: ("acl" | "put")[] = ["acl", "put"]): string {
  const condition = { StringEquals: { "aws:SourceArn": trailArn("audit") } };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      ...(statements.includes("acl") ? [{ Sid: "Acl", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: `arn:aws:s3:::${bucket}`, Condition: condition }] : []),
      ...(statements.includes("put") ? [{ Sid: "Put", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/AWSLogs/${HAND_ACCOUNT}/*`, Condition: condition }] : []),
    ],
  });
}

interface Served {
  trails: Trail[];
  logging?: Record<string, boolean>;
  selectors?: Record<string, { EventSelectors?: unknown[]; AdvancedEventSelectors?: unknown[] }>;
}

/** CloudTrail answering from a table, as AWS does: unknown names are left out of DescribeTrails. */
function serveTrails(cloudtrail: AwsClientStub<CloudTrailClient>, served: Served): void {
  const byId = (id: string | undefined) => served.trails.find((entry) => entry.Name === id || entry.TrailARN === id);
  cloudtrail.on(DescribeTrailsCommand).callsFake(async ({ trailNameList }: { trailNameList?: string[] }) => ({
    trailList: trailNameList ? trailNameList.map(byId).filter((entry) => entry !== undefined) : served.trails,
  }));
  cloudtrail.on(GetTrailStatusCommand).callsFake(async ({ Name }: { Name?: string }) => {
    const found = byId(Name);
    if (!found) throw awsError("TrailNotFoundException", 400, `Unknown trail: ${Name}`);
    return { IsLogging: served.logging?.[found.Name!] ?? true };
  });
  cloudtrail.on(GetEventSelectorsCommand).callsFake(async ({ TrailName }: { TrailName?: string }) => {
    const found = byId(TrailName);
    if (!found) throw awsError("TrailNotFoundException", 400, `Unknown trail: ${TrailName}`);
    return { TrailARN: found.TrailARN, EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }], ...served.selectors?.[found.Name!] };
  });
}

const TEMPLATE = `
Resources:
  Audit:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: audit
      IsLogging: true
      IsMultiRegionTrail: true
      EnableLogFileValidation: true
      KMSKeyId: ${KEY_ARN}
      S3BucketName: audit-logs
  Legacy:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: legacy
      IsLogging: true
      IsMultiRegionTrail: true
      EnableLogFileValidation: true
      KMSKeyId: ${KEY_ARN}
      S3BucketName: legacy-logs
  Orphan:
    Type: AWS::CloudTrail::Trail
    Properties:
      TrailName: orphan
      IsLogging: true
      IsMultiRegionTrail: true
      EnableLogFileValidation: true
      KMSKeyId: ${KEY_ARN}
      S3BucketName: unpoliced-logs
`;

describe("CloudTrailReader against mocked CloudTrail and S3", () => {
  let cloudtrail: AwsClientStub<CloudTrailClient>;
  let s3: AwsClientStub<S3Client>;
  before(() => {
    cloudtrail = mockClient(CloudTrailClient);
    s3 = mockClient(S3Client);
  });
  afterEach(() => {
    cloudtrail.reset();
    s3.reset();
  });
  after(() => {
    cloudtrail.restore();
    s3.restore();
  });

  it("reads the stack's trails in one DescribeTrails, status and selectors per trail, and each delivery bucket's policy once", async () => {
    serveTrails(cloudtrail, { trails: [trail("audit"), trail("legacy", { S3BucketName: "legacy-logs" }), trail("other")] });
    s3.on(GetBucketPolicyCommand, { Bucket: "audit-logs" }).resolves({ Policy: deliveryPolicy("audit-logs") });
    s3.on(GetBucketPolicyCommand, { Bucket: "legacy-logs" }).resolves({ Policy: deliveryPolicy("legacy-logs") });
    const session = new LiveSession({ region: REGION });
    const resources = [resource("Audit", "AWS::CloudTrail::Trail", "audit"), resource("Legacy", "AWS::CloudTrail::Trail", trailArn("legacy")), resource("Logs", "AWS::S3::Bucket", "audit-logs")];
    await session.reader(CloudTrailReader).load(resources);
    await session.reader(CloudTrailReader).load(resources);
    assert.deepEqual(Object.fromEntries(session.calls), { "cloudtrail:DescribeTrails": 1, "cloudtrail:GetTrailStatus": 2, "cloudtrail:GetEventSelectors": 2, "s3:GetBucketPolicy": 2 });
    assert.deepEqual(session.failures, []);
    const views = new Map(cloudTrailTrailViews.fromLive!(handStack(session, resources)).map((view) => [view.logicalId, view]));
    const audit = views.get("Audit")!;
    assert.equal(audit.physicalId, "audit");
    assert.equal(audit.at, undefined);
    assert.deepEqual([audit.multiRegion, audit.logFileValidation, audit.logging, audit.kmsKeyId, audit.managementEvents], [true, true, true, KEY_ARN, "All"]);
    assert.equal(audit.bucketLogicalId, "Logs");
    assert.equal(audit.deliveryBucket!.logicalId, "Logs");
    assert.equal(views.get("Legacy")!.deliveryBucket!.logicalId, "legacy-logs", "a bucket outside the stack is named by its bucket name");
    assert.equal(views.get("Legacy")!.deliveryBucket!.policyStatements.length, 2);
  });

  it("records a missing trail, access denied, throttling and malformed answers, and reads the rest", async () => {
    serveTrails(cloudtrail, { trails: [trail("denied"), trail("fine")] });
    cloudtrail.on(GetTrailStatusCommand, { Name: trailArn("denied") }).rejects(awsError("AccessDeniedException", 400, "not authorized to perform: cloudtrail:GetTrailStatus"));
    cloudtrail.on(GetEventSelectorsCommand, { TrailName: trailArn("fine") }).resolves({ EventSelectors: "all" as unknown as [] });
    s3.on(GetBucketPolicyCommand).resolves({ Policy: deliveryPolicy("audit-logs") });
    const session = new LiveSession({ region: REGION });
    const resources = ["denied", "fine", "deleted"].map((name) => resource(name, "AWS::CloudTrail::Trail", name));
    await session.reader(CloudTrailReader).load(resources);
    const failures = session.failures.map((failure) => `${failure.operation} ${failure.kind} ${failure.target}`);
    assert.deepEqual(failures.sort(), [
      "DescribeTrails not-found deleted",
      `GetEventSelectors malformed-response ${trailArn("fine")}`,
      `GetTrailStatus access-denied ${trailArn("denied")}`,
    ]);
    assert.equal(session.failuresFor("denied").length, 1, "a failure names the trail by name too, as the stack does");
    const views = new Map(cloudTrailTrailViews.fromLive!(handStack(session, resources)).map((view) => [view.logicalId, view]));
    assert.deepEqual([...views.keys()], ["denied", "fine"]);
    assert.equal(views.get("denied")!.logging, undefined);
    assert.equal(views.get("fine")!.managementEvents, undefined);

    cloudtrail.reset();
    cloudtrail.on(DescribeTrailsCommand).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    const throttled = new LiveSession({ region: REGION });
    const both = [resource("A", "AWS::CloudTrail::Trail", "a"), resource("B", "AWS::CloudTrail::Trail", "b")];
    await throttled.reader(CloudTrailReader).load(both);
    await throttled.reader(CloudTrailReader).load(both);
    assert.deepEqual(throttled.failures.map((failure) => [failure.kind, failure.targets]), [["throttled", ["a", "b"]]], "recorded once, not asked again");
    assert.equal(throttled.calls.get("cloudtrail:DescribeTrails"), 1);

    cloudtrail.reset();
    cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [{ Name: "nameless-arn" }] });
    const malformed = new LiveSession({ region: REGION });
    await malformed.reader(CloudTrailReader).load([resource("A", "AWS::CloudTrail::Trail", "nameless-arn")]);
    assert.deepEqual(malformed.failures.map((failure) => failure.kind).sort(), ["malformed-response"], "a nameless entry may be the trail asked for: it is not called gone");
  });

  it("judges the deployed stack: stopped, single-region, unvalidated, unencrypted, undeliverable trails live; the twin stays quiet", async () => {
    serveTrails(cloudtrail, {
      trails: [trail("audit"), trail("legacy", { S3BucketName: "legacy-logs", IsMultiRegionTrail: false, LogFileValidationEnabled: false, KmsKeyId: undefined }), trail("orphan", { S3BucketName: "unpoliced-logs" })],
      logging: { legacy: false },
    });
    s3.on(GetBucketPolicyCommand, { Bucket: "unpoliced-logs" }).rejects(awsError("NoSuchBucketPolicy", 404, "The bucket policy does not exist"));
    s3.on(GetBucketPolicyCommand, { Bucket: "audit-logs" }).resolves({ Policy: deliveryPolicy("audit-logs") });
    s3.on(GetBucketPolicyCommand, { Bucket: "legacy-logs" }).resolves({ Policy: deliveryPolicy("legacy-logs", ["acl"]) });
    const session = new LiveSession({ region: REGION });
    const resources = [resource("Audit", "AWS::CloudTrail::Trail", "audit"), resource("Legacy", "AWS::CloudTrail::Trail", "legacy"), resource("Orphan", "AWS::CloudTrail::Trail", "orphan")];
    await session.reader(CloudTrailReader).load(resources);
    assert.deepEqual(session.failures, []);
    const stack = handStack(session, resources);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: CLOUDTRAIL_RULES });
    assert.deepEqual(
      result.findings.map((finding) => `${finding.ruleId}:${finding.resource.logicalId}:${finding.source}:${finding.resource.physicalId}`).sort(),
      [
        "cloudtrail-bucket-policy-missing:Legacy:live:legacy",
        "cloudtrail-log-validation-off:Legacy:live:legacy",
        "cloudtrail-not-kms-encrypted:Legacy:live:legacy",
        "cloudtrail-not-logging:Legacy:live:legacy",
        "cloudtrail-single-region:Legacy:live:legacy",
        "cloudtrail-bucket-policy-missing:Orphan:live:orphan",
      ].sort(),
    );
    assert.match(result.findings.find((finding) => finding.resource.logicalId === "Orphan")!.message, /delivers to bucket unpoliced-logs, which has no bucket policy: CloudTrail cannot deliver/);
    const byRule = new Map(result.findings.filter((finding) => finding.resource.logicalId === "Legacy").map((finding) => [finding.ruleId, finding]));
    assert.match(byRule.get("cloudtrail-not-logging")!.message, /exists but is not logging/);
    assert.match(byRule.get("cloudtrail-bucket-policy-missing")!.message, /legacy-logs \(a bucket policy not declared in the stack\) does not grant cloudtrail.amazonaws.com s3:PutObject/);
    assert.doesNotMatch(byRule.get("cloudtrail-bucket-policy-missing")!.message, /fails to create/);
    assert.ok(byRule.get("cloudtrail-single-region")!.location, "located at the template's line");

    const [resolved] = resolveTemplate(parseTemplate(TEMPLATE), { pseudo: { "AWS::AccountId": HAND_ACCOUNT, "AWS::Region": REGION } });
    const intended = new Map(cloudTrailTrailViews.fromTemplate(resolved!).map((view) => [view.logicalId, view]));
    const live = new Map(cloudTrailTrailViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    const properties = [...cloudtrailSingleRegion.drift!, ...cloudtrailLogValidationOff.drift!, ...cloudtrailNotKmsEncrypted.drift!];
    const differing = (logicalId: string) => properties.filter((property) => property.value(intended.get(logicalId)!) !== property.value(live.get(logicalId)!)).map((property) => property.property);
    assert.deepEqual(differing("Legacy"), ["IsMultiRegionTrail", "EnableLogFileValidation", "KMSKeyId"]);
    assert.deepEqual(differing("Audit"), []);
  });

  it("judges the account once: no logging multi-region trail that records all management events is a finding", async () => {
    const shadow = trail("org-wide", { HomeRegion: "us-east-1" });
    serveTrails(cloudtrail, { trails: [trail("regional", { IsMultiRegionTrail: false }), shadow, trail("writes-only")], logging: { "org-wide": false }, selectors: { "writes-only": { EventSelectors: [{ ReadWriteType: "WriteOnly", IncludeManagementEvents: true }] } } });
    const regions: string[] = [];
    cloudtrail.on(GetTrailStatusCommand, { Name: shadow.TrailARN }).callsFake(async (_input: unknown, getClient: () => CloudTrailClient) => {
      regions.push(await getClient().config.region());
      return { IsLogging: false };
    });
    const session = new LiveSession({ region: REGION });
    const reader = session.reader(CloudTrailReader);
    await reader.loadAccount();
    await reader.loadAccount();
    assert.deepEqual(regions, ["us-east-1"], "a shadow trail's status is read in its home region");
    assert.equal(session.calls.get("cloudtrail:DescribeTrails"), 1);
    assert.equal(session.calls.get("cloudtrail:GetTrailStatus"), 2, "only multi-region trails need their status");
    const result = judgeLiveAccount(handAccount(session), { rules: CLOUDTRAIL_RULES });
    assert.deepEqual(result.findings.map((finding) => [finding.ruleId, finding.resource.logicalId, finding.source]), [["cloudtrail-single-region", "AccountTrails", "live"]]);
    assert.match(result.findings[0]!.message, /org-wide \(multi-region, not logging, home us-east-1\)/);
    assert.match(result.findings[0]!.message, /writes-only \(multi-region, logging, management events WriteOnly/);

    cloudtrail.reset();
    serveTrails(cloudtrail, { trails: [trail("regional", { IsMultiRegionTrail: false }), trail("everything")] });
    const covered = new LiveSession({ region: REGION });
    await covered.reader(CloudTrailReader).loadAccount();
    assert.deepEqual(judgeLiveAccount(handAccount(covered), { rules: CLOUDTRAIL_RULES }).findings, []);

    cloudtrail.reset();
    serveTrails(cloudtrail, { trails: [trail("unknown")] });
    cloudtrail.on(GetTrailStatusCommand).rejects(awsError("AccessDeniedException", 400, "denied"));
    const unreadable = new LiveSession({ region: REGION });
    await unreadable.reader(CloudTrailReader).loadAccount();
    assert.deepEqual(judgeLiveAccount(handAccount(unreadable), { rules: CLOUDTRAIL_RULES }).findings, [], "a trail whose status is unknown might be the one: no guess");
  });

  it("reads which management events selectors record", () => {
    assert.equal(managementEventsOf([], []), "All", "no selectors: CloudTrail's default");
    assert.equal(managementEventsOf([{ ReadWriteType: "All", IncludeManagementEvents: false }], undefined), "None");
    assert.equal(managementEventsOf([{ ReadWriteType: "ReadOnly" }, { ReadWriteType: "WriteOnly" }], undefined), "All");
    assert.equal(managementEventsOf(undefined, [{ FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }, { Field: "readOnly", Equals: ["false"] }] }]), "WriteOnly");
    assert.equal(managementEventsOf(undefined, [{ FieldSelectors: [{ Field: "eventCategory", Equals: ["Data"] }] }]), "None");
    assert.equal(managementEventsOf("x", undefined), undefined);
  });
});

describe("CloudTrailReader against moto", () => {
  const moto = motoForTests();

  it("reads trails created through the CloudTrail API, their status and bucket policies, and judges stack and account", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const config = motoClientConfig(server.endpoint);
    const s3 = new S3Client(config);
    const cloudtrail = new CloudTrailClient(config);
    await s3.send(new CreateBucketCommand({ Bucket: "sw-trail-logs" }));
    const arn = (name: string) => `arn:aws:cloudtrail:${MOTO_REGION}:${MOTO_ACCOUNT}:trail/${name}`;
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: "sw-trail-logs",
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: "arn:aws:s3:::sw-trail-logs", Condition: { StringEquals: { "aws:SourceArn": arn("sw-audit") } } },
            { Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:PutObject", Resource: `arn:aws:s3:::sw-trail-logs/AWSLogs/${MOTO_ACCOUNT}/*`, Condition: { StringEquals: { "aws:SourceArn": arn("sw-audit") } } },
          ],
        }),
      }),
    );
    await cloudtrail.send(new CreateTrailCommand({ Name: "sw-audit", S3BucketName: "sw-trail-logs", IsMultiRegionTrail: true, EnableLogFileValidation: true, KmsKeyId: `arn:aws:kms:${MOTO_REGION}:${MOTO_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` }));
    await cloudtrail.send(new CreateTrailCommand({ Name: "sw-stopped", S3BucketName: "sw-trail-logs" }));
    await cloudtrail.send(new StartLoggingCommand({ Name: "sw-audit" }));

    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const reader = session.reader(CloudTrailReader);
    const resources = [resource("Audit", "AWS::CloudTrail::Trail", "sw-audit"), resource("Stopped", "AWS::CloudTrail::Trail", arn("sw-stopped"))];
    await reader.load(resources);
    await reader.loadAccount();
    assert.deepEqual(session.failures, []);
    const stack = handStack(session, resources);
    stack.stack.account = MOTO_ACCOUNT;
    const views = new Map(cloudTrailTrailViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.deepEqual([views.get("Audit")!.logging, views.get("Audit")!.managementEvents, views.get("Stopped")!.logging], [true, "All", false]);
    const result = judgeLiveStack(stack, undefined, { rules: CLOUDTRAIL_RULES });
    assert.deepEqual(result.findings.map((finding) => `${finding.ruleId}:${finding.resource.logicalId}`).sort(), [
      "cloudtrail-log-validation-off:Stopped",
      "cloudtrail-not-kms-encrypted:Stopped",
      "cloudtrail-not-logging:Stopped",
      "cloudtrail-single-region:Stopped",
    ]);
    assert.deepEqual(judgeLiveAccount(handAccount(session), { rules: CLOUDTRAIL_RULES }).findings, [], "sw-audit is a logging multi-region trail");
  });
});

describe("CloudTrailReader contract", () => {
  it("declares its service, the IAM action of every operation it calls, and the types it reads", () => {
    const reader: ServiceReaderClass = CloudTrailReader;
    assert.equal(reader.service, "cloudtrail");
    // Operation -> the IAM action that authorises it (S3's differ from the operation names).
    const actionOf: Record<string, string> = { DescribeTrails: "cloudtrail:DescribeTrails", GetTrailStatus: "cloudtrail:GetTrailStatus", GetEventSelectors: "cloudtrail:GetEventSelectors" };
    assert.deepEqual([...reader.actions].sort(), Object.values(actionOf).sort());
    assert.ok(reader.resourceTypes.some((type) => type.endsWith("CloudTrail::Trail")));
  });
});
