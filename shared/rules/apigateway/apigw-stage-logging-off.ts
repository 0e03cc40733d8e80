import { apiStageViews, type ApiStageView } from "../../views/api-gateway.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "apigw-stage-logging-off",
  title: "API Gateway stage writes no access log",
  severity: "medium",
  description:
    "A REST, HTTP or WebSocket API stage without access logging keeps no record of who called which route, from where, " +
    "with what result: abuse, credential stuffing and data scraping go unseen and incidents cannot be reconstructed. " +
    "This includes the stage a REST Deployment creates through StageName when its StageDescription sets no " +
    "AccessLogSetting, and the $default stage of an HTTP API made by quick create (Target).",
  remediation:
    "Create an AWS::Logs::LogGroup (with retention) and set the stage's AccessLogSetting (REST: AWS::ApiGateway::Stage, " +
    "or the Deployment's StageDescription) or AccessLogSettings (AWS::ApiGatewayV2::Stage) to {DestinationArn: " +
    "!GetAtt ApiAccessLogs.Arn, Format: <JSON with $context.requestId, $context.identity.sourceIp, $context.status...>}. " +
    "REST APIs also need the account-level AWS::ApiGateway::Account CloudWatchRoleArn. Replace an HTTP API's quick-create " +
    "Target with an explicit AWS::ApiGatewayV2::Stage.",
  seeds: ["003 §5"],
  anchors: ["checkov CKV_AWS_76", "cdk-nag APIG1", "securityhub APIGateway.1"],
  judges: ["template", "live", "drift"],
  // Whether access logs have a destination: the template names it by GetAtt, AWS by ARN, so the destination itself is not compared.
  drift: [{ view: apiStageViews, property: "AccessLogDestination", value: (stage: ApiStageView) => stage.accessLogDestination !== undefined }],
  check(context) {
    const hits: Hit[] = [];
    for (const stage of context.views(apiStageViews)) {
      if (stage.accessLogDestination !== undefined) continue;
      const kind = stage.protocol ? `${stage.protocol} API ` : "API ";
      const name = stage.stageName ? `stage "${stage.stageName}"` : "stage";
      const api = stage.api ? ` of ${stage.api}` : "";
      const how =
        stage.declaredAs === "deployment"
          ? `created by deployment ${stage.logicalId} through StageName, whose StageDescription sets no AccessLogSetting`
          : stage.declaredAs === "quick-create"
            ? `created by quick create (Target) on ${stage.logicalId}, which gives it no access log settings`
            : `(${stage.logicalId}) has no ${String(stage.accessLogAt[stage.accessLogAt.length - 1])} destination`;
      hits.push({
        resource: { logicalId: stage.logicalId, type: stage.type, ...(stage.physicalId ? { physicalId: stage.physicalId } : {}) },
        message: `${kind}${name}${api} ${how}, so requests are not access-logged`,
        path: stage.accessLogAt,
        evidence: { stageName: stage.stageName, api: stage.api, protocol: stage.protocol, accessLogDestination: null },
      });
    }
    return hits;
  },
});
