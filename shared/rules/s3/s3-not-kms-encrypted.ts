import { s3BucketViews, type S3BucketView } from "../../views/s3-bucket.ts";
import { defineRule, type DriftProperty, type Hit } from "../rule.ts";

export default defineRule({
  id: "s3-not-kms-encrypted",
  title: "S3 bucket default encryption does not use KMS",
  severity: "low",
  description:
    "S3 encrypts every new object with S3-managed keys (SSE-S3, AES256) whether or not the template asks, so this is " +
    "not about unencrypted data: it is about control of the key. With SSE-S3 no key policy limits who can decrypt, " +
    "reads leave no KMS trail in CloudTrail, and the key cannot be disabled to cut access in an incident. SSE-KMS " +
    "(aws:kms) and dual-layer DSSE-KMS (aws:kms:dsse) both pass. Buckets that receive Application or Classic Load " +
    "Balancer access logs are not judged: those services deliver only to SSE-S3 buckets.",
  remediation:
    "Set BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault to SSEAlgorithm: aws:kms " +
    "(or aws:kms:dsse) with KMSMasterKeyID naming a customer-managed key, and BucketKeyEnabled: true to cut KMS request costs.",
  seeds: ["002 §2", "003 §2"],
  anchors: ["guard S3_DEFAULT_ENCRYPTION_KMS"],
  judges: ["template", "live", "drift"],
  // The default rule's algorithm (S3 applies the first); undefined when unread or not fixed by the template.
  drift: [{ view: s3BucketViews, property: "SSEAlgorithm", value: (bucket) => bucket.encryption[0]?.algorithm } satisfies DriftProperty<S3BucketView>],
  check(context) {
    const hits: Hit[] = [];
    for (const bucket of context.views(s3BucketViews)) {
      if (bucket.sseS3OnlyLogWriters.length > 0) continue;
      const rule = bucket.encryption.find((entry) => entry.algorithm === "AES256");
      if (!rule) continue;
      hits.push({
        resource: { logicalId: bucket.logicalId, type: bucket.type },
        path: rule.at,
        message:
          context.source !== "template"
            ? `${bucket.logicalId} (bucket ${bucket.physicalId}) ${rule.implicit ? "has no default encryption configured, so S3 applies SSE-S3 (AES256)" : "encrypts by default with SSE-S3 (AES256)"}: objects are encrypted with keys you cannot control, audit or revoke`
            : rule.implicit
              ? `${bucket.logicalId} declares no KMS default encryption, so S3 uses SSE-S3 (AES256) with keys you cannot control, audit or revoke`
              : `${bucket.logicalId} sets SSEAlgorithm AES256 (SSE-S3): objects are encrypted with keys you cannot control, audit or revoke`,
        evidence: { algorithm: rule.algorithm, implicit: rule.implicit ?? false },
      });
    }
    return hits;
  },
});
