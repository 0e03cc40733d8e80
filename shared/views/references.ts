import { Composite, ResourceAttribute, ResourceRef, isRecord } from "../template/values.ts";

/** Logical ids of the template resources a resolved value points at (Ref, GetAtt, or a Sub/Join built from them). */
export function referencedLogicalIds(value: unknown): string[] {
  if (value instanceof ResourceRef || value instanceof ResourceAttribute) return [value.logicalId];
  if (value instanceof Composite) {
    return value.symbols.flatMap((symbol) => (symbol instanceof ResourceRef || symbol instanceof ResourceAttribute ? [symbol.logicalId] : []));
  }
  return [];
}

/** True when the resolved value is (or is built from) a Ref or GetAtt of `logicalId`. */
export function pointsAt(value: unknown, logicalId: string): boolean {
  return referencedLogicalIds(value).includes(logicalId);
}

/** The record at `key`, or an empty record when absent or not an object (unknown values included). */
export function recordAt(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = record[key];
  return isRecord(value) ? value : {};
}
