import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, afterEach, before, describe, it } from "node:test";
import { EC2Client, GetEbsEncryptionByDefaultCommand, type GetEbsEncryptionByDefaultResult } from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { ACCOUNT_SCOPE_NAME, judgeLiveAccount, judgeLiveStack } from "../../../shared/judge-live.ts";
import { Ec2Reader } from "../../../shared/live/ec2.ts";
import { LiveSession } from "../../../shared/live/session.ts";
import rule from "../../../shared/rules/ec2/ec2-ebs-default-encryption-off.ts";
import { awsError, HAND_ACCOUNT, handAccount, handStack, resource } from "../../live/hand-stack.ts";
import { fixture, scanText } from "../../helpers.ts";

const REGION = "eu-west-1";

/** A recorded GetEbsEncryptionByDefault answer. */
function answer(name: string): GetEbsEncryptionByDefaultResult {
  return (JSON.parse(readFileSync(fixture(import.meta.url, name), "utf8")) as { GetEbsEncryptionByDefault: GetEbsEncryptionByDefaultResult }).GetEbsEncryptionByDefault;
}

describe("ec2-ebs-default-encryption-off", () => {
  let ec2: AwsClientStub<EC2Client>;
  before(() => {
    ec2 = mockClient(EC2Client);
  });
  afterEach(() => ec2.reset());
  after(() => ec2.restore());

  async function judgeAccount() {
    const session = new LiveSession({ region: REGION });
    await session.reader(Ec2Reader).loadAccount();
    return { session, result: judgeLiveAccount(handAccount(session), { rules: [rule] }) };
  }

  it("flags the region once, at account scope, when encryption by default is off", async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves(answer("ec2-ebs-default-encryption-off.fail.live.json"));
    const { result } = await judgeAccount();
    assert.equal(result.findings.length, 1);
    const [finding] = result.findings;
    assert.equal(finding!.source, "live");
    assert.equal(finding!.severity, "medium");
    assert.deepEqual(finding!.stack, { name: ACCOUNT_SCOPE_NAME, region: REGION, account: HAND_ACCOUNT });
    assert.equal(finding!.resource.physicalId, `${HAND_ACCOUNT}/${REGION}`);
    assert.match(finding!.message, new RegExp(`off in ${REGION} of account ${HAND_ACCOUNT}`));
  });

  it("passes a region where it is on", async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves(answer("ec2-ebs-default-encryption-off.pass.live.json"));
    const { result } = await judgeAccount();
    assert.deepEqual(result.findings, []);
  });

  it("says nothing when the setting could not be read; the failure is recorded instead", async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).rejects(awsError("UnauthorizedOperation", 403));
    const { session, result } = await judgeAccount();
    assert.deepEqual(result.findings, []);
    assert.deepEqual(session.failures.map((failure) => [failure.operation, failure.kind]), [["GetEbsEncryptionByDefault", "access-denied"]]);
  });

  it("does not run per stack, nor on templates (CloudFormation cannot set it)", async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves(answer("ec2-ebs-default-encryption-off.fail.live.json"));
    const session = new LiveSession({ region: REGION });
    await session.reader(Ec2Reader).loadAccount();
    const stack = handStack(session, [resource("Data", "AWS::EC2::Volume", "vol-1")]);
    assert.deepEqual(judgeLiveStack(stack, undefined, { rules: [rule] }).findings, []);
    assert.deepEqual(scanText("Resources:\n  Data:\n    Type: AWS::EC2::Volume\n    Properties: { AvailabilityZone: eu-west-1a, Size: 1 }\n", rule.id), []);
  });
});
