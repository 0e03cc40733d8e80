import type { ConfigResourceView } from "../../views/config-recorder.ts";
import { configResourceViews } from "../../views/config-recorder.ts";
import { defineRule, type Hit } from "../rule.ts";

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
  check(context) {
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
  },
});
