import { cloudTrailTrailViews, type CloudTrailTrailView } from "../../views/cloudtrail-trail.ts";
import { defineRule, type DriftProperty, type Hit } from "../rule.ts";

export default defineRule({
  id: "cloudtrail-log-validation-off",
  title: "CloudTrail log file validation is off",
  severity: "medium",
  description:
    "Without log file validation CloudTrail writes no signed digest files, so nobody can prove that a log file was not " +
    "modified or deleted after delivery. Someone who gains write access to the log bucket can erase their tracks unnoticed.",
  remediation: "Set EnableLogFileValidation: true on the AWS::CloudTrail::Trail.",
  seeds: ["001 §6"],
  anchors: ["checkov CKV_AWS_36", "securityhub CloudTrail.4"],
  judges: ["template", "live", "drift"],
  drift: [{ view: cloudTrailTrailViews, property: "EnableLogFileValidation", value: (trail) => trail.logFileValidation } satisfies DriftProperty<CloudTrailTrailView>],
  check(context) {
    const hits: Hit[] = [];
    for (const trail of context.views(cloudTrailTrailViews)) {
      if (trail.logFileValidation !== false) continue;
      const unset = trail.defaulted.includes("logFileValidation");
      hits.push({
        resource: { logicalId: trail.logicalId, type: trail.type, ...(trail.physicalId ? { physicalId: trail.physicalId } : {}) },
        path: unset ? trail.at : trail.paths.logFileValidation,
        message:
          context.source === "template"
            ? `Trail ${trail.logicalId} ${unset ? "does not set EnableLogFileValidation (it defaults to false)" : "sets EnableLogFileValidation to false"}, so tampering with its log files cannot be detected`
            : `Trail ${trail.logicalId} (${String(trail.name)}) has log file validation off (LogFileValidationEnabled false), so tampering with its log files cannot be detected`,
        evidence: { enableLogFileValidation: trail.logFileValidation, setInTemplate: !unset },
      });
    }
    return hits;
  },
});
