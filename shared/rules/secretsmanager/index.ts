import type { Rule } from "../rule.ts";

export const SECRETSMANAGER_RULES: readonly Rule[] = [];
