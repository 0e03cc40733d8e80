import type { Rule } from "../rule.ts";
import apigwConfigWeak from "./apigw-config-weak.ts";
import apigwStageLoggingOff from "./apigw-stage-logging-off.ts";

export const APIGATEWAY_RULES: readonly Rule[] = [apigwStageLoggingOff, apigwConfigWeak];
