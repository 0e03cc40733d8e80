import { display, isSymbolic, stringValue, Unknown } from "../../template/values.ts";
import { ec2InstanceViews, liveLabel, type ComputeKind, type Ec2InstanceView } from "../../views/ec2-instance.ts";
import { defineRule, type Hit } from "../rule.ts";

const KIND_NAMES: Record<ComputeKind, string> = {
  instance: "instance",
  "launch-template": "launch template",
  "launch-configuration": "launch configuration",
};

/**
 * HttpTokens as the template intends it and as it is in force live, equal on both sides when the intent holds. A
 * template instance that leaves it to its launch template, its AMI or the account's IMDS defaults fixes nothing
 * (Unknown: never drift); a launch template that leaves it out is compared as left out, since its live data says so too.
 */
function httpTokensOf(machine: Ec2InstanceView): unknown {
  const options = machine.metadataOptions;
  if (machine.kind === "launch-configuration") return undefined;
  if (options.inheritedFrom !== undefined) return new Unknown(`HttpTokens of launch template ${options.inheritedFrom}`);
  const tokens = options.httpTokens;
  const live = machine.at === undefined;
  // A live value that could not be read is undefined: the read failure is reported, not a difference.
  if (isSymbolic(tokens)) return live ? undefined : tokens;
  if (tokens === undefined) return machine.kind === "instance" && !live ? new Unknown("HttpTokens the AMI or the account's IMDS defaults give") : undefined;
  return stringValue(tokens)?.toLowerCase() ?? new Unknown(`HttpTokens ${display(tokens)}`);
}

export default defineRule({
  id: "ec2-imdsv1-allowed",
  title: "Instance metadata service v1 is allowed",
  severity: "high",
  description:
    "An EC2 instance, launch template or launch configuration whose metadata options do not set HttpTokens to " +
    "required lets software on the machine read the instance role's credentials through IMDSv1, a plain unauthenticated " +
    "GET. A server-side request forgery flaw in any application on the host then leaks the role's credentials. Leaving " +
    "HttpTokens out counts: CloudFormation's default is optional unless the AMI or the account's IMDS defaults say " +
    "otherwise, which the template cannot show. A machine with the metadata endpoint disabled has no IMDS at all and " +
    "passes. An instance that takes its metadata options from a launch template of the same template is judged through " +
    "that launch template, so the finding lands where the fix goes.",
  remediation:
    "Set MetadataOptions: {HttpTokens: required, HttpEndpoint: enabled, HttpPutResponseHopLimit: 1 (2 for containers)} " +
    "in LaunchTemplateData of the launch template, in the instance's own MetadataOptions, or in the launch " +
    "configuration's MetadataOptions (better: replace the launch configuration with a launch template).",
  seeds: ["003 §3"],
  anchors: ["checkov CKV_AWS_79", "prowler ec2_launch_template_imdsv2_required", "securityhub EC2.8"],
  judges: ["template", "live", "drift"],
  check(context) {
    const hits: Hit[] = [];
    for (const machine of context.views(ec2InstanceViews)) {
      const options = machine.metadataOptions;
      if (options.inheritedFrom !== undefined) continue;
      const endpoint = options.httpEndpoint;
      if (isSymbolic(endpoint) || stringValue(endpoint)?.toLowerCase() === "disabled") continue;
      const tokens = options.httpTokens;
      if (isSymbolic(tokens) || stringValue(tokens)?.toLowerCase() === "required") continue;
      if (tokens !== undefined && stringValue(tokens) === undefined) continue;
      const what = `${KIND_NAMES[machine.kind]} ${machine.logicalId}${liveLabel(machine)}`;
      hits.push({
        resource: { logicalId: machine.logicalId, type: machine.type, ...(machine.physicalId ? { physicalId: machine.physicalId } : {}) },
        path: options.at,
        message:
          tokens === undefined
            ? `${what} does not set MetadataOptions.HttpTokens, so IMDSv1 stays allowed (the default is optional)`
            : `${what} sets MetadataOptions.HttpTokens to ${display(tokens)}, which allows IMDSv1`,
        evidence: { httpTokens: tokens ?? null, httpEndpoint: endpoint ?? null },
      });
    }
    return hits;
  },
  drift: [{ view: ec2InstanceViews, property: "HttpTokens", value: httpTokensOf }],
});
