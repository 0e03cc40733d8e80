import { dbInstanceViews, pathOf, type DbInstanceView } from "../../views/db-instance.ts";
import { defineRule, type Hit } from "../rule.ts";
import { dbEvidence, dbResource, describeDb, origin, driftValue, ownMonitoring } from "./shared.ts";

export default defineRule({
  id: "rds-performance-insights-off",
  title: "Database Performance Insights is off",
  severity: "low",
  description:
    "Performance Insights records database load by wait event, SQL statement, host and user; without it a slowdown or a " +
    "runaway query is hard to trace after the fact. EnablePerformanceInsights defaults to false. Aurora instances are " +
    "judged one by one (a setting on the cluster is what they inherit); micro and small burstable classes, which do not " +
    "support Performance Insights, are not judged.",
  remediation:
    "Set EnablePerformanceInsights: true on each AWS::RDS::DBInstance (PerformanceInsightsEnabled on the AWS::RDS::DBCluster " +
    "for Multi-AZ DB clusters), with PerformanceInsightsKMSKeyId for a customer managed key and " +
    "PerformanceInsightsRetentionPeriod (7 days is free).",
  seeds: ["003 §4"],
  anchors: [],
  judges: ["template", "live", "drift"],
  drift: [{ view: dbInstanceViews, property: "PerformanceInsights", value: (view: DbInstanceView) => driftValue(view, "performanceInsightsEnabled", ownMonitoring(view)) }],
  check(context) {
    const hits: Hit[] = [];
    for (const db of context.views(dbInstanceViews)) {
      if (db.kind === "cluster" && db.aurora) continue;
      if (db.performanceInsightsEnabled !== false) continue;
      const property = db.kind === "cluster" ? "PerformanceInsightsEnabled" : "EnablePerformanceInsights";
      hits.push({
        resource: dbResource(db),
        path: pathOf(db, "performanceInsightsEnabled"),
        message: `${describeDb(db)} has Performance Insights off${origin(db, "performanceInsightsEnabled", property)}: database load and slow queries are not recorded`,
        evidence: { ...dbEvidence(db, "performanceInsightsEnabled"), ...(db.instanceClass !== undefined ? { instanceClass: String(db.instanceClass) } : {}) },
      });
    }
    return hits;
  },
});
