import type { Rule } from "../rule.ts";

export const CLOUDFRONT_RULES: readonly Rule[] = [];
