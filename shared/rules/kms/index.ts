import type { Rule } from "../rule.ts";

export const KMS_RULES: readonly Rule[] = [];
