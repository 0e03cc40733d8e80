import { dbInstanceViews, pathOf, type DbInstanceView } from "../../views/db-instance.ts";
import { defineRule, type Hit } from "../rule.ts";
import { dbEvidence, dbResource, describeDb, origin, driftValue } from "./shared.ts";

const MINIMUM_DAYS = 7;

export default defineRule({
  id: "rds-backup-retention-short",
  title: "Database backups are kept for less than 7 days",
  severity: "medium",
  description:
    "Automated backups and point-in-time recovery reach back only as far as the retention period. CloudFormation keeps " +
    "backups for 1 day when BackupRetentionPeriod is left out, and 0 turns automated backups off: a corruption or a bad " +
    "deployment noticed after the weekend can no longer be undone. Aurora instances take their retention from the cluster, " +
    "which is judged instead.",
  remediation:
    "Set BackupRetentionPeriod to 7 or more (up to 35) on the AWS::RDS::DBInstance, or on the AWS::RDS::DBCluster for Aurora " +
    "and Multi-AZ DB clusters, and consider an AWS Backup plan for longer retention.",
  seeds: ["004 §9"],
  anchors: ["securityhub RDS.11"],
  judges: ["template", "live", "drift"],
  drift: [{ view: dbInstanceViews, property: "BackupRetentionPeriod", value: (view: DbInstanceView) => driftValue(view, "backupRetentionDays") }],
  check(context) {
    const hits: Hit[] = [];
    for (const db of context.views(dbInstanceViews)) {
      const days = db.backupRetentionDays;
      if (typeof days !== "number" || days >= MINIMUM_DAYS) continue;
      const effect = days === 0 ? "automated backups are off, so there is no point-in-time recovery" : `point-in-time recovery reaches back only ${days} day${days === 1 ? "" : "s"}`;
      hits.push({
        resource: dbResource(db),
        path: pathOf(db, "backupRetentionDays"),
        message: `${describeDb(db)} keeps backups for ${days} day${days === 1 ? "" : "s"}${origin(db, "backupRetentionDays", "BackupRetentionPeriod")}: ${effect}; at least ${MINIMUM_DAYS} are expected`,
        evidence: dbEvidence(db, "backupRetentionDays"),
      });
    }
    return hits;
  },
});
