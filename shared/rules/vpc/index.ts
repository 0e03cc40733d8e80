import type { Rule } from "../rule.ts";
import vpcFlowLogsMissing from "./vpc-flow-logs-missing.ts";
import vpcNaclPermissive from "./vpc-nacl-permissive.ts";

export const VPC_RULES: readonly Rule[] = [vpcFlowLogsMissing, vpcNaclPermissive];
