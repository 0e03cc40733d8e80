import type { Rule } from "../rule.ts";

export const BUDGETS_RULES: readonly Rule[] = [];
