import { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, type Node, type Document } from "yaml";

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

/** Positions of the keys of a mapping, or of the items of a sequence, keyed by the plain object built from it. */
type ChildPositions = Map<string | number, Position>;

/**
 * Turns a CloudFormation template (YAML with short-form tags, or JSON) into plain data that keeps
 * where every key came from. Throws TemplateParseError, never anything else, for bad input.
 */
export function parseTemplate(source: string): ParsedTemplate {
  if (source.length > MAX_TEMPLATE_BYTES * 2 || Buffer.byteLength(source, "utf8") > MAX_TEMPLATE_BYTES) {
    throw new TemplateParseError(`template is larger than CloudFormation's 1 MB limit (${Buffer.byteLength(source, "utf8")} bytes)`);
  }
  const format = /^\s*\{/.test(source) ? "json" : "yaml";
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

  const positions = new WeakMap<object, ChildPositions>();
  const budget = { nodesLeft: source.length * 2 + 10_000 };
  const body = toPlain(doc.contents, doc, at, positions, budget, 0);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new TemplateParseError("a template must be a mapping of sections (Resources, Parameters, ...)", at(doc.contents?.range?.[0]));
  }
  const template = body as Record<string, unknown>;
  const resources = template.Resources;
  if (resources === undefined) throw new TemplateParseError("template has no Resources section", { line: 1, column: 1 });
  if (resources === null || typeof resources !== "object" || Array.isArray(resources)) {
    throw new TemplateParseError("Resources must be a mapping of logical ids to resources", positions.get(template)?.get("Resources"));
  }
  return {
    format,
    body: template as TemplateBody,
    positionOf(path) {
      let node: unknown = template;
      let best: Position = { line: 1, column: 1 };
      for (const step of path) {
        if (node === null || typeof node !== "object") break;
        const position = positions.get(node)?.get(step);
        if (!position) break;
        best = position;
        node = (node as Record<string | number, unknown>)[step];
      }
      return best;
    },
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
  doc: Document.Parsed,
  at: (offset: number | undefined) => Position,
  positions: WeakMap<object, ChildPositions>,
  budget: { nodesLeft: number },
  depth: number,
): unknown {
  if (node == null) return null;
  if (--budget.nodesLeft < 0) {
    throw new TemplateParseError("template expands to too many nodes (a YAML alias bomb?)", at(node.range?.[0]));
  }
  if (depth > MAX_DEPTH) throw new TemplateParseError(`template nests deeper than ${MAX_DEPTH} levels`, at(node.range?.[0]));
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target) throw new TemplateParseError(`unknown YAML alias *${node.source}`, at(node.range?.[0]));
    return toPlain(target, doc, at, positions, budget, depth + 1);
  }
  let value: unknown;
  if (isScalar(node)) {
    value = node.value;
  } else if (isMap(node)) {
    const object: Record<string, unknown> = {};
    const keyPositions: ChildPositions = new Map();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      if (key === undefined) throw new TemplateParseError("mapping keys must be plain scalars", at(keyNode?.range?.[0]));
      if (key === "<<") throw new TemplateParseError("YAML merge keys (<<) are not supported by CloudFormation", at(keyNode?.range?.[0]));
      keyPositions.set(key, at(keyNode!.range?.[0]));
      object[key] = toPlain(pair.value as Node | null, doc, at, positions, budget, depth + 1);
    }
    positions.set(object, keyPositions);
    value = object;
  } else if (isSeq(node)) {
    const items: unknown[] = [];
    const itemPositions: ChildPositions = new Map();
    node.items.forEach((item, index) => {
      itemPositions.set(index, at((item as Node | null)?.range?.[0] ?? node.range?.[0]));
      items.push(toPlain(item as Node | null, doc, at, positions, budget, depth + 1));
    });
    positions.set(items, itemPositions);
    value = items;
  } else {
    throw new TemplateParseError("unsupported YAML node", at((node as Node).range?.[0]));
  }
  const tag = node.tag;
  if (!tag || !tag.startsWith("!") || tag.startsWith("!!")) return value;
  return expandShortForm(tag.slice(1), value, at(node.range?.[0]), positions);
}

function expandShortForm(name: string, value: unknown, position: Position, positions: WeakMap<object, ChildPositions>): unknown {
  let expanded: Record<string, unknown>;
  if (name === "Ref" || name === "Condition") {
    if (typeof value !== "string") throw new TemplateParseError(`!${name} takes a name`, position);
    expanded = { [name]: value };
  } else if (name === "GetAtt" && typeof value === "string") {
    const dot = value.indexOf(".");
    if (dot <= 0) throw new TemplateParseError(`!GetAtt ${value} must be written Resource.Attribute`, position);
    expanded = { "Fn::GetAtt": [value.slice(0, dot), value.slice(dot + 1)] };
  } else if (FUNCTION_TAGS.has(name)) {
    expanded = { [`Fn::${name}`]: value };
  } else {
    throw new TemplateParseError(`unknown tag !${name}`, position);
  }
  positions.set(expanded, new Map([[Object.keys(expanded)[0]!, position]]));
  return expanded;
}

const SHORT_FORM_NAMES = ["Ref", "Condition", ...FUNCTION_TAGS];

/** Every CloudFormation tag, in each node kind, resolved as the plain node so the parser emits no warning for it. */
const cloudFormationTags = SHORT_FORM_NAMES.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value },
  { tag: `!${name}`, collection: "seq" as const, resolve: (value: unknown) => value },
  { tag: `!${name}`, collection: "map" as const, resolve: (value: unknown) => value },
]);
