import type { ValueKind } from "./schema.ts";

/** A value the template does not fix: a parameter without default, an import, a dynamic reference, a custom resource's attribute. */
export class Unknown {
  constructor(
    readonly reason: string,
    /** What the value is read from at deploy time, when the template names it: an SSM parameter path, a `{{resolve:...}}` reference. */
    readonly reference?: string,
  ) {}
  toString(): string {
    return `<${this.reason}>`;
  }
}

/** `Ref` of a resource: what it returns depends on the resource type (a name, an id or an ARN). */
export class ResourceRef {
  constructor(
    readonly logicalId: string,
    readonly type: string,
    readonly returns: ValueKind,
  ) {}
  toString(): string {
    return `\${${this.logicalId}}`;
  }
}

/** `Fn::GetAtt` of a resource's attribute. */
export class ResourceAttribute {
  constructor(
    readonly logicalId: string,
    readonly type: string,
    readonly attribute: string,
    readonly returns: ValueKind,
  ) {}
  toString(): string {
    return `\${${this.logicalId}.${this.attribute}}`;
  }
}

export type Symbol = Unknown | ResourceRef | ResourceAttribute;

/** A string built by Fn::Sub or Fn::Join from literal text and values only known at deploy time. */
export class Composite {
  constructor(readonly parts: readonly (string | Symbol)[]) {}
  toString(): string {
    return this.parts.map(String).join("");
  }
  get symbols(): Symbol[] {
    return this.parts.filter((part): part is Symbol => typeof part !== "string");
  }
}

export function isSymbolic(value: unknown): value is Symbol | Composite {
  return value instanceof Unknown || value instanceof ResourceRef || value instanceof ResourceAttribute || value instanceof Composite;
}

export function isUnknown(value: unknown): value is Unknown {
  return value instanceof Unknown;
}

/** The value as a string when the template fixes it (numbers and booleans as CloudFormation stringifies them). */
export function stringValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** true/false as CloudFormation reads a Boolean property ("true", "True", true); undefined when not fixed. */
export function booleanValue(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
  }
  return undefined;
}

export function numberValue(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** A list as the template gives it, a single value as a one-item list, nothing as an empty list. */
export function listValue(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * A lookup table keyed by names a template controls (a resource type, a runtime, a policy name): without
 * Object.prototype behind it, so "constructor" or "toString" finds nothing instead of a function.
 */
export function lookupTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !isSymbolic(value);
}

/** Text for messages and evidence: symbolic values print as `${Logical.Attr}` or `<reason>`. */
export function display(value: unknown): string {
  if (typeof value === "string") return value;
  if (isSymbolic(value)) return String(value);
  return JSON.stringify(toEvidence(value));
}

/** Plain JSON for evidence: symbolic values become their display text. */
export function toEvidence(value: unknown): unknown {
  if (isSymbolic(value)) return String(value);
  if (Array.isArray(value)) return value.map(toEvidence);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toEvidence(item)]));
  }
  return value;
}
