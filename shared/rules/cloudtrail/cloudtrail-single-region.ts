import type { LiveTrail } from "../../live/cloudtrail.ts";
import { cloudTrailAccountViews, type CloudTrailAccountView } from "../../views/cloudtrail-account.ts";
import { cloudTrailTrailViews, type CloudTrailTrailView } from "../../views/cloudtrail-trail.ts";
import { defineRule, type DriftProperty, type Hit } from "../rule.ts";

function describeTrail(trail: LiveTrail): string {
  const facts = [
    trail.multiRegion ? "multi-region" : "single-region",
    trail.logging === undefined ? "logging unknown" : trail.logging ? "logging" : "not logging",
    ...(trail.managementEvents !== undefined && trail.managementEvents !== "All" ? [`management events ${trail.managementEvents}`] : []),
  ];
  return `${trail.name} (${facts.join(", ")}${trail.homeRegion ? `, home ${trail.homeRegion}` : ""})`;
}

/** Account form: no trail in the region is multi-region, logging, and recording read and write management events. */
function accountHits(account: CloudTrailAccountView): Hit[] {
  const multiRegion = account.trails.filter((trail) => trail.multiRegion);
  if (multiRegion.some((trail) => trail.logging === true && trail.managementEvents === "All")) return [];
  // A multi-region trail whose status or selectors could not be read might be the one: say nothing rather than guess.
  if (multiRegion.some((trail) => trail.logging === undefined || (trail.logging === true && trail.managementEvents === undefined))) return [];
  const listed = account.trails.map(describeTrail);
  return [
    {
      resource: { logicalId: account.logicalId, type: account.type },
      message:
        `No multi-region trail that is logging and records read and write management events covers account ${account.account} in ${account.region}` +
        (listed.length > 0 ? `; the trails there are ${listed.join("; ")}` : "; the region has no trail at all") +
        ": API activity in other regions (or all of it) goes unrecorded",
      detail: `account:${account.region}`,
      evidence: { account: account.account, region: account.region, trails: account.trails.map((trail) => ({ name: trail.name, arn: trail.arn, multiRegion: trail.multiRegion, logging: trail.logging ?? null, managementEvents: trail.managementEvents ?? null })) },
    },
  ];
}

export default defineRule({
  id: "cloudtrail-single-region",
  title: "CloudTrail trail logs only one region",
  severity: "high",
  description:
    "A trail that is not multi-region records API activity only in the region where the stack is deployed. An attacker " +
    "who works in any other region (launching instances, creating keys or users through regional endpoints) leaves no " +
    "trace in it, and the governance trail the account relies on is incomplete. Live, the rule also judges the account " +
    "once per region: it fails when no multi-region trail that is logging and records read and write management events " +
    "covers the region.",
  remediation:
    "Set IsMultiRegionTrail: true on the AWS::CloudTrail::Trail (keep IncludeGlobalServiceEvents: true so IAM and STS " +
    "events are recorded once). Account-wide, keep at least one multi-region trail that is logging and records read and " +
    "write management events (an organization trail counts).",
  seeds: ["002 §5"],
  anchors: ["checkov CKV_AWS_67", "securityhub CloudTrail.1"],
  judges: ["template", "live", "drift"],
  scopes: ["stack", "account"],
  drift: [{ view: cloudTrailTrailViews, property: "IsMultiRegionTrail", value: (trail) => trail.multiRegion } satisfies DriftProperty<CloudTrailTrailView>],
  check(context) {
    if (context.scope === "account") return context.views(cloudTrailAccountViews).flatMap(accountHits);
    const hits: Hit[] = [];
    for (const trail of context.views(cloudTrailTrailViews)) {
      if (trail.multiRegion !== false) continue;
      const why = trail.defaulted.includes("multiRegion") ? "does not set IsMultiRegionTrail (it defaults to false)" : "sets IsMultiRegionTrail to false";
      hits.push({
        resource: { logicalId: trail.logicalId, type: trail.type, ...(trail.physicalId ? { physicalId: trail.physicalId } : {}) },
        path: trail.defaulted.includes("multiRegion") ? trail.at : trail.paths.multiRegion,
        message:
          context.source === "template"
            ? `Trail ${trail.logicalId} ${why}, so API activity in every other region goes unrecorded`
            : `Trail ${trail.logicalId} (${String(trail.name)}) is not multi-region (IsMultiRegionTrail false), so API activity in every other region goes unrecorded`,
        evidence: { isMultiRegionTrail: trail.multiRegion, setInTemplate: !trail.defaulted.includes("multiRegion") },
      });
    }
    return hits;
  },
});
