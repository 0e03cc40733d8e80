import type { Rule } from "../rule.ts";
import rdsBackupRetentionShort from "./rds-backup-retention-short.ts";
import rdsDeletionProtectionOff from "./rds-deletion-protection-off.ts";
import rdsEnhancedMonitoringOff from "./rds-enhanced-monitoring-off.ts";
import rdsPerformanceInsightsOff from "./rds-performance-insights-off.ts";
import rdsPubliclyAccessible from "./rds-publicly-accessible.ts";
import rdsSingleAz from "./rds-single-az.ts";
import rdsStorageUnencrypted from "./rds-storage-unencrypted.ts";

export const RDS_RULES: readonly Rule[] = [
  rdsSingleAz,
  rdsBackupRetentionShort,
  rdsStorageUnencrypted,
  rdsPubliclyAccessible,
  rdsDeletionProtectionOff,
  rdsEnhancedMonitoringOff,
  rdsPerformanceInsightsOff,
];
