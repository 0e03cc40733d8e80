/**
 * The fault matrix, through the real SDK clients: a stack deployed on moto, scanned through a proxy that answers one
 * service's calls with throttling (then success, or forever), access denied, a 5xx, no answer, or a malformed body.
 * Each scan finishes, keeps every finding the other services give, and says what it could not read.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, ListStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import type { Finding } from "../../shared/findings/finding.ts";
import { scanLive, type LiveScanResult } from "../../shared/scan-live.ts";
import { startFaultProxy, type FaultProxy, type FaultRule } from "./fault-proxy.ts";
import { MOTO_REGION, motoClientConfig, motoForTests } from "./moto.ts";

const moto = motoForTests();
const STACK = "fault-matrix";

const PUBLIC_KEY_POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
    { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" },
  ],
};

const TEMPLATE = {
  AWSTemplateFormatVersion: "2010-09-09",
  Resources: {
    OpenGroup: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: { GroupDescription: "ssh from anywhere", SecurityGroupIngress: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIp: "0.0.0.0/0" }] },
    },
    PublicKey: { Type: "AWS::KMS::Key", Properties: { EnableKeyRotation: true, KeyPolicy: PUBLIC_KEY_POLICY } },
    OpenBucket: { Type: "AWS::S3::Bucket", Properties: { BucketName: "fault-matrix-open-bucket" } },
    SingleAzDb: {
      Type: "AWS::RDS::DBInstance",
      Properties: { Engine: "postgres", DBInstanceClass: "db.t3.micro", AllocatedStorage: "20", MasterUsername: "app", MasterUserPassword: "not-a-real-secret-1", MultiAZ: false, StorageEncrypted: true },
    },
    AppRole: {
      Type: "AWS::IAM::Role",
      Properties: { AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] } },
    },
    AdminPolicy: {
      Type: "AWS::IAM::ManagedPolicy",
      Properties: { Roles: [{ Ref: "AppRole" }], PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } },
    },
  },
};

/** The live finding each service's reader makes possible. */
const LIVE_BY_SERVICE: Record<string, string> = {
  ec2: "ec2-sg-ingress-open-admin-port OpenGroup",
  kms: "kms-key-policy-public PublicKey",
  s3: "s3-public-access-not-blocked OpenBucket",
  rds: "rds-single-az SingleAzDb",
  iam: "iam-policy-wildcard-action AdminPolicy",
};

const key = (finding: Finding) => `${finding.ruleId} ${finding.resource.logicalId}`;
const liveKeys = (result: LiveScanResult) => new Set(result.findings.filter((finding) => finding.source === "live").map(key));

describe("fault matrix: one service failing never costs the others' findings", { concurrency: false }, () => {
  let proxy: FaultProxy | undefined;
  let baseline: LiveScanResult;

  async function scanWith(rules: FaultRule[], limits: { requestTimeoutMs?: number; maxAttempts?: number } = {}): Promise<LiveScanResult> {
    proxy!.setRules(rules);
    return scanLive({ regions: [MOTO_REGION], endpointUrl: proxy!.endpoint, stacks: [STACK], maxAttempts: 3, ...limits });
  }

  /** Errors this scan has that the fault-free scan did not. */
  function newErrors(result: LiveScanResult): string[] {
    const known = new Set(baseline.errors.map((error) => error.message));
    return result.errors.map((error) => error.message).filter((message) => !known.has(message));
  }

  function assertOthersKept(result: LiveScanResult, failing: string): void {
    const found = liveKeys(result);
    for (const [service, expected] of Object.entries(LIVE_BY_SERVICE)) {
      if (service === failing) assert.ok(!found.has(expected), `${expected} cannot be judged live while ${service} fails`);
      else assert.ok(found.has(expected), `${expected} (from ${service}) is kept while ${failing} fails: ${[...found].join(", ")}`);
    }
    // The template still says what it says: nothing it declares is lost.
    assert.ok(result.findings.some((finding) => finding.source === "template" || finding.evidence.alsoInTemplate === true));
  }

  before(async () => {
    if (!moto.server) return;
    const config = motoClientConfig(moto.server.endpoint);
    const cloudformation = new CloudFormationClient(config);
    await cloudformation.send(new CreateStackCommand({ StackName: STACK, TemplateBody: JSON.stringify(TEMPLATE), Capabilities: ["CAPABILITY_IAM"] }));
    const status = (await cloudformation.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0]?.StackStatus;
    assert.equal(status, "CREATE_COMPLETE");
    // moto's CloudFormation keeps a key policy as an object (AWS keeps text); put it back as AWS would hold it.
    const resources = (await cloudformation.send(new ListStackResourcesCommand({ StackName: STACK }))).StackResourceSummaries ?? [];
    const keyId = resources.find((resource) => resource.LogicalResourceId === "PublicKey")!.PhysicalResourceId!;
    await new KMSClient(config).send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: JSON.stringify(PUBLIC_KEY_POLICY) }));
    proxy = await startFaultProxy(moto.server.endpoint);
  });

  after(async () => {
    await proxy?.close();
  });

  it("without faults, every service's live finding is there", async (t) => {
    if (!moto.need(t)) return;
    baseline = await scanWith([]);
    const found = liveKeys(baseline);
    for (const expected of Object.values(LIVE_BY_SERVICE)) assert.ok(found.has(expected), `${expected} missing: ${[...found].join(", ")}`);
  });

  it("throttling that ends within the retries changes nothing", async (t) => {
    if (!moto.need(t)) return;
    const result = await scanWith([
      { service: "ec2", operation: "DescribeSecurityGroups", fault: "throttle", times: 2 },
      { service: "kms", operation: "GetKeyPolicy", fault: "throttle", times: 1 },
      { service: "rds", operation: "DescribeDBInstances", fault: "throttle", times: 1 },
      { service: "s3", fault: "throttle", times: 1 },
    ]);
    assert.deepEqual([...liveKeys(result)].sort(), [...liveKeys(baseline)].sort());
    assert.deepEqual(newErrors(result), []);
    assert.equal(proxy!.requests.get("ec2:DescribeSecurityGroups"), 3, "two throttled attempts, then the one that succeeds");
    assert.equal(result.calls[`${MOTO_REGION} ec2:DescribeSecurityGroups`], 1, "retries are the SDK's, one call for the scan");
  });

  const failures: { name: string; rule: FaultRule; expect: RegExp; limits?: { requestTimeoutMs?: number; maxAttempts?: number } }[] = [
    { name: "KMS denies every call", rule: { service: "kms", fault: "access-denied" }, expect: /^kms:\w+ in us-east-1 for \S+: access denied .*grant kms:/ },
    { name: "S3 throttles past every retry", rule: { service: "s3", fault: "throttle" }, expect: /^s3:\w+ in us-east-1 for fault-matrix-open-bucket: still throttled after retries/ },
    { name: "RDS never answers", rule: { service: "rds", fault: "timeout" }, expect: /^rds:DescribeDBInstances in us-east-1 for \S+: timed out/, limits: { requestTimeoutMs: 800, maxAttempts: 2 } },
    { name: "IAM answers 500", rule: { service: "iam", fault: "server-error" }, expect: /^iam:\w+ in us-east-1 .*server error 500/ },
    { name: "EC2 answers a body that is not XML", rule: { service: "ec2", operation: "DescribeSecurityGroups", fault: "malformed" }, expect: /^ec2:DescribeSecurityGroups in us-east-1 for sg-\w+: the response could not be read/ },
  ];

  for (const { name, rule, expect, limits } of failures) {
    it(`${name}: the scan finishes, keeps the other services' findings and reports what it could not read`, async (t) => {
      if (!moto.need(t)) return;
      const result = await scanWith([rule], limits);
      assert.ok(proxy!.injected.size > 0, "the fault was injected");
      assertOthersKept(result, rule.service);
      const errors = newErrors(result);
      assert.ok(errors.some((message) => expect.test(message)), `no error like ${expect}: ${JSON.stringify(errors, null, 1)}`);
      const [, logicalId] = LIVE_BY_SERVICE[rule.service]!.split(" ");
      const unreadable = result.findings.find((finding) => finding.ruleId === "drift-resource-missing" && finding.resource.logicalId === logicalId);
      assert.ok(unreadable, `drift-resource-missing names ${logicalId}, which could not be judged`);
      assert.match(unreadable.message, /unreadable/);
      t.diagnostic(`${name}: ${errors.length} new errors, e.g. ${errors[0]}`);
    });
  }
});
