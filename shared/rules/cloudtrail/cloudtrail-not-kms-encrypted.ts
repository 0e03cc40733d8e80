import { cloudTrailTrailViews, type CloudTrailTrailView } from "../../views/cloudtrail-trail.ts";
import { defineRule, type DriftProperty, type Hit } from "../rule.ts";

export default defineRule({
  id: "cloudtrail-not-kms-encrypted",
  title: "CloudTrail logs are not encrypted with a KMS key",
  severity: "medium",
  description:
    "A trail without KMSKeyId is delivered with S3-managed encryption only: anyone who can read the bucket can read the " +
    "account's full API history. SSE-KMS adds a second, separately audited permission (kms:Decrypt on the key).",
  remediation:
    "Create an AWS::KMS::Key whose policy lets cloudtrail.amazonaws.com call kms:GenerateDataKey* (conditioned on " +
    "aws:SourceArn or kms:EncryptionContext:aws:cloudtrail:arn) and set KMSKeyId on the trail to the key's ARN or alias.",
  seeds: ["002 §2"],
  anchors: ["checkov CKV_AWS_35", "securityhub CloudTrail.2"],
  judges: ["template", "live", "drift"],
  // Whether a key is set: the template names it by Ref, alias or ARN and the API by ARN, so only its presence compares.
  drift: [{ view: cloudTrailTrailViews, property: "KMSKeyId", value: (trail) => trail.kmsKeyId !== undefined } satisfies DriftProperty<CloudTrailTrailView>],
  check(context) {
    const hits: Hit[] = [];
    for (const trail of context.views(cloudTrailTrailViews)) {
      if (trail.kmsKeyId !== undefined) continue;
      hits.push({
        resource: { logicalId: trail.logicalId, type: trail.type, ...(trail.physicalId ? { physicalId: trail.physicalId } : {}) },
        path: trail.at,
        message:
          context.source === "template"
            ? `Trail ${trail.logicalId} sets no KMSKeyId, so its logs are readable by anyone who can read the bucket`
            : `Trail ${trail.logicalId} (${String(trail.name)}) has no KMS key (DescribeTrails shows no KmsKeyId), so its logs are readable by anyone who can read the bucket`,
        evidence: { kmsKeyId: null },
      });
    }
    return hits;
  },
});
