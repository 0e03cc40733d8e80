import type { Rule } from "../rule.ts";

export const IAM_RULES: readonly Rule[] = [];
