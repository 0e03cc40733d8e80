import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type { SpecDatabase } from "@aws-cdk/service-spec-types";
import type { TemplatePath } from "./parse.ts";
import { resourceSchema, type Property, type PropertyType, type TypeDefinition } from "./schema.ts";
import { booleanValue, display, isRecord, isSymbolic, numberValue } from "./values.ts";

/**
 * Walks a resolved resource's properties along the CloudFormation resource schema: every named property
 * (top level and nested in property types) with its schema, and every concrete value the schema does not allow.
 *
 * schema.ts resolves named property types by name only, while a property's type points at its
 * definition by entity id; so this module keeps its own handle on the spec database to follow those ids.
 */

let database: SpecDatabase | undefined;
function db(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

function definitionOf(type: Extract<PropertyType, { type: "ref" }>): TypeDefinition | undefined {
  try {
    return db().get("typeDefinition", type.reference) as TypeDefinition;
  } catch {
    return undefined;
  }
}

/** A property as it is written somewhere in a resource: its name, schema, resolved value and template path. */
export interface PropertyVisit {
  name: string;
  property: Property;
  value: unknown;
  path: TemplatePath;
  /** Names of the enclosing properties, outermost first (["BucketEncryption", "ServerSideEncryptionConfiguration"]). */
  parents: readonly string[];
}

export type ProblemKind = "unknown-property" | "type" | "allowed-values";

export interface PropertyProblem {
  kind: ProblemKind;
  /** The property name (for unknown-property, the unknown key). */
  name: string;
  path: TemplatePath;
  value: unknown;
  /** What the schema expects, in words ("one of A, B", "a boolean", "an object"). */
  expected: string;
}

/** Properties every resource type accepts whether or not its schema lists them. */
const UNIVERSAL_PROPERTIES = new Set<string>();

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
      for (const type of typesOf(property)) walkValue(type, value, here, [...parents, name]);
    }
  };
  const walkValue = (type: PropertyType, value: unknown, path: TemplatePath, parents: readonly string[]): void => {
    if (type.type === "ref" && isRecord(value)) {
      const definition = definitionOf(type);
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
  return objectProblems(schema.properties, properties, basePath);
}

function typesOf(property: Property): PropertyType[] {
  return [property.type, ...(property.previousTypes ?? [])];
}

function objectProblems(definitions: Readonly<Record<string, Property>>, object: Record<string, unknown>, path: TemplatePath): PropertyProblem[] {
  const problems: PropertyProblem[] = [];
  for (const [name, value] of Object.entries(object)) {
    const here = [...path, name];
    const property = definitions[name];
    if (!property) {
      if (!UNIVERSAL_PROPERTIES.has(name)) {
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
      const definition = definitionOf(type);
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
  return `${where} is ${display(problem.value)}, but the schema expects ${problem.expected}`;
}
