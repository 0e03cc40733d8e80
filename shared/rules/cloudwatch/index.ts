import type { Rule } from "../rule.ts";

export const CLOUDWATCH_RULES: readonly Rule[] = [];
