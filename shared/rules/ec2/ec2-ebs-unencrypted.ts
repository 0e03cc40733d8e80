import { booleanValue, display, Unknown } from "../../template/values.ts";
import { ebsVolumeViews, type EbsVolumeView } from "../../views/ebs-volume.ts";
import { ec2InstanceViews, liveLabel, type BlockDevice, type ComputeKind, type Ec2InstanceView } from "../../views/ec2-instance.ts";
import { defineRule, type Hit } from "../rule.ts";

const KIND_NAMES: Record<ComputeKind, string> = {
  instance: "Instance",
  "launch-template": "Launch template",
  "launch-configuration": "Launch configuration",
};

/** The /aws/service/... SSM path the AMI comes from, for messages. */
function publicAmiPath(imageId: unknown): string {
  const text = display(imageId);
  return text.match(/\/aws\/service\/[^}>\s]*/)?.[0] ?? text;
}

/** What a live mapping that is not encrypted says, and why (the region's default decides when Encrypted is not true). */
function liveDeviceMessage(machine: Ec2InstanceView, device: BlockDevice, name: string): string {
  const what = `${KIND_NAMES[machine.kind]} ${machine.logicalId}${liveLabel(machine)}`;
  if (machine.kind === "instance") return `${what} has an unencrypted EBS volume${device.volumeId ? ` ${device.volumeId}` : ""} attached at ${name}`;
  const written = device.encryptedValue === undefined ? "without Encrypted" : `with Encrypted ${display(device.encryptedValue)}`;
  return `${what} maps EBS volume ${name} ${written}, and the region's EBS encryption by default is off: the volumes it launches are unencrypted`;
}

/**
 * Whether the volume is encrypted: live, as it is; in the template, as Encrypted says. A template volume that leaves
 * Encrypted to the region's default or copies a snapshot fixes nothing (Unknown: never drift).
 */
function volumeEncryption(volume: EbsVolumeView): unknown {
  if (volume.at === undefined) return volume.encrypted;
  if (volume.encryptedValue === undefined) return new Unknown("Encrypted left to the region's EBS encryption by default");
  return volume.encrypted ?? new Unknown(`Encrypted ${display(volume.encryptedValue)}`);
}

/** A launch template's written Encrypted values by device, sorted (mappings that leave it out are left out on both sides). */
function launchTemplateEncryption(machine: Ec2InstanceView): unknown {
  if (machine.kind !== "launch-template") return undefined;
  const written: string[] = [];
  for (const device of machine.blockDevices) {
    if (device.implicitRoot || device.encryptedValue === undefined) continue;
    const encrypted = typeof device.encryptedValue === "boolean" ? device.encryptedValue : booleanValue(device.encryptedValue);
    if (encrypted === undefined) return new Unknown(`Encrypted ${display(device.encryptedValue)} of ${device.deviceName ?? "a mapping"}`);
    written.push(`${device.deviceName ?? "?"}=${encrypted}`);
  }
  return written.sort();
}

export default defineRule({
  id: "ec2-ebs-unencrypted",
  title: "EBS volume is not encrypted",
  severity: "high",
  description:
    "An AWS::EC2::Volume, or an EBS block-device mapping of an instance, launch template or launch configuration, that " +
    "does not set Encrypted: true stores its data and its snapshots unencrypted, unless the region's EBS " +
    "encryption-by-default happens to be on, which only a live scan can see (ec2-ebs-default-encryption-off). The root " +
    "volume of a machine launched from an AWS public AMI (an /aws/service/... SSM parameter) with no root mapping copies " +
    "the AMI's snapshot, which is never encrypted, and counts too; the root volume of any other AMI is not judged. A " +
    "volume made from a snapshot or another volume takes its source's encryption, which the template cannot show, so it " +
    "is not judged unless Encrypted is written. An instance's mappings that come from a launch template of the same " +
    "template are judged on the launch template. Live, a volume is judged as it is, an instance by the volumes attached " +
    "to it, and a launch template ($Default and $Latest versions) by its mappings together with the region's " +
    "encryption by default, which encrypts every new volume when it is on.",
  remediation:
    "Set Encrypted: true (and KmsKeyId to a customer managed key when key control matters) on the AWS::EC2::Volume or " +
    "in each BlockDeviceMappings[].Ebs, adding a mapping for the root device (/dev/xvda on Amazon Linux) when the AMI's " +
    "own is unencrypted; also turn on EBS encryption by default in every region the account uses.",
  seeds: ["002 §2", "004 §6"],
  anchors: ["cfn_nag F1", "checkov CKV_AWS_3", "checkov CKV_AWS_8"],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const volume of context.views(ebsVolumeViews)) {
      if (volume.encrypted !== false) continue;
      hits.push({
        resource: { logicalId: volume.logicalId, type: volume.type, ...(volume.physicalId ? { physicalId: volume.physicalId } : {}) },
        path: volume.encryptedAt,
        message: volume.physicalId !== undefined
          ? `Volume ${volume.logicalId} (${volume.physicalId}) is not encrypted`
          : volume.encryptedValue === undefined
            ? `Volume ${volume.logicalId} does not set Encrypted: it is unencrypted unless the region's EBS encryption by default is on`
            : `Volume ${volume.logicalId} sets Encrypted to ${display(volume.encryptedValue)}`,
        evidence: { encrypted: volume.encryptedValue ?? null },
      });
    }
    for (const machine of context.views(ec2InstanceViews)) {
      machine.blockDevices.forEach((device, index) => {
        if (device.encrypted !== false || device.inheritedFrom !== undefined) return;
        if (device.implicitRoot) {
          hits.push({
            resource: { logicalId: machine.logicalId, type: machine.type },
            path: device.at,
            message:
              `${KIND_NAMES[machine.kind]} ${machine.logicalId} writes no block-device mapping for its root volume, so the volume ` +
              `copies the AWS public AMI ${publicAmiPath(machine.imageId)}, whose snapshot is unencrypted: it is unencrypted unless the region's EBS encryption by default is on`,
            detail: "root",
            evidence: { imageId: machine.imageId, rootMapping: null },
          });
          return;
        }
        const name = device.deviceName ?? `mapping ${index}`;
        hits.push({
          resource: { logicalId: machine.logicalId, type: machine.type, ...(machine.physicalId ? { physicalId: machine.physicalId } : {}) },
          path: device.at,
          message: machine.physicalId !== undefined
            ? liveDeviceMessage(machine, device, name)
            : device.encryptedValue === undefined
              ? `${KIND_NAMES[machine.kind]} ${machine.logicalId} maps EBS volume ${name} without Encrypted: it is unencrypted unless the region's EBS encryption by default is on`
              : `${KIND_NAMES[machine.kind]} ${machine.logicalId} maps EBS volume ${name} with Encrypted ${display(device.encryptedValue)}`,
          detail: name,
          evidence: {
            deviceName: device.deviceName ?? null,
            encrypted: device.encryptedValue ?? null,
            ...(device.volumeId ? { volumeId: device.volumeId } : {}),
            ...(device.encryptionByDefault !== undefined ? { encryptionByDefault: device.encryptionByDefault } : {}),
          },
        });
      });
    }
    return hits;
  },
  drift: [
    { view: ebsVolumeViews, property: "Encrypted", value: volumeEncryption },
    { view: ec2InstanceViews, property: "BlockDeviceMappings.Encrypted", value: launchTemplateEncryption },
  ],
});
