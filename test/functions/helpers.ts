/** The service's resources on moto (table, topic + inbox, scan queue) and SQS events built from real queue messages. */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { createFindingsTable } from "../../shared/findings/store.ts";
import { MOTO_REGION, motoClientConfig } from "../live/moto.ts";

export interface ServiceOnMoto {
  endpoint: string;
  tableName: string;
  topicArn: string;
  queueUrl: string;
  queueArn: string;
  inboxUrl: string;
  inboxArn: string;
  sqs: SQSClient;
  sns: SNSClient;
  cfn: CloudFormationClient;
  /** The environment the SAM template gives the functions. */
  env: Record<string, string>;
}

export async function serviceOnMoto(endpoint: string, prefix: string): Promise<ServiceOnMoto> {
  const config = motoClientConfig(endpoint);
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  const cfn = new CloudFormationClient(config);
  const tableName = `${prefix}-findings`;
  await createFindingsTable({ region: MOTO_REGION, endpointUrl: endpoint }, tableName);
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-scan` }))).QueueUrl!;
  const inboxUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-inbox` }))).QueueUrl!;
  const queueArn = await queueArnOf(sqs, queueUrl);
  const inboxArn = await queueArnOf(sqs, inboxUrl);
  const topicArn = await createTopicWithInbox(sns, `${prefix}-alerts`, inboxArn);
  return {
    endpoint,
    tableName,
    topicArn,
    queueUrl,
    queueArn,
    inboxUrl,
    inboxArn,
    sqs,
    sns,
    cfn,
    env: { TABLE_NAME: tableName, TOPIC_ARN: topicArn, QUEUE_URL: queueUrl, TARGET_REGIONS: MOTO_REGION, AWS_ENDPOINT_URL: endpoint, AWS_REGION: MOTO_REGION },
  };
}

export async function createTopicWithInbox(sns: SNSClient, name: string, inboxArn: string): Promise<string> {
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: inboxArn }));
  return topicArn;
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  return (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
}

export async function drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600, MessageSystemAttributeNames: ["All"] }));
    if (!page.Messages?.length) return messages;
    messages.push(...page.Messages);
  }
}

/** The SQS event Lambda's event source mapping would build from these received messages. */
export function sqsEventOf(messages: readonly Message[], queueArn: string): SQSEvent {
  return { Records: messages.map((message) => sqsRecordOf(message, queueArn)) };
}

export function sqsRecordOf(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: MOTO_REGION,
  };
}

/** An SNS notification as the subscribed inbox queue holds it. */
export interface InboxAlert {
  subject: string;
  message: string;
  attributes: Record<string, string>;
}

export async function inboxAlerts(service: ServiceOnMoto): Promise<InboxAlert[]> {
  return (await drain(service.sqs, service.inboxUrl)).map((message) => {
    const envelope = JSON.parse(message.Body!) as { Subject?: string; Message: string; MessageAttributes?: Record<string, { Value: string }> };
    return {
      subject: envelope.Subject ?? "",
      message: envelope.Message,
      attributes: Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([name, value]) => [name, value.Value])),
    };
  });
}

/** Deploys a stack and returns its ARN. */
export async function deployStack(cfn: CloudFormationClient, name: string, template: object): Promise<string> {
  const { StackId } = await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template) }));
  const status = (await cfn.send(new DescribeStacksCommand({ StackName: StackId }))).Stacks?.[0]?.StackStatus;
  if (status !== "CREATE_COMPLETE") throw new Error(`stack ${name} is ${status}`);
  return StackId!;
}

/** A security group that opens SSH (22) or RDP (3389) to the internet: a high finding, which the default policy alerts on. */
export function openAdminPortTemplate(port: 22 | 3389): object {
  return {
    Resources: {
      AdminGroup: {
        Type: "AWS::EC2::SecurityGroup",
        Properties: { GroupDescription: "admin access", SecurityGroupIngress: [{ IpProtocol: "tcp", FromPort: port, ToPort: port, CidrIp: "0.0.0.0/0" }] },
      },
    },
  };
}

/** Runs fn with stdout and stderr captured (Powertools writes logs and EMF metrics there); returns the JSON lines. */
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value: T; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    }) as typeof stream.write;
  }
  let value: T;
  try {
    value = await fn();
  } finally {
    streams.forEach((stream, index) => (stream.write = writes[index]!));
  }
  const lines = chunks
    .join("")
    .split("\n")
    .filter((line) => line.trim().startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { value, lines };
}

/** Calls fn with its output captured and dropped (handlers log every step). */
export async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  return (await captureStdout(fn)).value;
}
