/**
 * A seeded generator of hostile and broken CloudFormation templates: mutations of the corpus and the seed examples,
 * at the level of the text (truncation, random bytes, alias bombs, unknown tags...) and of the parsed structure
 * (swapped types, cycles, intrinsics of the wrong shape...), serialized back to JSON or YAML.
 *
 * Input `index` of run `seed` is always the same text for the same list of sources, so a failure is reproduced with
 * FUZZ_SEED=<seed> FUZZ_INDEX=<index>.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { MAX_TEMPLATE_BYTES, parseTemplate } from "../../shared/template/parse.ts";

/** mulberry32: a small, fast 32-bit PRNG; the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** An integer in [0, below). */
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)]!;
  }
}

/** The seed of one input of a run: a mix of the run's seed and the input's index. */
export function inputSeed(runSeed: number, index: number): number {
  let hash = Math.imul(runSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x7feb352d);
  hash ^= hash >>> 15;
  return hash >>> 0;
}

export interface SourceList {
  /** Paths of the templates mutated, examples first; stable order. */
  paths: string[];
  examples: number;
  corpus: number;
}

const REPO = join(import.meta.dirname, "..", "..");
const CORPUS = join(REPO, "..", "shared", "corpus", "cfn");

/** The seed examples and their fixed twins, and every corpus model and ideal template when the corpus is present. */
export function fuzzSources(): SourceList {
  const examples = [join(REPO, "examples"), join(REPO, "examples", "fixed")].flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => /\.(ya?ml|json)$/.test(name))
      .sort()
      .map((name) => join(folder, name)),
  );
  const manifest = join(CORPUS, "manifest.json");
  const corpus = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, "utf8")) as { model: string; ideal: string }[]).flatMap((task) => [join(CORPUS, task.model), join(CORPUS, task.ideal)])
    : [];
  return { paths: [...examples, ...corpus], examples: examples.length, corpus: corpus.length };
}

export interface FuzzInput {
  index: number;
  seed: number;
  /** The mutation applied. */
  kind: MutationKind;
  /** The template mutated, relative to the repo's parent folder. */
  source: string;
  text: string;
}

type Body = Record<string, unknown>;

interface Source {
  path: string;
  text: string;
  /** The parsed template, or undefined when the source itself does not parse. */
  body: Body | undefined;
}

const sourceCache = new Map<string, Source>();

function loadSource(path: string): Source {
  let source = sourceCache.get(path);
  if (!source) {
    const text = readFileSync(path, "utf8");
    let body: Body | undefined;
    try {
      body = parseTemplate(text).body;
    } catch {
      body = undefined;
    }
    source = { path, text, body };
    sourceCache.set(path, source);
  }
  return source;
}

// ---------------------------------------------------------------------------------------------------------------
// Text mutations
// ---------------------------------------------------------------------------------------------------------------

const ODD_CHARACTERS = ["\u0000", "\t", "\r", "\uFEFF", "\uFFFD", "\uD800", "\uDFFF", "\u2028", "\u00A0", "\u001B", "\u007F", ":", "-", "!", "&", "*", "{", "}", "[", "]", '"', "'", "#", "|", ">", "%", "@", "`", "\\", ",", "?"];

function randomCharacters(random: Random, count: number): string {
  let text = "";
  for (let index = 0; index < count; index++) {
    text += random.chance(0.5) ? random.pick(ODD_CHARACTERS) : String.fromCharCode(random.int(0x3000));
  }
  return text;
}

function lineBounds(text: string, random: Random): { lines: string[]; index: number } {
  const lines = text.split("\n");
  return { lines, index: random.int(lines.length) };
}

const ALIAS_BOMB_LEVELS = 9;
const ALIAS_BOMB_WIDTH = 10;

/** `a0: &a0 [x, x, ...]`, then each level a list of aliases of the level below: 10^9 nodes when expanded. */
function aliasBomb(random: Random): { anchors: string; deepest: string } {
  const lines = [`FuzzBomb0: &fuzz0 [${Array(ALIAS_BOMB_WIDTH).fill('"lol"').join(", ")}]`];
  for (let level = 1; level < ALIAS_BOMB_LEVELS; level++) {
    lines.push(`FuzzBomb${level}: &fuzz${level} [${Array(ALIAS_BOMB_WIDTH).fill(`*fuzz${level - 1}`).join(", ")}]`);
  }
  const deepest = `*fuzz${random.int(ALIAS_BOMB_LEVELS)}`;
  return { anchors: lines.join("\n"), deepest };
}

const UNKNOWN_TAGS = ["!Foo", "!Reff", "!GetAttr", "!Fn::Sub", "!ref", "!!binary", "!!set", "!!omap", "!!pairs", "!!timestamp", "!!js/function", "!<tag:yaml.org,2002:str>", "!<!Ref>", "!", "!!", "!Sub!"];

export const TEXT_MUTATIONS = {
  truncate(text: string, random: Random): string {
    return text.slice(0, random.int(text.length + 1));
  },
  "random-bytes"(text: string, random: Random): string {
    let result = text;
    const edits = random.between(1, 8);
    for (let edit = 0; edit < edits; edit++) {
      const at = random.int(result.length + 1);
      const removed = random.chance(0.5) ? random.between(1, 4) : 0;
      result = result.slice(0, at) + randomCharacters(random, random.between(1, 12)) + result.slice(at + removed);
    }
    return result;
  },
  "flip-indentation"(text: string, random: Random): string {
    const { lines } = lineBounds(text, random);
    const edits = random.between(1, 5);
    for (let edit = 0; edit < edits; edit++) {
      const index = random.int(lines.length);
      const line = lines[index]!;
      lines[index] = random.chance(0.5) ? " ".repeat(random.between(1, 4)) + line : line.replace(/^ {1,4}/, "");
    }
    return lines.join("\n");
  },
  "duplicate-key"(text: string, random: Random): string {
    const { lines } = lineBounds(text, random);
    const keyed = lines.map((line, index) => ({ line, index })).filter(({ line }) => /^\s*"?[\w:-]+"?\s*:/.test(line));
    if (keyed.length === 0) return `${text}\n${text}`;
    const { line, index } = random.pick(keyed);
    lines.splice(index + 1, 0, line);
    return lines.join("\n");
  },
  "alias-bomb"(text: string, random: Random): string {
    const { anchors, deepest } = aliasBomb(random);
    // The anchors as top-level sections before the template, and one alias where rules read: a resource's properties.
    const lines = yamlOf(text).split("\n");
    const resourcesLine = lines.findIndex((line) => /^Resources:\s*$/.test(line));
    if (resourcesLine < 0) return `${anchors}\n${lines.join("\n")}`;
    const indent = /^\s*/.exec(lines.slice(resourcesLine + 1).find((line) => line.trim() !== "" && !line.trim().startsWith("#")) ?? "  ")![0] || "  ";
    const target = ["FuzzBombTarget:", "  Type: AWS::IAM::Policy", "  Properties:", "    PolicyDocument:", `      Statement: ${deepest}`].map((line) => indent + line);
    lines.splice(resourcesLine + 1, 0, ...target);
    return `${anchors}\n${lines.join("\n")}`;
  },
  "unknown-tag"(text: string, random: Random): string {
    const tag = random.pick(UNKNOWN_TAGS);
    const tagged = [...text.matchAll(/!(?:Ref|Sub|GetAtt|Join|If|Select|FindInMap|Equals|Condition|Base64|Split)\b/g)];
    if (tagged.length > 0 && random.chance(0.7)) {
      const match = random.pick(tagged);
      return text.slice(0, match.index) + tag + text.slice(match.index + match[0].length);
    }
    const values = [...text.matchAll(/: +(?=\S)/g)];
    if (values.length === 0) return `${tag} ${text}`;
    const match = random.pick(values);
    const at = match.index + match[0].length;
    return `${text.slice(0, at)}${tag} ${text.slice(at)}`;
  },
  tabs(text: string, random: Random): string {
    const { lines } = lineBounds(text, random);
    const edits = random.between(1, 10);
    for (let edit = 0; edit < edits; edit++) {
      const index = random.int(lines.length);
      lines[index] = lines[index]!.replace(/^( {2})+/, (indent) => (random.chance(0.5) ? "\t".repeat(indent.length / 2) : indent.replace("  ", "\t")));
    }
    return lines.join("\n");
  },
  bom(text: string, random: Random): string {
    if (random.chance(0.6)) return `\uFEFF${text}`;
    const at = random.int(text.length + 1);
    return `${text.slice(0, at)}\uFEFF${text.slice(at)}`;
  },
  nul(text: string, random: Random): string {
    let result = text;
    const count = random.between(1, 5);
    for (let index = 0; index < count; index++) {
      const at = random.int(result.length + 1);
      result = `${result.slice(0, at)}\u0000${result.slice(at)}`;
    }
    return result;
  },
  "line-endings"(text: string, random: Random): string {
    const ending = random.pick(["\r\n", "\r", "\n\r", "\u2028", "\u0085"]);
    return random.chance(0.7) ? text.replaceAll("\n", ending) : text.replace(/\n/g, (line) => (random.chance(0.2) ? ending : line));
  },
  "swap-lines"(text: string, random: Random): string {
    const { lines } = lineBounds(text, random);
    const first = random.int(lines.length);
    const second = random.int(lines.length);
    [lines[first], lines[second]] = [lines[second]!, lines[first]!];
    return lines.join("\n");
  },
} satisfies Record<string, (text: string, random: Random) => string>;

// ---------------------------------------------------------------------------------------------------------------
// Structure mutations: they change the parsed template in place; markers are replaced in the serialized text.
// ---------------------------------------------------------------------------------------------------------------

const MARKER = "FUZZ_MARKER_7f3a";

interface StructureContext {
  random: Random;
  /** Text that replaces the marker string once the template is serialized (deep nesting, huge strings). */
  replaceMarker?: (format: "json" | "yaml") => string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every path to a node of the template, breadth first, at most `limit`. */
function pathsOf(body: Body, limit = 4000): (string | number)[][] {
  const paths: (string | number)[][] = [];
  const queue: { node: unknown; path: (string | number)[] }[] = [{ node: body, path: [] }];
  for (let head = 0; head < queue.length && paths.length < limit; head++) {
    const { node, path } = queue[head]!;
    paths.push(path);
    if (Array.isArray(node)) node.forEach((item, index) => queue.push({ node: item, path: [...path, index] }));
    else if (isRecord(node)) for (const [key, item] of Object.entries(node)) queue.push({ node: item, path: [...path, key] });
  }
  return paths;
}

function getAt(body: Body, path: readonly (string | number)[]): unknown {
  let node: unknown = body;
  for (const step of path) node = (node as Record<string | number, unknown>)[step];
  return node;
}

function setAt(body: Body, path: readonly (string | number)[], value: unknown): void {
  if (path.length === 0) return;
  const parent = getAt(body, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1]!] = value;
}

/** A path below Resources when there is one (rules read there), else anywhere. */
function somePath(body: Body, random: Random, filter: (value: unknown) => boolean = () => true): (string | number)[] | undefined {
  const candidates = pathsOf(body).filter((path) => path.length > 0 && filter(getAt(body, path)));
  if (candidates.length === 0) return undefined;
  const inResources = candidates.filter((path) => path[0] === "Resources" && path.length > 2);
  return random.pick(inResources.length > 0 && random.chance(0.8) ? inResources : candidates);
}

function resources(body: Body): Record<string, unknown> {
  if (!isRecord(body.Resources)) body.Resources = {};
  return body.Resources as Record<string, unknown>;
}

function someResource(body: Body, random: Random): Record<string, unknown> {
  const all = resources(body);
  const records = Object.values(all).filter(isRecord);
  if (records.length > 0) return random.pick(records);
  const added = { Type: "AWS::S3::Bucket", Properties: {} };
  all.FuzzAdded = added;
  return added;
}

function propertiesOf(resource: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(resource.Properties)) resource.Properties = {};
  return resource.Properties as Record<string, unknown>;
}

function section(body: Body, name: string): Record<string, unknown> {
  if (!isRecord(body[name])) body[name] = {};
  return body[name] as Record<string, unknown>;
}

function logicalIds(body: Body): string[] {
  return Object.keys(resources(body));
}

const SCALARS: readonly unknown[] = [0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, "", "x", "*", "0.0.0.0/0", "::/0", "-1", "true", "false", true, false, null, "arn:aws:iam::*:root", "${AWS::Region}", "${Missing}", "{{resolve:ssm:/x}}", "99999999999999999999999", "NaN", "Infinity", "__proto__", "constructor", "toString"];

function randomValue(random: Random, body: Body, depth = 0): unknown {
  const ids = logicalIds(body);
  const choice = random.int(depth > 2 ? 3 : 9);
  switch (choice) {
    case 0:
    case 1:
    case 2:
      return random.pick(SCALARS);
    case 3:
      return Array.from({ length: random.int(4) }, () => randomValue(random, body, depth + 1));
    case 4:
      return Object.fromEntries(Array.from({ length: random.int(4) }, (_, index) => [random.pick(["Ref", "Fn::GetAtt", "Fn::Sub", `Key${index}`, "Condition", "Type", "Properties"]), randomValue(random, body, depth + 1)]));
    case 5:
      return { Ref: ids.length > 0 && random.chance(0.7) ? random.pick(ids) : random.pick(SCALARS) };
    case 6:
      return { "Fn::GetAtt": random.chance(0.5) ? [ids.length > 0 ? random.pick(ids) : "X", random.pick(["Arn", "Id", "A.B.C", ""])] : randomValue(random, body, depth + 1) };
    case 7:
      return { [random.pick(INTRINSICS)]: randomValue(random, body, depth + 1) };
    default:
      return { "Fn::If": [random.pick(Object.keys(section(body, "Conditions")).concat("Missing")), randomValue(random, body, depth + 1), randomValue(random, body, depth + 1)] };
  }
}

const INTRINSICS = ["Ref", "Condition", "Fn::Base64", "Fn::Cidr", "Fn::FindInMap", "Fn::GetAZs", "Fn::GetAtt", "Fn::ImportValue", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::Transform", "Fn::If", "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Fn::Length", "Fn::ToJsonString", "Fn::ForEach::Loop", "Fn::Unknown"];

function typeOfValue(value: unknown): string {
  return Array.isArray(value) ? "list" : value === null ? "null" : typeof value;
}

/** Flow-style nesting, as JSON and YAML both read it: `[[[...]]]` or `{"a": {"a": ...}}`. */
function deepNesting(levels: number, random: Random): string {
  if (random.chance(0.5)) return "[".repeat(levels) + "1" + "]".repeat(levels);
  return '{"a": '.repeat(levels) + "1" + "}".repeat(levels);
}

/** Strings a rule or the resolver might scan character by character, or split. */
const HUGE_STRING_UNITS = ["A", "${", "${A}", "*", "arn:aws:", ",", ":", "{{resolve:", "a.", " ", "0.0.0.0/0,", "\\u0000"];

export const STRUCTURE_MUTATIONS = {
  "swap-type"(body: Body, context: StructureContext): void {
    const { random } = context;
    const edits = random.between(1, 4);
    for (let edit = 0; edit < edits; edit++) {
      const path = somePath(body, random);
      if (!path) return;
      const before = typeOfValue(getAt(body, path));
      let value = randomValue(random, body);
      for (let tries = 0; tries < 5 && typeOfValue(value) === before; tries++) value = randomValue(random, body);
      setAt(body, path, value);
    }
  },
  "number-for-list"(body: Body, context: StructureContext): void {
    const { random } = context;
    const path = somePath(body, random, Array.isArray) ?? somePath(body, random);
    if (path) setAt(body, path, random.pick([0, 1, -1, 3.14, 1e21]));
  },
  "list-for-map"(body: Body, context: StructureContext): void {
    const { random } = context;
    const target = random.chance(0.2) ? random.pick([["Resources"], ["Parameters"], ["Conditions"], ["Mappings"], ["Outputs"]]) : somePath(body, random, isRecord);
    if (!target) return;
    const value = getAt(body, target);
    setAt(body, target, isRecord(value) ? Object.entries(value).map(([key, item]) => (random.chance(0.5) ? { [key]: item } : item)) : [value]);
  },
  "deep-nesting"(body: Body, context: StructureContext): void {
    const { random } = context;
    const levels = random.pick([401, 1_000, 10_000]);
    const path = somePath(body, random);
    if (!path) return;
    setAt(body, path, MARKER);
    context.replaceMarker = () => deepNesting(levels, random);
  },
  "huge-string"(body: Body, context: StructureContext): void {
    const { random } = context;
    const path = somePath(body, random) ?? ["Description"];
    setAt(body, path, MARKER);
    const unit = random.pick(HUGE_STRING_UNITS);
    // Just over the 1 MB limit (rejected), or as much as fits under it (read, resolved and judged).
    const overLimit = random.chance(0.3);
    context.replaceMarker = (format) => {
      const room = MAX_TEMPLATE_BYTES - serialize(body, format).length - 64;
      const length = overLimit ? MAX_TEMPLATE_BYTES : Math.max(0, room);
      const text = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
      return JSON.stringify(text);
    };
  },
  "sub-cycle"(body: Body, context: StructureContext): void {
    const { random } = context;
    const all = resources(body);
    section(body, "Parameters").FuzzParameter = { Type: "String", Default: "${FuzzFirst}" };
    all.FuzzFirst = { Type: "AWS::S3::Bucket", Properties: { BucketName: { "Fn::Sub": "${FuzzSecond.Arn}-${FuzzParameter}-${FuzzFirst}" } } };
    all.FuzzSecond = {
      Type: "AWS::SNS::Topic",
      Properties: { TopicName: { "Fn::Sub": ["${Local}", { Local: { "Fn::Sub": ["${Local}", { Local: { "Fn::Sub": "${FuzzFirst.Arn}" } }] } }] }, KmsMasterKeyId: { "Fn::GetAtt": ["FuzzFirst", "Arn"] } },
    };
    const victim = someResource(body, random);
    propertiesOf(victim)[random.pick(["Name", "PolicyDocument", "KmsKeyId", "Description"])] = { "Fn::Sub": random.pick(["${FuzzFirst}", "${AWS::StackName}-${FuzzSecond.TopicName}", "${!Literal}${", "${}", "${ }", "$${x}", "${a.b.c.d}"]) };
  },
  "condition-cycle"(body: Body, context: StructureContext): void {
    const { random } = context;
    const conditions = section(body, "Conditions");
    const count = random.between(1, 6);
    const names = Array.from({ length: count }, (_, index) => `FuzzCondition${index}`);
    names.forEach((name, index) => {
      const next = { Condition: names[(index + 1) % count]! };
      conditions[name] = random.pick([
        { "Fn::And": [next, { Condition: name }] },
        { "Fn::Or": [next, { "Fn::Equals": [{ Ref: "AWS::Region" }, "us-east-1"] }] },
        { "Fn::Not": [next] },
        next,
        { "Fn::Equals": [next, true] },
      ]);
    });
    for (const resource of Object.values(resources(body)).filter(isRecord)) {
      if (random.chance(0.4)) resource.Condition = random.pick(names);
      if (random.chance(0.3)) propertiesOf(resource).FuzzBranch = { "Fn::If": [random.pick(names), "yes", { Ref: "AWS::NoValue" }] };
    }
  },
  "condition-explosion"(body: Body, context: StructureContext): void {
    const { random } = context;
    const parameters = section(body, "Parameters");
    const conditions = section(body, "Conditions");
    const count = random.between(10, 40);
    for (let index = 0; index < count; index++) {
      parameters[`FuzzChoice${index}`] = { Type: "String", Default: "v0", AllowedValues: Array.from({ length: random.between(2, 200) }, (_, value) => `v${value}`) };
      conditions[`FuzzIs${index}`] = { "Fn::Equals": [{ Ref: `FuzzChoice${index}` }, `v${random.int(5)}`] };
    }
    for (const resource of Object.values(resources(body)).filter(isRecord)) {
      if (random.chance(0.5)) resource.Condition = `FuzzIs${random.int(count)}`;
    }
  },
  "if-arity"(body: Body, context: StructureContext): void {
    const { random } = context;
    const conditionNames = Object.keys(section(body, "Conditions"));
    const condition = conditionNames.length > 0 ? random.pick(conditionNames) : "Missing";
    const shapes: unknown[] = [[], [condition], [condition, "a"], [condition, "a", "b", "c"], [1, "a", "b"], [[condition], "a", "b"], condition, { [condition]: "a" }, null];
    const path = somePath(body, random) ?? ["Resources"];
    setAt(body, path, { "Fn::If": random.pick(shapes) });
  },
  "getatt-shape"(body: Body, context: StructureContext): void {
    const { random } = context;
    const ids = logicalIds(body);
    const id = ids.length > 0 ? random.pick(ids) : "Missing";
    const shapes: unknown[] = [1, [], [id], [id, "Arn", "Extra"], { [id]: "Arn" }, "NoDot", ".Arn", `${id}.`, `${id}..Arn`, [{ Ref: id }, "Arn"], [id, { "Fn::Sub": "Arn" }], [id, 7], [null, null], true];
    const path = somePath(body, random) ?? ["Resources"];
    setAt(body, path, { "Fn::GetAtt": random.pick(shapes) });
  },
  "wrong-arity"(body: Body, context: StructureContext): void {
    const { random } = context;
    const shapes: Record<string, unknown>[] = [
      { "Fn::Join": [","] },
      { "Fn::Join": [",", "not a list"] },
      { "Fn::Join": [1, [1, 2]] },
      { "Fn::Join": [",", [{ "Fn::Join": [",", [[1], { a: 1 }]] }]] },
      { "Fn::Sub": [] },
      { "Fn::Sub": ["${A}", { A: "x" }, "extra"] },
      { "Fn::Sub": ["${A}", ["not", "a", "map"]] },
      { "Fn::Sub": 42 },
      { "Fn::Base64": { a: 1 } },
      { "Fn::Cidr": ["10.0.0.0/16"] },
      { "Fn::GetAZs": 7 },
      { "Fn::Equals": ["a", "b", "c"] },
      { "Fn::Not": ["a", "b"] },
      { "Fn::And": "not a list" },
      { "Fn::Or": [] },
      { "Fn::ImportValue": { a: 1 } },
      { "Fn::Length": { a: 1 } },
      { "Fn::ToJsonString": [] },
      { "Fn::Split": [",", { "Fn::Split": [",", "a,b"] }] },
      { "Fn::Split": [] },
      { "Fn::Select": ["0"] },
      { "Fn::Select": [0, "not a list"] },
      { "Fn::FindInMap": ["OnlyOne"] },
      { "Fn::Transform": { Name: 1 } },
      { "Fn::ForEach::Loop": ["X", ["a"], {}] },
      { Ref: ["a", "b"] },
      { Ref: null },
      { Ref: 1 },
      { Condition: ["a"] },
      { "Fn::GetAtt": [], Ref: "x" },
    ];
    const edits = random.between(1, 3);
    for (let edit = 0; edit < edits; edit++) {
      const path = somePath(body, random);
      if (path) setAt(body, path, random.pick(shapes));
    }
  },
  "ref-self"(body: Body, context: StructureContext): void {
    const { random } = context;
    const all = resources(body);
    const ids = Object.keys(all).filter((id) => isRecord(all[id]));
    if (ids.length === 0) return;
    const id = random.pick(ids);
    const resource = all[id] as Record<string, unknown>;
    const properties = propertiesOf(resource);
    const keys = Object.keys(properties);
    const key = keys.length > 0 && random.chance(0.7) ? random.pick(keys) : "FuzzSelf";
    properties[key] = random.pick([{ Ref: id }, { "Fn::GetAtt": [id, "Arn"] }, { "Fn::Sub": `\${${id}}` }, { "Fn::Sub": `\${${id}.Arn}` }, [{ Ref: id }, { Ref: id }]]);
  },
  "dependson-cycle"(body: Body, context: StructureContext): void {
    const { random } = context;
    const all = resources(body);
    const ids = Object.keys(all).filter((id) => isRecord(all[id]));
    if (ids.length === 0) return;
    ids.forEach((id, index) => {
      const resource = all[id] as Record<string, unknown>;
      resource.DependsOn = random.pick([ids[(index + 1) % ids.length], [ids[(index + 1) % ids.length], id], id, 7, { a: 1 }, [[id]], null, [null, 1]]);
    });
  },
  "findinmap-missing"(body: Body, context: StructureContext): void {
    const { random } = context;
    const mappings = Object.keys(section(body, "Mappings"));
    const map = mappings.length > 0 ? random.pick(mappings) : "Missing";
    const shapes: unknown[] = [[map, "NoSuchKey", "NoSuchKey"], [map], [map, { Ref: "AWS::Region" }], [map, { Ref: "AWS::Region" }, "Missing", { DefaultValue: "x" }], "Missing", [{ "Fn::FindInMap": [map, "a", "b"] }, "a", "b"], [map, [], {}], [null, null, null]];
    const path = somePath(body, random);
    if (path) setAt(body, path, { "Fn::FindInMap": random.pick(shapes) });
    if (random.chance(0.3)) body.Mappings = random.pick([[], "x", { [map]: [] }, { [map]: { a: 1 } }, { [map]: { a: { b: [1, 2] } } }]);
  },
  "select-range"(body: Body, context: StructureContext): void {
    const { random } = context;
    const index = random.pick<unknown>([-1, 99_999, 2 ** 31, 1.5, "x", "", null, [0], { Ref: "AWS::Region" }, 1e308]);
    const list = random.pick<unknown>([["a", "b"], [], { "Fn::GetAZs": "" }, "a,b", { "Fn::Split": [",", "a,b"] }, null]);
    const path = somePath(body, random);
    if (path) setAt(body, path, { "Fn::Select": [index, list] });
  },
  "huge-split"(body: Body, context: StructureContext): void {
    const { random } = context;
    const path = somePath(body, random) ?? ["Resources"];
    const length = random.pick([10_000, 200_000, 600_000]);
    const delimiter = random.pick(["", ",", "a"]);
    const text = random.pick(["a", ",", "a,"]).repeat(length / 2);
    const split = { "Fn::Split": [delimiter, text] };
    setAt(body, path, random.chance(0.5) ? split : { "Fn::Join": [",", split] });
  },
  transform(body: Body, context: StructureContext): void {
    const { random } = context;
    body.Transform = random.pick<unknown>([
      "AWS::Serverless-2016-10-31",
      "AWS::LanguageExtensions",
      ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"],
      { Name: "AWS::Include", Parameters: { Location: "s3://bucket/x.yaml" } },
      7,
      null,
      [[]],
      { "Fn::Transform": {} },
    ]);
    if (random.chance(0.5)) {
      const path = somePath(body, random);
      if (path) setAt(body, path, { "Fn::Transform": { Name: "AWS::Include", Parameters: { Location: random.pick(["s3://b/k", 1, null]) } } });
    }
  },
  "prototype-keys"(body: Body, context: StructureContext): void {
    const { random } = context;
    const name = random.pick(["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "prototype", "__defineGetter__"]);
    const place = random.int(6);
    const define = (target: Record<string, unknown>, value: unknown) => Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
    if (place === 0) define(resources(body), { Type: "AWS::S3::Bucket", Properties: { BucketName: { Ref: name } } });
    else if (place === 1) define(section(body, "Parameters"), { Type: "String", Default: "x" });
    else if (place === 2) define(section(body, "Conditions"), { "Fn::Equals": [{ Ref: name }, "x"] });
    else if (place === 3) define(section(body, "Mappings"), { [name]: { [name]: "v" } });
    else if (place === 4) define(propertiesOf(someResource(body, random)), { Ref: name });
    const resource = someResource(body, random);
    propertiesOf(resource).FuzzProto = random.pick([{ Ref: name }, { "Fn::GetAtt": [name, name] }, { "Fn::Sub": `\${${name}}` }, { "Fn::If": [name, 1, 2] }, { "Fn::FindInMap": [name, name, name] }]);
    if (random.chance(0.3)) resource.Condition = name;
    if (random.chance(0.3)) resource.Type = name;
  },
} satisfies Record<string, (body: Body, context: StructureContext) => void>;

export type MutationKind = keyof typeof TEXT_MUTATIONS | keyof typeof STRUCTURE_MUTATIONS;
export const MUTATION_KINDS: readonly MutationKind[] = [...(Object.keys(TEXT_MUTATIONS) as MutationKind[]), ...(Object.keys(STRUCTURE_MUTATIONS) as MutationKind[])];

function serialize(body: Body, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(body, null, 2) : stringify(body, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/** The template as YAML text: the source itself when it is YAML, else the parsed JSON re-serialized (or the text). */
function yamlOf(text: string): string {
  if (!/^\s*\{/.test(text)) return text;
  try {
    return serialize(parseTemplate(text).body, "yaml");
  } catch {
    return text;
  }
}

/** Input `index` of the run seeded `runSeed`, over `sources`. */
export function generateInput(sources: SourceList, runSeed: number, index: number): FuzzInput {
  const seed = inputSeed(runSeed, index);
  const random = new Random(seed);
  const kind = MUTATION_KINDS[index % MUTATION_KINDS.length]!;
  // Half the inputs mutate a seed example (small, every rule fires), half the corpus (varied, real-world shapes).
  const fromExamples = sources.corpus === 0 || random.chance(0.5);
  const pick = () => sources.paths[fromExamples ? random.int(sources.examples) : sources.examples + random.int(sources.corpus)]!;
  let source = loadSource(pick());
  const relative = (path: string) => path.slice(join(REPO, "..").length + 1);

  if (kind in TEXT_MUTATIONS) {
    const text = TEXT_MUTATIONS[kind as keyof typeof TEXT_MUTATIONS](source.text, random);
    return { index, seed, kind, source: relative(source.path), text };
  }
  for (let tries = 0; tries < 20 && !source.body; tries++) source = loadSource(pick());
  const body: Body = source.body ? structuredClone(source.body) : { Resources: { Bucket: { Type: "AWS::S3::Bucket" } } };
  const context: StructureContext = { random };
  STRUCTURE_MUTATIONS[kind as keyof typeof STRUCTURE_MUTATIONS](body, context);
  const format = random.chance(0.5) ? "json" : "yaml";
  let text = serialize(body, format);
  if (context.replaceMarker) {
    const replacement = context.replaceMarker(format);
    text = text.replace(format === "json" ? `"${MARKER}"` : MARKER, () => replacement);
  }
  return { index, seed, kind, source: relative(source.path), text };
}
