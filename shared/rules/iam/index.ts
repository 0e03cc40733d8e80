import type { Rule } from "../rule.ts";
import iamPolicyWildcardAction from "./iam-policy-wildcard-action.ts";
import iamPolicyWildcardResource from "./iam-policy-wildcard-resource.ts";
import iamMfaPolicyWeak from "./iam-mfa-policy-weak.ts";
import iamPermissionBoundaryWeak from "./iam-permission-boundary-weak.ts";
import iamRoleBroadManagedPolicy from "./iam-role-broad-managed-policy.ts";
import iamAccessKeyStale from "./iam-access-key-stale.ts";

export const IAM_RULES: readonly Rule[] = [
  iamPolicyWildcardAction,
  iamPolicyWildcardResource,
  iamMfaPolicyWeak,
  iamPermissionBoundaryWeak,
  iamRoleBroadManagedPolicy,
  iamAccessKeyStale,
];
