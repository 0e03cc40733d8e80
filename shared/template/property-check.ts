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

/**
 * Items of one list judged one by one. CloudFormation's 1 MB template limit and IAM's policy size limits keep lists
 * that deploy far shorter; a longer one (a huge Fn::Split) is judged on its first items, so that one list cannot make
 * hundreds of thousands of findings and seconds of work.
 */
export const MAX_LIST_ITEMS_JUDGED = 1_000;

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

/**
 * Visits every property the schema names, depth first; values that do not fit the schema are not descended into.
 * With `wanted`, only properties whose name it accepts are visited (the walk still goes through the others).
 */
export function forEachProperty(
  resourceType: string,
  properties: Record<string, unknown>,
  basePath: TemplatePath,
  visit: (entry: PropertyVisit) => void,
  wanted?: (name: string) => boolean,
): void {
  const schema = resourceSchema(resourceType);
  if (!schema) return;
  // Paths and parents are stacks, pushed and popped on the way; a visit gets copies.
  const path: (string | number)[] = [...basePath];
  const parents: string[] = [];
  const walkObject = (object: Record<string, unknown>, definitions: Readonly<Record<string, Property>>): void => {
    for (const name of Object.keys(object)) {
      const property = definitionOf(definitions, name);
      if (!property) continue;
      const value = object[name];
      path.push(name);
      if (!wanted || wanted(name)) visit({ name, property, value, path: [...path], parents: [...parents] });
      const fitting = fits(property.type, value) ? property.type : (property.previousTypes ?? []).find((type) => fits(type, value)) ?? property.type;
      parents.push(name);
      walkValue(fitting, value);
      parents.pop();
      path.pop();
    }
  };
  const walkValue = (type: PropertyType, value: unknown): void => {
    if (type.type === "ref" && isRecord(value)) {
      const definition = typeDefinitionOf(type);
      if (definition) walkObject(value, definition.properties);
    } else if (type.type === "array" && Array.isArray(value)) {
      for (let index = 0; index < Math.min(value.length, MAX_LIST_ITEMS_JUDGED); index++) {
        path.push(index);
        walkValue(type.element, value[index]);
        path.pop();
      }
    } else if (type.type === "map" && isRecord(value)) {
      for (const key of Object.keys(value)) {
        path.push(key);
        walkValue(type.element, value[key]);
        path.pop();
      }
    } else if (type.type === "union") {
      // Descend through the first member that fits, so a property is visited once.
      const member = type.types.find((candidate) => fits(candidate, value));
      if (member) walkValue(member, value);
    }
  };
  walkObject(properties, schema.properties);
}

/** Concrete values the resource schema does not allow: unknown property names, wrong types, values outside an enum. */
export function propertyProblems(resourceType: string, properties: Record<string, unknown>, basePath: TemplatePath): PropertyProblem[] {
  const schema = resourceSchema(resourceType);
  if (!schema) return [];
  // Read-only properties (the spec lists them as attributes: a scaling policy's PolicyName) are accepted and ignored.
  const readOnly = [...schema.attributes].filter((name) => !name.includes(".") && !(name in schema.properties));
  return objectProblems(schema.properties, properties, basePath, new Set(readOnly));
}

/** The schema of a property the template names; a name like "constructor" must not find Object.prototype's. */
function definitionOf(definitions: Readonly<Record<string, Property>>, name: string): Property | undefined {
  return Object.hasOwn(definitions, name) ? definitions[name] : undefined;
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
    const property = definitionOf(definitions, name);
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
    // Not push(...best): a list of hundreds of thousands of problems (a huge Fn::Split) overflows the call stack as arguments.
    for (const problem of best ?? []) problems.push(problem);
  }
  for (const [name, property] of Object.entries(definitions)) {
    if (property.required && !Object.hasOwn(object, name)) problems.push({ kind: "missing-required", name, path, value: undefined, expected: `a value for ${name}` });
  }
  return problems;
}

/** Does the schema type accept the value? The same answer as `problemsOf(...).length === 0`, without building problems. */
function fits(type: PropertyType, value: unknown): boolean {
  if (value === undefined || value === null || isSymbolic(value)) return true;
  switch (type.type) {
    case "string":
      if (Array.isArray(value) || isRecord(value)) return false;
      return !(type.allowedValues && type.allowedValues.length > 0 && typeof value === "string" && !type.allowedValues.includes(value));
    case "date-time":
      return !(Array.isArray(value) || isRecord(value));
    case "integer":
    case "number": {
      const number = numberValue(value);
      if (number === undefined || typeof value === "boolean") return false;
      if (type.type === "integer" && !Number.isInteger(number)) return false;
      return !(type.type === "integer" && type.allowedValues && type.allowedValues.length > 0 && !type.allowedValues.includes(number));
    }
    case "boolean":
      return booleanValue(value) !== undefined;
    case "tag":
      return isRecord(value);
    case "array":
      return Array.isArray(value) && value.every((item) => fits(type.element, item));
    case "map":
      if (!isRecord(value)) return false;
      for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key) && !fits(type.element, value[key])) return false;
      return true;
    case "ref": {
      if (!isRecord(value)) return false;
      const definition = typeDefinitionOf(type);
      return definition ? objectFits(definition.properties, value) : true;
    }
    case "union":
      return type.types.length === 0 || type.types.some((member) => fits(member, value));
    default:
      return true;
  }
}

/** objectProblems(...).length === 0 for a nested object (no read-only names accepted). */
function objectFits(definitions: Readonly<Record<string, Property>>, object: Record<string, unknown>): boolean {
  for (const name of Object.keys(object)) {
    const property = definitionOf(definitions, name);
    if (!property) return false;
    if (property.deprecated === "IGNORE") continue;
    if (!fits(property.type, object[name]) && !(property.previousTypes ?? []).some((type) => fits(type, object[name]))) return false;
  }
  for (const name of Object.keys(definitions)) {
    if (definitions[name]!.required && !Object.hasOwn(object, name)) return false;
  }
  return true;
}

function problemOf(expected: string, kind: ProblemKind, name: string, path: TemplatePath, value: unknown): PropertyProblem[] {
  return [{ kind, name, path, value, expected }];
}

function problemsOf(type: PropertyType, value: unknown, path: TemplatePath, name: string): PropertyProblem[] {
  if (value === undefined || value === null || isSymbolic(value)) return [];
  switch (type.type) {
    case "string": {
      if (Array.isArray(value) || isRecord(value)) return problemOf("a string", "type", name, path, value);
      if (type.allowedValues && type.allowedValues.length > 0 && typeof value === "string" && !type.allowedValues.includes(value)) {
        return problemOf(`one of ${type.allowedValues.join(", ")}`, "allowed-values", name, path, value);
      }
      return [];
    }
    case "date-time":
      return Array.isArray(value) || isRecord(value) ? problemOf("a date-time string", "type", name, path, value) : [];
    case "integer":
    case "number": {
      const number = numberValue(value);
      if (number === undefined || typeof value === "boolean") return problemOf(type.type === "integer" ? "an integer" : "a number", "type", name, path, value);
      if (type.type === "integer" && !Number.isInteger(number)) return problemOf("an integer", "type", name, path, value);
      if (type.type === "integer" && type.allowedValues && type.allowedValues.length > 0 && !type.allowedValues.includes(number)) {
        return problemOf(`one of ${type.allowedValues.join(", ")}`, "allowed-values", name, path, value);
      }
      return [];
    }
    case "boolean":
      return booleanValue(value) === undefined ? problemOf("a boolean (true or false)", "type", name, path, value) : [];
    case "json":
    case "null":
      return [];
    case "tag":
      return isRecord(value) ? [] : problemOf("a tag {Key, Value}", "type", name, path, value);
    case "array":
      if (!Array.isArray(value)) return problemOf("a list", "type", name, path, value);
      return value.slice(0, MAX_LIST_ITEMS_JUDGED).flatMap((item, index) => problemsOf(type.element, item, [...path, index], name));
    case "map":
      if (!isRecord(value)) return problemOf("a mapping of keys to values", "type", name, path, value);
      return Object.entries(value).flatMap(([key, item]) => problemsOf(type.element, item, [...path, key], name));
    case "ref": {
      if (!isRecord(value)) return problemOf("an object", "type", name, path, value);
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
