import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { GetStagesCommand } from "@aws-sdk/client-apigatewayv2";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CloudFrontClient, GetDistributionConfigCommand } from "@aws-sdk/client-cloudfront";
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand, DescribeVolumesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetFunctionConfigurationCommand, GetPolicyCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { ApiGatewayV2Client } from "@aws-sdk/client-apigatewayv2";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { installSimulatedAws, serveSimulatedAws, SIMULATED_CREDENTIALS, SimulatedAws } from "../../bench/simulated-aws.ts";
import { scanLive } from "../../shared/scan-live.ts";
import { DEFAULT_POLICY } from "../../shared/config/policy.ts";
import { planScan } from "../../shared/service/plan.ts";

const credentials = { accessKeyId: "AKIASIMULATED", secretAccessKey: "simulated" };
const fixture = { name: "every-protocol.yaml", text: readFileSync(fileURLToPath(new URL("./fixtures/every-protocol.yaml", import.meta.url)), "utf8") };

/** A smoke test of the account-scale benchmark's simulated AWS (bench/account.ts measures; this checks it answers as AWS would). */
describe("the simulated account", () => {
  it("serves the real scanner through the real SDK clients, every operation modelled, throttling included", async () => {
    // CloudFormation's bucket is kept tiny so the SDK's retry really runs against throttling answers.
    const sim = new SimulatedAws({ stacks: 5, latencyMs: [1, 3], limits: { cloudformation: { bucket: 6, refill: 100, why: "test" } } });
    const uninstall = installSimulatedAws(sim);
    const result = await scanLive({ regions: [sim.region], allStacks: true, credentials: SIMULATED_CREDENTIALS }).finally(uninstall);

    assert.equal(result.stacks.length, 5);
    assert.ok(result.findings.length > 0, "the scan judged the stacks");
    const cfn = (operation: string) => result.calls[`${sim.region} cloudformation:${operation}`] ?? 0;
    // O(1) per stack: one listing page, then one template and one resource list per stack.
    assert.equal(cfn("DescribeStacks"), 1);
    assert.equal(cfn("GetTemplate"), 5);
    assert.equal(cfn("ListStackResources"), 5);
    assert.ok((sim.counts.throttles.get("cloudformation") ?? 0) > 0, "the bucket ran dry");
    const requests = [...sim.counts.requests].filter(([key]) => key.startsWith("cloudformation:")).reduce((sum, [, count]) => sum + count, 0);
    assert.ok(requests > 11, "throttled requests were retried");
    assert.ok(!result.errors.some((error) => /^cloudformation:/.test(error.message)), "no CloudFormation read failed after retries");
    assert.deepEqual([...sim.counts.unmodelled.keys()], [], "every call the readers sent is modelled");
  });

  describe("answers each protocol as the real client reads it", () => {
    const sim = new SimulatedAws({ stacks: 1, latencyMs: [0, 1], throttling: false, templates: [fixture] });
    const config = { region: sim.region, credentials };
    const physical = (logicalId: string) => sim.stacks[0]!.resources.find((resource) => resource.logicalId === logicalId)!.physicalId;
    let uninstall: () => void;
    before(() => (uninstall = installSimulatedAws(sim)));
    after(() => uninstall());

    it("AWS query (RDS filters, STS): the template's settings, its conditions evaluated", async () => {
      const { DBInstances } = await new RDSClient(config).send(new DescribeDBInstancesCommand({ Filters: [{ Name: "db-instance-id", Values: [physical("Database")] }] }));
      assert.equal(DBInstances?.length, 1);
      assert.equal(DBInstances[0]!.StorageEncrypted, true);
      assert.equal(DBInstances[0]!.MultiAZ, false, "!If [IsProduction, ...] takes the dev branch");
      assert.equal(DBInstances[0]!.PubliclyAccessible, false, "a subnet group puts the instance in a VPC");
      assert.match(DBInstances[0]!.KmsKeyId ?? "", /^arn:aws:kms:/);
      const identity = await new STSClient(config).send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Account, sim.account);
    });

    it("EC2 query: instances, their volumes and launch templates", async () => {
      const ec2 = new EC2Client(config);
      const { Reservations } = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: [physical("Server")] }] }));
      const instance = Reservations?.[0]?.Instances?.[0];
      assert.equal(instance?.MetadataOptions?.HttpTokens, "required", "IMDS settings come from the launch template");
      assert.equal(instance?.Tags?.find((tag) => tag.Key === "aws:ec2launchtemplate:id")?.Value, physical("LaunchTemplate"));
      const volumeId = instance?.BlockDeviceMappings?.[0]?.Ebs?.VolumeId;
      assert.ok(volumeId);
      const { Volumes } = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "volume-id", Values: [volumeId] }] }));
      assert.deepEqual(Volumes?.map((volume) => [volume.VolumeId, volume.Encrypted, volume.Size]), [[volumeId, true, 20]]);
      const { LaunchTemplateVersions } = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: physical("LaunchTemplate"), Versions: ["$Default", "$Latest"] }));
      assert.equal(LaunchTemplateVersions?.[0]?.LaunchTemplateData?.MetadataOptions?.HttpTokens, "required");
    });

    it("JSON 1.1 (CloudTrail): trails by name, status by ARN", async () => {
      const cloudtrail = new CloudTrailClient(config);
      const { trailList } = await cloudtrail.send(new DescribeTrailsCommand({ trailNameList: [physical("Trail")] }));
      assert.equal(trailList?.[0]?.IsMultiRegionTrail, true);
      assert.equal(trailList?.[0]?.S3BucketName, "trail-bucket");
      const status = await cloudtrail.send(new GetTrailStatusCommand({ Name: trailList![0]!.TrailARN! }));
      assert.equal(status.IsLogging, true);
    });

    it("JSON 1.0 (SQS SendMessageBatch): accepted, checksummed as the SDK verifies, and kept for the caller", async () => {
      const queueUrl = physical("Jobs");
      const entries = [
        { Id: "a", MessageBody: JSON.stringify({ stack: "one" }) },
        { Id: "b", MessageBody: JSON.stringify({ stack: "two" }) },
      ];
      const sent = await new SQSClient(config).send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      assert.deepEqual(sent.Successful?.map((entry) => entry.Id), ["a", "b"]);
      assert.deepEqual(sim.sentMessages, entries.map((entry) => ({ queueUrl, id: entry.Id, body: entry.MessageBody })));
    });

    it("REST-JSON (Lambda, API Gateway v2): path parameters read, JSON names written", async () => {
      const lambda = new LambdaClient(config);
      const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: physical("Worker") }));
      assert.equal(fn.DeadLetterConfig?.TargetArn, `arn:aws:sqs:${sim.region}:${sim.account}:${physical("Jobs").split("/").pop()}`);
      const policy = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: physical("Worker") }))).Policy!) as { Statement: { Principal: unknown; Condition: unknown }[] };
      assert.deepEqual(policy.Statement.map((statement) => [statement.Principal, statement.Condition]), [[{ Service: "s3.amazonaws.com" }, { ArnLike: { "AWS:SourceArn": "arn:aws:s3:::uploads" } }]]);
      const { Items } = await new ApiGatewayV2Client(config).send(new GetStagesCommand({ ApiId: physical("HttpApi") }));
      assert.deepEqual(Items?.map((stage) => [stage.StageName, stage.AccessLogSettings?.DestinationArn]), [["prod", "arn:aws:logs:us-east-1:123456789012:log-group:api-logs"]]);
    });

    it("REST-XML (CloudFront): the payload document and its ETag header", async () => {
      const answer = await new CloudFrontClient(config).send(new GetDistributionConfigCommand({ Id: physical("Cdn") }));
      assert.ok(answer.ETag);
      assert.equal(answer.DistributionConfig?.Enabled, true);
      assert.deepEqual(answer.DistributionConfig?.Origins?.Items?.map((origin) => [origin.Id, origin.DomainName]), [["site", "site.s3.amazonaws.com"]]);
    });
  });

  it("answers a service's own throttling error when its bucket is empty, and the SDK retries it", async () => {
    const sim = new SimulatedAws({ stacks: 1, latencyMs: [0, 1], templates: [fixture], limits: { lambda: { bucket: 1, refill: 20, why: "test" } } });
    const uninstall = installSimulatedAws(sim);
    try {
      const lambda = new LambdaClient({ region: sim.region, credentials, retryMode: "adaptive", maxAttempts: 6 });
      const name = sim.stacks[0]!.resources.find((resource) => resource.type === "AWS::Lambda::Function")!.physicalId;
      const answers = await Promise.all([1, 2, 3].map(() => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))));
      assert.ok(answers.every((answer) => answer.FunctionName === name));
      assert.ok((sim.counts.throttles.get("lambda") ?? 0) > 0, "Lambda answered TooManyRequestsException (429)");
      assert.ok((sim.counts.requests.get("lambda:GetFunctionConfiguration") ?? 0) > 3, "the throttled calls were retried");
    } finally {
      uninstall();
    }
  });

  it("answers over HTTP and forwards what it does not model, unchanged", async () => {
    const sim = new SimulatedAws({ stacks: 3, latencyMs: [0, 1] });
    const seen: { target?: string; body: string }[] = [];
    const upstream = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        seen.push({ target: String(request.headers["x-amz-target"]), body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
        response.end(JSON.stringify({ TableNames: ["forwarded-table"] }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const server = await serveSimulatedAws(sim, { forwardTo: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
    try {
      const config = { region: sim.region, endpoint: server.endpoint, credentials };
      const stacks = await new CloudFormationClient(config).send(new DescribeStacksCommand({}));
      assert.deepEqual(stacks.Stacks?.map((stack) => stack.StackName), sim.stacks.map((stack) => stack.name));
      const tables = await new DynamoDBClient(config).send(new ListTablesCommand({ Limit: 7 }));
      assert.deepEqual(tables.TableNames, ["forwarded-table"]);
      assert.deepEqual(seen.map((request) => [request.target, JSON.parse(request.body)]), [["DynamoDB_20120810.ListTables", { Limit: 7 }]]);
      assert.equal(sim.counts.requests.get("cloudformation:DescribeStacks"), 1);
      assert.equal([...sim.counts.requests.keys()].filter((key) => key.startsWith("dynamodb")).length, 0, "forwarded requests are not the simulator's");
    } finally {
      await server.close();
      upstream.close();
    }
  });

  it("runs the serverless planner over HTTP: STS, the stack listing and SendMessageBatch", async () => {
    const sim = new SimulatedAws({ stacks: 12, latencyMs: [0, 1] });
    const server = await serveSimulatedAws(sim);
    try {
      const queueUrl = `https://sqs.${sim.region}.amazonaws.com/${sim.account}/scan-requests`;
      const plan = await planScan({ tableName: "findings", topicArn: `arn:aws:sns:${sim.region}:${sim.account}:alerts`, queueUrl, regions: [sim.region], policy: DEFAULT_POLICY, endpointUrl: server.endpoint });
      assert.deepEqual(plan.errors, []);
      assert.equal(plan.requests, 13, "one request per stack and one for the account");
      assert.equal(plan.batches, 2);
      const bodies = sim.sentMessages.map((message) => JSON.parse(message.body) as { kind: string; stack?: string; account: string });
      assert.deepEqual(bodies.filter((body) => body.kind === "stack").map((body) => body.stack).sort(), sim.stacks.map((stack) => stack.name).sort());
      assert.ok(bodies.every((body) => body.account === sim.account));
      assert.ok(sim.sentMessages.every((message) => message.queueUrl === queueUrl));
    } finally {
      await server.close();
    }
  });
});
