import type { Rule } from "../rule.ts";
import lambdaAsyncNoFailureDestination from "./lambda-async-no-failure-destination.ts";

export const LAMBDA_RULES: readonly Rule[] = [lambdaAsyncNoFailureDestination];
