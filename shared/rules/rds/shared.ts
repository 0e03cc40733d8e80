import { display, Unknown } from "../../template/values.ts";
import type { DbField, DbInstanceView } from "../../views/db-instance.ts";
import type { Hit } from "../rule.ts";

/** "DB instance Db" / "Aurora cluster Cluster", for messages. */
export function describeDb(view: DbInstanceView): string {
  if (view.kind === "instance") return `DB instance ${view.logicalId}`;
  return `${view.aurora ? "Aurora DB cluster" : "Multi-AZ DB cluster"} ${view.logicalId}`;
}

export function dbResource(view: DbInstanceView): Hit["resource"] {
  return { logicalId: view.logicalId, type: view.type, ...(view.physicalId ? { physicalId: view.physicalId } : {}) };
}

/** How the value came about when the source does not write it: AWS's default, or another resource's setting. */
export function origin(view: DbInstanceView, field: DbField, property: string): string {
  const from = view.inherited[field];
  if (from !== undefined) return ` (inherited from ${from})`;
  return view.defaulted.includes(field) ? ` (${property} is not set; that is AWS's default)` : "";
}

/** Evidence of the judged fields, plain values. */
export function dbEvidence(view: DbInstanceView, ...fields: DbField[]): Record<string, unknown> {
  const evidence: Record<string, unknown> = { kind: view.kind };
  if (view.engine !== undefined) evidence.engine = display(view.engine);
  for (const field of fields) evidence[field] = view[field];
  const defaulted = fields.filter((field) => view.defaulted.includes(field));
  if (defaulted.length > 0) evidence.defaulted = defaulted;
  return evidence;
}

/**
 * A field's value for drift. A template view that does not fix the field (not written and no CloudFormation default, a
 * value taken from a snapshot or another resource, AWS's guess about the VPC) states no intent: Unknown, never drift.
 */
export function driftValue(view: DbInstanceView, field: DbField, intent = true): boolean | number | Unknown | undefined {
  const value = view[field];
  const isTemplateView = view.at !== undefined;
  if ((typeof value === "boolean" || typeof value === "number") && (intent || !isTemplateView)) return value;
  return isTemplateView ? new Unknown(`${field} is not fixed by the template`) : undefined;
}

/** Monitoring and Performance Insights of an Aurora cluster are what its instances inherit: the instances are compared. */
export function ownMonitoring(view: DbInstanceView): boolean {
  return !(view.kind === "cluster" && view.aurora);
}
