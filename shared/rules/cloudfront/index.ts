import type { Rule } from "../rule.ts";
import cloudfrontS3OriginWithoutOac from "./cloudfront-s3-origin-without-oac.ts";

export const CLOUDFRONT_RULES: readonly Rule[] = [cloudfrontS3OriginWithoutOac];
