import type { ParsedTemplate, TemplateBody, TemplatePath } from "./parse.ts";
import { attributeKind, resourceSchema } from "./schema.ts";
import { Composite, ResourceAttribute, ResourceRef, Unknown, isRecord, isSymbolic, stringValue } from "./values.ts";

/** Values CloudFormation fills in for pseudo parameters; a live scan passes the stack's own. */
export interface PseudoParameters {
  "AWS::AccountId": string;
  "AWS::Region": string;
  "AWS::Partition": string;
  "AWS::URLSuffix": string;
  "AWS::StackName": string;
  "AWS::StackId": string;
}

export const DEFAULT_PSEUDO_PARAMETERS: PseudoParameters = {
  "AWS::AccountId": "123456789012",
  "AWS::Region": "us-east-1",
  "AWS::Partition": "aws",
  "AWS::URLSuffix": "amazonaws.com",
  "AWS::StackName": "stack",
  "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/00000000-0000-0000-0000-000000000000",
};

/** One way the template's conditions can come out: parameter values and the condition values they give. */
export interface Scenario {
  parameters: Record<string, unknown>;
  conditions: Record<string, boolean>;
  /** Empty for the scenario of the parameter defaults; else what differs, as "IsProd=false". */
  label: string;
}

export interface ResolvedResource {
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
  /** The resource as written, intrinsics unresolved. */
  raw: Record<string, unknown>;
  metadata: Record<string, unknown>;
  dependsOn: string[];
}

export interface ResolvedTemplate {
  source: ParsedTemplate;
  scenario: Scenario;
  resources: Map<string, ResolvedResource>;
  /** Resolve any other part of the template (Outputs, a Metadata block) under this scenario. */
  resolve(value: unknown): unknown;
  /** A path into resolved properties as a path into the template as written (lists lose their `AWS::NoValue` items). */
  sourcePath(path: TemplatePath): TemplatePath;
}

const NO_VALUE = Symbol("AWS::NoValue");
const OTHER_VALUE = "\u0000other";
const MASKED_VALUE = "\u0000masked";
const MAX_SCENARIOS = 8;
const MAX_COMBINATIONS = 512;

export interface ResolveOptions {
  pseudo?: Partial<PseudoParameters>;
  /** Parameter values a deployed stack was given; they override defaults. */
  parameterValues?: Record<string, string>;
  /** A deployed stack's NoEcho parameters: AWS masks their values, so they are unknown (never their Default). */
  maskedParameters?: readonly string[];
  /** A deployed stack: only the scenario its parameter values give, not every branch its conditions could take. */
  deployedOnly?: boolean;
}

/** Every scenario the template's conditions can take, the defaults first, each resolved. */
export function resolveTemplate(source: ParsedTemplate, options: ResolveOptions = {}): ResolvedTemplate[] {
  const pseudo = { ...DEFAULT_PSEUDO_PARAMETERS, ...options.pseudo };
  const given = { ...options.parameterValues, ...Object.fromEntries((options.maskedParameters ?? []).map((name) => [name, MASKED_VALUE])) };
  const scenarios = scenariosOf(source.body, pseudo, given);
  return (options.deployedOnly ? scenarios.slice(0, 1) : scenarios).map((scenario) => resolveScenario(source, scenario, pseudo));
}

function parameterDefaults(body: TemplateBody, given: Record<string, string>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, declaration] of Object.entries(body.Parameters ?? {})) {
    values[name] = Object.hasOwn(given, name) ? parameterValue(declaration, given[name]) : parameterValue(declaration, isRecord(declaration) ? declaration.Default : undefined);
  }
  return values;
}

function parameterValue(declaration: unknown, value: unknown): unknown {
  const type = isRecord(declaration) ? stringValue(declaration.Type) ?? "String" : "String";
  if (type.startsWith("AWS::SSM::Parameter::Value")) return new Unknown(`SSM parameter ${stringValue(value) ?? ""}`.trim(), stringValue(value));
  if (value === undefined || value === null) return new Unknown("parameter without default");
  if (value === OTHER_VALUE) return new Unknown("parameter value other than the default");
  if (value === MASKED_VALUE) return new Unknown("NoEcho parameter: AWS masks its deployed value");
  if (/^List<|^CommaDelimitedList$/.test(type)) {
    return Array.isArray(value) ? value : String(value).split(",").map((item) => item.trim());
  }
  if (type === "Number") return typeof value === "number" ? value : Number.isFinite(Number(value)) ? Number(value) : value;
  return typeof value === "string" ? value : String(value);
}

function scenariosOf(body: TemplateBody, pseudo: PseudoParameters, given: Record<string, string>): Scenario[] {
  const defaults = parameterDefaults(body, given);
  const conditions = isRecord(body.Conditions) ? body.Conditions : {};
  const conditionNames = Object.keys(conditions);
  const evaluate = (parameters: Record<string, unknown>) => evaluateConditions(body, conditions, parameters, pseudo);
  const base: Scenario = { parameters: defaults, conditions: evaluate(defaults), label: "" };
  if (conditionNames.length === 0) return [base];

  const domains = parameterDomains(body, conditions, defaults, pseudo, given);
  const names = [...domains.keys()];
  const seen = new Set([conditionKey(base.conditions, conditionNames)]);
  const scenarios = [base];
  let combinations = 0;
  const assign = (index: number, parameters: Record<string, unknown>): void => {
    if (scenarios.length >= MAX_SCENARIOS || combinations >= MAX_COMBINATIONS) return;
    if (index === names.length) {
      combinations++;
      const values = evaluate(parameters);
      const key = conditionKey(values, conditionNames);
      if (seen.has(key)) return;
      seen.add(key);
      const changed = conditionNames.filter((name) => values[name] !== base.conditions[name]);
      const label = changed.map((name) => `${name}=${values[name]}`).join(", ");
      scenarios.push({ parameters, conditions: values, label });
      return;
    }
    const name = names[index]!;
    for (const candidate of domains.get(name)!) {
      assign(index + 1, { ...parameters, [name]: parameterValue(body.Parameters?.[name], candidate) });
    }
  };
  assign(0, { ...defaults });
  return scenarios;
}

function conditionKey(values: Record<string, boolean>, names: string[]): string {
  return names.map((name) => (values[name] ? "1" : "0")).join("");
}

/** The values a parameter (or pseudo parameter) used by a condition can take that change what the condition says. */
function parameterDomains(
  body: TemplateBody,
  conditions: Record<string, unknown>,
  defaults: Record<string, unknown>,
  pseudo: PseudoParameters,
  given: Record<string, string>,
): Map<string, unknown[]> {
  const compared = new Map<string, Set<unknown>>();
  // Equals of two Refs: each side can take the other's current value, so the condition can come out true.
  const currentValueOf = (node: Record<string, unknown>): unknown => {
    if (typeof node.Ref !== "string") return OTHER_VALUE;
    if (Object.hasOwn(pseudo, node.Ref)) return pseudo[node.Ref as keyof PseudoParameters];
    const declaration = ownEntry(body.Parameters, node.Ref);
    return isRecord(declaration) && declaration.Default !== undefined ? declaration.Default : OTHER_VALUE;
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isRecord(node)) return;
    const equals = node["Fn::Equals"];
    if (Array.isArray(equals) && equals.length === 2) {
      for (const [side, other] of [[equals[0], equals[1]], [equals[1], equals[0]]]) {
        if (isRecord(side) && typeof side.Ref === "string") {
          const literals = compared.get(side.Ref) ?? new Set();
          literals.add(isRecord(other) ? currentValueOf(other) : other);
          compared.set(side.Ref, literals);
        }
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(conditions);
  const domains = new Map<string, unknown[]>();
  for (const [name, literals] of compared) {
    if (Object.hasOwn(given, name)) continue;
    const declaration = ownEntry(body.Parameters, name);
    const isPseudo = Object.hasOwn(pseudo, name);
    if (!isPseudo && declaration === undefined) continue;
    const allowed = isRecord(declaration) && Array.isArray(declaration.AllowedValues) ? declaration.AllowedValues : undefined;
    const current = isPseudo ? pseudo[name as keyof PseudoParameters] : isRecord(declaration) ? declaration.Default : undefined;
    const candidates = allowed ?? [...literals, OTHER_VALUE];
    domains.set(name, [...new Set([current ?? OTHER_VALUE, ...candidates])]);
    if (!isPseudo) defaults[name] ??= parameterValue(declaration, current);
  }
  return domains;
}

function evaluateConditions(
  body: TemplateBody,
  conditions: Record<string, unknown>,
  parameters: Record<string, unknown>,
  pseudo: PseudoParameters,
): Record<string, boolean> {
  const values: Record<string, boolean> = {};
  const inProgress = new Set<string>();
  const lookup = (name: string): unknown => {
    if (Object.hasOwn(parameters, name)) return parameters[name];
    if (Object.hasOwn(pseudo, name)) return pseudo[name as keyof PseudoParameters];
    return new Unknown(`undefined ${name}`);
  };
  const condition = (name: string): boolean => {
    if (Object.hasOwn(values, name)) return values[name]!;
    if (inProgress.has(name) || !Object.hasOwn(conditions, name)) return false;
    inProgress.add(name);
    values[name] = truth(conditions[name]);
    inProgress.delete(name);
    return values[name]!;
  };
  const scalar = (node: unknown): unknown => {
    if (isRecord(node)) {
      if (typeof node.Ref === "string") return lookup(node.Ref);
      if ("Fn::FindInMap" in node) return findInMap(body, node["Fn::FindInMap"], scalar);
      if ("Fn::Select" in node || "Fn::Join" in node || "Fn::Sub" in node) return new Unknown("computed value");
      return truth(node);
    }
    return node;
  };
  const truth = (node: unknown): boolean => {
    if (typeof node === "boolean") return node;
    if (!isRecord(node)) return false;
    if (typeof node.Condition === "string") return condition(node.Condition);
    const args = (key: string): unknown[] => (Array.isArray(node[key]) ? (node[key] as unknown[]) : []);
    if ("Fn::Equals" in node) {
      const [left, right] = args("Fn::Equals").map(scalar);
      if (left instanceof Unknown || right instanceof Unknown) return false;
      return stringValue(left) !== undefined ? stringValue(left) === stringValue(right) : JSON.stringify(left) === JSON.stringify(right);
    }
    if ("Fn::And" in node) return args("Fn::And").every(truth);
    if ("Fn::Or" in node) return args("Fn::Or").some(truth);
    if ("Fn::Not" in node) return !truth(args("Fn::Not")[0]);
    return false;
  };
  for (const name of Object.keys(conditions)) condition(name);
  return values;
}

function findInMap(body: TemplateBody, args: unknown, resolve: (value: unknown) => unknown): unknown {
  if (!Array.isArray(args) || args.length < 3) return new Unknown("malformed Fn::FindInMap");
  const [mapName, topKey, secondKey] = args.slice(0, 3).map(resolve).map(stringValue);
  const fallback = isRecord(args[3]) && "DefaultValue" in args[3] ? resolve(args[3].DefaultValue) : undefined;
  if (mapName === undefined || topKey === undefined || secondKey === undefined) return fallback ?? new Unknown("Fn::FindInMap over unknown keys");
  const top = ownEntry(ownEntry(body.Mappings, mapName), topKey);
  const value = ownEntry(top, secondKey);
  return value === undefined ? fallback ?? new Unknown(`no mapping ${mapName}.${topKey}.${secondKey}`) : value;
}

function resolveScenario(source: ParsedTemplate, scenario: Scenario, pseudo: PseudoParameters): ResolvedTemplate {
  const body = source.body;
  const declared = body.Resources;
  const typeOf = (logicalId: string): string | undefined => {
    const resource = ownEntry(declared, logicalId);
    return isRecord(resource) ? stringValue(resource.Type) : undefined;
  };
  const refOf = (name: string): unknown => {
    if (name === "AWS::NoValue") return NO_VALUE;
    if (Object.hasOwn(scenario.parameters, name)) return scenario.parameters[name];
    if (Object.hasOwn(pseudo, name)) return pseudo[name as keyof PseudoParameters];
    if (name === "AWS::NotificationARNs") return new Unknown("stack notification ARNs");
    const type = typeOf(name);
    if (type === undefined) return new Unknown(`undefined reference ${name}`);
    return new ResourceRef(name, type, resourceSchema(type)?.refKind ?? "other");
  };
  const attributeOf = (logicalId: string, attribute: string): unknown => {
    const type = typeOf(logicalId);
    if (type === undefined) return new Unknown(`undefined reference ${logicalId}.${attribute}`);
    if (type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource" || type === "AWS::CloudFormation::Stack") {
      return new Unknown(`attribute ${attribute} of ${logicalId}`);
    }
    return new ResourceAttribute(logicalId, type, attribute, attributeKind(attribute));
  };

  const resolve = (node: unknown, depth = 0): unknown => {
    if (depth > 200) return new Unknown("nested too deeply");
    if (typeof node === "string") return node.includes("{{resolve:") ? new Unknown(`dynamic reference ${node}`, node) : node;
    if (Array.isArray(node)) {
      const items: unknown[] = [];
      const kept: number[] = [];
      node.forEach((item, index) => {
        const value = resolve(item, depth + 1);
        if (value === NO_VALUE) return;
        items.push(value);
        kept.push(index);
      });
      if (kept.length < node.length) sourceIndexes.set(items, kept);
      return items;
    }
    if (!isRecord(node)) return node;
    const keys = Object.keys(node);
    if (keys.length === 1) {
      const key = keys[0]!;
      const argument = node[key];
      if (key === "Ref") return typeof argument === "string" ? refOf(argument) : new Unknown("malformed Ref");
      if (key.startsWith("Fn::")) return intrinsic(key, argument, depth);
    }
    const object: Record<string, unknown> = {};
    for (const key of keys) {
      const value = resolve(node[key], depth + 1);
      if (value !== NO_VALUE) object[key] = value;
    }
    return object;
  };

  const intrinsic = (name: string, argument: unknown, depth: number): unknown => {
    const args = Array.isArray(argument) ? argument : [argument];
    switch (name) {
      case "Fn::GetAtt": {
        const [logicalId, ...rest] = typeof argument === "string" ? splitOnce(argument) : args.map((part) => stringValue(resolve(part, depth + 1)));
        if (!logicalId || rest.length === 0 || rest.some((part) => part === undefined)) return new Unknown("malformed Fn::GetAtt");
        return attributeOf(logicalId, rest.join("."));
      }
      case "Fn::Sub":
        return substitute(argument, depth);
      case "Fn::Join": {
        const [delimiter, list] = args;
        const items = resolve(list, depth + 1);
        if (typeof delimiter !== "string" || !Array.isArray(items)) return new Unknown("Fn::Join over an unknown list");
        const parts: unknown[] = [];
        items.forEach((item, index) => {
          if (index > 0) parts.push(delimiter);
          parts.push(item);
        });
        return concatenate(parts);
      }
      case "Fn::Select": {
        const index = Number(stringValue(resolve(args[0], depth + 1)));
        const list = resolve(args[1], depth + 1);
        if (!Array.isArray(list) || !Number.isInteger(index)) return new Unknown("Fn::Select from an unknown list");
        return index >= 0 && index < list.length ? list[index] : new Unknown("Fn::Select index out of range");
      }
      case "Fn::Split": {
        const [delimiter, text] = [args[0], resolve(args[1], depth + 1)];
        if (typeof delimiter === "string" && typeof text === "string") return text.split(delimiter);
        return new Unknown("Fn::Split of an unknown string");
      }
      case "Fn::FindInMap":
        return findInMap(body, argument, (value) => resolve(value, depth + 1));
      case "Fn::If": {
        if (!Array.isArray(argument) || argument.length !== 3 || typeof argument[0] !== "string") return new Unknown("malformed Fn::If");
        const chosen = Object.hasOwn(scenario.conditions, argument[0]) ? scenario.conditions[argument[0]] : undefined;
        if (chosen === undefined) return new Unknown(`undefined condition ${argument[0]}`);
        return resolve(chosen ? argument[1] : argument[2], depth + 1);
      }
      case "Fn::Base64":
        return resolve(argument, depth + 1);
      case "Fn::GetAZs":
        return ["a", "b", "c"].map((zone) => new Unknown(`availability zone ${zone}`));
      case "Fn::ImportValue":
        return new Unknown(`imported value ${display(resolve(argument, depth + 1))}`);
      case "Fn::Length": {
        const list = resolve(argument, depth + 1);
        return Array.isArray(list) ? list.length : new Unknown("Fn::Length of an unknown list");
      }
      default:
        return new Unknown(`${name} result`);
    }
  };

  const substitute = (argument: unknown, depth: number): unknown => {
    const [text, variables] = Array.isArray(argument) ? [argument[0], argument[1]] : [argument, undefined];
    if (typeof text !== "string") return new Unknown("malformed Fn::Sub");
    const locals = isRecord(variables) ? variables : {};
    const parts: unknown[] = [];
    let last = 0;
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      parts.push(text.slice(last, match.index));
      last = match.index! + match[0].length;
      const name = match[1]!.trim();
      if (name.startsWith("!")) {
        parts.push(`\${${name.slice(1)}}`);
      } else if (Object.hasOwn(locals, name)) {
        parts.push(resolve(locals[name], depth + 1));
      } else if (name.includes(".") && !name.startsWith("AWS::")) {
        const [logicalId, attribute] = splitOnce(name);
        parts.push(attributeOf(logicalId!, attribute!));
      } else {
        parts.push(refOf(name));
      }
    }
    parts.push(text.slice(last));
    return concatenate(parts);
  };

  const resources = new Map<string, ResolvedResource>();
  for (const [logicalId, raw] of Object.entries(declared)) {
    if (!isRecord(raw)) continue;
    const condition = raw.Condition;
    if (typeof condition === "string" && Object.hasOwn(scenario.conditions, condition) && scenario.conditions[condition] === false) continue;
    const properties = resolve(raw.Properties ?? {});
    resources.set(logicalId, {
      logicalId,
      type: stringValue(raw.Type) ?? "",
      properties: isRecord(properties) ? properties : {},
      raw,
      metadata: isRecord(raw.Metadata) ? raw.Metadata : {},
      dependsOn: (Array.isArray(raw.DependsOn) ? raw.DependsOn : [raw.DependsOn]).filter((name): name is string => typeof name === "string"),
    });
  }
  return {
    source,
    scenario,
    resources,
    resolve: (value) => {
      const resolved = resolve(value);
      return resolved === NO_VALUE ? undefined : resolved;
    },
    sourcePath: (path) => sourcePathOf(resources, path),
  };
}

/** For lists the resolver shortened (an `AWS::NoValue` item dropped): the index each kept item had in the template. */
const sourceIndexes = new WeakMap<unknown[], number[]>();

function sourcePathOf(resources: Map<string, ResolvedResource>, path: TemplatePath): TemplatePath {
  const [section, logicalId, properties] = path;
  if (section !== "Resources" || properties !== "Properties" || typeof logicalId !== "string") return path;
  let node: unknown = resources.get(logicalId)?.properties;
  const translated: (string | number)[] = path.slice(0, 3) as string[];
  for (const step of path.slice(3)) {
    if (Array.isArray(node) && typeof step === "number") {
      translated.push(sourceIndexes.get(node)?.[step] ?? step);
      node = node[step];
    } else {
      translated.push(step);
      node = isRecord(node) ? node[step] : undefined;
    }
  }
  return translated;
}

/** `record[key]` when the template itself sets that key: a name like "constructor" must not find Object.prototype's. */
function ownEntry(record: unknown, key: string): unknown {
  return isRecord(record) && Object.hasOwn(record, key) ? record[key] : undefined;
}

function splitOnce(text: string): [string, string] {
  const dot = text.indexOf(".");
  return dot < 0 ? [text, ""] : [text.slice(0, dot), text.slice(dot + 1)];
}

/** Literal pieces join into one string; anything symbolic keeps the whole as a Composite. */
function concatenate(parts: unknown[]): unknown {
  const flat: (string | ResourceRef | ResourceAttribute | Unknown)[] = [];
  for (const part of parts) {
    if (part instanceof Composite) flat.push(...part.parts);
    else if (isSymbolic(part)) flat.push(part as ResourceRef | ResourceAttribute | Unknown);
    else if (part === NO_VALUE || part === undefined) continue;
    else if (Array.isArray(part) || isRecord(part)) flat.push(new Unknown("a list or object inside a string"));
    else flat.push(String(part));
  }
  const merged: (string | ResourceRef | ResourceAttribute | Unknown)[] = [];
  for (const part of flat) {
    const previous = merged[merged.length - 1];
    if (typeof part === "string" && typeof previous === "string") merged[merged.length - 1] = previous + part;
    else if (part !== "") merged.push(part);
  }
  if (merged.every((part) => typeof part === "string")) return merged.join("");
  if (merged.length === 1) return merged[0];
  return new Composite(merged);
}

function display(value: unknown): string {
  return typeof value === "string" ? value : String(value);
}
