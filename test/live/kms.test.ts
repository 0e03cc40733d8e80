import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyRotationCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient, PutKeyPolicyCommand, type KeyMetadata } from "@aws-sdk/client-kms";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { KmsReader } from "../../shared/live/kms.ts";
import { LiveSession, type ServiceReaderClass, type StackResource } from "../../shared/live/session.ts";
import { ALL_RULES } from "../../shared/rules/index.ts";
import { KMS_RULES } from "../../shared/rules/kms/index.ts";
import kmsKeyPolicyPublic from "../../shared/rules/kms/kms-key-policy-public.ts";
import kmsKeyRotationDisabled from "../../shared/rules/kms/kms-key-rotation-disabled.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { kmsKeyViews } from "../../shared/views/kms-key.ts";
import { awsError, HAND_ACCOUNT, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_ACCOUNT, MOTO_REGION } from "./moto.ts";

const REGION = "eu-west-1";
const keyId = (index: number) => `0000000${index % 10}-aaaa-bbbb-cccc-${String(index).padStart(12, "0")}`;
const keyArn = (id: string) => `arn:aws:kms:${REGION}:${HAND_ACCOUNT}:key/${id}`;

function metadata(id: string, overrides: Partial<KeyMetadata> = {}): KeyMetadata {
  return {
    KeyId: id,
    Arn: keyArn(id),
    AWSAccountId: HAND_ACCOUNT,
    Enabled: true,
    KeyState: "Enabled",
    KeyManager: "CUSTOMER",
    KeySpec: "SYMMETRIC_DEFAULT",
    KeyUsage: "ENCRYPT_DECRYPT",
    Origin: "AWS_KMS",
    MultiRegion: false,
    ...overrides,
  };
}

const rootPolicy = (account = HAND_ACCOUNT) => ({
  Version: "2012-10-17",
  Id: "key-default-1",
  Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }],
});

const publicPolicy = {
  Version: "2012-10-17",
  Statement: [
    rootPolicy().Statement[0],
    { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: "*" },
  ],
};

/** Answers every KMS read of these keys from a table; anything else is NotFound. */
function serveKeys(kms: AwsClientStub<KMSClient>, keys: Map<string, { metadata: KeyMetadata; policy: unknown; rotation?: boolean }>): void {
  const find = (id: string | undefined) => {
    const key = keys.get(id ?? "");
    if (!key) throw awsError("NotFoundException", 400, `Key '${id}' does not exist`);
    return key;
  };
  kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId?: string }) => ({ KeyMetadata: find(input.KeyId).metadata }));
  kms.on(GetKeyPolicyCommand).callsFake(async (input: { KeyId?: string; PolicyName?: string }) => {
    assert.equal(input.PolicyName, "default");
    return { Policy: find(input.KeyId).policy as string };
  });
  kms.on(GetKeyRotationStatusCommand).callsFake(async (input: { KeyId?: string }) => ({ KeyRotationEnabled: find(input.KeyId).rotation ?? false }));
}

const TEMPLATE = `
Resources:
  Open:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
  Closed:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
  Signing:
    Type: AWS::KMS::Key
    Properties:
      KeySpec: RSA_2048
      KeyUsage: SIGN_VERIFY
  Retired:
    Type: AWS::KMS::Key
  Volume:
    Type: AWS::EC2::Volume
    Properties:
      AvailabilityZone: eu-west-1a
      Size: 10
      Encrypted: true
      KmsKeyId: !Ref Open
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: { SSEAlgorithm: aws:kms, KMSMasterKeyID: !GetAtt Closed.Arn }
  Signer:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/signer
      Code: { ZipFile: "exports.handler = async () => 1" }
      Environment: { Variables: { KEY: !Ref Signing } }
`;

describe("KmsReader against a mocked KMS", () => {
  let kms: AwsClientStub<KMSClient>;
  before(() => {
    kms = mockClient(KMSClient);
  });
  afterEach(() => kms.reset());
  after(() => kms.restore());

  it("a stack of 20 keys costs one GetKeyPolicy per key and at most three KMS calls per key, whatever the rules", async () => {
    const keys = new Map(Array.from({ length: 20 }, (_, index) => keyId(index)).map((id, index) => [id, { metadata: metadata(id, index % 4 === 0 ? { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" } : {}), policy: JSON.stringify(rootPolicy()) }]));
    serveKeys(kms, keys);
    const session = new LiveSession({ region: REGION });
    const resources: StackResource[] = [...keys.keys()].map((id, index) => resource(`Key${index}`, "AWS::KMS::Key", id));
    await session.reader(KmsReader).load(resources);
    assert.equal(session.calls.get("kms:GetKeyPolicy"), 20);
    assert.equal(session.calls.get("kms:DescribeKey"), 20);
    assert.equal(session.calls.get("kms:GetKeyRotationStatus"), 15, "rotation is read only for the 15 symmetric keys");
    const afterLoad = session.callCount("kms");
    assert.ok(afterLoad <= 3 * 20);

    const stack = handStack(session, resources);
    const result = judgeLiveStack(stack, undefined, { rules: ALL_RULES });
    assert.deepEqual(result.errors, []);
    judgeLiveStack(stack, undefined, { rules: KMS_RULES });
    await session.reader(KmsReader).load(resources);
    assert.equal(session.callCount("kms"), afterLoad, "judging with every rule and loading again call KMS no more");
    assert.equal(result.findings.filter((finding) => finding.ruleId === "kms-key-rotation-disabled").length, 15);
    assert.ok(result.findings.every((finding) => finding.source === "live" && finding.resource.physicalId !== undefined));
  });

  it("builds live key views in the template's shape, and skips keys that are gone", async () => {
    const [open, signing, replica, gone] = [keyId(1), keyId(2), keyId(3), keyId(4)];
    serveKeys(
      kms,
      new Map([
        [open, { metadata: metadata(open), policy: JSON.stringify(publicPolicy), rotation: true }],
        [signing, { metadata: metadata(signing, { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }), policy: JSON.stringify(rootPolicy()) }],
        [replica, { metadata: metadata(replica, { MultiRegion: true, MultiRegionConfiguration: { MultiRegionKeyType: "REPLICA" } }), policy: JSON.stringify(rootPolicy()) }],
      ]),
    );
    const session = new LiveSession({ region: REGION });
    const resources = [resource("Open", "AWS::KMS::Key", open), resource("Signing", "AWS::KMS::Key", signing), resource("Replica", "AWS::KMS::ReplicaKey", replica), resource("Gone", "AWS::KMS::Key", gone), resource("Creating", "AWS::KMS::Key")];
    await session.reader(KmsReader).load(resources);
    const views = new Map(kmsKeyViews.fromLive!(handStack(session, resources)).map((view) => [view.logicalId, view]));
    assert.deepEqual([...views.keys()], ["Open", "Signing", "Replica"]);
    const openView = views.get("Open")!;
    assert.equal(openView.physicalId, open);
    assert.equal(openView.at, undefined);
    assert.equal(openView.symmetric, true);
    assert.equal(openView.rotationEnabled, true);
    assert.equal(openView.enabled, true);
    assert.equal(openView.account, HAND_ACCOUNT);
    assert.equal(openView.defaultPolicy, false);
    assert.deepEqual(openView.policy!.statements[1]!.at, ["Resources", "Open", "Properties", "KeyPolicy", "Statement", 1]);
    assert.equal(views.get("Signing")!.symmetric, false);
    assert.equal(views.get("Signing")!.rotationEnabled, undefined);
    assert.equal(views.get("Signing")!.defaultPolicy, true);
    assert.equal(views.get("Replica")!.replica, true);
    assert.equal(session.calls.get("kms:GetKeyRotationStatus"), 1, "neither the signing key nor the replica is asked for rotation");
    assert.deepEqual(session.failures.map((failure) => [failure.kind, failure.target]), [["not-found", gone], ["not-found", gone]]);
  });

  it("records access denied, throttling and malformed policies (an object, Python repr text) and reads the other keys", async () => {
    const ids = [keyId(1), keyId(2), keyId(3), keyId(4), keyId(5)];
    const [denied, throttled, objectPolicy, reprPolicy, fine] = ids;
    serveKeys(
      kms,
      new Map([
        [denied!, { metadata: metadata(denied!), policy: JSON.stringify(rootPolicy()) }],
        [throttled!, { metadata: metadata(throttled!), policy: JSON.stringify(rootPolicy()) }],
        [objectPolicy!, { metadata: metadata(objectPolicy!), policy: rootPolicy() }],
        [reprPolicy!, { metadata: metadata(reprPolicy!), policy: "{'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': '*'}, 'Action': 'kms:*', 'Resource': '*'}]}" }],
        [fine!, { metadata: metadata(fine!), policy: JSON.stringify(publicPolicy) }],
      ]),
    );
    kms.on(GetKeyPolicyCommand, { KeyId: denied }).rejects(awsError("AccessDeniedException", 400, "User is not authorized to perform: kms:GetKeyPolicy"));
    kms.on(DescribeKeyCommand, { KeyId: throttled }).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    const session = new LiveSession({ region: REGION });
    const resources = ids.map((id, index) => resource(`Key${index}`, "AWS::KMS::Key", id));
    await session.reader(KmsReader).load(resources);
    const failure = (target: string) => session.failures.filter((entry) => entry.target === target).map((entry) => `${entry.operation} ${entry.kind}`);
    assert.deepEqual(failure(denied!), ["GetKeyPolicy access-denied"]);
    assert.deepEqual(failure(throttled!), ["DescribeKey throttled"]);
    assert.deepEqual(failure(objectPolicy!), ["GetKeyPolicy malformed-response"]);
    assert.deepEqual(failure(reprPolicy!), ["GetKeyPolicy malformed-response"]);
    assert.match(session.failures.find((entry) => entry.target === objectPolicy)!.message, /as object instead of JSON text/);
    assert.match(session.failures.find((entry) => entry.target === reprPolicy)!.message, /Python repr/);
    assert.deepEqual(failure(fine!), []);

    const reader = session.reader(KmsReader);
    assert.equal(reader.key(objectPolicy!)!.policy, undefined);
    assert.equal(reader.key(denied!)!.policy, undefined);
    assert.equal(reader.key(denied!)!.rotationEnabled, false, "a failed policy read does not cost the rotation read");
    assert.equal(reader.key(throttled!)!.metadata, undefined);
    assert.notEqual(reader.key(throttled!)!.policy, undefined, "a failed DescribeKey does not cost the policy read");

    const result = judgeLiveStack(handStack(session, resources), undefined, { rules: KMS_RULES });
    const publicKeys = result.findings.filter((finding) => finding.ruleId === "kms-key-policy-public").map((finding) => finding.resource.physicalId);
    assert.deepEqual(publicKeys, [fine], "the unreadable repr policy is not judged, the readable public one is");
    assert.ok(!result.findings.some((finding) => finding.resource.physicalId === throttled && finding.ruleId === "kms-key-rotation-disabled"), "rotation of a key whose metadata failed is not judged");
  });

  it("judges the deployed stack: live findings with physical ids, merged with the template's, and the twin stays quiet", async () => {
    const [open, closed, signing, retired] = [keyId(1), keyId(2), keyId(3), keyId(4)];
    serveKeys(
      kms,
      new Map([
        // Out of band: the policy was opened to everyone and rotation turned off.
        [open, { metadata: metadata(open), policy: JSON.stringify(publicPolicy), rotation: false }],
        [closed, { metadata: metadata(closed), policy: JSON.stringify(rootPolicy()), rotation: true }],
        [signing, { metadata: metadata(signing, { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }), policy: JSON.stringify(rootPolicy()) }],
        [retired, { metadata: metadata(retired, { Enabled: false, KeyState: "Disabled" }), policy: JSON.stringify(rootPolicy()) }],
      ]),
    );
    const session = new LiveSession({ region: REGION });
    const resources = [
      resource("Open", "AWS::KMS::Key", open),
      resource("Closed", "AWS::KMS::Key", closed),
      resource("Signing", "AWS::KMS::Key", signing),
      resource("Retired", "AWS::KMS::Key", retired),
      resource("Volume", "AWS::EC2::Volume", "vol-0123"),
      resource("Bucket", "AWS::S3::Bucket", "app-bucket"),
      resource("Signer", "AWS::Lambda::Function", "signer"),
    ];
    await session.reader(KmsReader).load(resources);
    const result = judgeLiveStack(handStack(session, resources), parseTemplate(TEMPLATE), { rules: KMS_RULES });
    const byRule = (ruleId: string) => result.findings.filter((finding) => finding.ruleId === ruleId).map((finding) => `${finding.resource.logicalId}:${finding.source}:${finding.resource.physicalId ?? "-"}`);
    assert.deepEqual(byRule("kms-key-policy-public"), [`Open:live:${open}`]);
    assert.deepEqual(byRule("kms-key-rotation-disabled"), [`Open:live:${open}`, `Retired:live:${retired}`]);
    // Retired is unused in the template (a template finding) but disabled live, so the live rule leaves it be.
    assert.deepEqual(byRule("kms-key-unused"), ["Retired:template:-"]);
    const rotation = result.findings.find((finding) => finding.ruleId === "kms-key-rotation-disabled" && finding.resource.logicalId === "Open")!;
    assert.match(rotation.message, /GetKeyRotationStatus/);
    assert.ok(rotation.location, "the live finding points at the template line");
    const publicFinding = result.findings.find((finding) => finding.ruleId === "kms-key-policy-public")!;
    assert.match(publicFinding.message, /Open key policy statement "Anyone" allows any principal/);
    assert.ok(!result.findings.some((finding) => finding.resource.logicalId === "Closed" && finding.severity !== "info" && finding.ruleId !== "kms-key-policy-full-admin"));
  });

  it("judges live policies with the other key-policy rules: AWS's default policy, an unconditioned service principal and its guarded twin", async () => {
    const [plain, logs, guarded] = [keyId(1), keyId(2), keyId(3)];
    const servicePolicy = (condition?: Record<string, unknown>) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "Admins", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${HAND_ACCOUNT}:role/key-admin` }, Action: ["kms:Describe*", "kms:Put*", "kms:ScheduleKeyDeletion"], Resource: "*" },
          { Sid: "Logs", Effect: "Allow", Principal: { Service: "logs.eu-west-1.amazonaws.com" }, Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"], Resource: "*", ...(condition ? { Condition: condition } : {}) },
        ],
      });
    serveKeys(
      kms,
      new Map([
        [plain, { metadata: metadata(plain), policy: JSON.stringify(rootPolicy()), rotation: true }],
        [logs, { metadata: metadata(logs), policy: servicePolicy(), rotation: true }],
        [guarded, { metadata: metadata(guarded), policy: servicePolicy({ ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:eu-west-1:${HAND_ACCOUNT}:log-group:*` } }), rotation: true }],
      ]),
    );
    const session = new LiveSession({ region: REGION });
    const resources = [resource("Plain", "AWS::KMS::Key", plain), resource("Logs", "AWS::KMS::Key", logs), resource("Guarded", "AWS::KMS::Key", guarded)];
    await session.reader(KmsReader).load(resources);
    const result = judgeLiveStack(handStack(session, resources), undefined, { rules: KMS_RULES.filter((rule) => rule.id !== "kms-key-unused") });
    assert.deepEqual(result.findings.map((finding) => `${finding.ruleId}:${finding.resource.logicalId}:${finding.severity}`).sort(), [
      "kms-key-policy-full-admin:Plain:medium",
      "kms-key-service-principal-unconditioned:Logs:medium",
    ]);
    assert.match(result.findings.find((finding) => finding.resource.logicalId === "Plain")!.message, /^Plain has AWS's default key policy, which grants kms:\* to the account root/);
  });

  it("reports an enabled key the deployed template does not use, live", async () => {
    const [spare] = [keyId(7)];
    serveKeys(kms, new Map([[spare, { metadata: metadata(spare), policy: JSON.stringify(rootPolicy()), rotation: true }]]));
    const session = new LiveSession({ region: REGION });
    const resources = [resource("Spare", "AWS::KMS::Key", spare)];
    await session.reader(KmsReader).load(resources);
    const stack = handStack(session, resources);
    stack.template = resolveTemplate(parseTemplate("Resources:\n  Spare:\n    Type: AWS::KMS::Key\n    Properties: { EnableKeyRotation: true }\n"))[0];
    const result = judgeLiveStack(stack, undefined, { rules: KMS_RULES.filter((rule) => rule.id === "kms-key-unused") });
    assert.equal(result.findings.length, 1);
    assert.equal(result.findings[0]!.source, "live");
    assert.equal(result.findings[0]!.resource.physicalId, spare);
    assert.match(result.findings[0]!.message, /Spare \(key .*, Enabled\) is not referenced .* enabled and billed/);
  });

  it("declares drift properties that compare equal for the same intent and differ for a changed policy or rotation", async () => {
    const [same, changed] = [keyId(1), keyId(2)];
    serveKeys(
      kms,
      new Map([
        [same, { metadata: metadata(same), policy: JSON.stringify(rootPolicy()), rotation: true }],
        [changed, { metadata: metadata(changed), policy: JSON.stringify(publicPolicy), rotation: false }],
      ]),
    );
    const session = new LiveSession({ region: REGION });
    const resources = [resource("Open", "AWS::KMS::Key", same), resource("Closed", "AWS::KMS::Key", changed)];
    await session.reader(KmsReader).load(resources);
    const live = new Map(kmsKeyViews.fromLive!(handStack(session, resources)).map((view) => [view.logicalId, view]));
    const [resolved] = resolveTemplate(parseTemplate(TEMPLATE), { pseudo: { "AWS::AccountId": HAND_ACCOUNT } });
    const template = new Map(kmsKeyViews.fromTemplate(resolved!).map((view) => [view.logicalId, view]));
    const policy = kmsKeyPolicyPublic.drift!.find((property) => property.property === "KeyPolicy")!;
    const rotation = kmsKeyRotationDisabled.drift!.find((property) => property.property === "EnableKeyRotation")!;
    assert.deepEqual(policy.value(live.get("Open")!), policy.value(template.get("Open")!), "AWS's default policy equals the template's implicit one");
    assert.notDeepEqual(policy.value(live.get("Closed")!), policy.value(template.get("Closed")!));
    assert.equal(rotation.value(live.get("Open")!), rotation.value(template.get("Open")!));
    assert.deepEqual([rotation.value(template.get("Closed")!), rotation.value(live.get("Closed")!)], [true, false]);
    assert.equal(rotation.value(template.get("Signing")!), undefined, "rotation does not apply to a signing key");
  });
});

describe("KmsReader against moto", () => {
  const moto = motoForTests();

  it("reads keys created through the API and through CloudFormation, and reports moto's object-shaped key policy", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const kms = new KMSClient(motoClientConfig(server.endpoint));
    const plain = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const opened = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await kms.send(new PutKeyPolicyCommand({ KeyId: opened, PolicyName: "default", Policy: JSON.stringify(publicPolicy) }));
    await kms.send(new EnableKeyRotationCommand({ KeyId: opened }));
    const disabled = (await kms.send(new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }))).KeyMetadata!.KeyId!;
    await kms.send(new DisableKeyCommand({ KeyId: disabled }));

    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const resources = [resource("Plain", "AWS::KMS::Key", plain), resource("Opened", "AWS::KMS::Key", opened), resource("Signing", "AWS::KMS::Key", disabled)];
    await session.reader(KmsReader).load(resources);
    assert.deepEqual(session.failures, []);
    const stack = handStack(session, resources);
    stack.stack.account = MOTO_ACCOUNT;
    const views = new Map(kmsKeyViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.equal(views.get("Plain")!.rotationEnabled, false);
    assert.equal(views.get("Plain")!.defaultPolicy, true);
    assert.equal(views.get("Opened")!.rotationEnabled, true);
    assert.equal(views.get("Signing")!.enabled, false);
    assert.equal(views.get("Signing")!.symmetric, false);
    const result = judgeLiveStack(stack, undefined, { rules: KMS_RULES });
    const hits = result.findings.filter((finding) => finding.severity !== "info").map((finding) => `${finding.ruleId}:${finding.resource.logicalId}`).sort();
    assert.deepEqual(hits, ["kms-key-policy-full-admin:Opened", "kms-key-policy-full-admin:Plain", "kms-key-policy-full-admin:Signing", "kms-key-policy-public:Opened", "kms-key-rotation-disabled:Plain"]);
  });

  it("turns moto's CloudFormation key (policy answered as an object, DescribeKey failing) into recorded failures, never a crash", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const { CloudFormationClient, CreateStackCommand, ListStackResourcesCommand } = await import("@aws-sdk/client-cloudformation");
    const cloudformation = new CloudFormationClient(motoClientConfig(server.endpoint));
    const template = `Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n      KeyPolicy:\n        Version: "2012-10-17"\n        Statement:\n          - { Effect: Allow, Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }\n`;
    await cloudformation.send(new CreateStackCommand({ StackName: "kms-quirk", TemplateBody: template }));
    const listed = await cloudformation.send(new ListStackResourcesCommand({ StackName: "kms-quirk" }));
    const key = listed.StackResourceSummaries!.find((summary) => summary.LogicalResourceId === "Key")!;
    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const resources = [resource("Key", "AWS::KMS::Key", key.PhysicalResourceId!)];
    await session.reader(KmsReader).load(resources);
    const policyFailure = session.failures.find((failure) => failure.operation === "GetKeyPolicy");
    assert.equal(policyFailure?.kind, "malformed-response");
    assert.equal(policyFailure?.target, key.PhysicalResourceId);
    assert.equal(session.reader(KmsReader).key(key.PhysicalResourceId!)!.policy, undefined);
    const result = judgeLiveStack(handStack(session, resources), parseTemplate(template), { rules: KMS_RULES });
    assert.ok(result.findings.every((finding) => finding.source !== "live"), "nothing unread is judged live");
  });
});

describe("KmsReader contract", () => {
  it("declares its service, the IAM action of every operation it calls, and the types it reads", () => {
    const reader: ServiceReaderClass = KmsReader;
    assert.equal(reader.service, "kms");
    // Operation -> the IAM action that authorises it (S3's differ from the operation names).
    const actionOf: Record<string, string> = { DescribeKey: "kms:DescribeKey", GetKeyPolicy: "kms:GetKeyPolicy", GetKeyRotationStatus: "kms:GetKeyRotationStatus" };
    assert.deepEqual([...reader.actions].sort(), Object.values(actionOf).sort());
    assert.ok(reader.resourceTypes.some((type) => type.endsWith("KMS::Key")));
  });
});
