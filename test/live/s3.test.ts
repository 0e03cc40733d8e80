import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { S3Reader } from "../../shared/live/s3.ts";
import { LiveSession, type ServiceReaderClass } from "../../shared/live/session.ts";
import { S3_RULES } from "../../shared/rules/s3/index.ts";
import s3NotKmsEncrypted from "../../shared/rules/s3/s3-not-kms-encrypted.ts";
import s3PublicAccessNotBlocked from "../../shared/rules/s3/s3-public-access-not-blocked.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { POLICY_OUTSIDE_STACK, s3BucketViews } from "../../shared/views/s3-bucket.ts";
import { awsError, HAND_ACCOUNT, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const REGION = "eu-west-1";
const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const tlsPolicy = (bucket: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "DenyPlainHttp", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
  });
const kmsEncryption = { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:aws:kms:eu-west-1:111122223333:key/k" }, BucketKeyEnabled: true }] } };

interface BucketAnswers {
  encryption?: unknown;
  publicAccessBlock?: unknown;
  policy?: unknown;
}

/** S3 answering from a table: a missing aspect answers S3's "not configured" error, a missing bucket NoSuchBucket. */
function serveBuckets(s3: AwsClientStub<S3Client>, buckets: Record<string, BucketAnswers>): void {
  const find = (name: string | undefined) => {
    const bucket = buckets[name ?? ""];
    if (!bucket) throw awsError("NoSuchBucket", 404, "The specified bucket does not exist");
    return bucket;
  };
  s3.on(GetBucketEncryptionCommand).callsFake(async ({ Bucket }: { Bucket?: string }) => {
    const answer = find(Bucket).encryption;
    if (answer === undefined) throw awsError("ServerSideEncryptionConfigurationNotFoundError", 404, "The server side encryption configuration was not found");
    return answer;
  });
  s3.on(GetPublicAccessBlockCommand).callsFake(async ({ Bucket }: { Bucket?: string }) => {
    const answer = find(Bucket).publicAccessBlock;
    if (answer === undefined) throw awsError("NoSuchPublicAccessBlockConfiguration", 404, "The public access block configuration was not found");
    return { PublicAccessBlockConfiguration: answer };
  });
  s3.on(GetBucketPolicyCommand).callsFake(async ({ Bucket }: { Bucket?: string }) => {
    const answer = find(Bucket).policy;
    if (answer === undefined) throw awsError("NoSuchBucketPolicy", 404, "The bucket policy does not exist");
    return { Policy: answer };
  });
}

const TEMPLATE = `
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: { SSEAlgorithm: aws:kms }
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        IgnorePublicAcls: true
        BlockPublicPolicy: true
        RestrictPublicBuckets: true
  DataPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Data
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource: [!GetAtt Data.Arn, !Sub "\${Data.Arn}/*"]
            Condition: { Bool: { "aws:SecureTransport": "false" } }
  Twin:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: { SSEAlgorithm: aws:kms }
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        IgnorePublicAcls: true
        BlockPublicPolicy: true
        RestrictPublicBuckets: true
  TwinPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Twin
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource: [!GetAtt Twin.Arn, !Sub "\${Twin.Arn}/*"]
            Condition: { Bool: { "aws:SecureTransport": "false" } }
`;

describe("S3Reader against a mocked S3", () => {
  let s3: AwsClientStub<S3Client>;
  before(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.reset());
  after(() => s3.restore());

  it("reads three facts per bucket once, shares a read two readers start at once, and takes absent answers as answers", async () => {
    serveBuckets(s3, {
      configured: { encryption: kmsEncryption, publicAccessBlock: ALL_BLOCKED, policy: tlsPolicy("configured") },
      bare: {},
    });
    const session = new LiveSession({ region: REGION });
    const reader = session.reader(S3Reader);
    const resources = [resource("Configured", "AWS::S3::Bucket", "configured"), resource("Bare", "AWS::S3::Bucket", "bare"), resource("Queue", "AWS::SQS::Queue", "q")];
    await Promise.all([reader.load(resources), reader.loadPolicies(["bare", "configured"])]);
    await reader.load(resources);
    await reader.loadPolicies(["configured"]);
    assert.deepEqual(Object.fromEntries(session.calls), { "s3:GetBucketEncryption": 2, "s3:GetPublicAccessBlock": 2, "s3:GetBucketPolicy": 2 });
    assert.deepEqual(session.failures, []);
    assert.deepEqual(reader.bucket("bare"), { name: "bare", encryption: null, publicAccessBlock: null, policy: null });
    assert.deepEqual(reader.bucket("configured")!.encryption, [{ algorithm: "aws:kms", kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/k", bucketKeyEnabled: true }]);

    const views = new Map(s3BucketViews.fromLive!(handStack(session, resources)).map((view) => [view.logicalId, view]));
    const bare = views.get("Bare")!;
    assert.equal(bare.physicalId, "bare");
    assert.deepEqual(bare.encryption.map((rule) => [rule.algorithm, rule.implicit]), [["AES256", true]], "no configuration: S3's own SSE-S3");
    assert.deepEqual(bare.publicAccessBlock.settings, { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    assert.equal(bare.publicAccessBlock.declared, false);
    assert.deepEqual([bare.policyStatements, bare.policyDeclaredBy, bare.policyUnknown], [[], [], false]);
    const configured = views.get("Configured")!;
    assert.equal(configured.publicAccessBlock.declared, true);
    assert.equal(configured.policyStatements[0]!.effect, "Deny");
    assert.deepEqual(configured.policyDeclaredBy, [POLICY_OUTSIDE_STACK], "without the deployed template, the policy's declaring resource is unknown");
  });

  it("records access denied, throttling, a deleted bucket and malformed answers, and reads the rest", async () => {
    serveBuckets(s3, {
      denied: { encryption: kmsEncryption, publicAccessBlock: ALL_BLOCKED, policy: tlsPolicy("denied") },
      busy: { encryption: kmsEncryption, publicAccessBlock: ALL_BLOCKED },
      garbled: { encryption: { ServerSideEncryptionConfiguration: {} }, publicAccessBlock: { BlockPublicAcls: "yes" }, policy: "{'Statement': []}" },
      fine: { encryption: kmsEncryption, publicAccessBlock: ALL_BLOCKED, policy: tlsPolicy("fine") },
    });
    s3.on(GetBucketPolicyCommand, { Bucket: "denied" }).rejects(awsError("AccessDenied", 403, "Access Denied"));
    s3.on(GetPublicAccessBlockCommand, { Bucket: "busy" }).rejects(awsError("SlowDown", 503, "Please reduce your request rate."));
    const session = new LiveSession({ region: REGION });
    const reader = session.reader(S3Reader);
    const resources = ["denied", "busy", "gone", "garbled", "fine"].map((name) => resource(name[0]!.toUpperCase() + name.slice(1), "AWS::S3::Bucket", name));
    await reader.load(resources);
    const failures = (target: string) => session.failures.filter((failure) => failure.target === target).map((failure) => `${failure.operation} ${failure.kind}`);
    assert.deepEqual(failures("denied"), ["GetBucketPolicy access-denied"]);
    assert.deepEqual(failures("busy"), ["GetPublicAccessBlock throttled"]);
    assert.deepEqual(failures("gone"), ["GetBucketEncryption not-found"], "a deleted bucket costs one call, not three");
    assert.deepEqual(failures("garbled"), ["GetBucketEncryption malformed-response", "GetPublicAccessBlock malformed-response", "GetBucketPolicy malformed-response"]);
    assert.deepEqual(failures("fine"), []);

    const views = new Map(s3BucketViews.fromLive!(handStack(session, resources)).map((view) => [view.logicalId, view]));
    assert.deepEqual([...views.keys()], ["Denied", "Busy", "Fine"], "a gone bucket and one with nothing readable have no view");
    assert.equal(views.get("Denied")!.policyUnknown, true);
    assert.deepEqual(Object.values(views.get("Busy")!.publicAccessBlock.settings), [undefined, undefined, undefined, undefined]);
    const result = judgeLiveStack(handStack(session, resources), undefined, { rules: S3_RULES });
    assert.deepEqual(
      result.findings.map((finding) => `${finding.ruleId}:${finding.resource.logicalId}`),
      ["s3-tls-not-enforced:Busy"],
      "unread facts raise nothing; Busy's readable answer (no policy) is judged",
    );
  });

  it("follows a bucket in another region to its region", async () => {
    const redirect = Object.assign(awsError("PermanentRedirect", 301, "The bucket you are attempting to access must be addressed using the specified endpoint."), {
      $response: { statusCode: 301, headers: { "x-amz-bucket-region": "us-west-2" } },
    });
    const regions: string[] = [];
    s3.on(GetBucketPolicyCommand).callsFake(async (_input: unknown, getClient: () => S3Client) => {
      const region = await getClient().config.region();
      regions.push(region);
      if (region !== "us-west-2") throw redirect;
      return { Policy: tlsPolicy("elsewhere") };
    });
    const session = new LiveSession({ region: REGION });
    await session.reader(S3Reader).loadPolicies(["elsewhere"]);
    assert.deepEqual(regions, [REGION, "us-west-2"]);
    assert.deepEqual(session.failures, []);
    assert.equal(session.calls.get("s3:GetBucketPolicy"), 1);
    assert.ok(session.reader(S3Reader).bucket("elsewhere")!.policy);
  });

  it("judges the deployed stack: drifted settings give live findings with physical ids, the twin stays quiet, drift values differ", async () => {
    serveBuckets(s3, {
      "app-data": { encryption: { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } }, publicAccessBlock: { ...ALL_BLOCKED, BlockPublicPolicy: false } },
      "app-twin": { encryption: kmsEncryption, publicAccessBlock: ALL_BLOCKED, policy: tlsPolicy("app-twin") },
    });
    const session = new LiveSession({ region: REGION });
    const resources = [
      resource("Data", "AWS::S3::Bucket", "app-data"),
      resource("DataPolicy", "AWS::S3::BucketPolicy", "app-data"),
      resource("Twin", "AWS::S3::Bucket", "app-twin"),
      resource("TwinPolicy", "AWS::S3::BucketPolicy", "app-twin"),
    ];
    await session.reader(S3Reader).load(resources);
    const stack = handStack(session, resources);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: S3_RULES });
    assert.deepEqual(
      result.findings.map((finding) => `${finding.ruleId}:${finding.resource.logicalId}:${finding.source}:${finding.resource.physicalId}`).sort(),
      ["s3-not-kms-encrypted:Data:live:app-data", "s3-public-access-not-blocked:Data:live:app-data", "s3-tls-not-enforced:Data:live:app-data"],
    );
    assert.match(result.findings.find((finding) => finding.ruleId === "s3-public-access-not-blocked")!.message, /app-data\) has BlockPublicPolicy off/);
    const twin = s3BucketViews.fromLive!(stack).find((view) => view.logicalId === "Twin")!;
    assert.deepEqual(twin.policyDeclaredBy, ["TwinPolicy"], "the deployed template names the bucket's policy");

    const [resolved] = resolveTemplate(parseTemplate(TEMPLATE), { pseudo: { "AWS::AccountId": HAND_ACCOUNT } });
    const intended = new Map(s3BucketViews.fromTemplate(resolved!).map((view) => [view.logicalId, view]));
    const live = new Map(s3BucketViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    const differing = (logicalId: string) =>
      [...s3PublicAccessNotBlocked.drift!, ...s3NotKmsEncrypted.drift!]
        .filter((property) => JSON.stringify(property.value(intended.get(logicalId)!)) !== JSON.stringify(property.value(live.get(logicalId)!)))
        .map((property) => property.property);
    assert.deepEqual(differing("Data"), ["PublicAccessBlockConfiguration.BlockPublicPolicy", "SSEAlgorithm"]);
    assert.deepEqual(differing("Twin"), []);
  });
});

describe("S3Reader against moto", () => {
  const moto = motoForTests();

  it("reads a configured and a bare bucket and judges them", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const s3 = new S3Client(motoClientConfig(server.endpoint));
    for (const name of ["sw-configured", "sw-bare"]) await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutBucketEncryptionCommand({ Bucket: "sw-configured", ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms:dsse" } }] } }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: "sw-configured", PublicAccessBlockConfiguration: ALL_BLOCKED }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: "sw-configured", Policy: tlsPolicy("sw-configured") }));

    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const resources = [resource("Configured", "AWS::S3::Bucket", "sw-configured"), resource("Bare", "AWS::S3::Bucket", "sw-bare")];
    await session.reader(S3Reader).load(resources);
    assert.deepEqual(session.failures, []);
    assert.equal(session.callCount("s3"), 6);
    const views = new Map(s3BucketViews.fromLive!(handStack(session, resources)).map((view) => [view.logicalId, view]));
    assert.equal(views.get("Configured")!.encryption[0]!.algorithm, "aws:kms:dsse");
    assert.equal(views.get("Configured")!.publicAccessBlock.settings.RestrictPublicBuckets, true);
    const result = judgeLiveStack(handStack(session, resources), undefined, { rules: S3_RULES });
    assert.deepEqual(result.findings.map((finding) => `${finding.ruleId}:${finding.resource.logicalId}`).sort(), ["s3-not-kms-encrypted:Bare", "s3-public-access-not-blocked:Bare", "s3-tls-not-enforced:Bare"]);
  });
});

describe("S3Reader contract", () => {
  it("declares its service, the IAM action of every operation it calls, and the types it reads", () => {
    const reader: ServiceReaderClass = S3Reader;
    assert.equal(reader.service, "s3");
    // Operation -> the IAM action that authorises it (S3's differ from the operation names).
    const actionOf: Record<string, string> = { GetBucketEncryption: "s3:GetEncryptionConfiguration", GetPublicAccessBlock: "s3:GetBucketPublicAccessBlock", GetBucketPolicy: "s3:GetBucketPolicy" };
    assert.deepEqual([...reader.actions].sort(), Object.values(actionOf).sort());
    assert.ok(reader.resourceTypes.some((type) => type.endsWith("S3::Bucket")));
  });
});
