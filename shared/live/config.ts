import {
  ConfigServiceClient,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  DescribeDeliveryChannelsCommand,
} from "@aws-sdk/client-config-service";
import type { LiveSession, ServiceReader, StackResource } from "./session.ts";

export interface LiveConfigRecorder {
  name: string;
  arn?: string;
  roleArn?: string;
  allSupported?: boolean;
}

export interface LiveConfigRecorderStatus {
  name: string;
  recording: boolean;
  /** Pending, Success or Failure: how the last delivery of recorded configurations went. */
  lastStatus?: string;
  lastErrorCode?: string;
}

export interface LiveDeliveryChannel {
  name: string;
  bucket?: string;
}

/** The stack resource types that make a stack depend on the region's recorder (their live form reads the region's setup). */
const CONFIG_TYPES = ["AWS::Config::ConfigRule", "AWS::Config::ConformancePack", "AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel"];

/**
 * Reads the region's AWS Config setup, once: its configuration recorders, whether they record, and its delivery
 * channels. An account-level fact, also loaded for stacks that hold Config resources.
 */
export class ConfigReader implements ServiceReader {
  static readonly service = "config";
  static readonly actions = ["config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus", "config:DescribeDeliveryChannels"] as const;
  static readonly resourceTypes: readonly string[] = CONFIG_TYPES;

  private recorderList: LiveConfigRecorder[] | undefined;
  private statusList: LiveConfigRecorderStatus[] | undefined;
  private channelList: LiveDeliveryChannel[] | undefined;
  private loading: Promise<void> | undefined;
  private readonly client: ConfigServiceClient;

  constructor(private readonly session: LiveSession) {
    this.client = session.client(ConfigServiceClient);
  }

  async load(resources: readonly StackResource[]): Promise<void> {
    if (resources.some((resource) => CONFIG_TYPES.includes(resource.type) && resource.status !== "DELETE_COMPLETE")) await this.loadAccount();
  }

  loadAccount(): Promise<void> {
    this.loading ??= Promise.all([this.readRecorders(), this.readStatuses(), this.readChannels()]).then(() => undefined);
    return this.loading;
  }

  /** The region's recorders; undefined when not loaded or the read failed. */
  recorders(): readonly LiveConfigRecorder[] | undefined {
    return this.recorderList;
  }

  /** Whether each recorder records; undefined when not loaded or the read failed. */
  recorderStatuses(): readonly LiveConfigRecorderStatus[] | undefined {
    return this.statusList;
  }

  /** The region's delivery channels; undefined when not loaded or the read failed. */
  deliveryChannels(): readonly LiveDeliveryChannel[] | undefined {
    return this.channelList;
  }

  private async readRecorders(): Promise<void> {
    const result = await this.session.call("config", "DescribeConfigurationRecorders", () => this.client.send(new DescribeConfigurationRecordersCommand({})));
    if (!result.ok) return;
    const list: unknown = result.value.ConfigurationRecorders;
    if (!Array.isArray(list)) return this.malformed("DescribeConfigurationRecorders", "no ConfigurationRecorders list");
    const recorders: LiveConfigRecorder[] = [];
    for (const recorder of list as { name?: unknown; arn?: unknown; roleARN?: unknown; recordingGroup?: { allSupported?: unknown } }[]) {
      if (!recorder || typeof recorder !== "object") return this.malformed("DescribeConfigurationRecorders", "a configuration recorder that is not an object");
      if (typeof recorder.name !== "string") return this.malformed("DescribeConfigurationRecorders", "a configuration recorder without a name");
      const live: LiveConfigRecorder = { name: recorder.name };
      if (typeof recorder.arn === "string") live.arn = recorder.arn;
      if (typeof recorder.roleARN === "string") live.roleArn = recorder.roleARN;
      if (typeof recorder.recordingGroup?.allSupported === "boolean") live.allSupported = recorder.recordingGroup.allSupported;
      recorders.push(live);
    }
    this.recorderList = recorders;
  }

  private async readStatuses(): Promise<void> {
    const result = await this.session.call("config", "DescribeConfigurationRecorderStatus", () => this.client.send(new DescribeConfigurationRecorderStatusCommand({})));
    if (!result.ok) return;
    const list: unknown = result.value.ConfigurationRecordersStatus;
    if (!Array.isArray(list)) return this.malformed("DescribeConfigurationRecorderStatus", "no ConfigurationRecordersStatus list");
    const statuses: LiveConfigRecorderStatus[] = [];
    for (const status of list as { name?: unknown; recording?: unknown; lastStatus?: unknown; lastErrorCode?: unknown }[]) {
      if (!status || typeof status !== "object") return this.malformed("DescribeConfigurationRecorderStatus", "a recorder status that is not an object");
      if (typeof status.name !== "string" || typeof status.recording !== "boolean") {
        return this.malformed("DescribeConfigurationRecorderStatus", "a recorder status without a name or a boolean `recording`");
      }
      const live: LiveConfigRecorderStatus = { name: status.name, recording: status.recording };
      if (typeof status.lastStatus === "string") live.lastStatus = status.lastStatus;
      if (typeof status.lastErrorCode === "string" && status.lastErrorCode !== "") live.lastErrorCode = status.lastErrorCode;
      statuses.push(live);
    }
    this.statusList = statuses;
  }

  private async readChannels(): Promise<void> {
    const result = await this.session.call("config", "DescribeDeliveryChannels", () => this.client.send(new DescribeDeliveryChannelsCommand({})));
    if (!result.ok) return;
    const list: unknown = result.value.DeliveryChannels;
    if (!Array.isArray(list)) return this.malformed("DescribeDeliveryChannels", "no DeliveryChannels list");
    const channels: LiveDeliveryChannel[] = [];
    for (const channel of list as { name?: unknown; s3BucketName?: unknown }[]) {
      if (!channel || typeof channel !== "object") return this.malformed("DescribeDeliveryChannels", "a delivery channel that is not an object");
      if (typeof channel.name !== "string") return this.malformed("DescribeDeliveryChannels", "a delivery channel without a name");
      channels.push({ name: channel.name, ...(typeof channel.s3BucketName === "string" ? { bucket: channel.s3BucketName } : {}) });
    }
    this.channelList = channels;
  }

  private malformed(operation: string, what: string): void {
    this.session.fail("config", operation, "malformed-response", `${operation} returned ${what}`);
  }
}
