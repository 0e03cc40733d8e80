import type { TemplatePath } from "../template/parse.ts";
import { display, isRecord, isSymbolic, listValue, stringValue } from "../template/values.ts";

/** The principals a statement names, split by kind; `*` and `{AWS: "*"}` set `anyone`. */
export interface Principals {
  anyone: boolean;
  aws: unknown[];
  service: unknown[];
  federated: unknown[];
  canonicalUser: unknown[];
}

export interface PolicyStatement {
  sid?: string;
  effect: "Allow" | "Deny";
  actions?: string[];
  notActions?: string[];
  /** Resource entries as resolved: strings, or symbolic values (`${Bucket.Arn}/*`). */
  resources?: unknown[];
  notResources?: unknown[];
  principals?: Principals;
  notPrincipals?: Principals;
  /** Condition block: operator -> key -> values. Keys keep their case; compare them with conditionKeys(). */
  conditions: Record<string, Record<string, unknown[]>>;
  at: TemplatePath;
}

export interface PolicyDocument {
  statements: PolicyStatement[];
  at: TemplatePath;
}

/** Reads a policy document (an object, or the JSON text some templates and APIs give) into plain statements. */
export function readPolicyDocument(document: unknown, at: TemplatePath): PolicyDocument {
  let value = document;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { statements: [], at };
    }
  }
  if (!isRecord(value)) return { statements: [], at };
  const statements: PolicyStatement[] = [];
  const raw = value.Statement;
  const list = Array.isArray(raw) ? raw : [raw];
  list.forEach((entry, index) => {
    if (!isRecord(entry)) return;
    const effect = stringValue(entry.Effect);
    if (effect !== "Allow" && effect !== "Deny") return;
    const statement: PolicyStatement = {
      effect,
      conditions: readConditions(entry.Condition),
      at: Array.isArray(raw) ? [...at, "Statement", index] : [...at, "Statement"],
    };
    const sid = stringValue(entry.Sid);
    if (sid !== undefined) statement.sid = sid;
    if ("Action" in entry) statement.actions = strings(entry.Action);
    if ("NotAction" in entry) statement.notActions = strings(entry.NotAction);
    if ("Resource" in entry) statement.resources = listValue(entry.Resource);
    if ("NotResource" in entry) statement.notResources = listValue(entry.NotResource);
    if ("Principal" in entry) statement.principals = readPrincipals(entry.Principal);
    if ("NotPrincipal" in entry) statement.notPrincipals = readPrincipals(entry.NotPrincipal);
    statements.push(statement);
  });
  return { statements, at };
}

function strings(value: unknown): string[] {
  return listValue(value).map((item) => (typeof item === "string" ? item : display(item)));
}

function readPrincipals(value: unknown): Principals {
  const principals: Principals = { anyone: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (value === "*") principals.anyone = true;
  else if (isRecord(value)) {
    for (const [key, entries] of Object.entries(value)) {
      const list = listValue(entries);
      if (key === "AWS") {
        if (list.includes("*")) principals.anyone = true;
        principals.aws.push(...list);
      } else if (key === "Service") principals.service.push(...list);
      else if (key === "Federated") principals.federated.push(...list);
      else if (key === "CanonicalUser") principals.canonicalUser.push(...list);
    }
  } else if (isSymbolic(value)) principals.aws.push(value);
  return principals;
}

function readConditions(value: unknown): Record<string, Record<string, unknown[]>> {
  const conditions: Record<string, Record<string, unknown[]>> = {};
  if (!isRecord(value)) return conditions;
  for (const [operator, block] of Object.entries(value)) {
    if (!isRecord(block)) continue;
    conditions[operator] = Object.fromEntries(Object.entries(block).map(([key, values]) => [key, listValue(values)]));
  }
  return conditions;
}

/** Every condition key of the statement, lower-cased (IAM compares keys case-insensitively). */
export function conditionKeys(statement: PolicyStatement): string[] {
  return Object.values(statement.conditions).flatMap((block) => Object.keys(block).map((key) => key.toLowerCase()));
}

/** IAM's wildcard matching of one action pattern (`s3:Get*`, `*`) against an action, case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatches(pattern.toLowerCase(), action.toLowerCase());
}

/**
 * IAM's wildcards: `*` any run of characters, `?` any one character. Matched without a regular expression: a pattern
 * built from a template can be too large for one, and `.*a.*a.*...` backtracks exponentially.
 */
export function wildcardMatches(pattern: string, text: string): boolean {
  let patternAt = 0;
  let textAt = 0;
  // The last `*` seen, and where in the text its run ends so far: on a mismatch the run grows by one character.
  let star = -1;
  let starRunEnd = 0;
  while (textAt < text.length) {
    const wanted = pattern[patternAt];
    if (wanted === "*") {
      star = patternAt++;
      starRunEnd = textAt;
    } else if (wanted !== undefined && (wanted === "?" || wanted === text[textAt])) {
      patternAt++;
      textAt++;
    } else if (star >= 0) {
      patternAt = star + 1;
      textAt = ++starRunEnd;
    } else {
      return false;
    }
  }
  while (pattern[patternAt] === "*") patternAt++;
  return patternAt === pattern.length;
}

/** Does an Allow (or Deny) of this statement cover `action`? NotAction covers everything it does not list. */
export function statementCovers(statement: PolicyStatement, action: string): boolean {
  if (statement.actions) return statement.actions.some((pattern) => actionMatches(pattern, action));
  if (statement.notActions) return !statement.notActions.some((pattern) => actionMatches(pattern, action));
  return false;
}

/** The statement's action patterns, or for NotAction the fact that it grants everything else. */
export function grantsEverything(statement: PolicyStatement): boolean {
  if (statement.actions) return statement.actions.some((pattern) => pattern === "*" || pattern === "*:*");
  if (statement.notActions) return true;
  return false;
}

export function resourceIsWildcard(statement: PolicyStatement): boolean {
  return (statement.resources ?? []).some((resource) => resource === "*") || statement.notResources !== undefined;
}
