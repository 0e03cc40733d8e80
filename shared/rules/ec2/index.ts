import type { Rule } from "../rule.ts";
import ec2SgEgressUnrestricted from "./ec2-sg-egress-unrestricted.ts";

export const EC2_RULES: readonly Rule[] = [ec2SgEgressUnrestricted];
