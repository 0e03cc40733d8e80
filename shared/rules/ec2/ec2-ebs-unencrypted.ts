import { display } from "../../template/values.ts";
import { ebsVolumeViews } from "../../views/ebs-volume.ts";
import { ec2InstanceViews, type ComputeKind } from "../../views/ec2-instance.ts";
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
    "template are judged on the launch template.",
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
        message:
          volume.encryptedValue === undefined
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
          resource: { logicalId: machine.logicalId, type: machine.type },
          path: device.at,
          message:
            device.encryptedValue === undefined
              ? `${KIND_NAMES[machine.kind]} ${machine.logicalId} maps EBS volume ${name} without Encrypted: it is unencrypted unless the region's EBS encryption by default is on`
              : `${KIND_NAMES[machine.kind]} ${machine.logicalId} maps EBS volume ${name} with Encrypted ${display(device.encryptedValue)}`,
          detail: name,
          evidence: { deviceName: device.deviceName ?? null, encrypted: device.encryptedValue ?? null },
        });
      });
    }
    return hits;
  },
});
