import type { TemplatePath } from "./parse.ts";
import { resourceSchema, typeDefinitionOf, type Property, type PropertyType } from "./schema.ts";
import { booleanValue, display, isRecord, isSymbolic, numberValue } from "./values.ts";

/**
 * Walks a resolved resource's properties along the CloudFormation resource schema: every named property
 * (top level and nested in property types) with its schema, and every concrete value the schema does not allow.
 */

/** A property as it is written somewhere in a resource: its name, schema, resolved value and template path. */
export interface PropertyVisit {
  name: string;
  property: Property;
  value: unknown;
  path: TemplatePath;
  /** Names of the enclosing properties, outermost first (["BucketEncryption", "ServerSideEncryptionConfiguration"]). */
  parents: readonly string[];
}

export type ProblemKind = "unknown-property" | "missing-required" | "type" | "allowed-values";

export interface PropertyProblem {
  kind: ProblemKind;
  /** The property name (for unknown-property, the unknown key). */
  name: string;
  path: TemplatePath;
  value: unknown;
  /** What the schema expects, in words ("one of A, B", "a boolean", "an object"). */
  expected: string;
}

/** Visits every property the schema names, depth first; values that do not fit the schema are not descended into. */
export function forEachProperty(
  resourceType: string,
  properties: Record<string, unknown>,
  basePath: TemplatePath,
  visit: (entry: PropertyVisit) => void,
): void {
  const schema = resourceSchema(resourceType);
  if (!schema) return;
  const walkObject = (object: Record<string, unknown>, definitions: Readonly<Record<string, Property>>, path: TemplatePath, parents: readonly string[]): void => {
    for (const [name, value] of Object.entries(object)) {
      const property = definitions[name];
      if (!property) continue;
      const here = [...path, name];
      visit({ name, property, value, path: here, parents });
      const fitting = typesOf(property).find((type) => problemsOf(type, value, here, name).length === 0) ?? property.type;
      walkValue(fitting, value, here, [...parents, name]);
    }
  };
  const walkValue = (type: PropertyType, value: unknown, path: TemplatePath, parents: readonly string[]): void => {
    if (type.type === "ref" && isRecord(value)) {
      const definition = typeDefinitionOf(type);
      if (definition) walkObject(value, definition.properties, path, parents);
    } else if (type.type === "array" && Array.isArray(value)) {
      value.forEach((item, index) => walkValue(type.element, item, [...path, index], parents));
    } else if (type.type === "map" && isRecord(value)) {
      for (const [key, item] of Object.entries(value)) walkValue(type.element, item, [...path, key], parents);
    } else if (type.type === "union") {
      // Descend through the first member that fits, so a property is visited once.
      const member = type.types.find((candidate) => problemsOf(candidate, value, path, "").length === 0);
      if (member) walkValue(member, value, path, parents);
    }
  };
  walkObject(properties, schema.properties, basePath, []);
}

/** Concrete values the resource schema does not allow: unknown property names, wrong types, values outside an enum. */
export function propertyProblems(resourceType: string, properties: Record<string, unknown>, basePath: TemplatePath): PropertyProblem[] {
  const schema = resourceSchema(resourceType);
  if (!schema) return [];
  // Read-only properties (the spec lists them as attributes: a scaling policy's PolicyName) are accepted and ignored.
  const readOnly = [...schema.attributes].filter((name) => !name.includes(".") && !(name in schema.properties));
  return objectProblems(schema.properties, properties, basePath, new Set(readOnly));
}

function typesOf(property: Property): PropertyType[] {
  return [property.type, ...(property.previousTypes ?? [])];
}

function objectProblems(
  definitions: Readonly<Record<string, Property>>,
  object: Record<string, unknown>,
  path: TemplatePath,
  alsoAccepted: ReadonlySet<string> = new Set(),
): PropertyProblem[] {
  const problems: PropertyProblem[] = [];
  for (const [name, value] of Object.entries(object)) {
    const here = [...path, name];
    const property = definitions[name];
    if (!property) {
      if (!alsoAccepted.has(name)) {
        problems.push({ kind: "unknown-property", name, path: here, value, expected: `one of the properties ${Object.keys(definitions).join(", ")}` });
      }
      continue;
    }
    if (property.deprecated === "IGNORE") continue;
    // The value fits when any of the property's current or previous types accepts it.
    let best: PropertyProblem[] | undefined;
    for (const type of typesOf(property)) {
      const found = problemsOf(type, value, here, name);
      if (found.length === 0) {
        best = [];
        break;
      }
      if (!best || found.length < best.length) best = found;
    }
    problems.push(...(best ?? []));
  }
  for (const [name, property] of Object.entries(definitions)) {
    if (property.required && !(name in object)) problems.push({ kind: "missing-required", name, path, value: undefined, expected: `a value for ${name}` });
  }
  return problems;
}

function problemsOf(type: PropertyType, value: unknown, path: TemplatePath, name: string): PropertyProblem[] {
  if (value === undefined || value === null || isSymbolic(value)) return [];
  const problem = (expected: string, kind: ProblemKind = "type"): PropertyProblem[] => [{ kind, name, path, value, expected }];
  switch (type.type) {
    case "string": {
      if (Array.isArray(value) || isRecord(value)) return problem("a string");
      if (type.allowedValues && type.allowedValues.length > 0 && typeof value === "string" && !type.allowedValues.includes(value)) {
        return problem(`one of ${type.allowedValues.join(", ")}`, "allowed-values");
      }
      return [];
    }
    case "date-time":
      return Array.isArray(value) || isRecord(value) ? problem("a date-time string") : [];
    case "integer":
    case "number": {
      const number = numberValue(value);
      if (number === undefined || typeof value === "boolean") return problem(type.type === "integer" ? "an integer" : "a number");
      if (type.type === "integer" && !Number.isInteger(number)) return problem("an integer");
      if (type.type === "integer" && type.allowedValues && type.allowedValues.length > 0 && !type.allowedValues.includes(number)) {
        return problem(`one of ${type.allowedValues.join(", ")}`, "allowed-values");
      }
      return [];
    }
    case "boolean":
      return booleanValue(value) === undefined ? problem("a boolean (true or false)") : [];
    case "json":
    case "null":
      return [];
    case "tag":
      return isRecord(value) ? [] : problem("a tag {Key, Value}");
    case "array":
      if (!Array.isArray(value)) return problem("a list");
      return value.flatMap((item, index) => problemsOf(type.element, item, [...path, index], name));
    case "map":
      if (!isRecord(value)) return problem("a mapping of keys to values");
      return Object.entries(value).flatMap(([key, item]) => problemsOf(type.element, item, [...path, key], name));
    case "ref": {
      if (!isRecord(value)) return problem("an object");
      const definition = typeDefinitionOf(type);
      return definition ? objectProblems(definition.properties, value, path) : [];
    }
    case "union": {
      let best: PropertyProblem[] | undefined;
      for (const member of type.types) {
        const found = problemsOf(member, value, path, name);
        if (found.length === 0) return [];
        if (!best || found.length < best.length) best = found;
      }
      return best ?? [];
    }
    default:
      return [];
  }
}

/** A problem as a sentence: "SSEAlgorithm is aws:kms:xyz, but the schema allows one of AES256, aws:kms". */
export function describeProblem(problem: PropertyProblem): string {
  const where = problem.path.slice(3).map((step, index) => (typeof step === "number" ? `[${step}]` : index === 0 ? step : `.${step}`)).join("");
  if (problem.kind === "unknown-property") return `${where} is not a property this resource type has`;
  if (problem.kind === "missing-required") return `${where ? `${where}.` : ""}${problem.name} is required but not set`;
  return `${where} is ${display(problem.value)}, but the schema expects ${problem.expected}`;
}
