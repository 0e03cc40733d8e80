import type { Rule } from "../rule.ts";
import snsTopicUnencrypted from "./sns-topic-unencrypted.ts";

export const SNS_RULES: readonly Rule[] = [snsTopicUnencrypted];
