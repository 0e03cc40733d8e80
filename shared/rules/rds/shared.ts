import { display } from "../../template/values.ts";
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
