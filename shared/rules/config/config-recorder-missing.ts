import type { ConfigRegionView, ConfigResourceView } from "../../views/config-recorder.ts";
import { configRegionViews, configResourceViews } from "../../views/config-recorder.ts";
import { defineRule, type Hit, type RuleContext } from "../rule.ts";

function resourceOf(view: ConfigResourceView): Hit["resource"] {
  return { logicalId: view.logicalId, type: view.type };
}

function listed(ids: string[]): string {
  return ids.length > 3 ? `${ids.slice(0, 3).join(", ")} and ${ids.length - 3} more` : ids.join(", ");
}

export default defineRule({
  id: "config-recorder-missing",
  title: "Config rules without a configuration recorder and delivery channel",
  severity: "medium",
  description:
    "AWS Config rules and conformance packs evaluate only what a configuration recorder records, and a recorder records " +
    "only once it has a delivery channel. A rule that DependsOn a recorder the template does not create breaks the " +
    "deployment; a recorder with no delivery channel never starts. Rules in a template with no recorder at all rely on one " +
    "the account already runs in the region: that is reported at low, since only a live scan can confirm it.",
  remediation:
    "Create an AWS::Config::ConfigurationRecorder (RoleARN of a role with the AWS_ConfigRole managed policy, RecordingGroup " +
    "AllSupported: true) and an AWS::Config::DeliveryChannel (S3BucketName of a bucket whose policy lets config.amazonaws.com " +
    "write), and make the rules DependsOn both; or, where the account already records, drop the DependsOn and document it.",
  seeds: ["003 §6"],
  anchors: ["securityhub Config.1"],
  judges: ["template", "live"],
  scopes: ["stack", "account"],
  check(context) {
    return context.source === "live" ? liveCheck(context) : templateCheck(context);
  },
});

/** What keeps the region's Config rules from evaluating anything, as the region's recorders and channels show it. */
interface RegionProblem {
  detail: string;
  /** Completes "AWS Config in <region> ...". */
  what: string;
  evidence: Record<string, unknown>;
}

function regionProblems(region: ConfigRegionView): RegionProblem[] {
  const problems: RegionProblem[] = [];
  if (region.recorders?.length === 0) {
    problems.push({ detail: "no-recorder", what: "has no configuration recorder", evidence: { recorders: [] } });
  }
  for (const recorder of region.recorders ?? []) {
    if (recorder.recording !== false) continue;
    problems.push({
      detail: `not-recording:${recorder.name}`,
      what: `has configuration recorder ${recorder.name}, but it is stopped (not recording)`,
      evidence: { recorder: recorder.name, recording: false, lastStatus: recorder.lastStatus ?? null, lastErrorCode: recorder.lastErrorCode ?? null },
    });
  }
  if (region.deliveryChannels?.length === 0) {
    problems.push({ detail: "no-delivery-channel", what: "has no delivery channel, so no recorder can record", evidence: { deliveryChannels: [] } });
  }
  return problems;
}

/**
 * Live: for the account and region, any recorder missing, stopped or without a delivery channel; for a stack, the same
 * problems reported on the stack's Config rules, which evaluate nothing until they are fixed.
 */
function liveCheck(context: RuleContext): Hit[] {
  const hits: Hit[] = [];
  for (const region of context.views(configRegionViews)) {
    const problems = regionProblems(region);
    if (context.scope === "account") {
      for (const problem of problems) {
        hits.push({
          resource: { logicalId: region.logicalId, type: region.type, ...(region.physicalId ? { physicalId: region.physicalId } : {}) },
          message: `AWS Config in ${region.region}${region.account ? ` (account ${region.account})` : ""} ${problem.what}: configuration changes there are not recorded and Config rules evaluate nothing`,
          detail: problem.detail,
          evidence: { region: region.region, ...problem.evidence },
        });
      }
      continue;
    }
    const rules = context.views(configResourceViews).filter((view) => view.role === "rule" || view.role === "conformance-pack");
    const first = rules[0];
    if (!first) continue;
    for (const problem of problems) {
      hits.push({
        resource: { logicalId: first.logicalId, type: first.type, ...(first.physicalId ? { physicalId: first.physicalId } : {}) },
        message: `Config rules ${listed(rules.map((rule) => rule.logicalId))} are deployed, but AWS Config in ${region.region} ${problem.what}: they evaluate nothing`,
        detail: problem.detail,
        evidence: { region: region.region, rules: rules.map((rule) => rule.logicalId), ...problem.evidence },
      });
    }
  }
  return hits;
}

function templateCheck(context: RuleContext): Hit[] {
  const views = context.views(configResourceViews);
  const rules = views.filter((view) => view.role === "rule" || view.role === "conformance-pack");
  const recorders = views.filter((view) => view.role === "recorder");
  const channels = views.filter((view) => view.role === "delivery-channel");
  const present = context.template ? new Set(context.template.resolved.resources.keys()) : undefined;
  const declared = context.template ? new Set(Object.keys(context.template.body.Resources)) : undefined;
  const hits: Hit[] = [];

  for (const rule of rules) {
    for (const name of rule.dependsOn ?? []) {
      if (!/recorder/i.test(name) || !present || present.has(name)) continue;
      const why = declared?.has(name) ? "which its condition leaves out of the stack" : "which the template does not define";
      hits.push({
        resource: resourceOf(rule),
        path: ["Resources", rule.logicalId, "DependsOn"],
        message: `Config rule ${rule.logicalId} DependsOn ${name}, ${why}: the deployment fails, and without a recorder the rule evaluates nothing`,
        detail: `depends-on:${name}`,
        evidence: { dependsOn: name, recorders: recorders.map((view) => view.logicalId) },
      });
    }
  }

  for (const recorder of recorders) {
    if (channels.length > 0) continue;
    hits.push({
      resource: resourceOf(recorder),
      message: `Configuration recorder ${recorder.logicalId} has no AWS::Config::DeliveryChannel in the template: a recorder cannot start recording without one${rules.length > 0 ? `, so rules ${listed(rules.map((rule) => rule.logicalId))} evaluate nothing` : ""}`,
      detail: "no-delivery-channel",
      evidence: { recorder: recorder.logicalId, deliveryChannels: 0, rules: rules.map((rule) => rule.logicalId) },
    });
  }

  const first = rules[0];
  if (first && recorders.length === 0 && hits.length === 0) {
    hits.push({
      resource: resourceOf(first),
      message:
        `Config rules ${listed(rules.map((rule) => rule.logicalId))} are created, but the template has no configuration recorder` +
        `${channels.length === 0 ? " or delivery channel" : ""}: they evaluate nothing unless the account already records in this region ` +
        "(reported at low: a recorder outside the template cannot be seen here; a live scan confirms it)",
      severity: "low",
      detail: "no-recorder",
      evidence: { rules: rules.map((rule) => rule.logicalId), recorders: 0, deliveryChannels: channels.length },
    });
  }
  return hits;
}
