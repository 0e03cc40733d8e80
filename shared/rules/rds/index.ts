import type { Rule } from "../rule.ts";

export const RDS_RULES: readonly Rule[] = [];
