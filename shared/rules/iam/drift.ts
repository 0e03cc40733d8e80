import { display, Unknown } from "../../template/values.ts";
import type { IamPolicyView, IamPrincipalView } from "../../views/iam-policy.ts";
import type { PolicyDocument, PolicyStatement } from "../../views/policy-document.ts";
import type { ResourceView } from "../../views/view.ts";

/**
 * Template views carry their template path; live views do not. A template view that does not fix a value states no
 * intent (Unknown: never drift), while a live view that could not read it has nothing to compare (undefined).
 */
function notFixed(view: ResourceView, why: string): Unknown | undefined {
  return view.at !== undefined ? new Unknown(why) : undefined;
}

function byDisplay(a: unknown, b: unknown): number {
  const left = typeof a === "string" ? a : display(a);
  const right = typeof b === "string" ? b : display(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

function sortedValues(values: readonly unknown[]): unknown[] {
  return [...values].sort(byDisplay);
}

function sortedActions(actions: readonly string[]): string[] {
  return [...new Set(actions.map((action) => action.toLowerCase()))].sort();
}

/**
 * A statement as drift compares it: effect, actions (IAM compares them case-insensitively), resources and conditions
 * (keys lower-cased), in a fixed order; no Sid and no template path. Symbolic template values (`${Bucket.Arn}/*`) stay
 * symbolic: the drift comparison matches them against the live ARNs.
 */
export function normaliseStatement(statement: PolicyStatement): Record<string, unknown> {
  const normal: Record<string, unknown> = { effect: statement.effect };
  if (statement.actions) normal.actions = sortedActions(statement.actions);
  if (statement.notActions) normal.notActions = sortedActions(statement.notActions);
  if (statement.resources) normal.resources = sortedValues(statement.resources);
  if (statement.notResources) normal.notResources = sortedValues(statement.notResources);
  const operators = Object.keys(statement.conditions).sort();
  if (operators.length > 0) {
    normal.conditions = Object.fromEntries(
      operators.map((operator) => {
        const block = statement.conditions[operator]!;
        return [operator, Object.fromEntries(Object.keys(block).sort().map((key) => [key.toLowerCase(), sortedValues(block[key]!)]))];
      }),
    );
  }
  return normal;
}

/** The document's statements normalised and in a fixed order (reordering statements changes nothing). */
export function normaliseDocument(document: PolicyDocument): Record<string, unknown>[] {
  return document.statements.map(normaliseStatement).sort((a, b) => byDisplay(JSON.stringify(a, plain), JSON.stringify(b, plain)));
}

function plain(_key: string, value: unknown): unknown {
  return value !== null && typeof value === "object" && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype ? display(value) : value;
}

/**
 * The statements of a document that is one resource's own (an AWS::IAM::Policy or a customer managed policy). A
 * principal's inline policies are compared on the principal (InlinePolicies), by name. A template document with no
 * statement the template fixes (a parameter without default) is not intent: IAM rejects an empty Statement.
 */
export function policyStatementsValue(policy: IamPolicyView): unknown {
  if (policy.key !== "PolicyDocument") return undefined;
  if (policy.document.statements.length === 0) return notFixed(policy, "the policy document is not fixed by the template");
  return normaliseDocument(policy.document);
}

/** The principal's own inline policies by name, each normalised. */
export function inlinePoliciesValue(principal: IamPrincipalView): unknown {
  const inline = principal.inlinePolicies;
  if (!inline) return notFixed(principal, "an inline policy name is not fixed by the template");
  const value: Record<string, unknown> = {};
  for (const name of Object.keys(inline).sort()) {
    const document = inline[name]!;
    if (document.statements.length === 0 && principal.at !== undefined) return new Unknown(`inline policy ${name} is not fixed by the template`);
    value[name] = normaliseDocument(document);
  }
  return value;
}

/** The managed policies attached to the principal by ARN, sorted; the stack's own managed policies are compared on themselves. */
export function managedPolicyArnsValue(principal: IamPrincipalView): unknown {
  if (!principal.managedPolicyArns) return notFixed(principal, "managed policies not read");
  return sortedValues(principal.managedPolicyArns.filter((attachment) => attachment.policyLogicalId === undefined).map((attachment) => attachment.arn));
}
