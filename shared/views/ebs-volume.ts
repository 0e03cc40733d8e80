import { Ec2Reader } from "../live/ec2.ts";
import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue } from "../template/values.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

/** A standalone EBS volume. */
export interface EbsVolumeView extends ResourceView {
  /**
   * false when the template leaves Encrypted out (CloudFormation's default; the account's encryption-by-default
   * setting only shows live); undefined when it cannot be told: an unresolved value, or a volume made from a
   * snapshot or another volume, which takes that source's encryption. Live: whether the volume is encrypted.
   */
  encrypted: boolean | undefined;
  encryptedValue: unknown;
  kmsKeyId?: unknown;
  /** The snapshot or volume the volume is copied from. */
  source?: unknown;
  /** Where Encrypted is written, or the resource when it is not. */
  encryptedAt: TemplatePath;
}

export const ebsVolumeViews = defineView<EbsVolumeView>({
  name: "ebs-volume",
  fromTemplate(template: ResolvedTemplate) {
    return resourcesOfType(template, "AWS::EC2::Volume").map((volume) => {
      const { logicalId, properties } = volume;
      const written = properties.Encrypted;
      const source = properties.SnapshotId ?? properties.SourceVolumeId;
      const encrypted = written === undefined ? (source === undefined ? false : undefined) : booleanValue(written);
      const view: EbsVolumeView = {
        logicalId,
        type: volume.type,
        at: ["Resources", logicalId],
        encrypted,
        encryptedValue: written,
        encryptedAt: written === undefined ? ["Resources", logicalId] : propertyPath(logicalId, "Encrypted"),
      };
      if (properties.KmsKeyId !== undefined) view.kmsKeyId = properties.KmsKeyId;
      if (source !== undefined) view.source = source;
      return view;
    });
  },
  fromLive(scope) {
    const reader = scope.session.reader(Ec2Reader);
    const views: EbsVolumeView[] = [];
    for (const resource of liveResourcesOfType(scope, "AWS::EC2::Volume")) {
      const volume = reader.volume(resource.physicalId);
      if (!volume) continue;
      const view: EbsVolumeView = {
        logicalId: resource.logicalId,
        type: resource.type,
        physicalId: resource.physicalId,
        encrypted: volume.Encrypted,
        encryptedValue: volume.Encrypted,
        encryptedAt: ["Resources", resource.logicalId],
      };
      if (volume.KmsKeyId) view.kmsKeyId = volume.KmsKeyId;
      if (volume.SnapshotId) view.source = volume.SnapshotId;
      views.push(view);
    }
    return views;
  },
});
