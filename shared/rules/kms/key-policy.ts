import { display, isSymbolic } from "../../template/values.ts";
import { actionMatches, statementCovers, type PolicyStatement } from "../../views/policy-document.ts";

/** How a statement is named in messages and fingerprints: its Sid, else its position in the policy. */
export function statementLabel(statement: PolicyStatement): string {
  if (statement.sid !== undefined && statement.sid !== "") return `statement "${statement.sid}"`;
  const index = statement.at[statement.at.length - 1];
  return typeof index === "number" ? `statement #${index + 1}` : "the statement";
}

export function statementDetail(statement: PolicyStatement): string {
  if (statement.sid !== undefined && statement.sid !== "") return `sid:${statement.sid}`;
  const index = statement.at[statement.at.length - 1];
  return `index:${typeof index === "number" ? index : 0}`;
}

/** Allow with Principal "*" / {AWS: "*"}, or with NotPrincipal (everyone except the listed). */
export function allowsAnyone(statement: PolicyStatement): boolean {
  return statement.effect === "Allow" && (statement.principals?.anyone === true || statement.notPrincipals !== undefined);
}

const ROOT_ARN = /^arn:[^:]*:iam::(.*):root$/;
const ACCOUNT_ID = /^\d{12}$/;

/** The account whose root a principal names (`arn:aws:iam::111122223333:root` or a bare account id); undefined for any other principal. */
export function rootAccountOf(principal: unknown): string | undefined {
  const text = typeof principal === "string" ? principal : isSymbolic(principal) ? display(principal) : undefined;
  if (text === undefined) return undefined;
  if (ACCOUNT_ID.test(text)) return text;
  return ROOT_ARN.exec(text)?.[1];
}

/**
 * True when the statement grants every KMS action: `kms:*`, `*`, or a NotAction that leaves key administration
 * and data use both granted. The literal "kms:*" only matches a pattern whose wildcard spans the whole action name.
 */
export function grantsAllKmsActions(statement: PolicyStatement): boolean {
  if (statement.actions) {
    return statement.actions.some((pattern) => ["kms:*", "kms:Decrypt", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"].every((action) => actionMatches(pattern, action)));
  }
  if (statement.notActions) return ["kms:Decrypt", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"].every((action) => statementCovers(statement, action));
  return false;
}

export function describeActions(statement: PolicyStatement): string {
  if (statement.actions) return statement.actions.join(", ");
  if (statement.notActions) return `every action except ${statement.notActions.join(", ")}`;
  return "no action";
}

const POSITIVE_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"]);
/** Keys every request carries, so an ...IfExists test of them still restricts. */
const ALWAYS_PRESENT = new Set(["aws:principalaccount", "aws:principalarn", "kms:calleraccount", "aws:principalorgid", "aws:principalorgpaths", "aws:userid"]);

function restrictingValue(value: unknown): boolean {
  if (isSymbolic(value)) return true;
  return typeof value === "string" && value !== "" && !/^[*?]+$/.test(value);
}

/**
 * Condition keys (lower case) the statement tests in a way that narrows who can use it: a positive string or ARN
 * match against a value that is not a bare wildcard. Negated operators, Null, ForAllValues (true when the key is
 * absent) and ...IfExists on keys a request may lack do not narrow anything.
 */
export function restrictingConditionKeys(statement: PolicyStatement): string[] {
  const keys: string[] = [];
  for (const [rawOperator, block] of Object.entries(statement.conditions)) {
    let operator = rawOperator.toLowerCase();
    if (operator.startsWith("forallvalues:")) continue;
    operator = operator.replace(/^foranyvalue:/, "");
    const ifExists = operator.endsWith("ifexists");
    if (ifExists) operator = operator.slice(0, -"ifexists".length);
    if (!POSITIVE_OPERATORS.has(operator)) continue;
    for (const [rawKey, values] of Object.entries(block)) {
      const key = rawKey.toLowerCase();
      if (ifExists && !ALWAYS_PRESENT.has(key)) continue;
      if (values.length > 0 && values.every(restrictingValue)) keys.push(key);
    }
  }
  return keys;
}

/** Condition keys that pin a public statement to an account, an organisation, a source resource or a network path. */
const PINS_CALLER = new Set([
  "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths", "aws:principalarn", "aws:userid",
  "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths",
  "aws:sourcevpce", "aws:sourcevpc", "kms:calleraccount",
]);

export function callerPinningKeys(statement: PolicyStatement): string[] {
  return restrictingConditionKeys(statement).filter((key) => PINS_CALLER.has(key));
}

/** Condition keys that stop a service principal acting for someone else's resource (confused deputy). */
export function confusedDeputyGuards(statement: PolicyStatement): string[] {
  return restrictingConditionKeys(statement).filter(
    (key) =>
      ["aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths", "kms:viaservice", "kms:calleraccount", "kms:encryptioncontextkeys"].includes(key) ||
      key.startsWith("kms:encryptioncontext:"),
  );
}
