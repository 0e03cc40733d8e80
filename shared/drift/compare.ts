import { Composite, ResourceAttribute, ResourceRef, Unknown, display, isSymbolic } from "../template/values.ts";

/** True when the template does not fix the value: an `Unknown` anywhere in it, alone or inside a Sub/Join. */
export function containsUnknown(value: unknown): boolean {
  if (value instanceof Unknown) return true;
  if (value instanceof Composite) return value.parts.some((part) => part instanceof Unknown);
  if (isSymbolic(value)) return false;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * Lists withPhysicalIds made from lists holding symbolic values: the views sorted those by the symbols' names, so their
 * order says nothing about the order of the physical ids that replaced them.
 */
const orderFree = new WeakSet<readonly unknown[]>();

/**
 * The template value with each `Ref` of a stack resource replaced by the resource's physical id (what Ref returns),
 * and each Sub/Join whose parts all become text joined into a string. What stays symbolic (a GetAtt, a Ref of
 * something the stack does not hold) matches any live value in its place; a list that held symbolic values still
 * matches a live list in any order once they are replaced.
 */
export function withPhysicalIds(value: unknown, physicalIdOf: (logicalId: string) => string | undefined): unknown {
  if (value instanceof ResourceRef) return physicalIdOf(value.logicalId) ?? value;
  if (value instanceof Composite) {
    const parts = value.parts.map((part) => (part instanceof ResourceRef ? (physicalIdOf(part.logicalId) ?? part) : part));
    return parts.every((part): part is string => typeof part === "string") ? parts.join("") : new Composite(parts);
  }
  if (isSymbolic(value)) return value;
  if (Array.isArray(value)) {
    const replaced = value.map((item) => withPhysicalIds(item, physicalIdOf));
    if (holdsSymbol(value)) orderFree.add(replaced);
    return replaced;
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withPhysicalIds(item, physicalIdOf)]));
  }
  return value;
}

/**
 * Whether the template's value and the live value say the same: deep equality of plain data, where `undefined` and
 * an absent key are the same, a number or boolean equals the string CloudFormation would make of it, a symbolic
 * template value matches any live value in its place (one that returns an ARN only an ARN; a Sub/Join matches the
 * strings its literal parts allow), and a list holding symbolic values (or made by withPhysicalIds from one) matches a
 * live list in any order.
 */
export function driftEqual(template: unknown, live: unknown): boolean {
  if (template instanceof Unknown) return true;
  if (template instanceof Composite) return typeof live === "string" && compositePattern(template).test(live);
  if (template instanceof ResourceRef || template instanceof ResourceAttribute) {
    if (template.returns === "arn") return typeof live === "string" && live.startsWith("arn:");
    return live !== undefined && live !== null;
  }
  if (template === undefined || template === null || live === undefined || live === null) return (template ?? null) === (live ?? null);
  if (typeof template !== "object" || typeof live !== "object") return scalarEqual(template, live);
  if (Array.isArray(template) || Array.isArray(live)) {
    if (!Array.isArray(template) || !Array.isArray(live) || template.length !== live.length) return false;
    if (template.every((item, index) => driftEqual(item, live[index]))) return true;
    return (orderFree.has(template) || template.some(holdsSymbol)) && matchesInAnyOrder(template, live);
  }
  const keys = new Set([...Object.keys(template), ...Object.keys(live)]);
  for (const key of keys) {
    if (!driftEqual((template as Record<string, unknown>)[key], (live as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function scalarEqual(template: unknown, live: unknown): boolean {
  if (template === live) return true;
  if (typeof template === "string" && typeof live !== "string") return scalarEqual(live, template);
  if (typeof live !== "string") return false;
  if (typeof template === "number") return live.trim() !== "" && Number(live) === template;
  if (typeof template === "boolean") return live.toLowerCase() === String(template);
  return false;
}

function holdsSymbol(value: unknown): boolean {
  if (isSymbolic(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSymbol);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsSymbol);
  return false;
}

/** A perfect matching between the two lists (augmenting paths; the lists are short). */
function matchesInAnyOrder(template: readonly unknown[], live: readonly unknown[]): boolean {
  const liveMatchedBy = new Array<number>(live.length).fill(-1);
  const tryAssign = (templateIndex: number, visited: boolean[]): boolean => {
    for (let liveIndex = 0; liveIndex < live.length; liveIndex++) {
      if (visited[liveIndex] || !driftEqual(template[templateIndex], live[liveIndex])) continue;
      visited[liveIndex] = true;
      if (liveMatchedBy[liveIndex] === -1 || tryAssign(liveMatchedBy[liveIndex]!, visited)) {
        liveMatchedBy[liveIndex] = templateIndex;
        return true;
      }
    }
    return false;
  };
  return template.every((_, index) => tryAssign(index, new Array<boolean>(live.length).fill(false)));
}

function compositePattern(composite: Composite): RegExp {
  const source = composite.parts.map((part) => (typeof part === "string" ? part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : ".+")).join("");
  return new RegExp(`^${source}$`, "s");
}

/** A value for a message: symbolic values as `${Logical.Attr}`, nothing as "(not set)". */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return "(not set)";
  return display(value);
}
