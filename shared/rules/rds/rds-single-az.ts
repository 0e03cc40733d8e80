import { dbInstanceViews, pathOf, type DbInstanceView } from "../../views/db-instance.ts";
import { defineRule, type Hit } from "../rule.ts";
import { dbEvidence, dbResource, origin, driftValue } from "./shared.ts";

export default defineRule({
  id: "rds-single-az",
  title: "Database runs in a single Availability Zone",
  severity: "high",
  description:
    "A DB instance that is not Multi-AZ has no standby: a host failure or an Availability Zone outage takes the database " +
    "down until it is restored by hand. An Aurora instance's availability lives on its cluster, so the cluster is judged " +
    "instead: an Aurora cluster with a single DB instance in the template has nothing to fail over to. A read replica " +
    "that is not Multi-AZ is reported at medium: its source still holds the data; so is an Aurora cluster that no DB " +
    "instance of the template joins (its instances may be created elsewhere; a headless secondary of a global database is " +
    "not reported).",
  remediation:
    "Set MultiAZ: true on the AWS::RDS::DBInstance (MultiAZ defaults to false, and AvailabilityZone must then be left out). " +
    "For Aurora, add a second AWS::RDS::DBInstance with the same DBClusterIdentifier, ideally in another Availability Zone, " +
    "so the cluster can fail over to it.",
  seeds: ["000 §4", "003 §4"],
  anchors: ["checkov CKV_AWS_157", "prowler rds_instance_multi_az", "securityhub RDS.5"],
  judges: ["template", "live", "drift"],
  drift: [{ view: dbInstanceViews, property: "MultiAZ", value: (view: DbInstanceView) => driftValue(view, "multiAz") }],
  check(context) {
    const hits: Hit[] = [];
    for (const db of context.views(dbInstanceViews)) {
      // A headless secondary cluster of a global database legitimately has no instances.
      if (db.kind === "cluster" && db.aurora && db.members?.length === 0 && db.multiAz !== undefined && db.globalClusterId === undefined) {
        hits.push({
          resource: dbResource(db),
          path: db.at,
          message: context.source === "template"
            ? `No DB instance of this template joins Aurora DB cluster ${db.logicalId}: unless instances are added outside the ` +
              "template it has no writer and nothing to fail over to (reported at medium because instances may live elsewhere)"
            : `Aurora DB cluster ${db.logicalId} has no DB instance: it has no writer and nothing to fail over to (reported at medium: no data is served from it today)`,
          severity: "medium",
          evidence: { ...dbEvidence(db), members: [] },
        });
        continue;
      }
      if (db.multiAz !== false) continue;
      if (db.kind === "cluster") {
        const member = db.members?.[0];
        hits.push({
          resource: dbResource(db),
          path: db.at,
          message:
            `Aurora DB cluster ${db.logicalId} has a single DB instance${member ? ` (${member})` : ""}: Aurora keeps storage in three ` +
            "Availability Zones, but with no second instance a failure of that instance or its zone takes the database offline",
          evidence: { ...dbEvidence(db, "multiAz"), members: db.members ?? [] },
        });
        continue;
      }
      const replica = db.replicaOf !== undefined;
      const edition = typeof db.engine === "string" && /^sqlserver-(ex|web)$/.test(db.engine)
        ? ` (the ${db.engine === "sqlserver-ex" ? "Express" : "Web"} edition of SQL Server cannot run Multi-AZ: Standard or Enterprise can)`
        : "";
      hits.push({
        resource: dbResource(db),
        path: pathOf(db, "multiAz"),
        message: replica
          ? `DB instance ${db.logicalId} is a read replica of ${db.replicaOf} without Multi-AZ${origin(db, "multiAz", "MultiAZ")}: ` +
            "if it is promoted it has no standby (reported at medium because the source still holds the data)"
          : `DB instance ${db.logicalId} is not Multi-AZ${origin(db, "multiAz", "MultiAZ")}: it has no standby in another ` +
            `Availability Zone, so an instance or zone failure takes the database down${edition}`,
        ...(replica ? { severity: "medium" as const } : {}),
        evidence: { ...dbEvidence(db, "multiAz"), ...(replica ? { replicaOf: db.replicaOf } : {}) },
      });
    }
    return hits;
  },
});
