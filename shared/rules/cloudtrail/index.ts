import type { Rule } from "../rule.ts";

export const CLOUDTRAIL_RULES: readonly Rule[] = [];
