import { PUBLIC_ACCESS_BLOCK_SETTINGS, s3BucketViews, type S3BucketView } from "../../views/s3-bucket.ts";
import { defineRule, type DriftProperty, type Hit } from "../rule.ts";

export default defineRule({
  id: "s3-public-access-not-blocked",
  title: "S3 bucket does not block public access",
  severity: "high",
  description:
    "S3 Block Public Access has four settings: BlockPublicAcls and IgnorePublicAcls stop public ACLs, BlockPublicPolicy " +
    "and RestrictPublicBuckets stop public bucket policies. Any of them off (a setting the template leaves out counts " +
    "as off: the template does not guarantee it) means one bad ACL or policy statement, by mistake or by an attacker " +
    "with s3:PutBucketPolicy, makes the bucket's objects readable by anyone on the internet.",
  remediation:
    "Add PublicAccessBlockConfiguration to the AWS::S3::Bucket with BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy " +
    "and RestrictPublicBuckets all true. Serve public content through CloudFront with an origin access control instead " +
    "of making the bucket public.",
  seeds: ["003 §2"],
  anchors: ["checkov CKV_AWS_53", "checkov CKV_AWS_54", "checkov CKV_AWS_55", "checkov CKV_AWS_56", "securityhub S3.8"],
  judges: ["template", "live", "drift"],
  drift: PUBLIC_ACCESS_BLOCK_SETTINGS.map(
    (setting) => ({ view: s3BucketViews, property: `PublicAccessBlockConfiguration.${setting}`, value: (bucket) => bucket.publicAccessBlock.settings[setting] }) satisfies DriftProperty<S3BucketView>,
  ),
  check(context) {
    const hits: Hit[] = [];
    for (const bucket of context.views(s3BucketViews)) {
      const block = bucket.publicAccessBlock;
      const off = PUBLIC_ACCESS_BLOCK_SETTINGS.filter((setting) => block.settings[setting] === false);
      if (off.length === 0) continue;
      const missing = off.filter((setting) => block.settingAt[setting].at(-1) !== setting);
      const disabled = off.filter((setting) => !missing.includes(setting));
      const parts =
        context.source === "template"
          ? [
              ...(disabled.length > 0 ? [`sets ${disabled.join(", ")} to false`] : []),
              ...(missing.length > 0 ? [block.declared ? `leaves ${missing.join(", ")} unset (off)` : "declares no PublicAccessBlockConfiguration, so all four settings are off"] : []),
            ]
          : [block.declared ? `(bucket ${bucket.physicalId}) has ${off.join(", ")} off (GetPublicAccessBlock)` : `(bucket ${bucket.physicalId}) has no public access block configuration (GetPublicAccessBlock: NoSuchPublicAccessBlockConfiguration), so all four settings are off`];
      hits.push({
        resource: { logicalId: bucket.logicalId, type: bucket.type },
        path: disabled.length > 0 ? block.settingAt[disabled[0]!] : block.at,
        message: `${bucket.logicalId} ${parts.join(" and ")}: a public ACL or bucket policy would expose its objects to anyone`,
        evidence: { publicAccessBlock: block.settings, declared: block.declared },
      });
    }
    return hits;
  },
});
