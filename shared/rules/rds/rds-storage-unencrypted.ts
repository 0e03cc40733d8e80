import { dbInstanceViews, pathOf, type DbInstanceView } from "../../views/db-instance.ts";
import { defineRule, type Hit } from "../rule.ts";
import { dbEvidence, dbResource, describeDb, origin, driftValue } from "./shared.ts";

export default defineRule({
  id: "rds-storage-unencrypted",
  title: "Database storage is not encrypted",
  severity: "high",
  description:
    "Without StorageEncrypted the database's storage, automated backups, snapshots and replicas are not encrypted at rest, " +
    "and encryption cannot be switched on later without copying a snapshot and restoring it. StorageEncrypted defaults to " +
    "false. Aurora instances are encrypted by their cluster, which is judged instead; an instance restored from a snapshot " +
    "or replicating another takes its source's encryption, and is judged only when that source is in the template.",
  remediation:
    "Set StorageEncrypted: true on the AWS::RDS::DBInstance (or the AWS::RDS::DBCluster for Aurora and Multi-AZ DB clusters), " +
    "with KmsKeyId naming a customer managed key if key control is required. An existing database must be migrated: copy " +
    "a snapshot with encryption and restore from it.",
  seeds: ["003 §4"],
  anchors: ["cfn_nag F27", "checkov CKV_AWS_16", "securityhub RDS.3"],
  judges: ["template", "live", "drift"],
  drift: [{ view: dbInstanceViews, property: "StorageEncrypted", value: (view: DbInstanceView) => driftValue(view, "storageEncrypted") }],
  check(context) {
    const hits: Hit[] = [];
    for (const db of context.views(dbInstanceViews)) {
      if (db.storageEncrypted !== false) continue;
      hits.push({
        resource: dbResource(db),
        path: pathOf(db, "storageEncrypted"),
        message: `${describeDb(db)} does not encrypt its storage${origin(db, "storageEncrypted", "StorageEncrypted")}: data, backups and snapshots are stored unencrypted at rest`,
        evidence: dbEvidence(db, "storageEncrypted"),
      });
    }
    return hits;
  },
});
