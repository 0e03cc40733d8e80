import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isRecord, stringValue } from "../template/values.ts";
import { defineView, resourcesOfType, type ResourceView } from "./view.ts";

export type ConfigRole = "recorder" | "delivery-channel" | "rule" | "conformance-pack";

/** One AWS Config resource of a region: a configuration recorder, a delivery channel, a rule or a conformance pack. */
export interface ConfigResourceView extends ResourceView {
  role: ConfigRole;
  name?: unknown;
  /** Rules: the managed rule identifier or the custom rule's owner ("AWS", "CUSTOM_LAMBDA", "CUSTOM_POLICY"). */
  source?: { owner?: string; identifier?: unknown };
  /** Recorders: whether every supported resource type is recorded (undefined when the template does not say). */
  recordsAllSupported?: boolean;
  /** Delivery channels: the bucket snapshots and history go to. */
  bucket?: unknown;
  /** Template only: the names the resource's DependsOn lists. */
  dependsOn?: string[];
}

const ROLES: Record<string, ConfigRole> = {
  "AWS::Config::ConfigurationRecorder": "recorder",
  "AWS::Config::DeliveryChannel": "delivery-channel",
  "AWS::Config::ConfigRule": "rule",
  "AWS::Config::ConformancePack": "conformance-pack",
};

const NAME_PROPERTY: Record<ConfigRole, string> = {
  recorder: "Name",
  "delivery-channel": "Name",
  rule: "ConfigRuleName",
  "conformance-pack": "ConformancePackName",
};

export const configResourceViews = defineView<ConfigResourceView>({
  name: "config-recorder",
  fromTemplate(template: ResolvedTemplate) {
    return resourcesOfType(template, ...Object.keys(ROLES)).map((resource) => {
      const role = ROLES[resource.type]!;
      const { logicalId, properties } = resource;
      const view: ConfigResourceView = { logicalId, type: resource.type, at: ["Resources", logicalId], role, dependsOn: resource.dependsOn };
      const name = properties[NAME_PROPERTY[role]];
      if (name !== undefined) view.name = name;
      if (role === "rule" && isRecord(properties.Source)) {
        const owner = stringValue(properties.Source.Owner);
        view.source = { ...(owner !== undefined ? { owner } : {}), identifier: properties.Source.SourceIdentifier };
      }
      if (role === "recorder" && isRecord(properties.RecordingGroup)) {
        const all = booleanValue(properties.RecordingGroup.AllSupported);
        if (all !== undefined) view.recordsAllSupported = all;
      }
      if (role === "delivery-channel" && properties.S3BucketName !== undefined) view.bucket = properties.S3BucketName;
      return view;
    });
  },
});
