import { dbInstanceViews, pathOf } from "../../views/db-instance.ts";
import { isRecord, stringValue } from "../../template/values.ts";
import { defineRule, type Hit, type RuleContext } from "../rule.ts";
import type { DbInstanceView } from "../../views/db-instance.ts";
import { dbEvidence, dbResource, describeDb, driftValue, ownMonitoring } from "./shared.ts";

function howOff(db: DbInstanceView): string {
  const cluster = db.inherited.monitoringInterval;
  if (cluster !== undefined) return `MonitoringInterval 0 inherited from ${cluster}`;
  return db.defaulted.includes("monitoringInterval") ? "MonitoringInterval is not set and defaults to 0" : "MonitoringInterval: 0";
}

/** Does a raw template value take anything from a template parameter (Ref, or ${Name} in Fn::Sub)? */
function usesParameter(raw: unknown, parameters: Record<string, unknown>): boolean {
  if (Array.isArray(raw)) return raw.some((item) => usesParameter(item, parameters));
  if (!isRecord(raw)) return false;
  return Object.entries(raw).some(([key, value]) => {
    if (key === "Ref") return typeof value === "string" && value in parameters;
    if (key === "Fn::Sub") {
      const [text, locals] = Array.isArray(value) ? [value[0], value[1]] : [value, undefined];
      const names = typeof text === "string" ? [...text.matchAll(/\$\{([^}!.]+)\}/g)].map((match) => match[1]!.trim()) : [];
      return names.some((name) => name in parameters) || usesParameter(locals, parameters);
    }
    return usesParameter(value, parameters);
  });
}

/**
 * The role a MonitoringRoleArn written in the template names by ARN (not a parameter, not a GetAtt of a template role),
 * when no IAM role of the template has that name: the deployment then depends on a role created out of band.
 */
function roleOutsideTemplate(db: DbInstanceView, template: NonNullable<RuleContext["template"]>): string | undefined {
  const arn = stringValue(db.monitoringRoleArn);
  const name = arn === undefined ? undefined : /^arn:aws[\w-]*:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
  if (name === undefined) return undefined;
  const holder = db.inherited.monitoringRoleArn ?? db.logicalId;
  const resource = template.body.Resources[holder];
  const parameters = isRecord(template.body.Parameters) ? template.body.Parameters : {};
  if (!isRecord(resource) || !isRecord(resource.Properties) || usesParameter(resource.Properties.MonitoringRoleArn, parameters)) return undefined;
  for (const role of template.resolved.resources.values()) {
    if (role.type !== "AWS::IAM::Role") continue;
    const roleName = stringValue(role.properties.RoleName);
    // A role whose name the scan cannot read might be the one.
    if (roleName === undefined ? role.properties.RoleName !== undefined : roleName === name) return undefined;
  }
  return name;
}

export default defineRule({
  id: "rds-enhanced-monitoring-off",
  title: "Database enhanced monitoring is off",
  severity: "low",
  description:
    "Enhanced monitoring publishes operating-system metrics (CPU per process, memory, file system, I/O) every 1 to 60 " +
    "seconds; without it, incidents are diagnosed from hypervisor-level CloudWatch metrics only. MonitoringInterval defaults " +
    "to 0 (off), and an interval above 0 needs a MonitoringRoleArn. Aurora instances are judged one by one (an interval set " +
    "on the cluster is what they inherit). In a template, a MonitoringRoleArn written as the literal ARN of a role the template " +
    "does not create (typically arn:aws:iam::${AWS::AccountId}:role/rds-monitoring-role) is reported too: the deployment then " +
    "depends on a role that may not exist.",
  remediation:
    "Set MonitoringInterval (1, 5, 10, 15, 30 or 60) and MonitoringRoleArn to a role that monitoring.rds.amazonaws.com can " +
    "assume with the AmazonRDSEnhancedMonitoringRole managed policy, on each AWS::RDS::DBInstance (or on the " +
    "AWS::RDS::DBCluster for Multi-AZ DB clusters). Create that role in the template (!GetAtt MonitoringRole.Arn) or pass its " +
    "ARN as a parameter, rather than writing the ARN of a role the stack does not own.",
  seeds: ["001 §3"],
  anchors: ["checkov CKV_AWS_118", "securityhub RDS.6"],
  judges: ["template", "live", "drift"],
  drift: [{ view: dbInstanceViews, property: "MonitoringInterval", value: (view: DbInstanceView) => driftValue(view, "monitoringInterval", ownMonitoring(view)) }],
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
      } else if (context.source === "template" && context.template) {
        const role = roleOutsideTemplate(db, context.template);
        if (role === undefined) continue;
        hits.push({
          resource: dbResource(db),
          path: pathOf(db, "monitoringRoleArn"),
          message:
            `${describeDb(db)} sets MonitoringInterval ${interval} with a MonitoringRoleArn naming role ${role} by ARN, a role this template ` +
            "does not create: unless a role of that name already exists in the account and lets monitoring.rds.amazonaws.com assume it, " +
            "RDS rejects the deployment and no enhanced monitoring is collected" +
            (role === "rds-monitoring-role" ? " (the RDS console creates rds-monitoring-role only in accounts where someone enabled enhanced monitoring through it)" : ""),
          detail: "role-outside-template",
          evidence: { ...dbEvidence(db, "monitoringInterval"), monitoringRole: role },
        });
      }
    }
    return hits;
  },
});
