import type { Rule } from "../rule.ts";

export const CONFIG_RULES: readonly Rule[] = [];
