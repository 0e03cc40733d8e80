import { vpcViews } from "../../views/vpc.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "vpc-flow-logs-missing",
  title: "VPC has no flow log",
  severity: "medium",
  description:
    "A VPC without a flow log keeps no record of the traffic that enters, leaves or moves inside it, so a compromise, " +
    "a data exfiltration or a misrouted connection cannot be investigated afterwards. Only a flow log whose resource is " +
    "the VPC itself counts (ResourceType VPC); subnet or network-interface flow logs cover part of it.",
  remediation:
    "Add an AWS::EC2::FlowLog with ResourceType: VPC, ResourceId: !Ref <Vpc>, TrafficType: ALL, delivering to a " +
    "CloudWatch Logs group (with DeliverLogsPermissionArn) or an S3 bucket (LogDestinationType: s3).",
  seeds: ["003 §9"],
  anchors: ["cfn_nag W60", "prowler vpc_flow_logs_enabled", "securityhub EC2.6"],
  judges: ["template", "live"],
  check(context) {
    const hits: Hit[] = [];
    for (const vpc of context.views(vpcViews)) {
      if (vpc.flowLogs === undefined || vpc.flowLogs.length > 0) continue;
      hits.push({
        resource: { logicalId: vpc.logicalId, type: vpc.type, ...(vpc.physicalId ? { physicalId: vpc.physicalId } : {}) },
        message: `VPC ${vpc.logicalId} has no flow log (no AWS::EC2::FlowLog with ResourceType VPC names it)`,
        evidence: { flowLogs: [] },
      });
    }
    return hits;
  },
});
