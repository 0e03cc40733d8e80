import { GetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** A topic's security-relevant attributes, as GetTopicAttributes gives them. */
export interface LiveTopic {
  arn: string;
  name: string;
  fifo: boolean;
  /** The KMS key (id, ARN, alias name or alias ARN, as it was set) that encrypts messages at rest; undefined when none. */
  kmsMasterKeyId?: string;
}

const TOPIC_TYPE = "AWS::SNS::Topic";

/** Reads SNS topics (the stack's AWS::SNS::Topic physical id is the topic ARN): one GetTopicAttributes per topic. */
export class SnsReader implements ServiceReader {
  static readonly service = "sns";
  static readonly actions = ["sns:GetTopicAttributes"] as const;
  static readonly resourceTypes: readonly string[] = [TOPIC_TYPE];

  private readonly topics = new Map<string, LiveTopic>();
  private readonly requested = new Set<string>();
  private readonly client: SNSClient;

  constructor(private readonly session: LiveSession) {
    this.client = session.client(SNSClient);
  }

  async load(resources: readonly StackResource[]): Promise<void> {
    const arns = [...new Set(resources.filter((resource) => resource.type === TOPIC_TYPE && resource.physicalId && resource.status !== "DELETE_COMPLETE").map((resource) => resource.physicalId!))].filter(
      (arn) => !this.requested.has(arn),
    );
    for (const arn of arns) this.requested.add(arn);
    await inParallel(arns, 8, (arn) => this.read(arn));
  }

  /** The topic with this ARN; undefined when it was not read, no longer exists or its read failed. */
  topic(arn: string): LiveTopic | undefined {
    return this.topics.get(arn);
  }

  private async read(arn: string): Promise<void> {
    const result = await this.session.call("sns", "GetTopicAttributes", () => this.client.send(new GetTopicAttributesCommand({ TopicArn: arn })), { target: arn });
    if (!result.ok) return;
    const attributes: unknown = result.value.Attributes;
    if (!attributes || typeof attributes !== "object" || Array.isArray(attributes)) {
      this.session.fail("sns", "GetTopicAttributes", "malformed-response", `GetTopicAttributes returned no Attributes map for ${arn}`, arn);
      return;
    }
    const values = attributes as Record<string, unknown>;
    const key = values.KmsMasterKeyId;
    if (key !== undefined && typeof key !== "string") {
      this.session.fail("sns", "GetTopicAttributes", "malformed-response", `GetTopicAttributes returned a KmsMasterKeyId that is not a string for ${arn}: ${JSON.stringify(key)}`, arn);
      return;
    }
    const topic: LiveTopic = { arn, name: arn.split(":").pop() ?? arn, fifo: values.FifoTopic === "true" || arn.endsWith(".fifo") };
    if (key !== undefined && key.trim() !== "") topic.kmsMasterKeyId = key;
    this.topics.set(arn, topic);
  }
}
