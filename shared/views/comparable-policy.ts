import { display, isSymbolic, toEvidence, type Composite, type Symbol } from "../template/values.ts";
import type { PolicyDocument, PolicyStatement, Principals } from "./policy-document.ts";

/** A text of the policy: a string, or what the template leaves symbolic (a role's ARN, a parameter without default). */
export type PolicyText = string | Symbol | Composite;

/** A policy statement as plain, order-free data: equal for the template's and the live policy when they grant the same. */
export interface ComparableStatement {
  sid?: string;
  effect: string;
  actions?: PolicyText[];
  notActions?: PolicyText[];
  resources?: PolicyText[];
  notResources?: PolicyText[];
  principals?: Record<string, PolicyText[]>;
  notPrincipals?: Record<string, PolicyText[]>;
  conditions?: Record<string, Record<string, PolicyText[]>>;
}

function text(value: unknown): PolicyText {
  if (isSymbolic(value)) return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value === "string" ? value : display(value);
}

/** Distinct and sorted; a symbolic value sorts by its name and stays symbolic, for drift to match against the live text. */
function sortedTexts(values: readonly unknown[], normalise: (value: string) => string = (value) => value): PolicyText[] {
  const byDisplay = new Map<string, PolicyText>();
  for (const value of values) {
    const item = text(value);
    const normal = typeof item === "string" ? normalise(item) : item;
    byDisplay.set(display(normal), normal);
  }
  return [...byDisplay].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
}

/** AWS stores a bare account id principal as the account root's ARN. */
function awsPrincipal(value: string): string {
  return /^\d{12}$/.test(value) ? `arn:aws:iam::${value}:root` : value;
}

function principals(value: Principals): Record<string, PolicyText[]> {
  const result: Record<string, PolicyText[]> = {};
  const aws = sortedTexts(value.anyone ? [...value.aws, "*"] : value.aws, awsPrincipal);
  if (aws.length > 0) result.AWS = aws;
  if (value.service.length > 0) result.Service = sortedTexts(value.service, (service) => service.toLowerCase());
  if (value.federated.length > 0) result.Federated = sortedTexts(value.federated);
  if (value.canonicalUser.length > 0) result.CanonicalUser = sortedTexts(value.canonicalUser);
  return result;
}

function conditions(value: PolicyStatement["conditions"]): Record<string, Record<string, PolicyText[]>> {
  const result: Record<string, Record<string, PolicyText[]>> = {};
  for (const operator of Object.keys(value).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))) {
    const block: Record<string, PolicyText[]> = {};
    for (const key of Object.keys(value[operator]!).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))) {
      // Condition keys are case-insensitive; boolean values compare as IAM reads them.
      block[key.toLowerCase()] = sortedTexts(value[operator]![key]!, (item) => (/^(true|false)$/i.test(item) ? item.toLowerCase() : item));
    }
    result[operator.toLowerCase()] = block;
  }
  return result;
}

function statement(value: PolicyStatement): ComparableStatement {
  const result: ComparableStatement = { effect: value.effect };
  if (value.sid !== undefined && value.sid !== "") result.sid = value.sid;
  if (value.actions) result.actions = sortedTexts(value.actions, (action) => action.toLowerCase());
  if (value.notActions) result.notActions = sortedTexts(value.notActions, (action) => action.toLowerCase());
  if (value.resources) result.resources = sortedTexts(value.resources);
  if (value.notResources) result.notResources = sortedTexts(value.notResources);
  if (value.principals) result.principals = principals(value.principals);
  if (value.notPrincipals) result.notPrincipals = principals(value.notPrincipals);
  const conditionBlock = conditions(value.conditions);
  if (Object.keys(conditionBlock).length > 0) result.conditions = conditionBlock;
  return result;
}

/**
 * The policy as sorted data without template paths, for drift: statement order, list order, action and condition-key
 * case and a bare account id for its root ARN make no difference. A value the template leaves symbolic stays so: drift
 * matches a resource's ARN against the live text in its place, and never reports one the template cannot fix.
 */
export function comparablePolicy(policy: PolicyDocument | undefined): ComparableStatement[] | undefined {
  if (!policy) return undefined;
  return policy.statements
    .map(statement)
    .map((item) => ({ item, key: JSON.stringify(toEvidence(item)) }))
    .sort((a, b) => a.key.localeCompare(b.key))
    .map(({ item }) => item);
}
