import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isRecord, stringValue } from "../template/values.ts";
import { ConfigReader } from "../live/config.ts";
import type { LiveScope } from "../live/session.ts";
import { defineView, liveResourcesOfType, resourcesOfType, type ResourceView } from "./view.ts";

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
  fromLive(scope: LiveScope) {
    // Live, the stack's Config resources say only what they are; the region's recorders and channels are configRegionViews.
    return liveResourcesOfType(scope, ...Object.keys(ROLES)).map((resource) => ({
      logicalId: resource.logicalId,
      type: resource.type,
      physicalId: resource.physicalId,
      role: ROLES[resource.type]!,
      name: resource.physicalId,
    }));
  },
});

/** A configuration recorder of the region, as it runs. */
export interface ConfigRecorderState {
  name: string;
  /** Undefined when its status was not returned. */
  recording?: boolean;
  /** Pending, Success or Failure (the last delivery). */
  lastStatus?: string;
  lastErrorCode?: string;
  recordsAllSupported?: boolean;
}

/** AWS Config in one account and region: what records and where it delivers (live only). */
export interface ConfigRegionView extends ResourceView {
  region: string;
  account?: string;
  /** Undefined when DescribeConfigurationRecorders failed. */
  recorders?: ConfigRecorderState[];
  /** Undefined when DescribeDeliveryChannels failed. */
  deliveryChannels?: { name: string; bucket?: string }[];
}

/** Account-level findings about the region's Config setup are filed under this logical id (stack "(account)"). */
export const CONFIG_REGION_LOGICAL_ID = "AWSConfig";

export const configRegionViews = defineView<ConfigRegionView>({
  name: "config-region",
  fromTemplate: () => [],
  fromLive(scope: LiveScope) {
    const reader = scope.session.reader(ConfigReader);
    const recorders = reader.recorders();
    const channels = reader.deliveryChannels();
    if (!recorders && !channels) return [];
    const statuses = reader.recorderStatuses();
    const view: ConfigRegionView = {
      logicalId: CONFIG_REGION_LOGICAL_ID,
      type: "AWS::Config::ConfigurationRecorder",
      region: scope.scope === "account" ? scope.region : scope.stack.region,
      account: scope.scope === "account" ? scope.account : scope.stack.account,
    };
    if (recorders) {
      view.recorders = recorders.map((recorder) => {
        const state: ConfigRecorderState = { name: recorder.name };
        const status = statuses?.find((candidate) => candidate.name === recorder.name);
        if (status) {
          state.recording = status.recording;
          if (status.lastStatus !== undefined) state.lastStatus = status.lastStatus;
          if (status.lastErrorCode !== undefined) state.lastErrorCode = status.lastErrorCode;
        }
        if (recorder.allSupported !== undefined) state.recordsAllSupported = recorder.allSupported;
        return state;
      });
      if (recorders[0]) view.physicalId = recorders[0].name;
    }
    if (channels) view.deliveryChannels = channels.map((channel) => ({ ...channel }));
    return [view];
  },
});
