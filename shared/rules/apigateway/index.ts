import type { Rule } from "../rule.ts";

export const APIGATEWAY_RULES: readonly Rule[] = [];
