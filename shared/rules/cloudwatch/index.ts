import type { Rule } from "../rule.ts";
import cloudwatchAlarmsMissing from "./cloudwatch-alarms-missing.ts";

export const CLOUDWATCH_RULES: readonly Rule[] = [cloudwatchAlarmsMissing];
