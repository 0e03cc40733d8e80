import type { Rule } from "../rule.ts";
import driftCfnReported from "./drift-cfn-reported.ts";
import driftResourceMissing from "./drift-resource-missing.ts";
import driftSecurityProperty from "./drift-security-property.ts";
import driftSgRuleAdded from "./drift-sg-rule-added.ts";

/** The drift rules, in catalogue order; judge-live runs them in its drift pass (they judge "drift" only). */
export const DRIFT_RULES: readonly Rule[] = [driftSecurityProperty, driftSgRuleAdded, driftResourceMissing, driftCfnReported];
