/**
 * `npm run demo`: StackWarden's main job on an embedded AWS. Starts moto on a free loopback port (or uses
 * `--endpoint-url URL` and leaves its state there), creates what the SAM app would (findings table, alerts topic,
 * scan queue, and an inbox queue subscribed to the topic so the alerts can be shown), deploys the seed examples as
 * stacks, changes one stack out of band, runs the real pipeline (plan-scan -> SQS -> scan-stack -> DynamoDB + SNS),
 * prints the findings read back from the table and the alert emails from the inbox, fixes one flaw and scans again.
 */
import { parseArgs } from "node:util";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { AuthorizeSecurityGroupIngressCommand, EC2Client, RevokeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2";
import { ModifyDBInstanceCommand, RDSClient } from "@aws-sdk/client-rds";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { SEVERITIES, severityRank } from "../shared/findings/finding.ts";
import { createFindingsTable, FindingsStore, type StackKey, type StoredFinding } from "../shared/findings/store.ts";
import { clientConfig, type AwsTarget } from "../shared/live/clients.ts";
import type { ScanRequest } from "../shared/service/messages.ts";
import { deployExample, deployFixedExample, EXAMPLE_FILES } from "./moto-examples.ts";
import { startMotoServer, type MotoServer } from "./moto-server.ts";

const REGION = "us-east-1";
const TABLE = "stackwarden-findings";

const CHANGED_STACK = "webapp";

const { values } = parseArgs({ options: { "endpoint-url": { type: "string" } }, strict: true });
const started = performance.now();
const log = (line = "") => process.stdout.write(`${line}\n`);

process.env.AWS_ACCESS_KEY_ID ??= "testing";
process.env.AWS_SECRET_ACCESS_KEY ??= "testing";
process.env.AWS_REGION ??= REGION;

let moto: MotoServer | undefined;
const endpoint = values["endpoint-url"] ?? (moto = await startMotoServer()).endpoint;
try {
  await runDemo(endpoint);
} finally {
  await moto?.stop();
}

async function runDemo(endpointUrl: string): Promise<void> {
  const target: AwsTarget = { region: REGION, endpointUrl };
  const config = clientConfig(target);
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  log(`moto: ${endpointUrl}${moto ? " (started for this demo)" : ""}`);

  await createFindingsTable(target, TABLE);
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: "stackwarden-alerts" }))).TopicArn!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "stackwarden-scans" }))).QueueUrl!;
  const inboxUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "stackwarden-alerts-inbox" }))).QueueUrl!;
  const inboxArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: inboxUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: inboxArn }));
  log(`created: table ${TABLE}, topic ${topicArn}, queue ${queueUrl}, inbox subscribed to the topic`);

  const stacks = [...EXAMPLE_FILES.map((file) => file.replace(/\.(ya?ml|json)$/, "")), CHANGED_STACK];
  const cloudformation = new CloudFormationClient(config);
  let webapp = await existingStack(cloudformation, CHANGED_STACK);
  if (webapp) {
    log(`reusing the ${stacks.length} stacks an earlier demo deployed on this moto: ${stacks.join(", ")}`);
  } else {
    for (const file of EXAMPLE_FILES) await deployExample(endpointUrl, file);
    const deployed = await deployFixedExample(endpointUrl, "nova-ebs-kms-web.yaml", { stackName: CHANGED_STACK });
    webapp = { stackId: deployed.stackId, physicalIds: deployed.physicalIds };
    log(`deployed ${stacks.length} stacks: ${stacks.join(", ")}`);
  }

  const groupId = webapp.physicalIds.NovaModelWebSecurityGroup!;
  const ec2 = new EC2Client(config);
  const ssh = { GroupId: groupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] };
  await ec2.send(new AuthorizeSecurityGroupIngressCommand(ssh));
  await new RDSClient(config).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: webapp.physicalIds.NovaModelRDSInstance!, MultiAZ: false, ApplyImmediately: true }));
  log(`out of band on ${CHANGED_STACK}: port 22 opened to 0.0.0.0/0 on ${groupId}, MultiAZ turned off on its database`);

  // The handlers read their configuration from the environment, as in Lambda.
  Object.assign(process.env, { TABLE_NAME: TABLE, TOPIC_ARN: topicArn, QUEUE_URL: queueUrl, TARGET_REGIONS: REGION, AWS_ENDPOINT_URL: endpointUrl, POWERTOOLS_LOG_LEVEL: "ERROR", POWERTOOLS_METRICS_DISABLED: "true" });
  const planScan = (await import("../functions/plan-scan/handler.ts")).handler;
  const scanStack = (await import("../functions/scan-stack/handler.ts")).handler;

  log("\n== plan-scan (the daily schedule fires)");
  const planned = await planScan(scheduledEvent(), lambdaContext("plan-scan"));
  log(`plan-scan: ${JSON.stringify(planned)}`);
  const firstRound = await drainQueue(sqs, queueUrl, scanStack);
  log(`scan-stack: ${firstRound.messages} messages in ${firstRound.batches} batches, ${firstRound.failures} returned to the queue`);

  const store = new FindingsStore({ tableName: TABLE, target });
  const account = webapp.stackId.split(":")[4]!;
  const keyOf = (stack: string): StackKey => ({ account, region: REGION, stack });
  log("\n== findings read back from the table");
  let stored = 0;
  for (const stack of stacks) {
    const findings = await store.findings(keyOf(stack));
    stored += findings.length;
    log(`${stack}: ${describeCounts(findings)}`);
    for (const finding of mostSevere(findings, stack === CHANGED_STACK ? 6 : 3)) {
      log(`  ${finding.status.padEnd(8)} ${finding.severity.padEnd(8)} ${finding.ruleId} ${finding.resource.logicalId}${finding.source === "template" ? "" : ` [${finding.source}]`}`);
    }
  }

  log("\n== alert emails in the inbox");
  const alerts = await readInbox(sqs, inboxUrl);
  for (const alert of alerts) {
    log(`Subject: ${alert.subject}`);
    log(alert.body.split("\n").slice(0, 8).map((line) => `  ${line}`).join("\n"));
    log("  ...");
  }

  log(`\n== fix: close port 22 on ${groupId}, scan ${CHANGED_STACK} again`);
  await ec2.send(new RevokeSecurityGroupIngressCommand(ssh));
  const manual: ScanRequest = { kind: "stack", account, region: REGION, stack: CHANGED_STACK, reason: "manual" };
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(manual) }));
  await drainQueue(sqs, queueUrl, scanStack);
  const after = await store.findings(keyOf(CHANGED_STACK));
  const resolved = after.filter((finding) => finding.status === "RESOLVED");
  for (const finding of resolved) log(`  RESOLVED ${finding.ruleId} ${finding.resource.logicalId}: ${finding.message}`);
  const laterAlerts = await readInbox(sqs, inboxUrl);

  log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  log(`demo: ${stored} findings stored, ${alerts.length + laterAlerts.length} alerts published, ${resolved.length} resolved after fix`);
}

/** A stack an earlier demo left on this moto, with its resources' physical ids. */
async function existingStack(cloudformation: CloudFormationClient, name: string): Promise<{ stackId: string; physicalIds: Record<string, string> } | undefined> {
  try {
    const stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
    if (!stack?.StackId) return undefined;
    const resources = (await cloudformation.send(new ListStackResourcesCommand({ StackName: stack.StackId }))).StackResourceSummaries ?? [];
    return { stackId: stack.StackId, physicalIds: Object.fromEntries(resources.filter((resource) => resource.LogicalResourceId && resource.PhysicalResourceId).map((resource) => [resource.LogicalResourceId!, resource.PhysicalResourceId!])) };
  } catch (error) {
    if ((error as { name?: string }).name === "ValidationError") return undefined;
    throw error;
  }
}

type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

/** What the Lambda event source mapping does: receive a batch, invoke, delete what the handler did not report failed. */
async function drainQueue(sqs: SQSClient, queueUrl: string, handler: SqsHandler): Promise<{ messages: number; batches: number; failures: number }> {
  const totals = { messages: 0, batches: 0, failures: 0 };
  for (;;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 5, WaitTimeSeconds: 0, VisibilityTimeout: 60, MessageAttributeNames: ["All"] }));
    if (!Messages || Messages.length === 0) return totals;
    const result = await handler({ Records: Messages.map((message) => sqsRecord(message, queueUrl)) }, lambdaContext("scan-stack"));
    const failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    const done = Messages.filter((message) => !failed.has(message.MessageId!));
    if (done.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })) }));
    totals.messages += Messages.length;
    totals.batches += 1;
    totals.failures += failed.size;
    // A message the handler failed would come back after its visibility timeout; the demo does not wait for it.
    if (done.length === 0) return totals;
  }
}

async function readInbox(sqs: SQSClient, inboxUrl: string): Promise<{ subject: string; body: string }[]> {
  const alerts: { subject: string; body: string }[] = [];
  for (;;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: inboxUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!Messages || Messages.length === 0) return alerts;
    for (const message of Messages) {
      const envelope = JSON.parse(message.Body ?? "{}") as { Subject?: string; Message?: string };
      alerts.push({ subject: envelope.Subject ?? "(no subject)", body: envelope.Message ?? "" });
    }
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: inboxUrl, Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })) }));
  }
}

function describeCounts(findings: readonly StoredFinding[]): string {
  const byStatus = ["NEW", "OPEN", "RESOLVED", "SUPPRESSED"].map((status) => [status, findings.filter((finding) => finding.status === status).length] as const).filter(([, count]) => count > 0);
  const active = findings.filter((finding) => finding.status === "NEW" || finding.status === "OPEN");
  const bySeverity = SEVERITIES.map((severity) => [severity, active.filter((finding) => finding.severity === severity).length] as const).filter(([, count]) => count > 0);
  return `${findings.length} stored (${byStatus.map(([status, count]) => `${count} ${status}`).join(", ")}); active: ${bySeverity.map(([severity, count]) => `${count} ${severity}`).join(", ") || "none"}`;
}

function mostSevere(findings: readonly StoredFinding[], count: number): StoredFinding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.ruleId.localeCompare(b.ruleId)).slice(0, count);
}

function sqsRecord(message: Message, queueUrl: string): SQSRecord {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: String(Date.now()), SenderId: "demo", ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:${REGION}:123456789012:${queueUrl.split("/").pop()}`,
    awsRegion: REGION,
  };
}

function scheduledEvent() {
  return { version: "0", id: crypto.randomUUID(), "detail-type": "Scheduled Event" as const, source: "aws.events" as const, account: "123456789012", time: new Date().toISOString(), region: REGION, resources: [`arn:aws:events:${REGION}:123456789012:rule/stackwarden-daily`], detail: {} };
}

function lambdaContext(name: string) {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `stackwarden-${name}`,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:stackwarden-${name}`,
    memoryLimitInMB: "512",
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/stackwarden-${name}`,
    logStreamName: "demo",
    getRemainingTimeInMillis: () => 300_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
