import type { Rule } from "../rule.ts";
import secretsDuplicated from "./secrets-duplicated.ts";
import secretsPlaintext from "./secrets-plaintext.ts";
import secretsRotationMissing from "./secrets-rotation-missing.ts";

export const SECRETSMANAGER_RULES: readonly Rule[] = [secretsRotationMissing, secretsPlaintext, secretsDuplicated];
