import type { Rule } from "../rule.ts";

export const S3_RULES: readonly Rule[] = [];
