import { booleanValue, Unknown } from "../../template/values.ts";
import { iamPolicyViews, type IamPolicyView } from "../../views/iam-policy.ts";
import { actionMatches, type PolicyStatement } from "../../views/policy-document.ts";
import { defineRule, type Hit } from "../rule.ts";
import { policyLabel, statementKey, statementLabel } from "./actions.ts";
import { normaliseStatement } from "./drift.ts";

const MFA_KEY = "aws:multifactorauthpresent";

/**
 * What a user without MFA must still be able to do to set MFA up (AWS's "manage own MFA device" policy), plus the
 * read-only lookups the console needs on the way. Anything else a deny-unless-MFA policy exempts works without MFA.
 */
const MFA_SELF_SERVICE = new Set(
  [
    "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ResyncMFADevice", "iam:DeleteVirtualMFADevice",
    "iam:GetUser", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ListMFADeviceTags",
    "iam:ListAccountAliases", "iam:GetAccountSummary", "iam:GetAccountPasswordPolicy", "iam:ListUsers",
    "iam:ListAccessKeys", "iam:ListSSHPublicKeys", "iam:ListServiceSpecificCredentials", "iam:ListSigningCertificates",
    "sts:GetSessionToken", "sts:GetCallerIdentity",
  ].map((action) => action.toLowerCase()),
);

/** Actions a stolen password or key must not reach without MFA; a wildcard exemption matching one is too broad. */
const SENSITIVE_ACTIONS = [
  "iam:ChangePassword", "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeactivateMFADevice", "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile", "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:CreateUser", "iam:PassRole",
  "iam:GetAccountAuthorizationDetails", "sts:AssumeRole", "sts:GetFederationToken",
];

interface MfaTest {
  operator: string;
  /** The value tested, as a boolean when it is one. */
  value: boolean | undefined;
}

/** The statement's tests of aws:MultiFactorAuthPresent (the key is matched case-insensitively, as IAM does). */
function mfaTests(statement: PolicyStatement): MfaTest[] {
  const tests: MfaTest[] = [];
  for (const [operator, block] of Object.entries(statement.conditions)) {
    for (const [key, values] of Object.entries(block)) {
      if (key.toLowerCase() !== MFA_KEY) continue;
      const booleans = values.map(booleanValue);
      tests.push({ operator, value: booleans.length === 1 ? booleans[0] : undefined });
    }
  }
  return tests;
}

function isCanonicalDenyTest(test: MfaTest): boolean {
  return test.operator.toLowerCase() === "boolifexists" && test.value === false;
}

function exemptionIsTooBroad(pattern: string): boolean {
  if (!pattern.includes("*") && !pattern.includes("?")) return !MFA_SELF_SERVICE.has(pattern.toLowerCase());
  if (!/^(iam|sts):/i.test(pattern)) return true;
  return SENSITIVE_ACTIONS.some((action) => actionMatches(pattern, action));
}

function isDenyUnlessMfa(statement: PolicyStatement): boolean {
  return statement.effect === "Deny" && mfaTests(statement).length > 0;
}

export default defineRule({
  id: "iam-mfa-policy-weak",
  title: "MFA enforcement policy can be bypassed",
  severity: "high",
  description:
    "A deny-unless-MFA policy (Deny with NotAction and BoolIfExists aws:MultiFactorAuthPresent false) only enforces " +
    "MFA if (1) its NotAction exempts nothing but MFA self-service (exempting iam:ChangePassword or iam:CreateAccessKey " +
    "lets a stolen password take over the account without MFA), (2) its condition is BoolIfExists ... false: with Bool " +
    "the key is absent for long-term access keys and API calls skip the check, and testing true denies the users who " +
    "did use MFA, and (3) it is attached to the users or groups it is meant for. An Allow conditioned on BoolIfExists " +
    "aws:MultiFactorAuthPresent true also matches access-key calls that carry no MFA context at all.",
  remediation:
    "Use AWS's documented statement: Effect Deny, NotAction limited to iam:CreateVirtualMFADevice, iam:EnableMFADevice, " +
    "iam:GetUser, iam:ListMFADevices, iam:ListVirtualMFADevices, iam:ResyncMFADevice and sts:GetSessionToken, Resource " +
    "\"*\", Condition BoolIfExists aws:MultiFactorAuthPresent \"false\". Attach the managed policy to the group of the " +
    "users it protects (Groups: [!Ref Group]). For Allow statements use Bool aws:MultiFactorAuthPresent \"true\".",
  seeds: ["003 §7", "004 §3"],
  anchors: [],
  judges: ["template", "live", "drift"],
  drift: [{ view: iamPolicyViews, property: "MfaPolicy", value: mfaPolicyValue }],
  check(context) {
    const hits: Hit[] = [];
    for (const policy of context.views(iamPolicyViews)) {
      const resource = { logicalId: policy.logicalId, type: policy.type, ...(policy.physicalId ? { physicalId: policy.physicalId } : {}) };
      const statements = policy.document.statements;
      const denies = statements.map((statement, index) => ({ statement, index })).filter(({ statement }) => isDenyUnlessMfa(statement));
      const hit = (statement: PolicyStatement, index: number, aspect: string, message: string, evidence: Record<string, unknown>): void => {
        hits.push({ resource, path: statement.at, message, detail: `${policy.key}:${statementKey(statement, index)}:${aspect}`, evidence });
      };
      for (const { statement, index } of denies) {
        const where = `${policyLabel(policy)} ${statementLabel(statement, index)}`;
        const tests = mfaTests(statement);
        const inverted = tests.find((test) => test.value === true && /^bool/i.test(test.operator));
        if (inverted) {
          hit(statement, index, "condition", `${where} denies when aws:MultiFactorAuthPresent is true (${inverted.operator}): it blocks the users who did sign in with MFA and lets the others through`, { conditions: statement.conditions });
        } else if (
          tests.every((test) => test.value !== undefined) &&
          !denies.some(({ statement: other }) => mfaTests(other).some(isCanonicalDenyTest)) &&
          !coversAbsentKeyElsewhere(statement, denies.map(({ statement: other }) => other))
        ) {
          const operators = tests.map((test) => test.operator).join(", ");
          hit(statement, index, "condition", `${where} tests aws:MultiFactorAuthPresent with ${operators} instead of BoolIfExists "false": requests signed with long-term access keys carry no MFA key, so they are not denied`, { conditions: statement.conditions });
        }
        const narrowing = narrowingConditions(statement);
        if (narrowing.length > 0) {
          hit(statement, index, "scope", `${where} denies only when ${narrowing.join(", ")} also match${narrowing.length === 1 ? "es" : ""}, so requests without MFA that do not match ${narrowing.length === 1 ? "it" : "them"} are not denied`, { conditions: statement.conditions });
        }
        if (statement.notActions) {
          const extra = statement.notActions.filter(exemptionIsTooBroad);
          if (extra.length > 0) {
            hit(statement, index, "exemptions", `${where} exempts ${extra.join(", ")} from the MFA requirement, more than MFA self-service: these work with a stolen password or key and no MFA`, { notActions: statement.notActions, beyondSelfService: extra });
          }
        }
      }
      statements.forEach((statement, index) => {
        if (statement.effect !== "Allow") return;
        const loose = mfaTests(statement).find((test) => test.operator.toLowerCase() === "boolifexists" && test.value === true);
        if (loose) {
          hit(statement, index, "condition", `${policyLabel(policy)} ${statementLabel(statement, index)} allows on BoolIfExists aws:MultiFactorAuthPresent "true", which also matches access-key requests that carry no MFA context; use Bool`, { conditions: statement.conditions });
        }
      });
      if (denies.length > 0 && isUnattachedManagedPolicy(policy)) {
        hits.push({
          resource,
          path: policy.at,
          message: `${policyLabel(policy)} denies access without MFA but is attached to no user, group or role, so it enforces nothing`,
          detail: `${policy.key}:unattached`,
          evidence: { groups: [], users: [], roles: [] },
        });
      }
    }
    return hits;
  },
});

/** Keys that only keep the deny off AWS services acting for the user: they do not let a user without MFA through. */
const SERVICE_CONTEXT_KEYS = new Set(["aws:viaawsservice", "aws:principalisawsservice", "aws:calledvia", "aws:calledviafirst", "aws:calledvialast"]);

/** Conditions besides the MFA test on a deny of (nearly) everything: each one shrinks what the deny covers. */
function narrowingConditions(statement: PolicyStatement): string[] {
  if (!statement.notActions && !(statement.actions ?? []).some((pattern) => pattern === "*")) return [];
  const narrowing: string[] = [];
  for (const [operator, block] of Object.entries(statement.conditions)) {
    for (const key of Object.keys(block)) {
      const lower = key.toLowerCase();
      if (lower !== MFA_KEY && !SERVICE_CONTEXT_KEYS.has(lower)) narrowing.push(`${operator} ${key}`);
    }
  }
  return narrowing;
}

/** Bool "false" in one statement and Null "true" in another together cover both console and access-key requests. */
function coversAbsentKeyElsewhere(statement: PolicyStatement, denies: PolicyStatement[]): boolean {
  const tests = mfaTests(statement);
  const hasBoolFalse = (list: MfaTest[]) => list.some((test) => test.operator.toLowerCase() === "bool" && test.value === false);
  const hasNullTrue = (list: MfaTest[]) => list.some((test) => test.operator.toLowerCase() === "null" && test.value === true);
  const all = denies.flatMap(mfaTests);
  return (hasBoolFalse(tests) || hasNullTrue(tests)) && hasBoolFalse(all) && hasNullTrue(all);
}

function isUnattachedManagedPolicy(policy: IamPolicyView): boolean {
  return policy.policyKind === "managed" && policy.attachedTo.length === 0 && policy.boundaryOf.length === 0 && !policy.referencedElsewhere;
}

/**
 * A deny-unless-MFA policy as drift compares it: its MFA statements and whether anything uses it. Documents that are
 * a principal's inline policies are compared on the principal (InlinePolicies); documents without such a statement on
 * either side compare as not applicable.
 */
function mfaPolicyValue(policy: IamPolicyView): unknown {
  if (policy.key !== "PolicyDocument") return undefined;
  const denies = policy.document.statements.filter(isDenyUnlessMfa);
  if (denies.length === 0) return undefined;
  const used = policy.attachedTo.length > 0 || policy.boundaryOf.length > 0;
  if (!used && policy.referencedElsewhere) return policy.at !== undefined ? new Unknown("it may be attached where the template cannot show") : undefined;
  return { statements: denies.map(normaliseStatement).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), attached: used };
}
