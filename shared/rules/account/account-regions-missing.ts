import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "account-regions-missing",
  title: "Stack missing from a region the policy requires",
  severity: "high",
  description:
    "The scan policy's requiredRegions lists the regions every stack must be deployed to (a multi-region trail, " +
    "monitoring, a standby for disaster recovery, a StackSet rolled out to every region in use). A stack that exists in " +
    "some regions but not in a required one leaves that region unprotected, often without anyone noticing: a StackSet " +
    "instance that failed, or a region added after the stack was deployed.",
  remediation:
    "Deploy the stack to each missing region (`aws cloudformation deploy --region <region>`), or, better, manage it as a " +
    "CloudFormation StackSet (AWS::CloudFormation::StackSet with StackInstancesGroup listing every required region, " +
    "service-managed with AutoDeployment for organisations) and check its stack instances' status; if a region is no " +
    "longer required, remove it from the policy's requiredRegions.",
  seeds: ["002 §1"],
  anchors: [],
  judges: ["live"],
  scopes: ["account"],
  check(context) {
    const required = context.policy.requiredRegions ?? [];
    const account = context.live;
    if (required.length === 0 || account?.scope !== "account") return [];
    const hits: Hit[] = [];
    for (const [stack, regions] of account.stackRegions) {
      // Every region's account pass sees every stack: each stack is reported once, by the pass of the first region it
      // was found in (the scan lists its own regions before the required ones it only looked in).
      if (regions[0] !== account.region) continue;
      for (const region of required) {
        if (regions.includes(region)) continue;
        hits.push({
          resource: { logicalId: stack, type: "AWS::CloudFormation::Stack" },
          message: `Stack ${stack} does not exist in ${region}, which the policy's requiredRegions lists (found in ${regions.join(", ")})`,
          detail: `missing-region:${region}`,
          evidence: { stack, missingRegion: region, foundIn: [...regions], requiredRegions: [...required] },
        });
      }
    }
    return hits;
  },
});
