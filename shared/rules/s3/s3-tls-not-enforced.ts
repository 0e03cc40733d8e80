import { display } from "../../template/values.ts";
import { statementCovers, type PolicyStatement } from "../../views/policy-document.ts";
import { s3BucketViews } from "../../views/s3-bucket.ts";
import { defineRule, type Hit } from "../rule.ts";

/** A Deny to everyone when aws:SecureTransport is false (Bool or BoolIfExists). */
function deniesPlaintext(statement: PolicyStatement): boolean {
  if (statement.effect !== "Deny" || statement.principals?.anyone !== true) return false;
  return Object.entries(statement.conditions).some(
    ([operator, block]) =>
      /^bool(ifexists)?$/i.test(operator) &&
      Object.entries(block).some(([key, values]) => key.toLowerCase() === "aws:securetransport" && values.some((value) => value === false || (typeof value === "string" && value.toLowerCase() === "false"))),
  );
}

export default defineRule({
  id: "s3-tls-not-enforced",
  title: "S3 bucket policy does not deny requests without TLS",
  severity: "medium",
  description:
    "S3 accepts plain HTTP requests unless the bucket policy denies them. Without a Deny statement for Principal \"*\" " +
    "on aws:SecureTransport = false covering object reads (s3:GetObject, as s3:* does), data and request signatures can " +
    "travel unencrypted, and a client misconfigured to use http:// is never stopped.",
  remediation:
    "Add an AWS::S3::BucketPolicy for the bucket with a statement: Effect Deny, Principal \"*\", Action s3:*, Resource " +
    "the bucket ARN and the bucket ARN followed by /*, Condition Bool aws:SecureTransport: \"false\".",
  seeds: ["003 §2"],
  anchors: ["cdk-nag S10", "securityhub S3.5"],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    for (const bucket of context.views(s3BucketViews)) {
      if (bucket.policyUnknown) continue;
      const plaintextDenies = bucket.policyStatements.filter(deniesPlaintext);
      if (plaintextDenies.some((statement) => statementCovers(statement, "s3:GetObject"))) continue;
      const policy = bucket.policyDeclaredBy[0];
      let message: string;
      if (plaintextDenies.length > 0) {
        const actions = plaintextDenies.flatMap((statement) => statement.actions ?? (statement.notActions ?? []).map((action) => `not ${action}`));
        message = `${bucket.logicalId}'s bucket policy denies non-TLS requests only for ${actions.map(display).join(", ")}, not s3:GetObject: objects can still be read over plain HTTP`;
      } else if (policy !== undefined) {
        message = `${bucket.logicalId}'s bucket policy (${bucket.policyDeclaredBy.join(", ")}) has no Deny on aws:SecureTransport = false: requests over plain HTTP are accepted`;
      } else {
        message = `${bucket.logicalId} has no bucket policy denying aws:SecureTransport = false: requests over plain HTTP are accepted`;
      }
      hits.push({
        resource: { logicalId: bucket.logicalId, type: bucket.type },
        path: plaintextDenies[0]?.at ?? (policy !== undefined ? ["Resources", policy] : bucket.at),
        message,
        evidence: { bucketPolicies: bucket.policyDeclaredBy, tlsDenyStatements: plaintextDenies.map((statement) => statement.sid ?? statement.at.join(".")) },
      });
    }
    return hits;
  },
});
