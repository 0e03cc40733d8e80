import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, stringValue } from "../template/values.ts";
import { SnsReader } from "../live/sns.ts";
import type { LiveScope } from "../live/session.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

export interface SnsTopicView extends ResourceView {
  topicName?: unknown;
  fifo: boolean;
  /** The KMS key (id, ARN or alias, possibly symbolic) that encrypts messages at rest; undefined when none. */
  kmsMasterKeyId?: unknown;
  /** Where the key is written; the topic itself when it is left out. */
  kmsAt: TemplatePath;
}

export const snsTopicViews = defineView<SnsTopicView>({
  name: "sns-topic",
  fromTemplate(template: ResolvedTemplate) {
    return resourcesOfType(template, "AWS::SNS::Topic").map((topic) => {
      const { logicalId, properties } = topic;
      const at: TemplatePath = ["Resources", logicalId];
      const view: SnsTopicView = { logicalId, type: topic.type, at, fifo: booleanValue(properties.FifoTopic) === true, kmsAt: at };
      if (properties.TopicName !== undefined) view.topicName = properties.TopicName;
      const key = properties.KmsMasterKeyId;
      // An empty string (often a parameter default meaning "no key") leaves the topic unencrypted.
      if (key !== undefined && stringValue(key)?.trim() !== "") view.kmsMasterKeyId = key;
      if (key !== undefined) view.kmsAt = propertyPath(logicalId, "KmsMasterKeyId");
      return view;
    });
  },
  fromLive(scope: LiveScope) {
    if (scope.scope !== "stack") return [];
    const reader = scope.session.reader(SnsReader);
    return liveResourcesOfType(scope, "AWS::SNS::Topic").flatMap((resource) => {
      const topic = reader.topic(resource.physicalId);
      if (!topic) return [];
      const at: TemplatePath = ["Resources", resource.logicalId];
      const view: SnsTopicView = { logicalId: resource.logicalId, type: resource.type, physicalId: topic.arn, topicName: topic.name, fifo: topic.fifo, kmsAt: at };
      if (topic.kmsMasterKeyId !== undefined) view.kmsMasterKeyId = topic.kmsMasterKeyId;
      return [view];
    });
  },
});
