import { snsTopicViews, type SnsTopicView } from "../../views/sns-topic.ts";
import { display, isUnknown } from "../../template/values.ts";
import { defineRule, type DriftProperty, type Hit } from "../rule.ts";

/**
 * What protects the topic's messages at rest, comparable between template and live: "none", "aws-managed"
 * (alias/aws/sns) or "customer-managed". Key ids cannot be compared as written: the template names a key by Ref or
 * GetAtt, AWS by the id or ARN it was given.
 */
export function topicEncryption(topic: SnsTopicView): string | undefined {
  if (topic.kmsMasterKeyId === undefined) return "none";
  if (isUnknown(topic.kmsMasterKeyId)) return undefined;
  return /(^|:)alias\/aws\/sns$/.test(display(topic.kmsMasterKeyId)) ? "aws-managed" : "customer-managed";
}

const kmsMasterKey: DriftProperty<SnsTopicView> = { view: snsTopicViews, property: "KmsMasterKeyId", value: topicEncryption };

export default defineRule({
  id: "sns-topic-unencrypted",
  title: "SNS topic is not encrypted with a KMS key",
  severity: "low",
  description:
    "Without KmsMasterKeyId an SNS topic stores messages unencrypted at rest while it delivers them; alerts and events " +
    "about sensitive systems (security findings, budget alarms, database events) often carry resource names, account ids " +
    "and data excerpts.",
  remediation:
    "Set KmsMasterKeyId on the AWS::SNS::Topic: alias/aws/sns, or a customer managed key whose policy lets the publishing " +
    "services (cloudwatch.amazonaws.com, events.amazonaws.com, budgets.amazonaws.com...) use kms:GenerateDataKey* and " +
    "kms:Decrypt, conditioned on aws:SourceAccount or aws:SourceArn.",
  seeds: ["003 §8"],
  anchors: ["checkov CKV_AWS_26", "securityhub SNS.1"],
  judges: ["template", "live", "drift"],
  drift: [kmsMasterKey],
  check(context) {
    const hits: Hit[] = [];
    for (const topic of context.views(snsTopicViews)) {
      if (topic.kmsMasterKeyId !== undefined) continue;
      const name = topic.topicName !== undefined ? ` (${display(topic.topicName)})` : "";
      hits.push({
        resource: { logicalId: topic.logicalId, type: topic.type, ...(topic.physicalId ? { physicalId: topic.physicalId } : {}) },
        path: topic.kmsAt,
        message: `SNS topic ${topic.logicalId}${name} has no KmsMasterKeyId: its messages are stored unencrypted at rest until delivered`,
        evidence: { kmsMasterKeyId: null, fifo: topic.fifo },
      });
    }
    return hits;
  },
});
