import type { Rule } from "../rule.ts";
import elbListenerNotHttps from "./elb-listener-not-https.ts";

export const ELB_RULES: readonly Rule[] = [elbListenerNotHttps];
