import { iamAccessKeyViews } from "../../views/iam-access-key.ts";
import { defineRule, type Hit } from "../rule.ts";

const MAX_AGE_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export default defineRule({
  id: "iam-access-key-stale",
  title: "IAM user access key is older than 90 days",
  severity: "medium",
  description:
    "A long-term access key that is still active after 90 days has had that long to be copied into scripts, laptops, CI " +
    "variables and logs, and a leaked key works until someone deactivates it. Keys are judged account-wide, once per " +
    "account and region scan, by their creation date; inactive keys are not findings.",
  remediation:
    "Rotate the key: create a second key for the user, move every consumer to it, deactivate the old key (UpdateAccessKey " +
    "--status Inactive), watch for failures, then delete it. Better, replace the user's keys by roles (IAM Roles Anywhere, " +
    "instance profiles, OIDC federation for CI) so no long-term key exists.",
  seeds: ["004 §4"],
  anchors: ["prowler iam_rotate_access_key_90_days", "securityhub IAM.3"],
  judges: ["live"],
  scopes: ["account"],
  check(context) {
    const now = context.live?.session.now;
    if (context.scope !== "account" || !now) return [];
    const hits: Hit[] = [];
    for (const key of context.views(iamAccessKeyViews)) {
      if (!key.active) continue;
      const ageDays = Math.floor((now.getTime() - key.created.getTime()) / DAY_MS);
      if (ageDays <= MAX_AGE_DAYS) continue;
      const created = key.created.toISOString().slice(0, 10);
      hits.push({
        resource: { logicalId: key.logicalId, type: key.type, physicalId: key.accessKeyId },
        message: `Access key ${key.accessKeyId} of IAM user ${key.userName} is active and ${ageDays} days old (created ${created}), more than ${MAX_AGE_DAYS}: it has not been rotated`,
        detail: key.accessKeyId,
        evidence: { userName: key.userName, accessKeyId: key.accessKeyId, created: key.created.toISOString(), ageDays, maxAgeDays: MAX_AGE_DAYS },
      });
    }
    return hits;
  },
});
