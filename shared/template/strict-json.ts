/**
 * A fast reader for CloudFormation templates written as strict JSON (RFC 8259), the common case of `.json` templates.
 * It gives up (returns NOT_STRICT_JSON) on anything else: comments, trailing commas, single quotes, control characters
 * in strings, a duplicate key, a `__proto__` key, very deep nesting, text after the document. The YAML reader then
 * reads the file as before, and reports any error with its own message and position; this reader never judges.
 *
 * Positions are not recorded while reading: `JsonPositions` finds them in the text on demand (only findings ask).
 */

export const NOT_STRICT_JSON: unique symbol = Symbol("not strict JSON");

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

class GiveUp extends Error {}
const giveUp = new GiveUp();

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

class Reader {
  offset = 0;
  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {}

  skipWhitespace(): number {
    const text = this.text;
    let offset = this.offset;
    let code = text.charCodeAt(offset);
    while (isWhitespace(code)) code = text.charCodeAt(++offset);
    this.offset = offset;
    return code;
  }

  value(depth: number): unknown {
    const code = this.skipWhitespace();
    if (code === QUOTE) return this.string();
    if (code === OPEN_BRACE) return this.object(depth + 1);
    if (code === OPEN_BRACKET) return this.array(depth + 1);
    const text = this.text;
    if (text.startsWith("true", this.offset)) return this.word(4, true);
    if (text.startsWith("false", this.offset)) return this.word(5, false);
    if (text.startsWith("null", this.offset)) return this.word(4, null);
    NUMBER.lastIndex = this.offset;
    const match = NUMBER.exec(text);
    if (!match) throw giveUp;
    this.offset += match[0].length;
    return Number(match[0]);
  }

  word<T>(length: number, value: T): T {
    this.offset += length;
    return value;
  }

  string(): string {
    const text = this.text;
    const start = this.offset + 1;
    let offset = start;
    for (;;) {
      const code = text.charCodeAt(offset);
      if (code === QUOTE) {
        this.offset = offset + 1;
        return text.slice(start, offset);
      }
      if (code === BACKSLASH) break;
      if (code < 0x20 || Number.isNaN(code)) throw giveUp;
      offset++;
    }
    let result = text.slice(start, offset);
    for (;;) {
      const code = text.charCodeAt(offset);
      if (code === QUOTE) {
        this.offset = offset + 1;
        return result;
      }
      if (code < 0x20 || Number.isNaN(code)) throw giveUp;
      if (code !== BACKSLASH) {
        result += text[offset];
        offset++;
        continue;
      }
      const escape = text[offset + 1];
      if (escape === "u") {
        const hex = text.slice(offset + 2, offset + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw giveUp;
        result += String.fromCharCode(parseInt(hex, 16));
        offset += 6;
      } else {
        const replacement = escape === undefined ? undefined : ESCAPES[escape];
        if (replacement === undefined) throw giveUp;
        result += replacement;
        offset += 2;
      }
    }
  }

  object(depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) throw giveUp;
    const object: Record<string, unknown> = {};
    this.offset++;
    let code = this.skipWhitespace();
    if (code === CLOSE_BRACE) {
      this.offset++;
      return object;
    }
    for (;;) {
      if (code !== QUOTE) throw giveUp;
      const key = this.string();
      // A duplicate is an error the YAML reader reports with its position; `__proto__` would set the prototype.
      if (key === "__proto__" || Object.prototype.hasOwnProperty.call(object, key)) throw giveUp;
      if (this.skipWhitespace() !== COLON) throw giveUp;
      this.offset++;
      object[key] = this.value(depth);
      code = this.skipWhitespace();
      this.offset++;
      if (code === CLOSE_BRACE) return object;
      if (code !== COMMA) throw giveUp;
      code = this.skipWhitespace();
    }
  }

  array(depth: number): unknown[] {
    if (depth > this.maxDepth) throw giveUp;
    const items: unknown[] = [];
    this.offset++;
    let code = this.skipWhitespace();
    if (code === CLOSE_BRACKET) {
      this.offset++;
      return items;
    }
    for (;;) {
      items.push(this.value(depth));
      code = this.skipWhitespace();
      this.offset++;
      if (code === CLOSE_BRACKET) return items;
      if (code !== COMMA) throw giveUp;
    }
  }
}

/** The document as plain data, or NOT_STRICT_JSON when the text is anything but one strict JSON object. */
export function readStrictJson(text: string, maxDepth: number): Record<string, unknown> | typeof NOT_STRICT_JSON {
  const reader = new Reader(text, maxDepth);
  try {
    if (reader.skipWhitespace() !== OPEN_BRACE) return NOT_STRICT_JSON;
    const value = reader.object(1);
    reader.skipWhitespace();
    return reader.offset === text.length ? value : NOT_STRICT_JSON;
  } catch (error) {
    // Deep nesting the depth limit missed (it cannot: it is below the stack's) would end here too.
    if (error === giveUp || error instanceof RangeError) return NOT_STRICT_JSON;
    throw error;
  }
}

/**
 * Offsets, in a strict JSON text, of the keys of an object and the items of an array, found by skipping over the
 * text on first use and kept per object.
 */
export class JsonPositions {
  private readonly children = new Map<object, Map<string | number, number>>();
  private readonly starts = new Map<object, number>();
  private readonly reader: Reader;

  constructor(text: string, root: object) {
    this.reader = new Reader(text, Number.POSITIVE_INFINITY);
    this.starts.set(root, this.reader.skipWhitespace() === OPEN_BRACE ? this.reader.offset : 0);
  }

  /** Offset of `step` (a key, or an item index) written in `container`, or undefined when it is not written there. */
  offsetOf(container: object, step: string | number): number | undefined {
    let children = this.children.get(container);
    if (!children) {
      children = this.index(container);
      this.children.set(container, children);
    }
    return children.get(step);
  }

  private index(container: object): Map<string | number, number> {
    const children = new Map<string | number, number>();
    const start = this.starts.get(container);
    if (start === undefined) return children;
    const reader = this.reader;
    reader.offset = start + 1;
    const isArray = Array.isArray(container);
    let code = reader.skipWhitespace();
    let index = 0;
    while (code !== CLOSE_BRACE && code !== CLOSE_BRACKET) {
      let step: string | number;
      const childOffset = reader.offset;
      if (isArray) {
        step = index++;
      } else {
        step = reader.string();
        reader.skipWhitespace();
        reader.offset++;
        reader.skipWhitespace();
      }
      children.set(step, childOffset);
      const child = (container as Record<string | number, unknown>)[step];
      if (child !== null && typeof child === "object") this.starts.set(child, reader.offset);
      this.skipValue();
      code = reader.skipWhitespace();
      if (code === COMMA) {
        reader.offset++;
        code = reader.skipWhitespace();
      }
    }
    return children;
  }

  private skipValue(): void {
    const reader = this.reader;
    const text = reader.text;
    let depth = 0;
    do {
      const code = reader.skipWhitespace();
      if (code === QUOTE) {
        reader.string();
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        depth++;
        reader.offset++;
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        depth--;
        reader.offset++;
      } else if (code === COMMA || code === COLON) {
        reader.offset++;
      } else {
        let offset = reader.offset;
        let next = text.charCodeAt(offset);
        while (offset < text.length && !isWhitespace(next) && next !== COMMA && next !== CLOSE_BRACE && next !== CLOSE_BRACKET && next !== COLON) next = text.charCodeAt(++offset);
        reader.offset = offset;
      }
    } while (depth > 0 && reader.offset < text.length);
  }
}
