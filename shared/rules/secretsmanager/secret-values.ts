/**
 * Where a template puts secret values, read from the template as written: whether a secret is a literal, comes from a
 * parameter, or is a dynamic reference ({{resolve:secretsmanager:...}} / {{resolve:ssm-secure:...}}), which the resolved
 * view cannot tell apart (it makes dynamic references Unknown and parameter defaults literal).
 */
import type { TemplateBody, TemplatePath } from "../../template/parse.ts";
import { isRecord, stringValue } from "../../template/values.ts";

/** One piece of a value as written: literal text, a template parameter, a dynamic reference, or anything else (a resource, an import). */
export type Piece =
  | { kind: "text"; text: string }
  | { kind: "parameter"; name: string }
  | { kind: "dynamic" }
  | { kind: "reference" };

/** One way a value can come out (Fn::If gives several). */
export type Variant = Piece[];

const SECRET_TOKENS = new Set(["password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "apikey", "credential", "credentials", "privatekey", "secretkey", "authkey"]);
const SECRET_PAIRS = [["api", "key"], ["private", "key"], ["auth", "key"], ["signing", "key"], ["access", "token"]];
/** Words that make a secret-sounding name describe the secret instead of holding it (SecretArn, PasswordLength). */
const DESCRIBING_TOKENS = new Set([
  "arn", "arns", "name", "names", "id", "ids", "length", "path", "type", "version", "prefix", "template", "rotation",
  "rotate", "enabled", "enable", "required", "days", "count", "policy", "policies", "kms", "ttl", "expiry", "expiration",
  "validity", "units", "url", "uri", "endpoint", "param", "parameter", "parameters", "ssm", "location", "manager", "manage",
  "strategy", "expression", "selection", "source", "field", "format", "reset", "reuse", "prevention", "age", "minimum",
  "maximum", "min", "max", "generate", "exclude", "include", "characters", "chars", "hash", "algorithm", "lifetime",
  "seconds", "minutes", "hours", "mode", "status", "secretsmanager", "config", "configuration", "arnparam", "request", "idempotency",
  "table", "queue", "topic", "stream", "host", "port", "domain", "service", "method", "role", "resource", "revocation", "complexity", "attachment", "store", "header", "headers",
  "identifier", "reference", "ref", "bucket", "file", "object", "region", "account", "tag", "tags", "description",
]);

export function nameTokens(name: string): string[] {
  return [...tokensOf(name)];
}

function tokenise(name: string): readonly string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    // "HTTPServer" -> "HTTP Server"; a lookahead, since `([A-Z]+)([A-Z][a-z])` backtracks quadratically on a long run of capitals.
    .replace(/([A-Z])(?=[A-Z][a-z])/g, "$1 ")
    .split(/[^A-Za-z0-9]+/)
    .map((token) => token.toLowerCase())
    .filter(Boolean);
}

/** What a name's tokens say, worked out once per name: templates repeat the same property names many times. */
interface NameTraits {
  tokens: readonly string[];
  describing: boolean;
  secret: boolean;
}

const MAX_CACHED_NAMES = 20_000;
const traitsByName = new Map<string, NameTraits>();

function traitsOf(name: string): NameTraits {
  let traits = traitsByName.get(name);
  if (traits) return traits;
  const tokens = tokenise(name);
  const describing = tokens.some((token) => DESCRIBING_TOKENS.has(token));
  const secret =
    !describing &&
    (tokens.some((token) => SECRET_TOKENS.has(token)) ||
      SECRET_PAIRS.some(([first, second]) => tokens.some((token, index) => token === first && tokens[index + 1] === second)));
  traits = { tokens, describing, secret };
  if (traitsByName.size >= MAX_CACHED_NAMES) traitsByName.clear();
  traitsByName.set(name, traits);
  return traits;
}

function tokensOf(name: string): readonly string[] {
  return traitsOf(name).tokens;
}

/** True when a property, variable, JSON key or parameter name says it holds a secret (DBPassword, AuthToken, DB_PASSWORD, api_key). */
export function isSecretName(name: string): boolean {
  return traitsOf(name).secret;
}

/** What kind of secret a name suggests, for messages. */
export function secretKind(name: string): string {
  const tokens = tokensOf(name);
  if (tokens.some((token) => ["password", "passwd", "pwd", "pass", "passphrase"].includes(token))) return "password";
  if (tokens.includes("token")) return "token";
  if (tokens.includes("apikey") || tokens.join(" ").includes("api key")) return "API key";
  if (tokens.includes("privatekey") || tokens.join(" ").includes("private key")) return "private key";
  return "secret";
}

/** Shows the shape of a secret, never the secret: "pa****** (12 chars)"; short values show no character at all. */
export function mask(text: string): string {
  const length = [...text].length;
  return length >= 8 ? `${[...text].slice(0, 2).join("")}****** (${length} chars)` : `****** (${length} chars)`;
}

const PLACEHOLDER = /placeholder|change[-_ ]?me|replace[-_ ]?(me|this|with|later)|your[-_ ]|to[-_ ]?be[-_ ]?(set|replaced|updated|changed)|dummy|update[-_ ]?me|set[-_ ]?me|^x{3,}$|^<[^>]*>$|^todo\b|^tbd$/i;

/** A value that announces it is to be replaced (CHANGE_ME, PLACEHOLDER, <your-token>). */
export function isPlaceholder(text: string): boolean {
  return PLACEHOLDER.test(text.trim());
}

const MAX_VARIANTS = 16;

/** How a rule reads raw values under one scenario: Fn::FindInMap resolved, and the scenario's condition values for Fn::If. */
export interface RawReader {
  body: TemplateBody;
  resolveMapping(node: unknown): unknown;
  /** Condition values of the scenario judged; a condition missing here makes Fn::If give both branches. */
  conditions: Record<string, boolean>;
}

/** The branches of an Fn::If the scenario takes (both when it cannot tell). */
function ifBranches(argument: unknown, conditions: Record<string, boolean>): { branch: unknown; index: number }[] {
  if (!Array.isArray(argument) || argument.length !== 3) return [];
  const chosen = typeof argument[0] === "string" ? conditions[argument[0]] : undefined;
  if (chosen === undefined) return [{ branch: argument[1], index: 1 }, { branch: argument[2], index: 2 }];
  return chosen ? [{ branch: argument[1], index: 1 }] : [{ branch: argument[2], index: 2 }];
}

/** The variants a raw template value can take under the reader's scenario. */
export function variantsOf(raw: unknown, reader: RawReader, depth = 0): Variant[] {
  const { body } = reader;
  if (depth > 40) return [[{ kind: "reference" }]];
  if (typeof raw === "string") return [[raw.includes("{{resolve:") ? { kind: "dynamic" } : { kind: "text", text: raw }]];
  if (typeof raw === "number" || typeof raw === "boolean") return [[{ kind: "text", text: String(raw) }]];
  if (!isRecord(raw) || Object.keys(raw).length !== 1) return [[{ kind: "reference" }]];
  const [key, argument] = Object.entries(raw)[0]!;
  const parameters = isRecord(body.Parameters) ? body.Parameters : {};
  const nameRef = (name: string): Variant[] => {
    if (name === "AWS::NoValue") return [];
    if (name in parameters) return [[{ kind: "parameter", name }]];
    // Pseudo parameters (account id, region, stack name) are as predictable as literal text.
    if (name.startsWith("AWS::")) return [[{ kind: "text", text: `\${${name}}` }]];
    return [[{ kind: "reference" }]];
  };
  switch (key) {
    case "Ref":
      return typeof argument === "string" ? nameRef(argument) : [[{ kind: "reference" }]];
    case "Fn::If": {
      const branches = ifBranches(argument, reader.conditions);
      return branches.length > 0 ? branches.flatMap(({ branch }) => variantsOf(branch, reader, depth + 1)).slice(0, MAX_VARIANTS) : [[{ kind: "reference" }]];
    }
    case "Fn::Base64":
      return variantsOf(argument, reader, depth + 1);
    case "Fn::FindInMap": {
      const value = stringValue(reader.resolveMapping(raw));
      return [[value === undefined ? { kind: "reference" } : { kind: "text", text: value }]];
    }
    case "Fn::Join": {
      if (!Array.isArray(argument) || typeof argument[0] !== "string" || !Array.isArray(argument[1])) return [[{ kind: "reference" }]];
      const delimiter = argument[0];
      let results: Variant[] = [[]];
      argument[1].forEach((item, index) => {
        const options = variantsOf(item, reader, depth + 1);
        const prefix: Piece[] = index > 0 && delimiter !== "" ? [{ kind: "text", text: delimiter }] : [];
        results = cross(results, options.length > 0 ? options.map((option) => [...prefix, ...option]) : [prefix]);
      });
      return results;
    }
    case "Fn::Sub": {
      const [text, locals] = Array.isArray(argument) ? [argument[0], argument[1]] : [argument, undefined];
      if (typeof text !== "string") return [[{ kind: "reference" }]];
      if (text.includes("{{resolve:")) return [[{ kind: "dynamic" }]];
      const variables = isRecord(locals) ? locals : {};
      let results: Variant[] = [[]];
      let last = 0;
      for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
        results = cross(results, [[{ kind: "text", text: text.slice(last, match.index) }]]);
        last = match.index! + match[0].length;
        const name = match[1]!.trim();
        if (name.startsWith("!")) results = cross(results, [[{ kind: "text", text: `\${${name.slice(1)}}` }]]);
        else if (name in variables) results = cross(results, variantsOf(variables[name], reader, depth + 1));
        else if (name.includes(".") && !name.startsWith("AWS::")) results = cross(results, [[{ kind: "reference" }]]);
        else results = cross(results, nameRef(name).length > 0 ? nameRef(name) : [[]]);
      }
      return cross(results, [[{ kind: "text", text: text.slice(last) }]]);
    }
    default:
      return [[{ kind: "reference" }]];
  }
}

function cross(left: Variant[], right: Variant[]): Variant[] {
  const results: Variant[] = [];
  for (const a of left) for (const b of right) if (results.length < MAX_VARIANTS) results.push([...a, ...b]);
  return results;
}

/** What a variant holds when it stands for a secret. */
export type Holding =
  | { kind: "literal"; text: string }
  | { kind: "parameters"; names: string[] }
  | { kind: "dynamic" }
  | { kind: "reference" };

const PARAMETER_MARK = "\u0001";

/** Text of a variant with parameters as marks, for looking inside JSON documents. */
function markedText(variant: Variant): string | undefined {
  let text = "";
  for (const piece of variant) {
    if (piece.kind === "text") text += piece.text;
    else if (piece.kind === "parameter") text += `${PARAMETER_MARK}${piece.name}${PARAMETER_MARK}`;
    else if (piece.kind === "reference") text += `${PARAMETER_MARK}${PARAMETER_MARK}`;
    else return undefined;
  }
  return text;
}

const MARKED_PARAMETER = new RegExp(`${PARAMETER_MARK}([^${PARAMETER_MARK}]*)${PARAMETER_MARK}`, "g");

function holdingOfMarked(text: string): Holding {
  const marks = [...text.matchAll(MARKED_PARAMETER)].map((match) => match[1]!);
  const parameters = marks.filter((name) => name !== "");
  if (marks.length === 0) return { kind: "literal", text };
  const written = text.replace(MARKED_PARAMETER, "");
  // Text written around substituted parts ('${Team}-${Env}-Secure123!') is a hard-coded secret with decorations,
  // unless one of the parts is itself a secret parameter (a connection string around ${DbPassword}).
  if (!parameters.some(isSecretName) && (written.match(/[A-Za-z0-9]/g)?.length ?? 0) >= 4) {
    return { kind: "literal", text: text.replace(MARKED_PARAMETER, (_, name: string) => `\${${name || "…"}}`) };
  }
  if (parameters.length > 0) return { kind: "parameters", names: parameters };
  return { kind: "reference" };
}

/** A secret inside a value: the whole value, or the value of a secret-named key of a JSON document (SecretString). */
export interface SecretHolding {
  holding: Holding;
  /** The JSON key the secret sits under, when the value is a JSON document. */
  jsonKey?: string;
}

/**
 * What a value that should be secret holds, per variant. A JSON object ('{"username":"app","password":"..."}') is read
 * key by key and only its secret-named keys count; a literal that is obviously not a secret (empty, true/false, an ARN)
 * is left out.
 */
export function secretHoldings(variants: Variant[], jsonOnly = false): SecretHolding[] {
  const holdings: SecretHolding[] = [];
  for (const variant of variants) {
    const text = markedText(variant);
    if (text === undefined) {
      holdings.push({ holding: { kind: "dynamic" } });
      continue;
    }
    if (/^\s*\{/.test(text)) {
      for (const match of text.matchAll(/"([^"\\]+)"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
        if (!isSecretName(match[1]!)) continue;
        holdings.push({ holding: holdingOfMarked(match[2]!), jsonKey: match[1]! });
      }
      continue;
    }
    if (!jsonOnly) holdings.push({ holding: holdingOfMarked(text) });
  }
  return holdings.filter(({ holding }) => holding.kind !== "literal" || looksLikeSecretLiteral(holding.text));
}

function looksLikeSecretLiteral(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed === "" || /^(true|false|null|none)$/i.test(trimmed)) return false;
  if (/^arn:aws[\w-]*:/.test(trimmed)) return false;
  return true;
}

/** A place in the template that holds a secret, read from the template as written. */
export interface SecretSite {
  logicalId: string;
  type: string;
  /** The property, variable or header name that says the value is secret. */
  name: string;
  path: TemplatePath;
  raw: unknown;
  /** Only the secret-named keys of a JSON document count (SecretStringTemplate); the value as a whole is no secret. */
  jsonOnly?: boolean;
}

/** Arrays of name/value pairs that name their secrets: ECS Environment, CodeBuild EnvironmentVariables, CloudFront OriginCustomHeaders. */
const PAIR_KEYS: [string, string][] = [["Name", "Value"], ["HeaderName", "HeaderValue"], ["ParameterKey", "ParameterValue"]];
const SKIPPED_KEYS = new Set(["Tags", "PolicyDocument", "AssumeRolePolicyDocument", "KeyPolicy", "Policies", "ManagedPolicyArns"]);

/**
 * Sites found in one template, with the conditions whose values chose an Fn::If branch on the way: another scenario
 * that gives those conditions the same values finds the same sites (two rules ask, once per scenario).
 */
interface CachedSites {
  consulted: Map<string, boolean | undefined>;
  sites: readonly SecretSite[];
}
const sitesByBody = new WeakMap<TemplateBody, CachedSites[]>();

/** Every place of the template's resources whose name says it holds a secret, with its raw value. */
export function secretSites(reader: RawReader): SecretSite[] {
  const { body, conditions } = reader;
  let cached = sitesByBody.get(body);
  if (!cached) {
    cached = [];
    sitesByBody.set(body, cached);
  }
  const hit = cached.find((entry) => [...entry.consulted].every(([name, value]) => conditions[name] === value));
  if (hit) return [...hit.sites];
  const consulted = new Map<string, boolean | undefined>();
  const sites = findSecretSites(body, (name) => {
    const value = conditions[name];
    consulted.set(name, value);
    return value;
  });
  cached.push({ consulted, sites });
  return [...sites];
}

type ConditionValue = (name: string) => boolean | undefined;

function findSecretSites(body: TemplateBody, conditionValue: ConditionValue): SecretSite[] {
  const sites: SecretSite[] = [];
  for (const [logicalId, resource] of Object.entries(body.Resources)) {
    if (!isRecord(resource) || !isRecord(resource.Properties)) continue;
    const type = stringValue(resource.Type) ?? "";
    const properties = resource.Properties;
    const base: (string | number)[] = ["Resources", logicalId, "Properties"];
    if (type === "AWS::SSM::Parameter") {
      const name = stringValue(properties.Name);
      const lastSegment = name?.split("/").filter(Boolean).pop();
      if ((lastSegment !== undefined && isSecretName(lastSegment)) || isSecretName(logicalId)) {
        sites.push({ logicalId, type, name: lastSegment ?? logicalId, path: [...base, "Value"], raw: properties.Value });
      }
      continue;
    }
    if (type === "AWS::ApiGateway::ApiKey" && properties.Value !== undefined) {
      sites.push({ logicalId, type, name: "ApiKey", path: [...base, "Value"], raw: properties.Value });
    }
    collect(properties, base, false, conditionValue, (name, path, raw, jsonOnly) => sites.push({ logicalId, type, name, path, raw, ...(jsonOnly ? { jsonOnly } : {}) }));
  }
  return sites;
}

/** A name about a secret rather than holding one (TokenValidityUnits, PasswordPolicy): what it contains is settings. */
function describesSecret(name: string): boolean {
  const traits = traitsOf(name);
  return traits.describing && traits.tokens.some((token) => SECRET_TOKENS.has(token));
}

/** GenerateSecretString's SecretStringTemplate holds the keys Secrets Manager does not generate, literally. */
const JSON_SECRET_KEYS = new Set(["SecretStringTemplate"]);

type Found = (name: string, path: TemplatePath, raw: unknown, jsonOnly?: boolean) => void;

/** Walks `node`, whose place is `path` (a stack, pushed and popped on the way: a copy is made only for a site found). */
function collect(node: unknown, path: (string | number)[], underSettings: boolean, conditionValue: ConditionValue, found: Found): void {
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      path.push(index);
      collect(node[index], path, underSettings, conditionValue, found);
      path.pop();
    }
    return;
  }
  if (!isRecord(node)) return;
  const keys = Object.keys(node);
  if (keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::"))) {
    if (keys[0] === "Fn::If") {
      // Objects written behind !If (a whole property block per branch) are looked into in the branches the scenario takes.
      for (const { branch, index } of ifBranchesOf(node["Fn::If"], conditionValue)) {
        path.push("Fn::If", index);
        collect(branch, path, underSettings, conditionValue, found);
        path.length -= 2;
      }
    }
    return;
  }
  if (underSettings) return;
  for (const [nameKey, valueKey] of PAIR_KEYS) {
    const name = stringValue(node[nameKey]);
    if (name === undefined || !(valueKey in node)) continue;
    const kind = stringValue(node.Type);
    if ((kind === undefined || /^plaintext$/i.test(kind)) && isSecretName(name)) found(name, [...path, valueKey], node[valueKey]);
  }
  for (const key of keys) {
    if (SKIPPED_KEYS.has(key)) continue;
    const value = node[key];
    const scalar = !Array.isArray(value) && !(isRecord(value) && !isIntrinsic(value));
    if (scalar && JSON_SECRET_KEYS.has(key)) found(key, [...path, key], value, true);
    else if (scalar && isSecretName(key)) found(key, [...path, key], value);
    else if (value !== null && typeof value === "object") {
      path.push(key);
      collect(value, path, key !== "GenerateSecretString" && describesSecret(key), conditionValue, found);
      path.pop();
    }
  }
}

/** ifBranches, reading the scenario's condition values through `conditionValue` (which notes what was asked). */
function ifBranchesOf(argument: unknown, conditionValue: ConditionValue): { branch: unknown; index: number }[] {
  if (!Array.isArray(argument) || argument.length !== 3) return [];
  const chosen = typeof argument[0] === "string" ? conditionValue(argument[0]) : undefined;
  if (chosen === undefined) return [{ branch: argument[1], index: 1 }, { branch: argument[2], index: 2 }];
  return chosen ? [{ branch: argument[1], index: 1 }] : [{ branch: argument[2], index: 2 }];
}

function isIntrinsic(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0]!.startsWith("Fn::"));
}

/**
 * Parameters whose every use names a secret instead of holding it: inside a dynamic reference, or under a key that
 * describes (SecretId, Name, ParameterName, DB_PASSWORD_PARAM).
 */
export function parametersNamingSecrets(body: TemplateBody): Set<string> {
  let found = namingByBody.get(body);
  if (!found) {
    found = findParametersNamingSecrets(body);
    namingByBody.set(body, found);
  }
  return new Set(found);
}

const namingByBody = new WeakMap<TemplateBody, ReadonlySet<string>>();

function findParametersNamingSecrets(body: TemplateBody): Set<string> {
  const naming = new Set<string>();
  const holding = new Set<string>();
  const walk = (node: unknown, describing: boolean, dynamic: boolean): void => {
    if (Array.isArray(node)) return node.forEach((item) => walk(item, describing, dynamic));
    if (!isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const isFunction = key === "Ref" || key.startsWith("Fn::");
      const describes = isFunction ? describing : traitsOf(key).describing;
      if (key === "Ref" && typeof value === "string") (describing || dynamic ? naming : holding).add(value);
      else if (key === "Fn::Sub") {
        const text = Array.isArray(value) ? value[0] : value;
        if (typeof text === "string") {
          const isDynamic = dynamic || text.includes("{{resolve:");
          for (const match of text.matchAll(/\$\{([^}!.]+)\}/g)) (describing || isDynamic ? naming : holding).add(match[1]!.trim());
          if (Array.isArray(value)) walk(value[1], describing, isDynamic);
        }
      } else walk(value, describes, dynamic);
    }
  };
  walk(body.Resources, false, false);
  walk(body.Outputs, false, false);
  return new Set([...naming].filter((name) => !holding.has(name)));
}
