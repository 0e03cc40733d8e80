import { dbInstanceViews, pathOf } from "../../views/db-instance.ts";
import { defineRule, type Hit } from "../rule.ts";
import type { DbInstanceView } from "../../views/db-instance.ts";
import { dbEvidence, dbResource, describeDb } from "./shared.ts";

function howOff(db: DbInstanceView): string {
  const cluster = db.inherited.monitoringInterval;
  if (cluster !== undefined) return `MonitoringInterval 0 inherited from ${cluster}`;
  return db.defaulted.includes("monitoringInterval") ? "MonitoringInterval is not set and defaults to 0" : "MonitoringInterval: 0";
}

export default defineRule({
  id: "rds-enhanced-monitoring-off",
  title: "Database enhanced monitoring is off",
  severity: "low",
  description:
    "Enhanced monitoring publishes operating-system metrics (CPU per process, memory, file system, I/O) every 1 to 60 " +
    "seconds; without it, incidents are diagnosed from hypervisor-level CloudWatch metrics only. MonitoringInterval defaults " +
    "to 0 (off), and an interval above 0 needs a MonitoringRoleArn. Aurora instances are judged one by one (an interval set " +
    "on the cluster is what they inherit).",
  remediation:
    "Set MonitoringInterval (1, 5, 10, 15, 30 or 60) and MonitoringRoleArn to a role that monitoring.rds.amazonaws.com can " +
    "assume with the AmazonRDSEnhancedMonitoringRole managed policy, on each AWS::RDS::DBInstance (or on the " +
    "AWS::RDS::DBCluster for Multi-AZ DB clusters).",
  seeds: ["001 §3"],
  anchors: ["checkov CKV_AWS_118", "securityhub RDS.6"],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const db of context.views(dbInstanceViews)) {
      if (db.kind === "cluster" && db.aurora) continue;
      const interval = db.monitoringInterval;
      if (typeof interval !== "number") continue;
      if (interval === 0) {
        hits.push({
          resource: dbResource(db),
          path: pathOf(db, "monitoringInterval"),
          message: `${describeDb(db)} has enhanced monitoring off (${howOff(db)}): no operating-system metrics are collected`,
          evidence: dbEvidence(db, "monitoringInterval"),
        });
      } else if (db.monitoringRoleArn === undefined) {
        hits.push({
          resource: dbResource(db),
          path: pathOf(db, "monitoringInterval"),
          message: `${describeDb(db)} sets MonitoringInterval ${interval} but no MonitoringRoleArn: RDS has no role to publish enhanced monitoring metrics with, and the deployment is rejected`,
          evidence: dbEvidence(db, "monitoringInterval", "monitoringRoleArn"),
        });
      }
    }
    return hits;
  },
});
