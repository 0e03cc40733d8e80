import { cloudTrailTrailViews } from "../../views/cloudtrail-trail.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "cloudtrail-single-region",
  title: "CloudTrail trail logs only one region",
  severity: "high",
  description:
    "A trail that is not multi-region records API activity only in the region where the stack is deployed. An attacker " +
    "who works in any other region (launching instances, creating keys or users through regional endpoints) leaves no " +
    "trace in it, and the governance trail the account relies on is incomplete.",
  remediation:
    "Set IsMultiRegionTrail: true on the AWS::CloudTrail::Trail (keep IncludeGlobalServiceEvents: true so IAM and STS " +
    "events are recorded once).",
  seeds: ["002 §5"],
  anchors: ["checkov CKV_AWS_67", "securityhub CloudTrail.1"],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const trail of context.views(cloudTrailTrailViews)) {
      if (trail.multiRegion !== false) continue;
      const why = trail.defaulted.includes("multiRegion") ? "does not set IsMultiRegionTrail (it defaults to false)" : "sets IsMultiRegionTrail to false";
      hits.push({
        resource: { logicalId: trail.logicalId, type: trail.type, ...(trail.physicalId ? { physicalId: trail.physicalId } : {}) },
        path: trail.defaulted.includes("multiRegion") ? trail.at : trail.paths.multiRegion,
        message: `Trail ${trail.logicalId} ${why}, so API activity in every other region goes unrecorded`,
        evidence: { isMultiRegionTrail: trail.multiRegion, setInTemplate: !trail.defaulted.includes("multiRegion") },
      });
    }
    return hits;
  },
});
