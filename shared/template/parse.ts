import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, type Alias, type Node, type Document, type Pair } from "yaml";
import { JsonPositions, NOT_STRICT_JSON, readStrictJson } from "./strict-json.ts";

export interface Position {
  line: number;
  column: number;
}

export type TemplatePath = readonly (string | number)[];

export class TemplateParseError extends Error {
  constructor(
    message: string,
    readonly position?: Position,
  ) {
    super(position ? `${message} (line ${position.line}, column ${position.column})` : message);
    this.name = "TemplateParseError";
  }
}

export interface ParsedTemplate {
  format: "yaml" | "json";
  /** The template as plain data; short-form tags are rewritten to their long form (`!Ref x` becomes `{Ref: x}`). */
  body: TemplateBody;
  /** Position of the deepest node along `path` that the source spells out. */
  positionOf(path: TemplatePath): Position;
}

export interface TemplateBody {
  AWSTemplateFormatVersion?: unknown;
  Transform?: unknown;
  Parameters?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  [section: string]: unknown;
}

export const MAX_TEMPLATE_BYTES = 1_048_576;
const MAX_DEPTH = 400;

const FUNCTION_TAGS = new Set([
  "Base64", "Cidr", "FindInMap", "GetAZs", "GetAtt", "ImportValue", "Join", "Select", "Split", "Sub",
  "Transform", "If", "Equals", "And", "Or", "Not", "Length", "ToJsonString", "ForEach",
  // Functions of the Rules section (parameter assertions).
  "Contains", "EachMemberEquals", "EachMemberIn", "RefAll", "ValueOf", "ValueOfAll",
]);

/**
 * Turns a CloudFormation template (YAML with short-form tags, or JSON) into plain data that keeps
 * where every key came from. Throws TemplateParseError, never anything else, for bad input.
 *
 * Positions are found on demand (positionOf), from the YAML syntax tree or the JSON text: only findings need
 * them, so none is computed while reading.
 */
export function parseTemplate(source: string): ParsedTemplate {
  if (source.length > MAX_TEMPLATE_BYTES * 2 || Buffer.byteLength(source, "utf8") > MAX_TEMPLATE_BYTES) {
    throw new TemplateParseError(`template is larger than CloudFormation's 1 MB limit (${Buffer.byteLength(source, "utf8")} bytes)`);
  }
  const format = /^\s*\{/.test(source) ? "json" : "yaml";
  if (format === "json") {
    const body = readStrictJson(source, MAX_DEPTH);
    if (body !== NOT_STRICT_JSON) return checkedTemplate(format, body, jsonPositionOf(source, body));
  }
  return readYaml(source, format);
}

function readYaml(source: string, format: "yaml" | "json"): ParsedTemplate {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(source, { lineCounter, uniqueKeys: true, customTags: cloudFormationTags, prettyErrors: false, strict: true });
  } catch (error) {
    if (error instanceof RangeError) throw new TemplateParseError("template nests too deeply to read");
    throw error;
  }
  const at = (offset: number | undefined): Position => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };
  const firstError = doc.errors[0];
  if (firstError) {
    throw new TemplateParseError(describeYamlError(firstError.code, firstError.message, source, firstError.pos[0]), at(firstError.pos[0]));
  }
  const unknownTag = doc.warnings.find((warning) => warning.code === "TAG_RESOLVE_FAILED");
  if (unknownTag) {
    const tag = /Unresolved tag: (\S+)/.exec(unknownTag.message)?.[1] ?? "";
    throw new TemplateParseError(`unknown tag ${tag}`, at(unknownTag.pos[0]));
  }

  const budget = { nodesLeft: source.length * 2 + 10_000 };
  const aliasTarget = aliasResolver(doc);
  const body = toPlain(doc.contents, aliasTarget, at, budget, 0);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new TemplateParseError("a template must be a mapping of sections (Resources, Parameters, ...)", at(doc.contents?.range?.[0]));
  }
  return checkedTemplate(format, body as Record<string, unknown>, yamlPositionOf(doc, aliasTarget, at));
}

type AliasResolver = (alias: Alias) => Node | undefined;

/**
 * The node each alias names: the last node anchored with its name before it, in document order, as yaml's
 * Alias.resolve finds it. That method walks the whole document on every call, so an alias bomb in a large
 * template took seconds to reject; here the document is walked once, on the first alias, without recursion.
 */
function aliasResolver(doc: Document.Parsed): AliasResolver {
  let targets: Map<Alias, Node | undefined> | undefined;
  return (alias) => {
    if (!targets) {
      targets = new Map();
      const anchored = new Map<string, Node>();
      const pending: unknown[] = [doc.contents];
      while (pending.length > 0) {
        const node = pending.pop();
        if (isAlias(node)) {
          targets.set(node, anchored.get(node.source));
        } else if (isPair(node)) {
          pending.push(node.value, node.key);
        } else if (isMap(node) || isSeq(node) || isScalar(node)) {
          if (node.anchor) anchored.set(node.anchor, node);
          if (!isScalar(node)) for (let index = node.items.length - 1; index >= 0; index--) pending.push(node.items[index]);
        }
      }
    }
    return targets.get(alias);
  };
}

function checkedTemplate(format: "yaml" | "json", template: Record<string, unknown>, positionOf: ParsedTemplate["positionOf"]): ParsedTemplate {
  const resources = template.Resources;
  if (resources === undefined) throw new TemplateParseError("template has no Resources section", { line: 1, column: 1 });
  if (resources === null || typeof resources !== "object" || Array.isArray(resources)) {
    throw new TemplateParseError("Resources must be a mapping of logical ids to resources", positionOf(["Resources"]));
  }
  return { format, body: template as TemplateBody, positionOf };
}

/** positionOf for a YAML document: walks its syntax tree along the path, as toPlain built the plain data from it. */
function yamlPositionOf(doc: Document.Parsed, aliasTarget: AliasResolver, at: (offset: number | undefined) => Position): ParsedTemplate["positionOf"] {
  return (path) => {
    let node: Node | null | undefined = doc.contents;
    let best: Position = { line: 1, column: 1 };
    // A short-form tag wraps its node in a one-key mapping (`!Ref x` is {Ref: x}); this is the step into that key.
    let tagStepTaken = false;
    for (const step of path) {
      while (isAlias(node)) node = aliasTarget(node);
      if (!node) break;
      if (!tagStepTaken) {
        const expandedKey = shortFormKey(node);
        if (expandedKey !== undefined) {
          if (step !== expandedKey) break;
          best = at(node.range?.[0]);
          tagStepTaken = true;
          // `!GetAtt A.B` becomes a list the source does not spell out: nothing deeper has a position.
          if (expandedKey === "Fn::GetAtt" && isScalar(node)) break;
          continue;
        }
      }
      tagStepTaken = false;
      if (isMap(node)) {
        if (typeof step !== "string") break;
        let found: Pair | undefined;
        // The last pair wins, as it does in the plain object built from them.
        for (let index = node.items.length - 1; index >= 0; index--) {
          const keyNode = node.items[index]!.key;
          if (isScalar(keyNode) && String(keyNode.value) === step) {
            found = node.items[index] as Pair;
            break;
          }
        }
        if (!found) break;
        best = at((found.key as Node).range?.[0]);
        node = found.value as Node | null;
      } else if (isSeq(node)) {
        if (typeof step !== "number" || !Number.isInteger(step) || step < 0 || step >= node.items.length) break;
        const item = node.items[step] as Node | null;
        best = at(item?.range?.[0] ?? node.range?.[0]);
        node = item;
      } else {
        break;
      }
    }
    return best;
  };
}

/** The key a short-form tag on this node becomes (`!Sub` → "Fn::Sub"), or undefined for an untagged node. */
function shortFormKey(node: Node): string | undefined {
  const tag = node.tag;
  if (!tag || !tag.startsWith("!") || tag.startsWith("!!")) return undefined;
  const name = tag.slice(1);
  return name === "Ref" || name === "Condition" ? name : `Fn::${name}`;
}

/** positionOf for a strict JSON text: the offsets of keys and items are found in the text on first use. */
function jsonPositionOf(source: string, body: Record<string, unknown>): ParsedTemplate["positionOf"] {
  let offsets: JsonPositions | undefined;
  let lineStarts: number[] | undefined;
  const at = (offset: number): Position => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let index = source.indexOf("\n"); index >= 0; index = source.indexOf("\n", index + 1)) lineStarts.push(index + 1);
    }
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - lineStarts[low]! + 1 };
  };
  return (path) => {
    offsets ??= new JsonPositions(source, body);
    let node: unknown = body;
    let best: Position = { line: 1, column: 1 };
    for (const step of path) {
      if (node === null || typeof node !== "object") break;
      const offset = offsets.offsetOf(node, step);
      if (offset === undefined) break;
      best = at(offset);
      node = (node as Record<string | number, unknown>)[step];
    }
    return best;
  };
}

function describeYamlError(code: string, message: string, source: string, offset: number): string {
  if (code === "DUPLICATE_KEY") {
    const key = /^\s*"?([^":\n]+)"?\s*:/.exec(source.slice(offset, offset + 200))?.[1]?.trim();
    return key ? `duplicate key "${key}"` : "duplicate key";
  }
  if (/call stack/i.test(message)) return "template nests too deeply to read";
  return firstLine(message).replace(/ at line \d+, column \d+:?$/, "");
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

function toPlain(
  node: Node | null | undefined,
  aliasTarget: AliasResolver,
  at: (offset: number | undefined) => Position,
  budget: { nodesLeft: number },
  depth: number,
): unknown {
  if (node == null) return null;
  if (--budget.nodesLeft < 0) {
    throw new TemplateParseError("template expands to too many nodes (a YAML alias bomb?)", at(node.range?.[0]));
  }
  if (depth > MAX_DEPTH) throw new TemplateParseError(`template nests deeper than ${MAX_DEPTH} levels`, at(node.range?.[0]));
  if (isAlias(node)) {
    const target = aliasTarget(node);
    if (!target) throw new TemplateParseError(`unknown YAML alias *${node.source}`, at(node.range?.[0]));
    return toPlain(target, aliasTarget, at, budget, depth + 1);
  }
  let value: unknown;
  if (isScalar(node)) {
    value = node.value;
  } else if (isMap(node)) {
    const object: Record<string, unknown> = {};
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      if (key === undefined) throw new TemplateParseError("mapping keys must be plain scalars", at(keyNode?.range?.[0]));
      if (key === "<<") throw new TemplateParseError("YAML merge keys (<<) are not supported by CloudFormation", at(keyNode?.range?.[0]));
      const value = toPlain(pair.value as Node | null, aliasTarget, at, budget, depth + 1);
      // A plain assignment to "__proto__" would set the object's prototype instead of adding the key.
      if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
    }
    value = object;
  } else if (isSeq(node)) {
    const items: unknown[] = new Array(node.items.length);
    for (let index = 0; index < items.length; index++) items[index] = toPlain(node.items[index] as Node | null, aliasTarget, at, budget, depth + 1);
    value = items;
  } else {
    throw new TemplateParseError("unsupported YAML node", at((node as Node).range?.[0]));
  }
  const tag = node.tag;
  if (!tag || !tag.startsWith("!") || tag.startsWith("!!")) return value;
  return expandShortForm(tag.slice(1), value, () => at(node.range?.[0]));
}

function expandShortForm(name: string, value: unknown, position: () => Position): unknown {
  if (name === "Ref" || name === "Condition") {
    if (typeof value !== "string") throw new TemplateParseError(`!${name} takes a name`, position());
    return { [name]: value };
  }
  if (name === "GetAtt" && typeof value === "string") {
    const dot = value.indexOf(".");
    if (dot <= 0) throw new TemplateParseError(`!GetAtt ${value} must be written Resource.Attribute`, position());
    return { "Fn::GetAtt": [value.slice(0, dot), value.slice(dot + 1)] };
  }
  if (FUNCTION_TAGS.has(name)) return { [`Fn::${name}`]: value };
  throw new TemplateParseError(`unknown tag !${name}`, position());
}

const SHORT_FORM_NAMES = ["Ref", "Condition", ...FUNCTION_TAGS];

/** Every CloudFormation tag, in each node kind, resolved as the plain node so the parser emits no warning for it. */
const cloudFormationTags = SHORT_FORM_NAMES.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value },
  { tag: `!${name}`, collection: "seq" as const, resolve: (value: unknown) => value },
  { tag: `!${name}`, collection: "map" as const, resolve: (value: unknown) => value },
]);
