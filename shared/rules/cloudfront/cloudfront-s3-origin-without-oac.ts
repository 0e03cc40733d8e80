import { display } from "../../template/values.ts";
import { cloudFrontDistributionViews, originName } from "../../views/cloudfront-distribution.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "cloudfront-s3-origin-without-oac",
  title: "CloudFront reads an S3 origin without origin access control",
  severity: "medium",
  description:
    "A CloudFront distribution that reads an S3 bucket without an origin access control (OAC) can only do so if the " +
    "bucket allows anonymous reads: then anyone can fetch objects straight from S3, around the distribution's WAF, " +
    "geo restrictions, signed URLs and logging. With an OAC, a bucket policy that grants cloudfront.amazonaws.com reads " +
    "without an aws:SourceArn (or aws:SourceAccount) condition lets any distribution of any account read the bucket. An S3 website endpoint is the same case (it always needs a public bucket). " +
    "A legacy origin access identity (OAI) does restrict the bucket, but it does not support SSE-KMS, new regions or " +
    "write methods and AWS recommends replacing it with OAC; it is reported at low severity.",
  remediation:
    "Create an AWS::CloudFront::OriginAccessControl (OriginAccessControlOriginType: s3, SigningBehavior: always, " +
    "SigningProtocol: sigv4), set the origin's OriginAccessControlId to !GetAtt OAC.Id with S3OriginConfig " +
    "{OriginAccessIdentity: ''}, use the bucket's RegionalDomainName (not its website endpoint), block public access on " +
    "the bucket and grant s3:GetObject to the cloudfront.amazonaws.com service principal with Condition " +
    "StringEquals AWS:SourceArn = the distribution's ARN.",
  seeds: ["001 §3"],
  anchors: ["cdk-nag CFR6"],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    for (const distribution of context.views(cloudFrontDistributionViews)) {
      for (const origin of distribution.origins ?? []) {
        if (origin.kind !== "s3" && origin.kind !== "s3-website") continue;
        const name = originName(origin);
        const bucket = origin.bucket ?? origin.bucketName;
        const resource = { logicalId: distribution.logicalId, type: distribution.type, ...(distribution.physicalId ? { physicalId: distribution.physicalId } : {}) };
        if (origin.originAccessControlId !== undefined) {
          const unlimited = origin.cloudFrontReadGrants?.find((grant) => !grant.limited);
          if (origin.kind === "s3" && unlimited) {
            hits.push({
              resource,
              message: `Distribution ${distribution.logicalId} reads S3 origin ${name} (bucket ${bucket}) through an origin access control, but the bucket policy lets cloudfront.amazonaws.com read with no aws:SourceArn or aws:SourceAccount condition, so any distribution, in any account, can read the bucket`,
              path: unlimited.at,
              detail: `origin:${name}:policy`,
              evidence: { origin: origin.id, bucket, originAccessControlId: origin.originAccessControlId, bucketPolicyCondition: null },
            });
          }
          continue;
        }
        const evidence = { origin: origin.id, domainName: origin.domainName, bucket, originAccessControlId: null, originAccessIdentity: origin.originAccessIdentity ?? null };
        if (origin.kind === "s3-website") {
          hits.push({
            resource,
            message: `Distribution ${distribution.logicalId} reads origin ${name} through the S3 website endpoint ${display(origin.domainName)}, which needs a publicly readable bucket and cannot use origin access control`,
            path: origin.at,
            detail: `origin:${name}`,
            evidence,
          });
          continue;
        }
        if (origin.originAccessIdentity !== undefined) {
          hits.push({
            resource,
            severity: "low",
            message: `Distribution ${distribution.logicalId} restricts S3 origin ${name} with a legacy origin access identity (${display(origin.originAccessIdentity)}) instead of an origin access control (lowered to low: the bucket is restricted, but OAI is deprecated)`,
            path: origin.at,
            detail: `origin:${name}`,
            evidence,
          });
          continue;
        }
        hits.push({
          resource,
          message: `Distribution ${distribution.logicalId} reads S3 origin ${name}${bucket ? ` (bucket ${bucket})` : ""} with neither an origin access control nor an origin access identity, so the bucket must be publicly readable for it to work`,
          path: origin.at,
          detail: `origin:${name}`,
          evidence,
        });
      }
    }
    return hits;
  },
});
