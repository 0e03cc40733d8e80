import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  DescribeDeliveryChannelsCommand,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from "@aws-sdk/client-config-service";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveAccount, judgeLiveStack } from "../../shared/judge-live.ts";
import { ConfigReader } from "../../shared/live/config.ts";
import { LiveSession } from "../../shared/live/session.ts";
import configRecorderMissing from "../../shared/rules/config/config-recorder-missing.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { configRegionViews, configResourceViews } from "../../shared/views/config-recorder.ts";
import { awsError, handAccount, handStack, resource } from "./hand-stack.ts";
import { MOTO_ACCOUNT, motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const ROLE = "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig";

const RULES_TEMPLATE = `
Resources:
  EncryptedVolumes:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: encrypted-volumes
      Source: { Owner: AWS, SourceIdentifier: ENCRYPTED_VOLUMES }
  RootMfa:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: root-mfa
      Source: { Owner: AWS, SourceIdentifier: ROOT_ACCOUNT_MFA_ENABLED }
`;

const RULE_RESOURCES = [resource("EncryptedVolumes", "AWS::Config::ConfigRule", "encrypted-volumes"), resource("RootMfa", "AWS::Config::ConfigRule", "root-mfa")];

describe("ConfigReader against a mocked AWS Config", () => {
  let config: AwsClientStub<ConfigServiceClient>;
  before(() => {
    config = mockClient(ConfigServiceClient);
  });
  afterEach(() => config.reset());
  after(() => config.restore());

  function region(options: { recorders?: boolean; recording?: boolean; channels?: boolean }): void {
    config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: options.recorders === false ? [] : [{ name: "default", roleARN: ROLE, recordingGroup: { allSupported: true, includeGlobalResourceTypes: true } }] });
    config.on(DescribeConfigurationRecorderStatusCommand).resolves({
      ConfigurationRecordersStatus: options.recorders === false ? [] : [{ name: "default", recording: options.recording ?? true, lastStatus: options.recording === false ? "Failure" : "Success", ...(options.recording === false ? { lastErrorCode: "NoSuchBucket" } : {}) }],
    });
    config.on(DescribeDeliveryChannelsCommand).resolves({ DeliveryChannels: options.channels === false ? [] : [{ name: "default", s3BucketName: "config-bucket-111122223333" }] });
  }

  it("reads the region's recorders, their status and delivery channels once, for the account and for stacks with Config resources", async () => {
    region({});
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(ConfigReader);
    await reader.load([resource("Bucket", "AWS::S3::Bucket", "b")]);
    assert.equal(session.callCount("config"), 0, "a stack without Config resources needs no region read");
    await Promise.all([reader.load(RULE_RESOURCES), reader.loadAccount()]);
    await reader.loadAccount();
    assert.deepEqual(Object.fromEntries(session.calls), { "config:DescribeConfigurationRecorders": 1, "config:DescribeConfigurationRecorderStatus": 1, "config:DescribeDeliveryChannels": 1 });
    assert.deepEqual(reader.recorders(), [{ name: "default", roleArn: ROLE, allSupported: true }]);
    assert.deepEqual(reader.recorderStatuses(), [{ name: "default", recording: true, lastStatus: "Success" }]);
    assert.deepEqual(reader.deliveryChannels(), [{ name: "default", bucket: "config-bucket-111122223333" }]);
    assert.deepEqual(configRegionViews.fromLive!(handAccount(session)), [
      {
        logicalId: "AWSConfig",
        type: "AWS::Config::ConfigurationRecorder",
        physicalId: "default",
        region: "eu-west-1",
        account: "111122223333",
        recorders: [{ name: "default", recording: true, lastStatus: "Success", recordsAllSupported: true }],
        deliveryChannels: [{ name: "default", bucket: "config-bucket-111122223333" }],
      },
    ]);
    assert.deepEqual(
      configResourceViews.fromLive!(handStack(session, RULE_RESOURCES)).map((view) => [view.logicalId, view.role, view.physicalId]),
      [
        ["EncryptedVolumes", "rule", "encrypted-volumes"],
        ["RootMfa", "rule", "root-mfa"],
      ],
    );
  });

  it("judges the account: no recorder, a stopped recorder and no delivery channel are each a finding", async () => {
    for (const [setup, details] of [
      [{ recorders: false, channels: false }, [/has no configuration recorder/, /has no delivery channel/]],
      [{ recording: false }, [/has configuration recorder default, but it is stopped/]],
      [{ channels: false }, [/has no delivery channel/]],
      [{}, []],
    ] as const) {
      config.reset();
      region(setup);
      const session = new LiveSession({ region: "eu-west-1" });
      await session.reader(ConfigReader).loadAccount();
      const findings = judgeLiveAccount(handAccount(session), { rules: [configRecorderMissing] }).findings;
      assert.equal(findings.length, details.length, JSON.stringify(setup));
      for (const pattern of details) assert.ok(findings.some((finding) => pattern.test(finding.message)), `${JSON.stringify(setup)}: ${pattern}`);
      for (const finding of findings) {
        assert.equal(finding.source, "live");
        assert.equal(finding.severity, "medium");
        assert.equal(finding.stack.name, "(account)");
        assert.match(finding.message, /^AWS Config in eu-west-1 \(account 111122223333\)/);
      }
    }
  });

  it("judges a stack with Config rules against the region: the template's low 'no recorder' becomes a confirmed live finding", async () => {
    region({ recorders: false, channels: false });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, RULE_RESOURCES);
    await session.reader(ConfigReader).load(stack.resources);
    const result = judgeLiveStack(stack, parseTemplate(RULES_TEMPLATE), { rules: [configRecorderMissing] });
    assert.deepEqual(
      result.findings.map((finding) => [finding.resource.logicalId, finding.source, finding.severity, finding.resource.physicalId]),
      [
        ["EncryptedVolumes", "live", "medium", "encrypted-volumes"],
        ["EncryptedVolumes", "live", "medium", "encrypted-volumes"],
      ],
    );
    const noRecorder = result.findings.find((finding) => /no configuration recorder/.test(finding.message));
    assert.equal(noRecorder?.evidence.alsoInTemplate, true, "same flaw as the template's no-recorder finding: merged");
    assert.match(noRecorder!.message, /Config rules EncryptedVolumes, RootMfa are deployed, but AWS Config in eu-west-1 has no configuration recorder/);
  });

  it("stays quiet live on a stack whose region records, and on a stack without Config rules", async () => {
    region({});
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, RULE_RESOURCES);
    await session.reader(ConfigReader).load(stack.resources);
    const result = judgeLiveStack(stack, parseTemplate(RULES_TEMPLATE), { rules: [configRecorderMissing] });
    assert.deepEqual(result.findings.filter((finding) => finding.source === "live"), []);

    config.reset();
    region({ recorders: false, channels: false });
    const bare = new LiveSession({ region: "eu-west-1" });
    await bare.reader(ConfigReader).loadAccount();
    assert.deepEqual(judgeLiveStack(handStack(bare, [resource("Bucket", "AWS::S3::Bucket", "b")]), undefined, { rules: [configRecorderMissing] }).findings, []);
  });

  it("records access denied, throttling and malformed answers; what it could not read is not judged", async () => {
    config.on(DescribeConfigurationRecordersCommand).rejects(awsError("AccessDeniedException", 403, "not authorized to perform: config:DescribeConfigurationRecorders"));
    config.on(DescribeConfigurationRecorderStatusCommand).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    config.on(DescribeDeliveryChannelsCommand).resolves({ DeliveryChannels: [{ s3BucketName: "nameless" }] });
    const session = new LiveSession({ region: "eu-west-1" });
    await session.reader(ConfigReader).loadAccount();
    assert.deepEqual(
      session.failures.map((failure) => [failure.operation, failure.kind]).sort(),
      [
        ["DescribeConfigurationRecorderStatus", "throttled"],
        ["DescribeConfigurationRecorders", "access-denied"],
        ["DescribeDeliveryChannels", "malformed-response"],
      ],
    );
    assert.deepEqual(configRegionViews.fromLive!(handAccount(session)), []);
    assert.deepEqual(judgeLiveAccount(handAccount(session), { rules: [configRecorderMissing] }).findings, []);

    config.reset();
    config.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [{ name: "default" }] });
    config.on(DescribeConfigurationRecorderStatusCommand).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    config.on(DescribeDeliveryChannelsCommand).resolves({ DeliveryChannels: [{ name: "default", s3BucketName: "b" }] });
    const partly = new LiveSession({ region: "eu-west-1" });
    await partly.reader(ConfigReader).loadAccount();
    const [view] = configRegionViews.fromLive!(handAccount(partly));
    assert.deepEqual(view?.recorders, [{ name: "default" }], "whether it records is unknown");
    assert.deepEqual(judgeLiveAccount(handAccount(partly), { rules: [configRecorderMissing] }).findings, []);
  });
});

describe("ConfigReader against moto", () => {
  const moto = motoForTests();

  it("follows a region from no recorder, to a stopped one, to one recording with a channel", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const clientConfig = motoClientConfig(server.endpoint);
    const client = new ConfigServiceClient(clientConfig);
    const judge = async () => {
      const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
      await session.reader(ConfigReader).loadAccount();
      assert.deepEqual(session.failures, []);
      return judgeLiveAccount(handAccount(session), { rules: [configRecorderMissing] })
        .findings.map((finding) => finding.message.replace(/^AWS Config in \S+ \(account \d+\) /, ""))
        .sort();
    };

    assert.deepEqual(await judge(), [
      "has no configuration recorder: configuration changes there are not recorded and Config rules evaluate nothing",
      "has no delivery channel, so no recorder can record: configuration changes there are not recorded and Config rules evaluate nothing",
    ]);

    await client.send(new PutConfigurationRecorderCommand({ ConfigurationRecorder: { name: "default", roleARN: `arn:aws:iam::${MOTO_ACCOUNT}:role/config`, recordingGroup: { allSupported: true, includeGlobalResourceTypes: true } } }));
    await new S3Client(clientConfig).send(new CreateBucketCommand({ Bucket: "config-bucket" }));
    await client.send(new PutDeliveryChannelCommand({ DeliveryChannel: { name: "default", s3BucketName: "config-bucket" } }));
    const stopped = await judge();
    assert.equal(stopped.length, 1);
    assert.match(stopped[0]!, /has configuration recorder default, but it is stopped/);

    await client.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: "default" }));
    assert.deepEqual(await judge(), []);
  });
});
