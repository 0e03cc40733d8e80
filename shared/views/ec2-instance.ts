import type { Instance, LaunchTemplateBlockDeviceMapping, LaunchTemplateVersion } from "@aws-sdk/client-ec2";
import { Ec2Reader, type EbsEncryptionByDefault } from "../live/ec2.ts";
import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedResource, ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isRecord, listValue, ResourceAttribute, ResourceRef, stringValue, Unknown } from "../template/values.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

/**
 * Instance metadata service settings as they apply to the machine.
 * `httpTokens` / `httpEndpoint` are the API's values ("required" | "optional", "enabled" | "disabled"),
 * an Unknown when the template does not fix them, or undefined when nothing sets them.
 */
export interface MetadataOptions {
  httpTokens: unknown;
  httpEndpoint: unknown;
  /** Where the settings are written (the MetadataOptions block, or the resource when absent). */
  at: TemplatePath;
  /** Logical id of the launch template the instance takes them from, when it does not set its own. */
  inheritedFrom?: string;
}

export interface BlockDevice {
  deviceName?: string;
  /** true/false as the mapping says; false when the mapping leaves Encrypted out (CloudFormation's default); undefined when it cannot be told (a snapshot's own encryption, an unresolved value). */
  encrypted: boolean | undefined;
  /** The written Encrypted value, for evidence. */
  encryptedValue: unknown;
  kmsKeyId?: unknown;
  snapshotId?: unknown;
  at: TemplatePath;
  /** Logical id of the launch template the mapping comes from, for an instance that does not override it. */
  inheritedFrom?: string;
  /**
   * The root volume the AMI defines, present because no mapping is written for the root device. It is encrypted as
   * the AMI's snapshot is: `encrypted` is false for an AWS public AMI (public AMIs cannot be encrypted), else undefined.
   */
  implicitRoot?: true;
  /**
   * Live only, for a launch-template mapping that leaves Encrypted out or sets it false: the region's EBS encryption by
   * default, which decides `encrypted` then (undefined when it could not be read).
   */
  encryptionByDefault?: boolean;
  /** Live only, for an instance: the attached volume. */
  volumeId?: string;
}

export type ComputeKind = "instance" | "launch-template" | "launch-configuration";

/** An EC2 instance, a launch template or an Auto Scaling launch configuration: what they give the machines they launch. */
export interface Ec2InstanceView extends ResourceView {
  kind: ComputeKind;
  metadataOptions: MetadataOptions;
  /** EBS block-device mappings (instance-store and NoDevice entries are left out), plus the AMI's root volume when no mapping covers it. */
  blockDevices: BlockDevice[];
  /** The AMI, as written (an Unknown for an SSM parameter or a dynamic reference). */
  imageId: unknown;
  /** For an instance: the launch template it uses, when the template defines it; `unknown` when it names one outside the template. */
  launchTemplate?: { logicalId: string } | { unknown: string };
  /** Live only, for a launch template: the versions judged ($Default, and $Latest when it differs). */
  versions?: number[];
}

interface LaunchData {
  logicalId: string;
  data: Record<string, unknown>;
  dataPath: TemplatePath;
}

function metadataOptionsOf(container: Record<string, unknown>, containerPath: TemplatePath): MetadataOptions | undefined {
  const options = container.MetadataOptions;
  if (options === undefined) return undefined;
  const at = [...containerPath, "MetadataOptions"];
  if (!isRecord(options)) return { httpTokens: options, httpEndpoint: options, at };
  return { httpTokens: options.HttpTokens, httpEndpoint: options.HttpEndpoint, at: options.HttpTokens === undefined ? at : [...at, "HttpTokens"] };
}

function blockDevicesOf(container: Record<string, unknown>, containerPath: TemplatePath): BlockDevice[] {
  const devices: BlockDevice[] = [];
  listValue(container.BlockDeviceMappings).forEach((mapping, index) => {
    if (!isRecord(mapping)) return;
    const ebs = mapping.Ebs;
    if (!isRecord(ebs)) return;
    const at = [...containerPath, "BlockDeviceMappings", index, "Ebs"];
    const written = ebs.Encrypted;
    const snapshotId = ebs.SnapshotId;
    let encrypted: boolean | undefined;
    if (written === undefined) encrypted = snapshotId === undefined ? false : undefined;
    else encrypted = booleanValue(written);
    const device: BlockDevice = { encrypted, encryptedValue: written, at: written === undefined ? at : [...at, "Encrypted"] };
    const deviceName = stringValue(mapping.DeviceName);
    if (deviceName !== undefined) device.deviceName = deviceName;
    if (ebs.KmsKeyId !== undefined) device.kmsKeyId = ebs.KmsKeyId;
    if (snapshotId !== undefined) device.snapshotId = snapshotId;
    devices.push(device);
  });
  return devices;
}

const ROOT_DEVICES = new Set(["/dev/xvda", "/dev/sda1", "/dev/sda", "xvda", "sda1"]);

/**
 * True for an AMI taken from one of AWS's public SSM parameters (/aws/service/...), as a parameter of type
 * AWS::SSM::Parameter::Value<AWS::EC2::Image::Id> or a {{resolve:ssm:...}} reference.
 */
function isPublicAmi(imageId: unknown): boolean {
  return imageId instanceof Unknown && (imageId.reference?.includes("/aws/service/") ?? false);
}

/** The devices, plus the AMI's root volume when no mapping names a root device. */
function withImplicitRoot(devices: BlockDevice[], imageId: unknown, at: TemplatePath, inheritedFrom?: string): BlockDevice[] {
  if (imageId === undefined || devices.some((device) => device.deviceName !== undefined && ROOT_DEVICES.has(device.deviceName))) return devices;
  const root: BlockDevice = { encrypted: isPublicAmi(imageId) ? false : undefined, encryptedValue: undefined, at, implicitRoot: true };
  if (inheritedFrom) root.inheritedFrom = inheritedFrom;
  return [...devices, root];
}

/** The launch template an instance's LaunchTemplate property names: by Ref/GetAtt, or by the template's literal LaunchTemplateName. */
function launchTemplateOf(specification: unknown, templates: Map<string, LaunchData>, names: Map<string, string>): Ec2InstanceView["launchTemplate"] {
  if (!isRecord(specification)) return undefined;
  for (const key of ["LaunchTemplateId", "LaunchTemplateName"]) {
    const value = specification[key];
    if (value === undefined) continue;
    if ((value instanceof ResourceRef || value instanceof ResourceAttribute) && templates.has(value.logicalId)) return { logicalId: value.logicalId };
    const literal = stringValue(value);
    if (literal !== undefined && names.has(literal)) return { logicalId: names.get(literal)! };
    return { unknown: String(value) };
  }
  return undefined;
}

function instanceView(instance: ResolvedResource, templates: Map<string, LaunchData>, names: Map<string, string>): Ec2InstanceView {
  const { logicalId, properties } = instance;
  const propertiesPath = propertyPath(logicalId);
  const launchTemplate = launchTemplateOf(properties.LaunchTemplate, templates, names);
  const source = launchTemplate && "logicalId" in launchTemplate ? templates.get(launchTemplate.logicalId) : undefined;

  let metadataOptions = metadataOptionsOf(properties, propertiesPath);
  if (!metadataOptions && source) {
    const inherited = metadataOptionsOf(source.data, source.dataPath);
    metadataOptions = inherited
      ? { ...inherited, inheritedFrom: source.logicalId }
      : { httpTokens: undefined, httpEndpoint: undefined, at: ["Resources", source.logicalId], inheritedFrom: source.logicalId };
  }
  if (!metadataOptions && launchTemplate && "unknown" in launchTemplate) {
    const unknown = new Unknown(`metadata options of launch template ${launchTemplate.unknown}`);
    metadataOptions = { httpTokens: unknown, httpEndpoint: unknown, at: propertyPath(logicalId, "LaunchTemplate") };
  }
  metadataOptions ??= { httpTokens: undefined, httpEndpoint: undefined, at: ["Resources", logicalId] };

  // An instance's own mapping for a device replaces the launch template's mapping for that device.
  const own = blockDevicesOf(properties, propertiesPath);
  const ownNames = new Set(own.map((device) => device.deviceName));
  const inherited = source
    ? blockDevicesOf(source.data, source.dataPath).filter((device) => !ownNames.has(device.deviceName)).map((device) => ({ ...device, inheritedFrom: source.logicalId }))
    : [];
  const ownImage = properties.ImageId;
  const imageId = ownImage ?? source?.data.ImageId;
  // The AMI's root volume belongs to whichever resource chooses the AMI.
  const blockDevices = ownImage !== undefined
    ? withImplicitRoot([...own, ...inherited], ownImage, propertyPath(logicalId, "ImageId"))
    : source
      ? withImplicitRoot([...own, ...inherited], source.data.ImageId, [...source.dataPath, "ImageId"], source.logicalId)
      : [...own, ...inherited];

  const view: Ec2InstanceView = { logicalId, type: instance.type, at: ["Resources", logicalId], kind: "instance", metadataOptions, blockDevices, imageId };
  if (launchTemplate) view.launchTemplate = launchTemplate;
  return view;
}

export const ec2InstanceViews = defineView<Ec2InstanceView>({
  name: "ec2-instance",
  fromTemplate(template: ResolvedTemplate) {
    const views: Ec2InstanceView[] = [];
    const templates = new Map<string, LaunchData>();
    const names = new Map<string, string>();
    for (const resource of resourcesOfType(template, "AWS::EC2::LaunchTemplate")) {
      const { logicalId, properties } = resource;
      const data = isRecord(properties.LaunchTemplateData) ? properties.LaunchTemplateData : {};
      const dataPath = propertyPath(logicalId, "LaunchTemplateData");
      templates.set(logicalId, { logicalId, data, dataPath });
      const name = stringValue(properties.LaunchTemplateName);
      if (name !== undefined) names.set(name, logicalId);
      views.push({
        logicalId,
        type: resource.type,
        at: ["Resources", logicalId],
        kind: "launch-template",
        metadataOptions: metadataOptionsOf(data, dataPath) ?? { httpTokens: undefined, httpEndpoint: undefined, at: properties.LaunchTemplateData === undefined ? ["Resources", logicalId] : dataPath },
        blockDevices: withImplicitRoot(blockDevicesOf(data, dataPath), data.ImageId, [...dataPath, "ImageId"]),
        imageId: data.ImageId,
      });
    }
    for (const resource of resourcesOfType(template, "AWS::AutoScaling::LaunchConfiguration")) {
      const { logicalId, properties } = resource;
      const propertiesPath = propertyPath(logicalId);
      views.push({
        logicalId,
        type: resource.type,
        at: ["Resources", logicalId],
        kind: "launch-configuration",
        metadataOptions: metadataOptionsOf(properties, propertiesPath) ?? { httpTokens: undefined, httpEndpoint: undefined, at: ["Resources", logicalId] },
        blockDevices: withImplicitRoot(blockDevicesOf(properties, propertiesPath), properties.ImageId, propertyPath(logicalId, "ImageId")),
        imageId: properties.ImageId,
      });
    }
    for (const resource of resourcesOfType(template, "AWS::EC2::Instance")) views.push(instanceView(resource, templates, names));
    return views;
  },
  fromLive(scope) {
    const reader = scope.session.reader(Ec2Reader);
    const views: Ec2InstanceView[] = [];
    const launchTemplateLogicalIds = new Map(liveResourcesOfType(scope, "AWS::EC2::LaunchTemplate").map((resource) => [resource.physicalId, resource.logicalId]));
    for (const resource of liveResourcesOfType(scope, "AWS::EC2::LaunchTemplate")) {
      const versions = reader.launchTemplate(resource.physicalId);
      if (!versions) continue;
      const view = liveLaunchTemplateView(resource, versions, reader.ebsEncryptionByDefault);
      if (view) views.push(view);
    }
    for (const resource of liveResourcesOfType(scope, "AWS::EC2::Instance")) {
      const instance = reader.instance(resource.physicalId);
      if (instance) views.push(liveInstanceView(resource, instance, reader, launchTemplateLogicalIds));
    }
    return views;
  },
});

/** How findings name a live machine after its logical id: " (lt-0abc, versions 1 and 2)"; empty for a template view. */
export function liveLabel(machine: Ec2InstanceView): string {
  if (machine.physicalId === undefined) return "";
  const versions = machine.versions?.length ? `, version${machine.versions.length > 1 ? "s" : ""} ${machine.versions.join(" and ")}` : "";
  return ` (${machine.physicalId}${versions})`;
}

function liveInstanceView(resource: { logicalId: string; type: string; physicalId: string }, instance: Instance, reader: Ec2Reader, launchTemplates: Map<string, string>): Ec2InstanceView {
  const at: TemplatePath = ["Resources", resource.logicalId];
  const options = instance.MetadataOptions;
  // AWS always describes an instance's metadata options; without them IMDS cannot be judged, which is not "not set".
  const unread = options ? undefined : new Unknown(`metadata options of instance ${resource.physicalId} (DescribeInstances did not return them)`);
  const blockDevices: BlockDevice[] = [];
  for (const mapping of instance.BlockDeviceMappings ?? []) {
    const volumeId = mapping.Ebs?.VolumeId;
    if (!volumeId) continue;
    const volume = reader.volume(volumeId);
    const device: BlockDevice = { encrypted: volume?.Encrypted, encryptedValue: volume?.Encrypted, at, volumeId };
    if (mapping.DeviceName) device.deviceName = mapping.DeviceName;
    if (volume?.KmsKeyId) device.kmsKeyId = volume.KmsKeyId;
    if (volume?.SnapshotId) device.snapshotId = volume.SnapshotId;
    blockDevices.push(device);
  }
  const view: Ec2InstanceView = {
    logicalId: resource.logicalId,
    type: resource.type,
    physicalId: resource.physicalId,
    kind: "instance",
    metadataOptions: { httpTokens: options?.HttpTokens ?? unread, httpEndpoint: options?.HttpEndpoint ?? unread, at },
    blockDevices,
    imageId: instance.ImageId,
  };
  const launchTemplateId = instance.Tags?.find((tag) => tag.Key === "aws:ec2launchtemplate:id")?.Value;
  if (launchTemplateId) view.launchTemplate = launchTemplates.has(launchTemplateId) ? { logicalId: launchTemplates.get(launchTemplateId)! } : { unknown: launchTemplateId };
  return view;
}

/** True when machines launched with these settings can use IMDSv1. */
function allowsImdsV1(version: LaunchTemplateVersion): boolean {
  const options = version.LaunchTemplateData?.MetadataOptions;
  return options?.HttpEndpoint !== "disabled" && options?.HttpTokens !== "required";
}

function liveBlockDevice(mapping: LaunchTemplateBlockDeviceMapping, at: TemplatePath, accountDefault: EbsEncryptionByDefault | undefined): BlockDevice | undefined {
  const ebs = mapping.Ebs;
  if (!ebs) return undefined;
  const written = ebs.Encrypted;
  let encrypted: boolean | undefined;
  // Encryption by default encrypts every new volume, whatever the mapping or its snapshot says.
  if (written === true || accountDefault?.enabled === true) encrypted = true;
  else if (accountDefault === undefined) encrypted = written === false ? false : undefined;
  else encrypted = ebs.SnapshotId && written === undefined ? undefined : false;
  const device: BlockDevice = { encrypted, encryptedValue: written, at };
  if (written !== true && accountDefault !== undefined) device.encryptionByDefault = accountDefault.enabled;
  if (mapping.DeviceName) device.deviceName = mapping.DeviceName;
  if (ebs.KmsKeyId) device.kmsKeyId = ebs.KmsKeyId;
  if (ebs.SnapshotId) device.snapshotId = ebs.SnapshotId;
  return device;
}

/**
 * A launch template as its $Default and $Latest versions launch machines: when they differ, each setting is taken from
 * the version that is weaker on it, since either can be launched.
 */
function liveLaunchTemplateView(resource: { logicalId: string; type: string; physicalId: string }, versions: { default?: LaunchTemplateVersion; latest?: LaunchTemplateVersion }, accountDefault: EbsEncryptionByDefault | undefined): Ec2InstanceView | undefined {
  const judged = [versions.default, versions.latest].filter((version, index, all): version is LaunchTemplateVersion => version !== undefined && all.findIndex((other) => other?.VersionNumber === version.VersionNumber) === index);
  if (judged.length === 0) return undefined;
  const at: TemplatePath = ["Resources", resource.logicalId];
  const metadataSource = judged.find(allowsImdsV1) ?? judged[0]!;
  const options = metadataSource.LaunchTemplateData?.MetadataOptions;
  const devices = new Map<string, BlockDevice>();
  for (const version of judged) {
    (version.LaunchTemplateData?.BlockDeviceMappings ?? []).forEach((mapping, index) => {
      const device = liveBlockDevice(mapping, at, accountDefault);
      if (!device) return;
      const key = device.deviceName ?? `mapping ${index}`;
      const known = devices.get(key);
      if (!known || (known.encrypted !== false && device.encrypted === false)) devices.set(key, device);
    });
  }
  return {
    logicalId: resource.logicalId,
    type: resource.type,
    physicalId: resource.physicalId,
    kind: "launch-template",
    metadataOptions: { httpTokens: options?.HttpTokens, httpEndpoint: options?.HttpEndpoint, at },
    blockDevices: [...devices.values()],
    imageId: metadataSource.LaunchTemplateData?.ImageId,
    versions: judged.map((version) => version.VersionNumber!),
  };
}
