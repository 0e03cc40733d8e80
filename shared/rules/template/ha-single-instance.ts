import { defineRule, type Hit } from "../rule.ts";

const SCALING_OR_BALANCING = new Set([
  "AWS::AutoScaling::AutoScalingGroup",
  "AWS::ElasticLoadBalancingV2::LoadBalancer",
  "AWS::ElasticLoadBalancing::LoadBalancer",
  "AWS::EC2::EC2Fleet",
  "AWS::EC2::SpotFleet",
]);

export default defineRule({
  id: "ha-single-instance",
  title: "Compute runs on one EC2 instance with no Auto Scaling group or load balancer",
  severity: "low",
  description:
    "The template's compute is a single AWS::EC2::Instance and it declares no Auto Scaling group, fleet or load balancer. " +
    "An instance or Availability Zone failure takes the workload down until someone rebuilds it by hand.",
  remediation:
    "Run the workload in an AWS::AutoScaling::AutoScalingGroup (from a launch template) spread over subnets in at least two " +
    "Availability Zones, behind an Application or Network Load Balancer; keep MinSize at 2 or more for production.",
  seeds: ["001 arch §1-2"],
  anchors: [],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    const resources = [...template.resolved.resources.values()];
    if (resources.some((resource) => SCALING_OR_BALANCING.has(resource.type))) return [];
    // A bastion or jump host is a door for administrators, not the workload's compute.
    const instances = resources.filter((resource) => resource.type === "AWS::EC2::Instance" && !/bastion|jump/i.test(resource.logicalId));
    if (instances.length !== 1) return [];
    const [instance] = instances as [(typeof instances)[number]];
    const hit: Hit = {
      resource: { logicalId: instance.logicalId, type: instance.type },
      message: `${instance.logicalId} is the template's only EC2 instance and nothing scales or balances it: a single point of failure`,
      evidence: { instances: 1 },
    };
    return [hit];
  },
});
