import type { Rule } from "../rule.ts";

export const VPC_RULES: readonly Rule[] = [];
