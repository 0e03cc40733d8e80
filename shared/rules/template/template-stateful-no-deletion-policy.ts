import { resourceSchema } from "../../template/schema.ts";
import { defineRule, type Hit } from "../rule.ts";

/** Instances of a cluster engine keep no data of their own: the cluster's policy is what protects it. */
const CLUSTER_MEMBER_TYPES = new Set(["AWS::DocDB::DBInstance", "AWS::Neptune::DBInstance"]);

export default defineRule({
  id: "template-stateful-no-deletion-policy",
  title: "Stateful resource without DeletionPolicy and UpdateReplacePolicy",
  severity: "medium",
  description:
    "A resource that holds data (RDS, DynamoDB, S3 bucket, EFS, KMS key, log group, queue, secret, ...) has no explicit " +
    "DeletionPolicy or UpdateReplacePolicy. Deleting the stack, removing the resource from the template, or an update that " +
    "replaces it destroys the data (or, for a KMS key, everything encrypted with it).",
  remediation:
    "Set `DeletionPolicy: Retain` (or `Snapshot` where the type supports it: RDS, EBS volumes, ElastiCache, Redshift, " +
    "Neptune, DocumentDB) and `UpdateReplacePolicy: Retain` (or `Snapshot`) on the resource. Write `Delete` explicitly only " +
    "for data you can afford to lose.",
  seeds: ["004 §12"],
  anchors: ["cfn-lint I3011"],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    const hits: Hit[] = [];
    for (const resource of template.resolved.resources.values()) {
      if (!resourceSchema(resource.type)?.isStateful || CLUSTER_MEMBER_TYPES.has(resource.type)) continue;
      if (resource.type === "AWS::RDS::DBInstance" && resource.properties.DBClusterIdentifier !== undefined) continue;
      const missing = ["DeletionPolicy", "UpdateReplacePolicy"].filter((attribute) => resource.raw[attribute] === undefined);
      if (missing.length === 0) continue;
      const rdsDefault =
        missing.includes("DeletionPolicy") && (resource.type === "AWS::RDS::DBCluster" || resource.type === "AWS::RDS::DBInstance")
          ? " (CloudFormation snapshots it on stack deletion by default, but a replacing update still deletes it)"
          : "";
      hits.push({
        resource: { logicalId: resource.logicalId, type: resource.type },
        message: `${resource.logicalId} (${resource.type}) holds data but has no ${missing.join(" and no ")}${rdsDefault}`,
        evidence: {
          DeletionPolicy: resource.raw.DeletionPolicy ?? null,
          UpdateReplacePolicy: resource.raw.UpdateReplacePolicy ?? null,
        },
      });
    }
    return hits;
  },
});
