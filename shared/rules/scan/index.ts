import type { Rule } from "../rule.ts";
import liveReadFailed from "./live-read-failed.ts";

/** Rules about the scan itself (what it could not read), judged once per account and region. */
export const SCAN_RULES: readonly Rule[] = [liveReadFailed];
