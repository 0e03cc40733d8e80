import { Composite, ResourceAttribute, ResourceRef, stringValue } from "../../template/values.ts";
import { cloudTrailTrailViews, type CloudTrailTrailView } from "../../views/cloudtrail-trail.ts";
import { s3BucketViews, type S3BucketView } from "../../views/s3-bucket.ts";
import { conditionKeys, statementCovers, wildcardMatches, type PolicyStatement } from "../../views/policy-document.ts";
import { defineRule, type Hit } from "../rule.ts";

const CLOUDTRAIL_SERVICE = "cloudtrail.amazonaws.com";
/** Condition keys that tie a service principal's access to the calling trail, account or organization (confused deputy). */
const SOURCE_KEYS = ["aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"];

/** Does the statement's principal include CloudTrail (a service principal we cannot read counts, to stay quiet)? */
function grantsToCloudTrail(statement: PolicyStatement): boolean {
  const principals = statement.principals;
  if (!principals) return false;
  if (principals.anyone) return true;
  return principals.service.some((service) => {
    const text = stringValue(service);
    return text === undefined || text.toLowerCase() === CLOUDTRAIL_SERVICE;
  });
}

/**
 * The resource as a glob: the delivery bucket's Ref or Arn becomes its name or ARN, anything else the template does
 * not fix becomes `*` (so an unreadable resource never causes a finding).
 */
function resourceGlob(resource: unknown, bucketLogicalId: string, bucketToken: string): string {
  const part = (value: unknown): string => {
    if (typeof value === "string") return value;
    if (value instanceof ResourceRef && value.logicalId === bucketLogicalId) return bucketToken;
    if (value instanceof ResourceAttribute && value.logicalId === bucketLogicalId && value.attribute === "Arn") return `arn:aws:s3:::${bucketToken}`;
    return "*";
  };
  const text = resource instanceof Composite ? resource.parts.map(part).join("") : part(resource);
  return text.replace(/^arn:aws[a-z-]*:s3:::/, "arn:aws:s3:::");
}

interface DeliveryGrants {
  getBucketAcl: boolean;
  putObject: boolean;
  /** A CloudTrail statement names the bucket by its name (`${Bucket}`) where an ARN is required. */
  namesInsteadOfArn: boolean;
  /** Statements that grant CloudTrail delivery with no aws:SourceArn / aws:SourceAccount condition. */
  unconditioned: PolicyStatement[];
}

function deliveryGrants(trail: CloudTrailTrailView, bucket: S3BucketView): DeliveryGrants {
  const name = bucket.bucketName instanceof Composite ? bucket.bucketName.toString() : stringValue(bucket.bucketName);
  const token = name ?? `\${${bucket.logicalId}}`;
  const bucketArn = `arn:aws:s3:::${token}`;
  const prefix = trail.s3KeyPrefix === undefined ? "" : stringValue(trail.s3KeyPrefix);
  // CloudTrail writes <prefix>/AWSLogs/<account or org id>/CloudTrail/<region>/...; the account is not checked (a
  // template may name its account literally, and the scan only knows a placeholder).
  const objectMatches = (glob: string): boolean => {
    if (prefix === undefined) return glob === "*" || glob.startsWith(`${bucketArn}/`) || glob.startsWith("arn:aws:s3:::*");
    const relaxed = glob.replace(/AWSLogs\/[^/*]+\//, "AWSLogs/*/");
    return wildcardMatches(relaxed, `${bucketArn}/${prefix ? `${prefix.replace(/\/+$/, "")}/` : ""}AWSLogs/111122223333/CloudTrail/us-east-1/2025/01/01/log.json.gz`);
  };
  const grants: DeliveryGrants = { getBucketAcl: false, putObject: false, namesInsteadOfArn: false, unconditioned: [] };
  for (const statement of bucket.policyStatements) {
    if (statement.effect !== "Allow" || !grantsToCloudTrail(statement)) continue;
    const globs = statement.notResources ? ["*"] : (statement.resources ?? []).map((resource) => resourceGlob(resource, bucket.logicalId, token));
    if (globs.some((glob) => glob === token || glob.startsWith(`${token}/`))) grants.namesInsteadOfArn = true;
    const grantsAcl = statementCovers(statement, "s3:GetBucketAcl") && globs.some((glob) => wildcardMatches(glob, bucketArn));
    const grantsPut = statementCovers(statement, "s3:PutObject") && globs.some(objectMatches);
    if (grantsAcl) grants.getBucketAcl = true;
    if (grantsPut) grants.putObject = true;
    if ((grantsAcl || grantsPut) && !conditionKeys(statement).some((key) => SOURCE_KEYS.includes(key))) grants.unconditioned.push(statement);
  }
  return grants;
}

function describeStatement(statement: PolicyStatement): string {
  return statement.sid !== undefined ? `statement ${statement.sid}` : `statement ${String(statement.at[statement.at.length - 1])}`;
}

export default defineRule({
  id: "cloudtrail-bucket-policy-missing",
  title: "CloudTrail bucket has no policy that lets CloudTrail deliver logs",
  severity: "high",
  description:
    "CloudTrail checks the delivery bucket's policy when the trail is created: the bucket must let the service principal " +
    "cloudtrail.amazonaws.com call s3:GetBucketAcl on the bucket and s3:PutObject on <prefix>/AWSLogs/<account>/*. " +
    "Without such a bucket policy the stack fails to deploy with InsufficientS3BucketPolicyException (or, if the " +
    "policy is changed later, logs stop arriving). A policy that lets CloudTrail deliver but does not tie the grant to the trail " +
    "with aws:SourceArn (or aws:SourceAccount) is reported at low: the service principal alone lets any trail use the bucket " +
    "(the confused-deputy problem AWS's CloudTrail bucket policy guidance addresses).",
  remediation:
    "Add an AWS::S3::BucketPolicy on the trail's bucket with two statements for Principal Service cloudtrail.amazonaws.com: " +
    "s3:GetBucketAcl on !GetAtt Bucket.Arn, and s3:PutObject on !Sub '${Bucket.Arn}/AWSLogs/${AWS::AccountId}/*' " +
    "(with the trail's S3KeyPrefix before AWSLogs if it sets one) conditioned on s3:x-amz-acl bucket-owner-full-control; " +
    "add aws:SourceArn conditions naming the trail. Give the trail DependsOn: <the bucket policy>.",
  seeds: ["001 §6"],
  anchors: [],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    const buckets = new Map(context.views(s3BucketViews).map((bucket) => [bucket.logicalId, bucket]));
    for (const trail of context.views(cloudTrailTrailViews)) {
      // Live, the trail's view carries its delivery bucket as S3 answered, whether or not the stack holds the bucket.
      const bucket = trail.deliveryBucket ?? (trail.bucketLogicalId === undefined ? undefined : buckets.get(trail.bucketLogicalId));
      if (!bucket || bucket.policyUnknown) continue;
      const live = context.source !== "template";
      const consequence = live ? "CloudTrail cannot deliver the trail's logs to it" : "CloudTrail cannot write to it and the trail fails to create (InsufficientS3BucketPolicyException)";
      const resource = { logicalId: trail.logicalId, type: trail.type, ...(trail.physicalId ? { physicalId: trail.physicalId } : {}) };
      if (bucket.policyDeclaredBy.length === 0) {
        hits.push({
          resource,
          path: trail.paths.s3BucketName,
          message: `Trail ${trail.logicalId} delivers to bucket ${bucket.logicalId}, which has no bucket policy: ${consequence}`,
          detail: "policy",
          evidence: { bucket: bucket.logicalId, bucketPolicies: [] },
        });
        continue;
      }
      const grants = deliveryGrants(trail, bucket);
      const missing = [
        ...(grants.getBucketAcl ? [] : ["s3:GetBucketAcl on the bucket"]),
        ...(grants.putObject ? [] : [`s3:PutObject on ${trail.s3KeyPrefix !== undefined ? `${String(trail.s3KeyPrefix).replace(/\/+$/, "")}/` : ""}AWSLogs/<account>/*`]),
      ];
      if (missing.length > 0) {
        hits.push({
          resource,
          path: trail.paths.s3BucketName,
          message: `The policy of bucket ${bucket.logicalId} (${bucket.policyDeclaredBy.join(", ")}) does not grant cloudtrail.amazonaws.com ${missing.join(" or ")}, so trail ${trail.logicalId} cannot deliver logs${live ? "" : " and fails to create"}` +
            (grants.namesInsteadOfArn ? ` (its Resource names the bucket by name, as Ref of a bucket returns, where an ARN such as !GetAtt ${bucket.logicalId}.Arn is required)` : ""),
          detail: "policy",
          evidence: { bucket: bucket.logicalId, bucketPolicies: bucket.policyDeclaredBy, missing, s3KeyPrefix: trail.s3KeyPrefix ?? null },
        });
        continue;
      }
      if (grants.unconditioned.length > 0) {
        const statements = grants.unconditioned.map(describeStatement);
        hits.push({
          resource,
          severity: "low",
          path: grants.unconditioned[0]!.at,
          message:
            `The policy of bucket ${bucket.logicalId} (${bucket.policyDeclaredBy.join(", ")}) lets cloudtrail.amazonaws.com deliver trail ${trail.logicalId}'s logs ` +
            `(${statements.join(", ")}) with no aws:SourceArn or aws:SourceAccount condition: the grant is to the service, not to this trail, so ` +
            "any trail CloudTrail runs, including one in another account that names this bucket, can use it (confused deputy); AWS " +
            "recommends conditioning both statements on aws:SourceArn of the trail (low: delivery works; the gap is who else can write logs there)",
          detail: "source-condition",
          evidence: { bucket: bucket.logicalId, bucketPolicies: bucket.policyDeclaredBy, statements },
        });
      }
    }
    return hits;
  },
});
