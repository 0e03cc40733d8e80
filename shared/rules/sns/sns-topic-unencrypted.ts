import { snsTopicViews } from "../../views/sns-topic.ts";
import { display } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";

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
