import { cloudTrailTrailViews } from "../../views/cloudtrail-trail.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "cloudtrail-not-logging",
  title: "CloudTrail trail exists but is not logging",
  severity: "high",
  description:
    "A trail that has been stopped (StopLogging, or IsLogging: false) records nothing while every setting still looks " +
    "right: the stack deploys, the trail is listed, and the account has no audit log. Stopping the trail is one of the " +
    "first things an intruder does. Only the live trail can tell (GetTrailStatus).",
  remediation:
    "Start the trail (aws cloudtrail start-logging --name <trail>) and keep IsLogging: true on the AWS::CloudTrail::Trail so " +
    "the next deploy restores it; alert on cloudtrail:StopLogging with an EventBridge rule or a CloudWatch metric filter.",
  seeds: ["002 §5"],
  anchors: ["prowler cloudtrail_multi_region_enabled_logging_management_events"],
  judges: ["live"],
  check(context) {
    const hits: Hit[] = [];
    for (const trail of context.views(cloudTrailTrailViews)) {
      if (trail.logging !== false) continue;
      hits.push({
        resource: { logicalId: trail.logicalId, type: trail.type, ...(trail.physicalId ? { physicalId: trail.physicalId } : {}) },
        path: ["Resources", trail.logicalId, "Properties", "IsLogging"],
        message: `Trail ${trail.logicalId} (${String(trail.name)}) exists but is not logging (GetTrailStatus: IsLogging false): no API activity is recorded`,
        evidence: { isLogging: false, trailArn: trail.arn ?? null },
      });
    }
    return hits;
  },
});
