import { isSymbolic } from "../template/values.ts";
import type { PolicyDocument, PolicyStatement, Principals } from "./policy-document.ts";

/** A policy statement as plain, order-free data: equal for the template's and the live policy when they grant the same. */
export interface ComparableStatement {
  sid?: string;
  effect: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: Record<string, string[]>;
  notPrincipals?: Record<string, string[]>;
  conditions?: Record<string, Record<string, string[]>>;
}

class NotComparable extends Error {}

function text(value: unknown): string {
  if (isSymbolic(value)) throw new NotComparable();
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new NotComparable();
}

function sortedTexts(values: readonly unknown[], normalise: (value: string) => string = (value) => value): string[] {
  return [...new Set(values.map((value) => normalise(text(value))))].sort();
}

/** AWS stores a bare account id principal as the account root's ARN. */
function awsPrincipal(value: string): string {
  return /^\d{12}$/.test(value) ? `arn:aws:iam::${value}:root` : value;
}

function principals(value: Principals): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  const aws = sortedTexts(value.anyone ? [...value.aws, "*"] : value.aws, awsPrincipal);
  if (aws.length > 0) result.AWS = aws;
  if (value.service.length > 0) result.Service = sortedTexts(value.service, (service) => service.toLowerCase());
  if (value.federated.length > 0) result.Federated = sortedTexts(value.federated);
  if (value.canonicalUser.length > 0) result.CanonicalUser = sortedTexts(value.canonicalUser);
  return result;
}

function conditions(value: PolicyStatement["conditions"]): Record<string, Record<string, string[]>> {
  const result: Record<string, Record<string, string[]>> = {};
  for (const operator of Object.keys(value).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))) {
    const block: Record<string, string[]> = {};
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
 * The policy as sorted plain data without template paths, for drift: statement order, list order, action and
 * condition-key case and a bare account id for its root ARN make no difference. Undefined when the policy holds a
 * value the template cannot fix (a resource's ARN, a parameter without default): it cannot be compared, and an
 * unknown template value is never drift.
 */
export function comparablePolicy(policy: PolicyDocument | undefined): ComparableStatement[] | undefined {
  if (!policy) return undefined;
  try {
    return policy.statements.map(statement).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  } catch (error) {
    if (error instanceof NotComparable) return undefined;
    throw error;
  }
}
