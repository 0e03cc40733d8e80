import type { TemplateBody, TemplatePath } from "./parse.ts";
import { isRecord } from "./values.ts";

export type ReferenceKind = "Ref" | "GetAtt" | "Sub" | "DependsOn" | "Condition";

export interface Reference {
  /** Logical id of the resource, or "Outputs.<name>" / "Conditions.<name>", that holds the reference. */
  from: string;
  /** Name referred to: a resource, parameter, pseudo parameter or condition. */
  to: string;
  kind: ReferenceKind;
  /** Attribute named by GetAtt or `${X.Attr}`. */
  attribute?: string;
  /** Where the reference is written, from the template root. */
  path: TemplatePath;
}

export interface ReferenceGraph {
  references: readonly Reference[];
  /** Every place that refers to `name`, except DependsOn (ordering is not use). */
  usersOf(name: string): Reference[];
  /** Like usersOf, restricted to references from other resources' properties (Outputs, Conditions and DependsOn are left out). */
  propertyUsersOf(name: string): Reference[];
}

/** Collects every Ref, GetAtt, Sub placeholder, DependsOn and Condition in the template as written. */
export function buildReferenceGraph(body: TemplateBody): ReferenceGraph {
  const references: Reference[] = [];
  // `path` is a stack, pushed and popped on the way; a reference keeps a copy.
  const walk = (node: unknown, from: string, path: (string | number)[], inConditions: boolean): void => {
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) {
        path.push(index);
        walk(node[index], from, path, inConditions);
        path.pop();
      }
      return;
    }
    if (!isRecord(node)) return;
    for (const key of Object.keys(node)) {
      const value = node[key];
      path.push(key);
      if (key === "Ref") {
        if (typeof value === "string") references.push({ from, to: value, kind: "Ref", path: [...path] });
      } else if (key === "Condition") {
        if (typeof value === "string" && inConditions) references.push({ from, to: value, kind: "Condition", path: [...path] });
      } else if (key === "Fn::If") {
        if (Array.isArray(value) && typeof value[0] === "string") references.push({ from, to: value[0], kind: "Condition", path: [...path] });
      } else if (key === "Fn::GetAtt") {
        const [target, ...attribute] = typeof value === "string" ? value.split(".") : Array.isArray(value) ? value : [];
        if (typeof target === "string") {
          references.push({ from, to: target, kind: "GetAtt", attribute: attribute.filter((part) => typeof part === "string").join("."), path: [...path] });
        }
      } else if (key === "Fn::Sub") {
        const text = Array.isArray(value) ? value[0] : value;
        const locals = Array.isArray(value) && isRecord(value[1]) ? value[1] : {};
        if (typeof text === "string" && text.includes("${")) {
          for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
            const name = match[1]!.trim();
            if (name in locals) continue;
            const dot = name.startsWith("AWS::") ? -1 : name.indexOf(".");
            references.push(dot < 0
              ? { from, to: name, kind: "Sub", path: [...path] }
              : { from, to: name.slice(0, dot), kind: "Sub", attribute: name.slice(dot + 1), path: [...path] });
          }
        }
      }
      if (value !== null && typeof value === "object") walk(value, from, path, inConditions);
      path.pop();
    }
  };

  for (const [logicalId, resource] of Object.entries(body.Resources)) {
    if (!isRecord(resource)) continue;
    for (const section of ["Properties", "CreationPolicy", "UpdatePolicy"]) {
      if (section in resource) walk(resource[section], logicalId, ["Resources", logicalId, section], false);
    }
    const dependsOn = Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
    dependsOn.forEach((target, index) => {
      if (typeof target === "string") {
        const path = Array.isArray(resource.DependsOn) ? ["Resources", logicalId, "DependsOn", index] : ["Resources", logicalId, "DependsOn"];
        references.push({ from: logicalId, to: target, kind: "DependsOn", path });
      }
    });
    if (typeof resource.Condition === "string") {
      references.push({ from: logicalId, to: resource.Condition, kind: "Condition", path: ["Resources", logicalId, "Condition"] });
    }
  }
  for (const [name, output] of Object.entries(isRecord(body.Outputs) ? body.Outputs : {})) {
    walk(output, `Outputs.${name}`, ["Outputs", name], true);
  }
  for (const [name, condition] of Object.entries(isRecord(body.Conditions) ? body.Conditions : {})) {
    walk(condition, `Conditions.${name}`, ["Conditions", name], true);
  }

  const byTarget = new Map<string, Reference[]>();
  for (const reference of references) {
    if (reference.kind === "DependsOn") continue;
    const list = byTarget.get(reference.to) ?? [];
    list.push(reference);
    byTarget.set(reference.to, list);
  }
  return {
    references,
    usersOf: (name) => byTarget.get(name) ?? [],
    propertyUsersOf: (name) =>
      (byTarget.get(name) ?? []).filter((reference) => reference.path[0] === "Resources" && reference.path[2] === "Properties" && reference.from !== name),
  };
}
