import type { Rule } from "../rule.ts";

export const SNS_RULES: readonly Rule[] = [];
