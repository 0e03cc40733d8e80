/**
 * An edge stack (load balancer, listener, REST API) deployed through moto's CloudFormation, changed out of band, then
 * scanned the way the CLI scans it: scanLive with the ELBv2 and API Gateway readers.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CloudFormationClient, CreateStackCommand, ListStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client, ModifyListenerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ApiGatewayReader } from "../../shared/live/apigateway.ts";
import { Elbv2Reader } from "../../shared/live/elbv2.ts";
import { APIGATEWAY_RULES } from "../../shared/rules/apigateway/index.ts";
import { ELB_RULES } from "../../shared/rules/elb/index.ts";
import { scanLive } from "../../shared/scan-live.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

function template(subnets: string[]): string {
  return `
Resources:
  Web:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: { Scheme: internet-facing, Subnets: [${subnets.join(", ")}] }
  HttpListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Web
      Port: 80
      Protocol: HTTP
      DefaultActions: [{ Type: redirect, RedirectConfig: { Protocol: HTTPS, Port: "443", StatusCode: HTTP_301 } }]
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: { Name: orders, EndpointConfiguration: { Types: [REGIONAL] } }
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: { RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders }
  CreateOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: POST
      AuthorizationType: NONE
      Integration: { Type: MOCK, IntegrationHttpMethod: POST, Uri: "" }
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: CreateOrder
    Properties: { RestApiId: !Ref Api, StageName: prod }
`;
}

describe("an edge stack on moto's CloudFormation, scanned live", () => {
  const moto = motoForTests();

  it("finds the listener switched to serving content over HTTP out of band, and the unvalidated method and unlogged stage both template and live", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const config = motoClientConfig(server.endpoint);
    const subnets = ((await new EC2Client(config).send(new DescribeSubnetsCommand({}))).Subnets ?? []).slice(0, 2).map((subnet) => subnet.SubnetId!);
    const cloudformation = new CloudFormationClient(config);
    await cloudformation.send(new CreateStackCommand({ StackName: "edge", TemplateBody: template(subnets) }));
    const resources = (await cloudformation.send(new ListStackResourcesCommand({ StackName: "edge" }))).StackResourceSummaries ?? [];
    const listenerArn = resources.find((resource) => resource.LogicalResourceId === "HttpListener")!.PhysicalResourceId!;
    // Out of band: someone "fixes" a redirect loop by answering plain HTTP with content.
    await new ElasticLoadBalancingV2Client(config).send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: "ok" } }] }));

    const result = await scanLive({
      regions: [MOTO_REGION],
      endpointUrl: server.endpoint,
      stacks: ["edge"],
      readers: [Elbv2Reader, ApiGatewayReader],
      rules: [...ELB_RULES, ...APIGATEWAY_RULES],
    });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.findings.map((finding) => [finding.ruleId, finding.resource.logicalId, finding.source, finding.resource.physicalId, finding.evidence.alsoInTemplate ?? false]).sort(),
      [
        ["apigw-config-weak", "CreateOrder", "live", undefined, true],
        ["apigw-stage-logging-off", "Deployment", "live", undefined, true],
        ["elb-listener-not-https", "HttpListener", "live", listenerArn, false],
      ],
      "moto lists the method and deployment without physical ids; the listener's ARN names it",
    );
    assert.match(result.findings.find((finding) => finding.ruleId === "elb-listener-not-https")!.message, /serves a 200 fixed response over plain HTTP/);
    assert.ok(result.findings.every((finding) => finding.location), "each finding points at its template line");
    // One listing per balancer, one description of it, the rules of its HTTP listener; four reads for the REST API.
    assert.deepEqual(
      Object.fromEntries(Object.entries(result.calls).filter(([call]) => /elasticloadbalancing|apigateway/.test(call))),
      {
        [`${MOTO_REGION} elasticloadbalancing:DescribeListeners`]: 1,
        [`${MOTO_REGION} elasticloadbalancing:DescribeLoadBalancers`]: 1,
        [`${MOTO_REGION} elasticloadbalancing:DescribeRules`]: 1,
        [`${MOTO_REGION} apigateway:GetRestApi`]: 1,
        [`${MOTO_REGION} apigateway:GetStages`]: 1,
        [`${MOTO_REGION} apigateway:GetResources`]: 1,
        [`${MOTO_REGION} apigateway:GetRequestValidators`]: 1,
      },
    );
  });
});
