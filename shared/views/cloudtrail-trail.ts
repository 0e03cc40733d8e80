import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, Composite, isUnknown, ResourceRef, stringValue } from "../template/values.ts";
import { CloudTrailReader, type ManagementEvents } from "../live/cloudtrail.ts";
import { S3Reader } from "../live/s3.ts";
import type { LiveScope } from "../live/session.ts";
import { liveBucketView, stackPoliciesOf, type S3BucketView } from "./s3-bucket.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

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
  /** Live only: the trail's ARN. */
  arn?: string;
  /** Live only: which management events the trail's selectors record. */
  managementEvents?: ManagementEvents;
  /**
   * Live only: the delivery bucket as S3 answered for it (its policy at least), whether or not the stack holds it;
   * `logicalId` is the stack's when it does, else the bucket name.
   */
  deliveryBucket?: S3BucketView;
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

function trailsFromLive(scope: LiveScope): CloudTrailTrailView[] {
  if (scope.scope !== "stack") return [];
  const reader = scope.session.reader(CloudTrailReader);
  const buckets = scope.session.reader(S3Reader);
  const views: CloudTrailTrailView[] = [];
  for (const resource of liveResourcesOfType(scope, "AWS::CloudTrail::Trail")) {
    const trail = reader.trail(resource.physicalId);
    if (!trail) continue;
    const { logicalId } = resource;
    const view: CloudTrailTrailView = {
      logicalId,
      type: resource.type,
      physicalId: resource.physicalId,
      name: trail.name,
      arn: trail.arn,
      multiRegion: trail.multiRegion,
      logFileValidation: trail.logFileValidation,
      logging: trail.logging,
      organizationTrail: trail.organizationTrail,
      s3BucketName: trail.s3BucketName,
      defaulted: [],
      paths: {
        multiRegion: propertyPath(logicalId, "IsMultiRegionTrail"),
        logFileValidation: propertyPath(logicalId, "EnableLogFileValidation"),
        kmsKeyId: propertyPath(logicalId, "KMSKeyId"),
        s3BucketName: propertyPath(logicalId, "S3BucketName"),
      },
    };
    if (trail.kmsKeyId !== undefined) view.kmsKeyId = trail.kmsKeyId;
    if (trail.s3KeyPrefix !== undefined) view.s3KeyPrefix = trail.s3KeyPrefix;
    if (trail.managementEvents !== undefined) view.managementEvents = trail.managementEvents;
    if (trail.s3BucketName !== undefined) {
      const stackBucket = liveResourcesOfType(scope, "AWS::S3::Bucket").find((bucket) => bucket.physicalId === trail.s3BucketName);
      if (stackBucket) view.bucketLogicalId = stackBucket.logicalId;
      const bucket = buckets.bucket(trail.s3BucketName);
      if (bucket && !bucket.missing) {
        const bucketLogicalId = stackBucket?.logicalId ?? trail.s3BucketName;
        view.deliveryBucket = liveBucketView(bucket, bucketLogicalId, stackPoliciesOf(scope, bucketLogicalId, trail.s3BucketName), scope.template);
      }
    }
    views.push(view);
  }
  return views;
}

export const cloudTrailTrailViews = defineView<CloudTrailTrailView>({
  name: "cloudtrail-trail",
  fromLive: trailsFromLive,
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
