import type { Rule } from "../rule.ts";
import accountRegionsMissing from "./account-regions-missing.ts";

export const ACCOUNT_RULES: readonly Rule[] = [accountRegionsMissing];
