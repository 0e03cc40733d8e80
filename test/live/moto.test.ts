/**
 * The moto harness (cli/moto-server.ts, test/live/moto.ts) and the example deployer (test/live/deploy-examples.ts):
 * moto starts, resets and stops; every seed example and its fixed twin deploys on it with its security-relevant
 * resources present, as the live APIs report them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { before, describe, test } from "node:test";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { CreateVpcCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand, DescribeVpcsCommand, EC2Client, type SecurityGroup } from "@aws-sdk/client-ec2";
import { GetRolePolicyCommand, IAMClient, ListAttachedGroupPoliciesCommand, ListAttachedRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, S3Client } from "@aws-sdk/client-s3";
import { GetWebACLCommand, GetWebACLForResourceCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import { MotoUnavailableError, startMotoServer } from "../../cli/moto-server.ts";
import { deployExamples, deployExample, EXAMPLE_FILES, motoCompatTransform, cidrSubnets, type DeployResult } from "../../cli/moto-examples.ts";
import { motoClientConfig, motoForTests } from "./moto.ts";
import { parseTemplate } from "../../shared/template/parse.ts";

const moto = motoForTests();
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** moto's GetKeyPolicy answers Policy as a JSON object for keys made by CloudFormation (AWS: a string). */
function policyOf(value: unknown): { Statement: Record<string, unknown>[] } {
  return (typeof value === "string" ? JSON.parse(value) : value) as { Statement: Record<string, unknown>[] };
}

describe("moto harness", () => {
  test("starts on a loopback port, resets, and stops", async (t) => {
    if (!moto.need(t)) return;
    const server = await startMotoServer();
    try {
      assert.match(server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(server.endpoint, `http://127.0.0.1:${server.port}`);
      const ec2 = new EC2Client(motoClientConfig(server.endpoint));
      const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16" }));
      const id = vpc.Vpc!.VpcId!;
      await server.reset();
      await assert.rejects(ec2.send(new DescribeVpcsCommand({ VpcIds: [id] })), /InvalidVpcID|does not exist/);
    } finally {
      await server.stop();
    }
    assert.equal(await portOpen(server.port), false, "moto still listens after stop()");
    await server.stop(); // idempotent
  });

  test("a process whose last work is stopping moto ends normally when moto outlives its SIGTERM grace", async (t) => {
    if (!moto.need(t)) return;
    // Stopping with no grace sends SIGKILL at once; the process must still wait for moto's exit, not end with 13.
    const script = `const { startMotoServer } = await import("./cli/moto-server.ts");
      const moto = await startMotoServer({ killGraceMs: 0 });
      await moto.stop();
      process.stdout.write("stopped");`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, "stopped");
  });

  test("a missing moto is a MotoUnavailableError that says how to install it", async () => {
    await assert.rejects(startMotoServer({ command: ["/nonexistent/moto_server"] }), (error: unknown) => {
      assert.ok(error instanceof MotoUnavailableError);
      assert.match((error as Error).message, /pip install 'moto\[server\]'/);
      return true;
    });
  });
});

describe("moto-compat transform (no moto needed)", () => {
  test("Fn::Cidr is evaluated like CloudFormation", () => {
    assert.deepEqual(cidrSubnets("10.60.0.0/16", 4, 8), ["10.60.0.0/24", "10.60.1.0/24", "10.60.2.0/24", "10.60.3.0/24"]);
    assert.deepEqual(cidrSubnets("10.0.0.0/16", 2, 12), ["10.0.0.0/20", "10.0.16.0/20"]);
  });

  test("a trail is taken out with the outputs that need it, a MOCK method is patched", () => {
    const { body } = parseTemplate(`
Resources:
  Bucket: { Type: AWS::S3::Bucket }
  Trail:
    Type: AWS::CloudTrail::Trail
    Properties: { IsLogging: true, S3BucketName: !Ref Bucket }
  Api: { Type: AWS::ApiGateway::RestApi, Properties: { Name: a } }
  Method:
    Type: AWS::ApiGateway::Method
    Properties: { RestApiId: !Ref Api, ResourceId: x, HttpMethod: GET, AuthorizationType: NONE, Integration: { Type: MOCK } }
Outputs:
  TrailArn: { Value: !GetAtt Trail.Arn }
  BucketName: { Value: !Ref Bucket }
`);
    const result = motoCompatTransform(body);
    assert.deepEqual(result.removed.map((record) => record.logicalId), ["Trail", "Outputs.TrailArn"]);
    assert.deepEqual(result.patched.map((record) => record.logicalId), ["Method"]);
    assert.ok(!("Trail" in result.body.Resources));
    assert.deepEqual(Object.keys(result.body.Outputs ?? {}), ["BucketName"]);
    assert.ok("Trail" in body.Resources, "the input is not modified");
  });
});

describe("the examples on moto", () => {
  let deployed: Map<string, DeployResult>;
  let endpoint: string;
  const config = () => motoClientConfig(endpoint);
  const ids = (stack: string) => deployed.get(stack)!.physicalIds;
  const groups = async (...groupIds: string[]): Promise<Map<string, SecurityGroup>> => {
    const answer = await new EC2Client(config()).send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds }));
    return new Map((answer.SecurityGroups ?? []).map((group) => [group.GroupId!, group]));
  };
  // moto's DescribeTrails ignores trailNameList and answers every trail: pick ours.
  const trail = async (arn: string) => {
    const answer = await new CloudTrailClient(config()).send(new DescribeTrailsCommand({ trailNameList: [arn] }));
    const found = answer.trailList!.find((item) => item.TrailARN === arn);
    assert.ok(found, `trail ${arn} not found`);
    return found;
  };

  before(async () => {
    if (!moto.server) return;
    endpoint = moto.server.endpoint;
    await moto.server.reset();
    deployed = new Map((await deployExamples(endpoint, { fixed: true })).map((result) => [result.stackName, result]));
  });

  test("all five examples and their fixed twins reach CREATE_COMPLETE", async (t) => {
    if (!moto.need(t)) return;
    const names = [...EXAMPLE_FILES.map((file) => file.replace(/\.(yaml|json)$/, ""))];
    assert.deepEqual([...deployed.keys()].sort(), [...names, ...names.map((name) => `${name}-fixed`)].sort());
    const cloudFormation = new CloudFormationClient(config());
    for (const result of deployed.values()) {
      const stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: result.stackName }))).Stacks![0]!;
      assert.equal(stack.StackStatus, "CREATE_COMPLETE", result.stackName);
      assert.equal(stack.StackId, result.stackId);
      for (const record of [...result.removed, ...result.patched, ...result.reconciled]) assert.ok(record.why.length > 20, JSON.stringify(record));
    }
    // Deploys as-is: no transform at all.
    const plain = deployed.get("nova-ebs-kms-web")!;
    assert.deepEqual([plain.removed, plain.patched, plain.created, plain.skipped], [[], [], [], []]);
  });

  test("nova-ebs-kms-web: root-only kms:* key, allow-all Lambda egress, single-AZ database in its group", async (t) => {
    if (!moto.need(t)) return;
    const id = ids("nova-ebs-kms-web");
    const policy = await new KMSClient(config()).send(new GetKeyPolicyCommand({ KeyId: id.NovaModelEBSKMSKey, PolicyName: "default" }));
    const statement = policyOf(policy.Policy).Statement[0]!;
    assert.equal(statement.Action, "kms:*");
    assert.deepEqual(statement.Principal, { AWS: "arn:aws:iam::123456789012:root" });

    const sgs = await groups(id.NovaModelAppSecurityGroup!, id.NovaModelDBSecurityGroup!, id.NovaModelWebSecurityGroup!);
    const app = sgs.get(id.NovaModelAppSecurityGroup!)!;
    assert.deepEqual(app.IpPermissionsEgress!.map((rule) => [rule.IpProtocol, rule.IpRanges?.[0]?.CidrIp]), [["-1", "0.0.0.0/0"]]);
    const db = sgs.get(id.NovaModelDBSecurityGroup!)!;
    assert.equal(db.IpPermissions![0]!.FromPort, 5432);
    assert.equal(db.IpPermissions![0]!.UserIdGroupPairs![0]!.GroupId, id.NovaModelAppSecurityGroup);
    assert.equal(db.IpPermissions![0]!.UserIdGroupPairs![0]!.Description, "PostgreSQL from the application tier");
    assert.deepEqual(db.IpPermissionsEgress!.map((rule) => [rule.IpProtocol, rule.FromPort, rule.IpRanges?.[0]?.CidrIp]), [["tcp", 5432, "127.0.0.1/32"]]);
    assert.equal(sgs.get(id.NovaModelWebSecurityGroup!)!.IpPermissions![0]!.IpRanges![0]!.CidrIp, "10.0.0.0/8");

    const instance = (await new RDSClient(config()).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id.NovaModelRDSInstance }))).DBInstances![0]!;
    assert.equal(instance.MultiAZ, false);
    assert.equal(instance.StorageEncrypted, true);
    assert.equal(instance.DeletionProtection, true);
    assert.deepEqual(instance.VpcSecurityGroups!.map((group) => group.VpcSecurityGroupId), [id.NovaModelDBSecurityGroup]);

    const iam = new IAMClient(config());
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: id.NovaModelLambdaRole }));
    assert.deepEqual(attached.AttachedPolicies!.map((policy) => policy.PolicyName), ["AWSLambdaVPCAccessExecutionRole"]);
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: id.NovaModelCloudTrailRole, PolicyName: "deliver-to-cloudwatch-logs" }));
    // moto answers the document as Python repr text (single quotes); AWS answers URL-encoded JSON.
    assert.match(decodeURIComponent(inline.PolicyDocument!), new RegExp(`${id.NovaModelCloudTrailLogGroup}:\\*`));
  });

  test("novacart-security-foundation: SSH open to the world, trail without validation, WAF without a rate rule", async (t) => {
    if (!moto.need(t)) return;
    const result = deployed.get("novacart-security-foundation")!;
    const id = result.physicalIds;
    const web = (await groups(id.WebServerSecurityGroup!)).get(id.WebServerSecurityGroup!)!;
    assert.ok(web.IpPermissions!.some((rule) => rule.FromPort === 22 && rule.IpRanges?.some((range) => range.CidrIp === "0.0.0.0/0")));

    const audit = await trail(id.AuditTrail!);
    assert.equal(audit.IsMultiRegionTrail, true);
    assert.equal(audit.LogFileValidationEnabled, false);
    assert.equal(audit.S3BucketName, id.AuditLogBucket);
    assert.match(audit.KmsKeyId ?? "", new RegExp(id.NovaCartKMSKey!));
    assert.equal((await new CloudTrailClient(config()).send(new GetTrailStatusCommand({ Name: id.AuditTrail }))).IsLogging, true);
    await assert.rejects(new S3Client(config()).send(new GetBucketPolicyCommand({ Bucket: id.AuditLogBucket })), /NoSuchBucketPolicy|does not exist/);

    const wafv2 = new WAFV2Client(config());
    const association = id.OrderApiWebACLAssociation!.split("|")[0]!;
    const acl = (await wafv2.send(new GetWebACLForResourceCommand({ ResourceArn: association }))).WebACL!;
    assert.equal(acl.ARN, id.OrderApiWebACLAssociation!.split("|")[1]);
    assert.ok(!acl.Rules!.some((rule) => rule.Statement?.RateBasedStatement), "the flawed ACL has no rate-based rule");

    assert.deepEqual(result.created.map((item) => item.type).sort(), ["AWS::CloudTrail::Trail", "AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation"]);
    assert.ok(result.removed.some((record) => record.logicalId === "Outputs.DistributionDomain"));
    assert.ok(result.skipped.some((record) => record.type === "AWS::CloudFront::Distribution"));
  });

  test("secure-financial-environment: single-region trail without KMS, unassociated WAF, allow-all NACL skipped by moto", async (t) => {
    if (!moto.need(t)) return;
    const result = deployed.get("secure-financial-environment")!;
    const id = result.physicalIds;
    const main = await trail(id.CloudTrail!);
    assert.equal(main.Name, "MyTrail");
    assert.equal(main.IsMultiRegionTrail, false);
    assert.equal(main.KmsKeyId ?? undefined, undefined);
    const policy = await new S3Client(config()).send(new GetBucketPolicyCommand({ Bucket: id.SecureBucket }));
    assert.match(policy.Policy!, /aws:SecureTransport/);
    const [name, aclId] = id.WAFWebACL!.split("|");
    const acl = await new WAFV2Client(config()).send(new GetWebACLCommand({ Name: name, Id: aclId, Scope: "REGIONAL" }));
    assert.equal(acl.WebACL!.Name, "MyWAF");
    assert.ok(result.skipped.some((record) => record.type === "AWS::EC2::NetworkAcl"), "moto's CloudFormation has no NACL model");
    const encryption = await new S3Client(config()).send(new GetBucketEncryptionCommand({ Bucket: id.SecureBucket }));
    assert.equal(encryption.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, "aws:kms");
  });

  test("nova-clinical-data-platform: partial public access block, MOCK method patched", async (t) => {
    if (!moto.need(t)) return;
    const result = deployed.get("nova-clinical-data-platform")!;
    const id = result.physicalIds;
    const block = await new S3Client(config()).send(new GetPublicAccessBlockCommand({ Bucket: id.ClinicalDataBucket }));
    // The template misspells IgnorePublicAcls (IgnorePublicACLs): only the other two are set.
    assert.deepEqual(block.PublicAccessBlockConfiguration, { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false });
    assert.deepEqual(result.patched.map((record) => record.logicalId), ["SubmitTrialMethod"]);
    const instances = await new RDSClient(config()).send(new DescribeDBInstancesCommand({}));
    const mine = instances.DBInstances!.filter((db) => [id.ClinicalDatabase, id.AnalyticsDatabase].includes(db.DBInstanceIdentifier ?? ""));
    assert.equal(mine.length, 2);
  });

  test("multi-account-security-baseline: MFA policy on the users group, unencrypted volume", async (t) => {
    if (!moto.need(t)) return;
    const id = ids("multi-account-security-baseline");
    const attached = await new IAMClient(config()).send(new ListAttachedGroupPoliciesCommand({ GroupName: "prod-baseline-users" }));
    assert.deepEqual(attached.AttachedPolicies!.map((policy) => policy.PolicyArn), [id.MFAEnforcementPolicy]);
    const volume = (await new EC2Client(config()).send(new DescribeVolumesCommand({ VolumeIds: [id.AuditDataVolume!] }))).Volumes![0]!;
    assert.equal(volume.Encrypted, false);
  });

  test("fixed twins: validated KMS trails, rate-limited WAF, separate egress rules", async (t) => {
    if (!moto.need(t)) return;
    const ebs = ids("nova-ebs-kms-web-fixed");
    const ebsTrail = await trail(ebs.NovaModelTrail!);
    assert.equal(ebsTrail.LogFileValidationEnabled, true);
    assert.match(ebsTrail.KmsKeyId ?? "", new RegExp(ebs.NovaModelTrailKey!));
    const app = (await groups(ebs.NovaModelAppSecurityGroup!)).get(ebs.NovaModelAppSecurityGroup!)!;
    assert.ok(app.IpPermissionsEgress!.some((rule) => rule.FromPort === 5432 && rule.UserIdGroupPairs?.[0]?.GroupId === ebs.NovaModelDBSecurityGroup));
    assert.ok(!app.IpPermissionsEgress!.some((rule) => rule.IpProtocol === "-1"), "no allow-all egress left");

    const cart = ids("novacart-security-foundation-fixed");
    const [name, aclId] = cart.OrderApiWebACL!.split("|");
    const acl = await new WAFV2Client(config()).send(new GetWebACLCommand({ Name: name, Id: aclId, Scope: "REGIONAL" }));
    assert.ok(acl.WebACL!.Rules!.some((rule) => rule.Statement?.RateBasedStatement?.Limit === 1000));
    assert.equal((await trail(cart.AuditTrail!)).LogFileValidationEnabled, true);
    await new S3Client(config()).send(new GetBucketPolicyCommand({ Bucket: cart.AuditLogBucket }));

    const fin = ids("secure-financial-environment-fixed");
    const governance = await trail(fin.GovernanceTrail!);
    assert.equal(governance.IsMultiRegionTrail, true);
    assert.match(governance.KmsKeyId ?? "", new RegExp(fin.DataKey!));

    const clinical = ids("nova-clinical-data-platform-fixed");
    const block = await new S3Client(config()).send(new GetPublicAccessBlockCommand({ Bucket: clinical.ClinicalDataBucket }));
    assert.equal(block.PublicAccessBlockConfiguration!.IgnorePublicAcls, true);

    const baseline = ids("multi-account-security-baseline-fixed");
    const volume = (await new EC2Client(config()).send(new DescribeVolumesCommand({ VolumeIds: [baseline.AuditDataVolume!] }))).Volumes![0]!;
    assert.equal(volume.Encrypted, true);
  });

  test("after a reset an example deploys again (prerequisites are recreated)", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const again = await deployExample(server.endpoint, "nova-ebs-kms-web.yaml");
    assert.ok(again.physicalIds.NovaModelEBSKMSKey);
    const stacks = await new CloudFormationClient(config()).send(new DescribeStacksCommand({}));
    assert.deepEqual(stacks.Stacks!.map((stack) => stack.StackName), ["nova-ebs-kms-web"]);
  });
});
