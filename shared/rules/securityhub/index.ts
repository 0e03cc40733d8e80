import type { Rule } from "../rule.ts";
import securityhubDisabled from "./securityhub-disabled.ts";

export const SECURITYHUB_RULES: readonly Rule[] = [securityhubDisabled];
