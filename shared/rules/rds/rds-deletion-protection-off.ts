import { dbInstanceViews, pathOf, type DbInstanceView } from "../../views/db-instance.ts";
import { defineRule, type Hit } from "../rule.ts";
import { dbEvidence, dbResource, describeDb, origin, driftValue } from "./shared.ts";

export default defineRule({
  id: "rds-deletion-protection-off",
  title: "Database deletion protection is off",
  severity: "medium",
  description:
    "Without deletion protection a stack deletion, a replacement caused by an update, or one API call deletes the database. " +
    "DeletionProtection defaults to false. Aurora instances are protected through their cluster, which is judged instead.",
  remediation:
    "Set DeletionProtection: true on the AWS::RDS::DBInstance (or the AWS::RDS::DBCluster for Aurora and Multi-AZ DB " +
    "clusters), and add DeletionPolicy: Snapshot and UpdateReplacePolicy: Snapshot to the resource.",
  seeds: ["003 §4"],
  anchors: ["cfn_nag F80", "securityhub RDS.8"],
  judges: ["template", "live", "drift"],
  drift: [{ view: dbInstanceViews, property: "DeletionProtection", value: (view: DbInstanceView) => driftValue(view, "deletionProtection") }],
  check(context) {
    const hits: Hit[] = [];
    for (const db of context.views(dbInstanceViews)) {
      if (db.deletionProtection !== false) continue;
      hits.push({
        resource: dbResource(db),
        path: pathOf(db, "deletionProtection"),
        message: `${describeDb(db)} has deletion protection off${origin(db, "deletionProtection", "DeletionProtection")}: a stack deletion, a replacing update or a single DeleteDB call removes it`,
        evidence: dbEvidence(db, "deletionProtection"),
      });
    }
    return hits;
  },
});
