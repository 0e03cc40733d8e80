import type { Rule } from "../rule.ts";
import configRecorderMissing from "./config-recorder-missing.ts";

export const CONFIG_RULES: readonly Rule[] = [configRecorderMissing];
