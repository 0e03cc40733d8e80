import type { ResolvedResource } from "../../template/resolve.ts";
import { defineRule } from "../rule.ts";
import type { ReferenceGraph } from "../../template/graph.ts";

/** Resources whose failure or saturation an alarm should catch: compute and databases. */
const WATCHED_TYPES = new Set([
  "AWS::EC2::Instance",
  "AWS::AutoScaling::AutoScalingGroup",
  "AWS::Lambda::Function",
  "AWS::Serverless::Function",
  "AWS::ECS::Service",
  "AWS::EKS::Nodegroup",
  "AWS::RDS::DBInstance",
  "AWS::RDS::DBCluster",
  "AWS::DynamoDB::Table",
  "AWS::DynamoDB::GlobalTable",
  "AWS::ElastiCache::ReplicationGroup",
  "AWS::ElastiCache::CacheCluster",
]);

const ALARM_TYPES = new Set(["AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"]);

function isCustomResource(type: string): boolean {
  return type.startsWith("Custom::") || type === "AWS::CloudFormation::CustomResource";
}

/** A function the template uses only to back custom resources runs once per deployment; it needs no alarm. */
function onlyBacksCustomResources(resource: ResolvedResource, graph: ReferenceGraph, types: Map<string, string>): boolean {
  if (resource.type !== "AWS::Lambda::Function" && resource.type !== "AWS::Serverless::Function") return false;
  const users = graph.propertyUsersOf(resource.logicalId);
  return users.length > 0 && users.every((use) => isCustomResource(types.get(use.from) ?? "") && use.path.includes("ServiceToken"));
}

export default defineRule({
  id: "cloudwatch-alarms-missing",
  title: "Stack has compute or databases but no CloudWatch alarm",
  severity: "info",
  description:
    "A template that runs compute (EC2 instances, Auto Scaling groups, Lambda functions, ECS services, EKS node groups) or " +
    "databases (RDS, DynamoDB, ElastiCache) but declares no AWS::CloudWatch::Alarm leaves failures, throttling, exhausted " +
    "storage and abuse (a CPU spike from a compromised instance) to be noticed by users. Reported once per template, on the " +
    "first such resource. Functions that only back custom resources do not count.",
  remediation:
    "Add AWS::CloudWatch::Alarm resources for the signals that matter (CPUUtilization and StatusCheckFailed for instances, " +
    "Errors and Throttles for functions, FreeStorageSpace and DatabaseConnections for RDS, throttled requests for DynamoDB) " +
    "with AlarmActions that notify an SNS topic someone reads.",
  seeds: ["001 §3"],
  anchors: [],
  judges: ["template"],
  check(context) {
    if (!context.template) return [];
    const { resolved, graph } = context.template;
    const resources = [...resolved.resources.values()];
    if (resources.some((resource) => ALARM_TYPES.has(resource.type))) return [];
    const types = new Map(resources.map((resource) => [resource.logicalId, resource.type]));
    const watched = resources.filter((resource) => WATCHED_TYPES.has(resource.type) && !onlyBacksCustomResources(resource, graph, types));
    const first = watched[0];
    if (!first) return [];
    const named = watched.slice(0, 3).map((resource) => `${resource.logicalId} (${resource.type})`).join(", ");
    const more = watched.length > 3 ? ` and ${watched.length - 3} more` : "";
    return [
      {
        resource: { logicalId: first.logicalId, type: first.type },
        message: `The template runs ${named}${more} but declares no CloudWatch alarm: failures, throttling and abuse of these resources alert nobody`,
        evidence: { watched: watched.map((resource) => ({ logicalId: resource.logicalId, type: resource.type })), alarms: 0 },
      },
    ];
  },
});
