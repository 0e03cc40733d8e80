import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CreateSecretCommand, DescribeSecretCommand, RotateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { SecretsManagerReader } from "../../shared/live/secretsmanager.ts";
import { LiveSession } from "../../shared/live/session.ts";
import secretsRotationMissing from "../../shared/rules/secretsmanager/secrets-rotation-missing.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { secretViews } from "../../shared/views/secret.ts";
import { awsError, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const SECRET = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;
const ROTATOR = "arn:aws:lambda:eu-west-1:111122223333:function:rotate-db";

const TEMPLATE = `
Resources:
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: db
      GenerateSecretString: { SecretStringTemplate: '{"username":"app"}', GenerateStringKey: password }
  DbRotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties:
      SecretId: !Ref DbSecret
      RotationLambdaARN: ${ROTATOR}
      RotationRules: { AutomaticallyAfterDays: 30 }
  ApiToken:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: api-token
`;

describe("SecretsManagerReader against a mocked Secrets Manager", () => {
  let secrets: AwsClientStub<SecretsManagerClient>;
  before(() => {
    secrets = mockClient(SecretsManagerClient);
  });
  afterEach(() => secrets.reset());
  after(() => secrets.restore());

  it("reads each secret once, with its rotation, and serves a second load from its cache", async () => {
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("db") }).resolves({
      ARN: SECRET("db"),
      Name: "db",
      KmsKeyId: "alias/app",
      RotationEnabled: true,
      RotationLambdaARN: ROTATOR,
      RotationRules: { AutomaticallyAfterDays: 30 },
    });
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("api-token") }).resolves({ ARN: SECRET("api-token"), Name: "api-token" });
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("paused") }).resolves({ ARN: SECRET("paused"), Name: "paused", RotationEnabled: false, RotationRules: { ScheduleExpression: "rate(10 days)" } });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(SecretsManagerReader);
    const resources = [
      resource("DbSecret", "AWS::SecretsManager::Secret", SECRET("db")),
      resource("ApiToken", "AWS::SecretsManager::Secret", SECRET("api-token")),
      resource("Paused", "AWS::SecretsManager::Secret", SECRET("paused")),
      resource("DbRotation", "AWS::SecretsManager::RotationSchedule", SECRET("db")),
    ];
    await reader.load(resources);
    await reader.load(resources);
    assert.equal(session.calls.get("secretsmanager:DescribeSecret"), 3);
    assert.deepEqual(reader.secret(SECRET("db")), { arn: SECRET("db"), name: "db", kmsKeyId: "alias/app", rotation: { automaticallyAfterDays: 30, rotationLambdaArn: ROTATOR } });
    assert.deepEqual(reader.secret(SECRET("api-token")), { arn: SECRET("api-token"), name: "api-token" });
    assert.deepEqual(reader.secret(SECRET("paused")), { arn: SECRET("paused"), name: "paused" }, "rules left behind by a disabled rotation are not a rotation");
  });

  it("records access denied, throttling, a deleted secret and a malformed answer, and reads the rest", async () => {
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("denied") }).rejects(awsError("AccessDeniedException", 400, "not authorized to perform: secretsmanager:DescribeSecret"));
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("busy") }).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("gone") }).rejects(awsError("ResourceNotFoundException", 400, "Secrets Manager can't find the specified secret."));
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("odd") }).resolves({ ARN: SECRET("odd"), Name: "odd", RotationEnabled: "True" as unknown as boolean });
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("fine") }).resolves({ ARN: SECRET("fine"), Name: "fine" });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(SecretsManagerReader);
    await reader.load(["denied", "busy", "gone", "odd", "fine"].map((name) => resource(name, "AWS::SecretsManager::Secret", SECRET(name))));
    assert.deepEqual(
      session.failures.map((failure) => [failure.target, failure.kind]).sort(),
      [
        [SECRET("busy"), "throttled"],
        [SECRET("denied"), "access-denied"],
        [SECRET("gone"), "not-found"],
        [SECRET("odd"), "malformed-response"],
      ],
    );
    assert.ok(reader.secret(SECRET("fine")));
    assert.equal(reader.secret(SECRET("odd")), undefined);
  });

  it("builds live views (generated from the deployed template) and flags the secret whose rotation is off live", async () => {
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("db") }).resolves({ ARN: SECRET("db"), Name: "db", RotationEnabled: true, RotationLambdaARN: ROTATOR, RotationRules: { AutomaticallyAfterDays: 30 } });
    secrets.on(DescribeSecretCommand, { SecretId: SECRET("api-token") }).resolves({ ARN: SECRET("api-token"), Name: "api-token" });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [
      resource("DbSecret", "AWS::SecretsManager::Secret", SECRET("db")),
      resource("DbRotation", "AWS::SecretsManager::RotationSchedule", SECRET("db")),
      resource("ApiToken", "AWS::SecretsManager::Secret", SECRET("api-token")),
    ]);
    await session.reader(SecretsManagerReader).load(stack.resources);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [secretsRotationMissing] });

    const views = new Map(secretViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.deepEqual(views.get("DbSecret"), { logicalId: "DbSecret", type: "AWS::SecretsManager::Secret", physicalId: SECRET("db"), name: "db", generated: true, rotation: { automaticallyAfterDays: 30, rotator: ROTATOR } });
    assert.equal(views.get("ApiToken")?.generated, false);
    assert.deepEqual(
      result.findings.map((finding) => [finding.resource.logicalId, finding.source, finding.resource.physicalId, finding.evidence.alsoInTemplate]),
      [["ApiToken", "live", SECRET("api-token"), true]],
    );
    assert.match(result.findings[0]!.message, /ApiToken \(api-token\) does not rotate/);
  });

  it("flags a secret whose rotation the template declares but that was turned off out of band", async () => {
    secrets.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => ({ ARN: input.SecretId, Name: input.SecretId.split(":").pop()!.replace(/-AbCdEf$/, ""), RotationEnabled: false }));
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [resource("DbSecret", "AWS::SecretsManager::Secret", SECRET("db")), resource("DbRotation", "AWS::SecretsManager::RotationSchedule", SECRET("db"))]);
    await session.reader(SecretsManagerReader).load(stack.resources);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [secretsRotationMissing] });
    assert.deepEqual(
      result.findings.map((finding) => [finding.resource.logicalId, finding.source, finding.evidence.alsoInTemplate]),
      [
        ["DbSecret", "live", undefined],
        ["ApiToken", "template", undefined],
      ],
      "ApiToken is not deployed in this stack: its flaw stays a template finding",
    );
  });
});

describe("SecretsManagerReader against moto", () => {
  const moto = motoForTests();

  it("reads rotation of secrets created and rotated through the Secrets Manager API", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const client = new SecretsManagerClient(motoClientConfig(server.endpoint));
    const rotated = await client.send(new CreateSecretCommand({ Name: "rotated", SecretString: "s3cr3t-value" }));
    await client.send(new RotateSecretCommand({ SecretId: rotated.ARN!, RotationRules: { AutomaticallyAfterDays: 14 } }));
    const still = await client.send(new CreateSecretCommand({ Name: "still", SecretString: "s3cr3t-value" }));
    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const stack = handStack(session, [
      resource("Rotated", "AWS::SecretsManager::Secret", rotated.ARN!),
      resource("Still", "AWS::SecretsManager::Secret", still.ARN!),
      resource("Gone", "AWS::SecretsManager::Secret", `${still.ARN!}x`),
    ]);
    await session.reader(SecretsManagerReader).load(stack.resources);
    const views = new Map(secretViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.equal(views.get("Rotated")?.rotation?.automaticallyAfterDays, 14);
    assert.equal(views.get("Still")?.rotation, undefined);
    assert.equal(views.has("Gone"), false);
    assert.deepEqual(session.failures.map((failure) => [failure.kind, failure.target]), [["not-found", `${still.ARN!}x`]]);
    const findings = judgeLiveStack(stack, undefined, { rules: [secretsRotationMissing] }).findings;
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.resource.physicalId]), [["Still", still.ARN]]);
  });
});
