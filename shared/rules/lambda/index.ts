import type { Rule } from "../rule.ts";

export const LAMBDA_RULES: readonly Rule[] = [];
