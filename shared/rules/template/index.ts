import type { Rule } from "../rule.ts";

export const TEMPLATE_RULES: readonly Rule[] = [];
