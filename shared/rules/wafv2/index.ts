import type { Rule } from "../rule.ts";
import wafv2WebaclNoRateLimit from "./wafv2-webacl-no-rate-limit.ts";
import wafv2WebaclUnassociated from "./wafv2-webacl-unassociated.ts";

export const WAFV2_RULES: readonly Rule[] = [wafv2WebaclUnassociated, wafv2WebaclNoRateLimit];
