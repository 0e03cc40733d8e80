/**
 * Ways an AWS answer can arrive broken, each a function of a well-formed answer: empty, truncated, wrong-typed and
 * oversized. Applied to every operation of every reader by malformed-responses.test.ts.
 */

/** What the mocked client does instead of answering well: resolve with this output, or reject as the SDK would. */
export type Malformed = { resolves: unknown } | { rejects: Error };

export interface Malformation {
  name: string;
  family: "empty" | "truncated" | "wrong-typed" | "oversized";
  /**
   * The broken answer for the n-th call of the operation (`good` is the well-formed one), or undefined when this
   * malformation does not change that answer (a list-less output has no list to cut).
   */
  apply(good: Record<string, unknown>, context: { tokenKey?: string; call: number }): Malformed | undefined;
  /** The reader cannot judge anything from this answer, so the scan must name the operation among its errors. */
  alwaysReported?: boolean;
}

type Json = unknown;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** Rebuilds a value bottom-up; `leaf` sees scalars, `node` sees rebuilt arrays and objects. */
function rewrite(value: Json, leaf: (value: Json, key: string | undefined) => Json, node: (value: Json, key: string | undefined) => Json = (rebuilt) => rebuilt, key?: string): Json {
  if (Array.isArray(value)) return node(value.map((item) => rewrite(item, leaf, node, key)), key);
  if (isObject(value)) return node(Object.fromEntries(Object.entries(value).map(([name, child]) => [name, rewrite(child, leaf, node, name)])), key);
  return leaf(value, key);
}

function parsesAsJsonObject(text: string): boolean {
  if (!/^\s*[{[]/.test(text)) return false;
  try {
    return typeof JSON.parse(text) === "object";
  } catch {
    return false;
  }
}

/**
 * The JSON object a text carries, plain or URL-encoded (as IAM sends policy documents), with how to write a changed
 * document back in the same form; undefined for any other text.
 */
function jsonDocumentIn(text: string): { json: string; encode: (json: string) => string } | undefined {
  if (parsesAsJsonObject(text)) return { json: text, encode: (json) => json };
  if (!/^%7B/i.test(text)) return undefined;
  try {
    const decoded = decodeURIComponent(text);
    return parsesAsJsonObject(decoded) ? { json: decoded, encode: encodeURIComponent } : undefined;
  } catch {
    return undefined;
  }
}

function changed(good: Record<string, unknown>, broken: unknown): Malformed | undefined {
  return JSON.stringify(good) === JSON.stringify(broken) ? undefined : { resolves: broken };
}

const ID_KEY = /(Id|Name|Arn|ARN|Identifier|name|id)$/;
const MEGABYTE = 1024 * 1024;
/** Twice the largest page any listing these readers send can hold (1,000 entries), and small enough to keep the matrix fast. */
const OVERSIZED_LIST = 2_000;

/** The first list in the answer, at its top or one level down (EC2's Reservations[].Instances): the page's items. */
function pageList(output: Record<string, unknown>): { holder: Record<string, unknown>; key: string } | undefined {
  for (const [key, value] of Object.entries(output)) if (Array.isArray(value) && value.length > 0) return { holder: output, key };
  for (const value of Object.values(output)) {
    if (!isObject(value)) continue;
    for (const [key, inner] of Object.entries(value)) if (Array.isArray(inner) && inner.length > 0) return { holder: value, key };
  }
  return undefined;
}

/** Copy number `copy` of a page item: every id-like string suffixed, so each copy is another resource. */
function copyOf(item: Json, copy: number): Json {
  return rewrite(item, (value, key) => (typeof value === "string" && key !== undefined && ID_KEY.test(key) ? `${value}-copy${copy}` : value));
}

/** What the SDK throws when a response body is cut short (JSON.parse inside the deserializer). */
function truncatedBodyError(): Error {
  const error = new SyntaxError("Unexpected end of JSON input\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.");
  return Object.assign(error, { $metadata: { httpStatusCode: 200 } });
}

export const MALFORMATIONS: readonly Malformation[] = [
  { name: "an empty answer {}", family: "empty", apply: (good) => changed(good, {}) },
  { name: "a body cut short (the SDK cannot parse it)", family: "truncated", alwaysReported: true, apply: () => ({ rejects: truncatedBodyError() }) },
  {
    name: "every object cut after half its fields, every list after half its items",
    family: "truncated",
    apply: (good) =>
      changed(
        good,
        rewrite(good, (value) => value, (value) => (Array.isArray(value) ? value.slice(0, Math.ceil(value.length / 2)) : isObject(value) ? Object.fromEntries(Object.entries(value).slice(0, Math.floor(Object.keys(value).length / 2))) : value)),
      ),
  },
  {
    name: "every id, name and ARN field missing",
    family: "truncated",
    apply: (good) => changed(good, rewrite(good, (value) => value, (value) => (isObject(value) ? Object.fromEntries(Object.entries(value).filter(([key]) => !ID_KEY.test(key))) : value))),
  },
  { name: "null for every field of the answer", family: "wrong-typed", apply: (good) => changed(good, Object.fromEntries(Object.keys(good).map((key) => [key, null]))) },
  { name: "null for every value inside the answer", family: "wrong-typed", apply: (good) => changed(good, rewrite(good, () => null)) },
  { name: "strings where lists go", family: "wrong-typed", apply: (good) => changed(good, rewrite(good, (value) => value, (value) => (Array.isArray(value) ? "a list" : value))) },
  { name: "numbers where strings go", family: "wrong-typed", apply: (good) => changed(good, rewrite(good, (value) => (typeof value === "string" ? 12345 : value))) },
  {
    name: "objects where strings go (a policy document as an object, as moto answers)",
    family: "wrong-typed",
    apply: (good) =>
      changed(
        good,
        rewrite(good, (value) => {
          if (typeof value !== "string") return value;
          const document = jsonDocumentIn(value);
          return document ? JSON.parse(document.json) : { Value: value };
        }),
      ),
  },
  {
    name: "strings where booleans and numbers go",
    family: "wrong-typed",
    apply: (good) => changed(good, rewrite(good, (value) => (typeof value === "boolean" ? (value ? "True" : "False") : typeof value === "number" ? String(value) : value))),
  },
  {
    name: `${OVERSIZED_LIST.toLocaleString("en")} entries in one page`,
    family: "oversized",
    apply: (good) => {
      const broken = structuredClone(good);
      const found = pageList(broken);
      if (!found) return undefined;
      const items = found.holder[found.key] as Json[];
      found.holder[found.key] = Array.from({ length: OVERSIZED_LIST }, (_, index) => (index < items.length ? items[index] : copyOf(items[index % items.length], index)));
      return { resolves: broken };
    },
  },
  {
    name: "1 MB documents (policies padded with whitespace, URL-encoded ones too)",
    family: "oversized",
    apply: (good) =>
      changed(
        good,
        rewrite(good, (value) => {
          const document = typeof value === "string" ? jsonDocumentIn(value) : undefined;
          return document ? document.encode(`${document.json.replace(/\}\s*$/, "")}${" ".repeat(MEGABYTE)}}`) : value;
        }),
      ),
  },
  {
    name: "a next-page token that never ends",
    family: "oversized",
    alwaysReported: true,
    apply: (good, { tokenKey, call }) => (tokenKey ? { resolves: { ...good, [tokenKey]: `page-${call + 1}`, ...(tokenKey === "Marker" && "IsTruncated" in good ? { IsTruncated: true } : {}) } } : undefined),
  },
];
