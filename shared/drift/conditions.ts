import type { ResolvedTemplate } from "../template/resolve.ts";
import { Unknown, isRecord } from "../template/values.ts";

/**
 * Whether the deployed scenario cannot tell if the condition holds: it reads (itself or through the conditions it
 * names) a parameter whose deployed value is unknown (a NoEcho parameter DescribeStacks masks, an SSM parameter) or a
 * value the resolver does not compute in conditions (Fn::Sub, Fn::Join, Fn::Select). The resolver still decides such a
 * condition one way; the stack, which knew the value, may have decided it the other.
 */
export function conditionUndecided(resolved: ResolvedTemplate, conditionName: string): boolean {
  const conditions = isRecord(resolved.source.body.Conditions) ? resolved.source.body.Conditions : {};
  const parameters = resolved.scenario.parameters;
  const visiting = new Set<string>();
  const readsUnknown = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.some(readsUnknown);
    if (!isRecord(node)) return false;
    if (typeof node.Ref === "string") {
      if (Object.hasOwn(parameters, node.Ref)) return parameters[node.Ref] instanceof Unknown;
      return !node.Ref.startsWith("AWS::");
    }
    if (typeof node.Condition === "string") return named(node.Condition);
    if ("Fn::Sub" in node || "Fn::Join" in node || "Fn::Select" in node) return true;
    return Object.values(node).some(readsUnknown);
  };
  const named = (name: string): boolean => {
    if (visiting.has(name) || !Object.hasOwn(conditions, name)) return false;
    visiting.add(name);
    return readsUnknown(conditions[name]);
  };
  return named(conditionName);
}

/** Whether the template value picks a branch (Fn::If) on a condition the deployed scenario cannot decide. */
export function choosesOnUndecided(resolved: ResolvedTemplate, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((item) => choosesOnUndecided(resolved, item));
  if (!isRecord(value)) return false;
  const choice = value["Fn::If"];
  if (Array.isArray(choice) && typeof choice[0] === "string" && conditionUndecided(resolved, choice[0])) return true;
  return Object.values(value).some((item) => choosesOnUndecided(resolved, item));
}
