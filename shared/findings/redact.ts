/**
 * Redaction: a finding, a scan error or a log line never carries a secret the scan read. A secret is recognised by
 * where it sits (a property, variable, JSON key or parameter whose name says it holds a secret, as the secret rules
 * read names; a parameter declared NoEcho) and by its shape (AWS access key ids and secret keys, private key blocks,
 * JWTs, GitHub/Slack/Stripe tokens, the password of a connection string, `password=...` in free text). It is replaced
 * by a form that keeps what kind of secret it was and its length, never the value nor a hash of it:
 * `<redacted password, 14 chars>`, `AKIA…(20 chars)`.
 *
 * Findings are redacted where they are built (shared/scan.ts, shared/judge-live.ts), with the secrets of the template
 * and the stack's parameter values known; everything that leaves the process (CLI output, alerts, logs) goes through
 * SHAPE_REDACTOR again, which knows no values but every shape and secret name.
 */
import { isSecretName, secretKind } from "../rules/secretsmanager/secret-values.ts";
import type { TemplateBody } from "../template/parse.ts";
import { isRecord } from "../template/values.ts";
import type { Finding, ScanError } from "./finding.ts";
import type { ScanReport } from "./report.ts";

export interface KnownSecret {
  value: string;
  /** "password", "token", "API key", "private key", "secret". */
  kind: string;
}

function length(text: string): number {
  return [...text].length;
}

export function redactedForm(kind: string, text: string): string {
  return `<redacted ${kind}, ${length(text)} chars>`;
}

/** A value masked already (by this module, or by the secret rules' `pa****** (12 chars)`). */
function isMasked(text: string): boolean {
  return text.includes("******") || text.startsWith("<redacted ") || /^[A-Z]{4}…\(\d+ chars\)$/.test(text);
}

/** Values under secret names that are not secrets: references to one, flags, empty values. */
function isSecretCandidate(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed.startsWith("\u0000") || isMasked(trimmed)) return false;
  if (/^(true|false|null|none|yes|no|\d{1,4})$/i.test(trimmed)) return false;
  if (trimmed.startsWith("{{resolve:") || /^arn:aws[\w-]*:/.test(trimmed) || trimmed.startsWith("${")) return false;
  // What the resolver shows for a value it does not know: "<parameter without default>".
  if (/^<[^<>]*>$/.test(trimmed)) return false;
  return true;
}

interface Shape {
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

// Bounded spans: a PEM key is a few KB, and an unbounded search for END from every BEGIN is quadratic in the markers.
const PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]{0,64})PRIVATE KEY( BLOCK)?-----(?:[\s\S]{0,8192}?-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|[A-Za-z0-9+/=\s\\n:,-]*)/g;

/** Order matters: a key block or a JWT is replaced whole before the generic base64 and assignment shapes see it. */
const SHAPES: Shape[] = [
  { pattern: PRIVATE_KEY, replace: (match) => redactedForm("private key", match) },
  { pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, replace: (match) => redactedForm("JWT", match) },
  { pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/g, replace: (match) => redactedForm("GitHub token", match) },
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, replace: (match) => redactedForm("Slack token", match) },
  { pattern: /\bhooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,}/g, replace: (match) => `hooks.slack.com/services/${redactedForm("Slack webhook", match.slice("hooks.slack.com/services/".length))}` },
  { pattern: /\b[sr]k_live_[A-Za-z0-9]{16,}/g, replace: (match) => redactedForm("Stripe key", match) },
  { pattern: /\b(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{16}\b/g, replace: (match) => `${match.slice(0, 4)}…(${match.length} chars)` },
  // A secret access key: 40 characters of base64 mixing cases and digits (a hex digest has no capitals).
  {
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    replace: (match) => (/[a-z]/.test(match) && /[A-Z]/.test(match) && /\d/.test(match) ? redactedForm("secret key", match) : match),
  },
  // The password of a connection string: scheme://user:password@host.
  {
    pattern: /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']{0,256}:)([^\s@/"']{1,256})@/gi,
    replace: (match, prefix: string, password: string) => (isSecretCandidate(password) ? `${prefix}${redactedForm("password", password)}@` : match),
  },
];

/** Evidence keys rules use to name a secret resource (its logical id), never to hold a value. */
const EVIDENCE_NAMING_KEYS = new Set(["secret", "secrets"]);

const ASSIGNED_NAME = /(?<![\w.:/-])([A-Za-z_][\w.-]*)["']?\s*[=:]\s*["']?/g;
const ASSIGNED_VALUE = /[^\s"',;&{}[\]<(][^\s"',;&}\]]*/y;

/**
 * `NAME=value`, `NAME: value`, `"NAME": "value"` where the name says it holds a secret. A value is searched for
 * assignments in turn, so `Error: password=...` is found.
 */
function redactAssignments(text: string): string {
  let result = "";
  let copied = 0;
  ASSIGNED_NAME.lastIndex = 0;
  for (let match = ASSIGNED_NAME.exec(text); match !== null; match = ASSIGNED_NAME.exec(text)) {
    const name = match[1]!;
    if (!isSecretName(name) || /^https?$/i.test(name)) continue;
    const start = match.index + match[0].length;
    ASSIGNED_VALUE.lastIndex = start;
    const value = ASSIGNED_VALUE.exec(text)?.[0];
    if (value === undefined || !isSecretCandidate(value)) continue;
    result += text.slice(copied, start) + redactedForm(secretKind(name), value);
    copied = start + value.length;
    ASSIGNED_NAME.lastIndex = copied;
  }
  return copied === 0 ? text : result + text.slice(copied);
}

/** Keys that name the field a record describes (drift differences, pairs, rule evidence). */
const NAMING_KEYS = ["property", "path", "name", "Name", "key", "Key", "ParameterKey", "HeaderName", "parameter"];
/** Keys of such a record that hold that field's value. */
const VALUE_KEYS = new Set(["value", "Value", "expected", "actual", "template", "live", "default", "Default", "ParameterValue", "HeaderValue"]);

/** The secret name a record describes: the last segment of its property or path, when that segment names a secret. */
function describedSecret(record: Record<string, unknown>): string | undefined {
  for (const key of NAMING_KEYS) {
    const named = record[key];
    if (typeof named !== "string") continue;
    const last = named.split(/[/.#]/).filter(Boolean).pop() ?? "";
    if (isSecretName(last)) return last;
  }
  return undefined;
}

/** What of a finding (as built, or as stored) can carry a secret. */
export type RedactableFinding = Pick<Finding, "message" | "evidence" | "suppression">;

/** Replaces secrets with their redacted forms. Holds the values known to be secret (from a template or stack). */
export class Redactor {
  /** Longest first, so a secret that contains another is replaced whole. */
  private readonly known: KnownSecret[];

  constructor(known: readonly KnownSecret[] = []) {
    const byValue = new Map<string, KnownSecret>();
    for (const secret of known) if (length(secret.value) >= MIN_KNOWN_CHARS && isSecretCandidate(secret.value)) byValue.set(secret.value, secret);
    this.known = [...byValue.values()].sort((a, b) => b.value.length - a.value.length);
  }

  text(text: string, extra: readonly KnownSecret[] = []): string {
    let result = text;
    for (const secret of extra) if (length(secret.value) >= MIN_FOUND_CHARS) result = replaceKnown(result, secret);
    for (const secret of this.known) result = replaceKnown(result, secret);
    for (const shape of SHAPES) result = result.replace(shape.pattern, shape.replace as (match: string, ...groups: unknown[]) => string);
    return redactAssignments(result);
  }

  /**
   * Redacts a JSON-like value: a string under a secret name is replaced whole; a record describing a secret field
   * (`{ property: "MasterUserPassword", template: ..., live: ... }`) has its values replaced; every other string goes
   * through `text`. Values replaced whole are added to `found`, so the finding's message can be cleared of them too.
   */
  value(value: unknown, name?: string, found: KnownSecret[] = []): unknown {
    if (typeof value === "string") {
      if (name !== undefined && !EVIDENCE_NAMING_KEYS.has(name) && isSecretName(name) && isSecretCandidate(value)) {
        const kind = secretKind(name);
        found.push({ value, kind });
        return redactedForm(kind, value);
      }
      return this.text(value, found);
    }
    if (Array.isArray(value)) return value.map((item) => this.value(item, name, found));
    if (!isRecord(value)) return value;
    const secretField = describedSecret(value);
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, this.value(item, secretField !== undefined && VALUE_KEYS.has(key) ? secretField : key, found)]),
    );
  }

  /** A copy of the finding with its message, evidence and suppression reason redacted. */
  finding<F extends RedactableFinding>(finding: F): F {
    const found: KnownSecret[] = [];
    const evidence = this.value(finding.evidence, undefined, found) as Record<string, unknown>;
    const redacted: F = { ...finding, message: this.text(finding.message, found), evidence };
    if (finding.suppression) redacted.suppression = { ...finding.suppression, reason: this.text(finding.suppression.reason, found) };
    return redacted;
  }

  error(error: ScanError): ScanError {
    return { ...error, message: this.text(error.message) };
  }
}

/** Shorter values are too likely to be ordinary words ("admin"): only their name or shape redacts them. */
const MIN_KNOWN_CHARS = 6;
/** A value found under a secret name in a finding's evidence is looked for in its message from this length (whole words below 8). */
const MIN_FOUND_CHARS = 4;

function replaceKnown(text: string, secret: KnownSecret): string {
  if (!text.includes(secret.value)) return text;
  const masked = redactedForm(secret.kind, secret.value);
  if (secret.value.length >= 8) return text.split(secret.value).join(masked);
  const escaped = secret.value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text.replace(new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, "g"), masked);
}

/** Knows no values: shapes and secret names only. The last line of defence where findings and logs leave the process. */
export const SHAPE_REDACTOR = new Redactor();

/** The report with every finding, error and note redacted by shape and secret name. */
export function redactReport(report: ScanReport): ScanReport {
  return {
    ...report,
    findings: report.findings.map((finding) => SHAPE_REDACTOR.finding(finding)),
    errors: report.errors.map((error) => SHAPE_REDACTOR.error(error)),
    ...(report.notes ? { notes: report.notes.map((note) => SHAPE_REDACTOR.text(note)) } : {}),
  };
}

/** The error as a log may show it: its message and stack redacted by shape (AWS messages can quote what they refused). */
export function redactedError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(SHAPE_REDACTOR.text(original.message));
  copy.name = original.name;
  copy.stack = original.stack === undefined ? undefined : SHAPE_REDACTOR.text(original.stack);
  return copy;
}

/**
 * The secrets a template holds: literal values under secret names anywhere in its resources (pieces of an Fn::Sub or
 * Fn::Join included), the Default of a parameter that is NoEcho or fed into a secret property, and
 * that parameter's values as each scenario or the stack gives it.
 */
export function templateSecrets(body: TemplateBody | undefined, ...parameterValues: Readonly<Record<string, unknown>>[]): KnownSecret[] {
  const secrets: KnownSecret[] = [];
  const secretParameters = new Map<string, string>();
  if (body) {
    const visit = (node: unknown, secretUnder: string | undefined): void => {
      if (typeof node === "string") {
        if (secretUnder !== undefined) addLiteral(node, secretKind(secretUnder), secrets);
        return;
      }
      if (Array.isArray(node)) return node.forEach((item) => visit(item, secretUnder));
      if (!isRecord(node)) return;
      const pairName = typeof node.Name === "string" ? node.Name : typeof node.HeaderName === "string" ? node.HeaderName : typeof node.ParameterKey === "string" ? node.ParameterKey : undefined;
      for (const [key, item] of Object.entries(node)) {
        if (key === "Ref") {
          if (secretUnder !== undefined && typeof item === "string") secretParameters.set(item, secretKind(secretUnder));
          continue;
        }
        if (key === "Fn::GetAtt" || key === "Fn::ImportValue" || key === "Condition" || key === "Fn::FindInMap") continue;
        if (key === "Fn::If" && Array.isArray(item)) {
          visit(item.slice(1), secretUnder);
          continue;
        }
        if (key === "Fn::Sub") {
          const [text, variables] = Array.isArray(item) ? item : [item, undefined];
          if (typeof text === "string" && secretUnder !== undefined) {
            for (const name of text.matchAll(/\$\{([^}!.]+)\}/g)) secretParameters.set(name[1]!.trim(), secretKind(secretUnder));
            for (const piece of text.split(/\$\{[^}]*\}/)) addLiteral(piece, secretKind(secretUnder), secrets);
          }
          visit(variables, secretUnder);
          continue;
        }
        const named = key.startsWith("Fn::") ? secretUnder : isSecretName(key) ? key : (VALUE_KEYS.has(key) || key === "HeaderValue") && pairName !== undefined && isSecretName(pairName) ? pairName : secretUnder;
        visit(item, named);
      }
    };
    for (const [logicalId, resource] of Object.entries(body.Resources)) {
      if (!isRecord(resource) || !isRecord(resource.Properties)) continue;
      visit(resource.Properties, undefined);
      // An SSM parameter named as a secret holds it in Value.
      if (resource.Type !== "AWS::SSM::Parameter") continue;
      const name = typeof resource.Properties.Name === "string" ? resource.Properties.Name.split("/").filter(Boolean).pop() ?? "" : "";
      if (isSecretName(name) || isSecretName(logicalId)) visit(resource.Properties.Value, isSecretName(name) ? name : logicalId);
    }
    for (const [name, declaration] of Object.entries(isRecord(body.Parameters) ? body.Parameters : {})) {
      if (!isRecord(declaration)) continue;
      // A parameter's name alone is not enough: TokenSetting holds "optional", and a word like that is everywhere.
      if (/^true$/i.test(String(declaration.NoEcho))) secretParameters.set(name, secretParameters.get(name) ?? secretKind(name));
      const kind = secretParameters.get(name);
      if (kind !== undefined && typeof declaration.Default === "string") addLiteral(declaration.Default, kind, secrets);
    }
  }
  for (const values of parameterValues) {
    for (const [name, value] of Object.entries(values)) {
      const kind = secretParameters.get(name);
      if (kind !== undefined && typeof value === "string") addLiteral(value, kind, secrets);
    }
  }
  return secrets;
}

function addLiteral(text: string, kind: string, secrets: KnownSecret[]): void {
  if (!isSecretCandidate(text)) return;
  secrets.push({ value: text, kind });
  // A JSON document of secrets ({"password": "..."}): each secret-named value is a secret on its own too.
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return;
  try {
    const document = JSON.parse(trimmed) as unknown;
    if (!isRecord(document)) return;
    for (const [key, value] of Object.entries(document)) if (typeof value === "string" && isSecretName(key) && isSecretCandidate(value)) secrets.push({ value, kind: secretKind(key) });
  } catch {
    // Not JSON: the text as a whole is the secret.
  }
}
