import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, Composite, isUnknown, ResourceRef, stringValue } from "../template/values.ts";
import { defineView, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

export interface CloudTrailTrailView extends ResourceView {
  name?: unknown;
  /** false when the template leaves IsMultiRegionTrail out (CloudFormation's default); undefined when not fixed. */
  multiRegion: boolean | undefined;
  logFileValidation: boolean | undefined;
  /** The KMS key id, alias or ARN as resolved; undefined when the trail sets none. */
  kmsKeyId?: unknown;
  logging: boolean | undefined;
  organizationTrail: boolean | undefined;
  /** The bucket name as resolved: a string, a Ref to a bucket of the template, or an unknown value. */
  s3BucketName: unknown;
  s3KeyPrefix?: unknown;
  /** Logical id of the delivery bucket when the same template (or stack) declares it; its s3-bucket view has its policy. */
  bucketLogicalId?: string;
  /** Fields the template leaves out and that carry CloudFormation's default ("multiRegion", "logFileValidation"). */
  defaulted: string[];
  paths: {
    multiRegion: TemplatePath;
    logFileValidation: TemplatePath;
    kmsKeyId: TemplatePath;
    s3BucketName: TemplatePath;
  };
}

/** Text that identifies a name whether fixed or built by Sub/Join from the same parts. */
function comparable(value: unknown): string | undefined {
  if (value instanceof Composite) return value.toString();
  return stringValue(value);
}

/** Logical id of the bucket of the template that a Ref or a bucket name denotes. */
function bucketOf(value: unknown, bucketsByName: Map<string, string>, template: ResolvedTemplate): string | undefined {
  if (value instanceof ResourceRef) return template.resources.get(value.logicalId)?.type === "AWS::S3::Bucket" ? value.logicalId : undefined;
  const name = comparable(value);
  return name === undefined ? undefined : bucketsByName.get(name);
}

export const cloudTrailTrailViews = defineView<CloudTrailTrailView>({
  name: "cloudtrail-trail",
  fromTemplate(template: ResolvedTemplate) {
    const bucketsByName = new Map<string, string>();
    for (const bucket of resourcesOfType(template, "AWS::S3::Bucket")) {
      const name = comparable(bucket.properties.BucketName);
      if (name !== undefined) bucketsByName.set(name, bucket.logicalId);
    }

    return resourcesOfType(template, "AWS::CloudTrail::Trail").map((trail) => {
      const { logicalId, properties } = trail;
      const defaulted: string[] = [];
      const flag = (key: string, field: string): boolean | undefined => {
        if (properties[key] !== undefined) return booleanValue(properties[key]);
        defaulted.push(field);
        return false;
      };
      const view: CloudTrailTrailView = {
        logicalId,
        type: trail.type,
        at: ["Resources", logicalId],
        multiRegion: flag("IsMultiRegionTrail", "multiRegion"),
        logFileValidation: flag("EnableLogFileValidation", "logFileValidation"),
        logging: booleanValue(properties.IsLogging),
        organizationTrail: flag("IsOrganizationTrail", "organizationTrail"),
        defaulted,
        s3BucketName: properties.S3BucketName,
        paths: {
          multiRegion: propertyPath(logicalId, "IsMultiRegionTrail"),
          logFileValidation: propertyPath(logicalId, "EnableLogFileValidation"),
          kmsKeyId: propertyPath(logicalId, "KMSKeyId"),
          s3BucketName: propertyPath(logicalId, "S3BucketName"),
        },
      };
      if (properties.TrailName !== undefined) view.name = properties.TrailName;
      if (properties.KMSKeyId !== undefined) view.kmsKeyId = properties.KMSKeyId;
      if (properties.S3KeyPrefix !== undefined) view.s3KeyPrefix = properties.S3KeyPrefix;
      if (!isUnknown(properties.S3BucketName)) {
        const bucket = bucketOf(properties.S3BucketName, bucketsByName, template);
        if (bucket) view.bucketLogicalId = bucket;
      }
      return view;
    });
  },
});
