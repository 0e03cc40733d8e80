import type { Rule } from "../rule.ts";

export const ELB_RULES: readonly Rule[] = [];
