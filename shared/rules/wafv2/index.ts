import type { Rule } from "../rule.ts";

export const WAFV2_RULES: readonly Rule[] = [];
