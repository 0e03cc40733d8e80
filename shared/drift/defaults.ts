import type { S3BucketView } from "../views/s3-bucket.ts";
import type { ResourceView } from "../views/view.ts";

/** A value AWS gives a property the template leaves out, and why. */
export interface AwsDefault {
  value: unknown;
  why: string;
}

/**
 * What AWS makes of a property the template leaves out, where the template view says otherwise. The views speak for
 * the template rules, which judge what the template guarantees (a bucket that declares no public access block is not
 * guaranteed one: a bucket created before April 2023 got none); drift compares the live resource with what deploying the
 * template gave, and AWS's defaults are part of that.
 */
export function awsDefaultOf(view: ResourceView, property: string): AwsDefault | undefined {
  if (view.type === "AWS::S3::Bucket" && property.startsWith("PublicAccessBlockConfiguration.") && !(view as S3BucketView).publicAccessBlock.declared) {
    return { value: true, why: "S3 blocks all public access on a bucket created since April 2023 without a configuration" };
  }
  return undefined;
}
