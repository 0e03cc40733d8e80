import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { APIGatewayClient, GetRequestValidatorsCommand, GetResourcesCommand, GetRestApiCommand, GetStagesCommand as GetRestStagesCommand } from "@aws-sdk/client-api-gateway";
import { ApiGatewayV2Client, GetApiCommand, GetStagesCommand as GetV2StagesCommand } from "@aws-sdk/client-apigatewayv2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { ApiGatewayReader } from "../../shared/live/apigateway.ts";
import { LiveSession } from "../../shared/live/session.ts";
import apigwStageLoggingOff from "../../shared/rules/apigateway/apigw-stage-logging-off.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { apiStageViews, restApiViews, type ApiStageView, type RestApiView } from "../../shared/views/api-gateway.ts";
import { handStack, resource } from "../live/hand-stack.ts";

const LOGS = "arn:aws:logs:eu-west-1:111122223333:log-group:access";

const TEMPLATE = `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: { Name: orders, EndpointConfiguration: { Types: [REGIONAL] } }
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: { RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders }
  OrderId:
    Type: AWS::ApiGateway::Resource
    Properties: { RestApiId: !Ref Api, ParentId: !Ref Orders, PathPart: "{id}" }
  BodyValidator:
    Type: AWS::ApiGateway::RequestValidator
    Properties: { RestApiId: !Ref Api, Name: body, ValidateRequestBody: true }
  CreateOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: POST
      AuthorizationType: AWS_IAM
      RequestValidatorId: !Ref BodyValidator
      RequestModels: { application/json: Order }
      Integration: { Type: MOCK }
  GetOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref OrderId
      HttpMethod: GET
      AuthorizationType: NONE
      RequestParameters: { method.request.path.id: true }
      Integration: { Type: MOCK }
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [CreateOrder, GetOrder]
    Properties: { RestApiId: !Ref Api }
  Prod:
    Type: AWS::ApiGateway::Stage
    Properties: { RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: prod, AccessLogSetting: { DestinationArn: ${LOGS}, Format: $context.requestId } }
  Socket:
    Type: AWS::ApiGatewayV2::Api
    Properties: { Name: socket, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action }
  SocketStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: { ApiId: !Ref Socket, StageName: live }
`;

function comparableApi(view: RestApiView) {
  return {
    logicalId: view.logicalId,
    name: view.name,
    endpointTypes: view.endpointTypes,
    endpointTypesDeclared: view.endpointTypesDeclared,
    methods: view.methods.map((method) => ({ ...method, at: undefined })).sort((a, b) => `${a.path}${a.httpMethod}`.localeCompare(`${b.path}${b.httpMethod}`)),
  };
}

function comparableStage(view: ApiStageView) {
  return { logicalId: view.logicalId, type: view.type, protocol: view.protocol, api: view.api, stageName: view.stageName, accessLogDestination: view.accessLogDestination, declaredAs: view.declaredAs, accessLogAt: view.accessLogAt };
}

describe("API Gateway views: template and live agree on an unchanged stack", () => {
  let rest: AwsClientStub<APIGatewayClient>;
  let v2: AwsClientStub<ApiGatewayV2Client>;
  before(() => {
    rest = mockClient(APIGatewayClient);
    v2 = mockClient(ApiGatewayV2Client);
  });
  afterEach(() => {
    rest.reset();
    v2.reset();
  });
  after(() => {
    rest.restore();
    v2.restore();
  });

  it("builds the same REST API and stage views from the template and from the API", async () => {
    rest.on(GetRestApiCommand).resolves({ id: "a1", name: "orders", endpointConfiguration: { types: ["REGIONAL"] } });
    rest.on(GetRestStagesCommand).resolves({ item: [{ stageName: "prod", deploymentId: "d1", accessLogSettings: { destinationArn: LOGS, format: "$context.requestId" } }] });
    rest.on(GetResourcesCommand).resolves({
      items: [
        { id: "root", path: "/" },
        { id: "r1", path: "/orders", resourceMethods: { POST: { httpMethod: "POST", authorizationType: "AWS_IAM", requestValidatorId: "v1", requestModels: { "application/json": "Order" } } } },
        { id: "r2", path: "/orders/{id}", resourceMethods: { GET: { httpMethod: "GET", authorizationType: "NONE", requestParameters: { "method.request.path.id": true } } } },
      ],
    });
    rest.on(GetRequestValidatorsCommand).resolves({ items: [{ id: "v1", name: "body", validateRequestBody: true, validateRequestParameters: false }] });
    v2.on(GetApiCommand).resolves({ ApiId: "w1", Name: "socket", ProtocolType: "WEBSOCKET" });
    v2.on(GetV2StagesCommand).resolves({ Items: [{ StageName: "live", DeploymentId: "x" }] });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [
      resource("Api", "AWS::ApiGateway::RestApi", "a1"),
      resource("Orders", "AWS::ApiGateway::Resource", "r1"),
      resource("OrderId", "AWS::ApiGateway::Resource", "r2"),
      resource("BodyValidator", "AWS::ApiGateway::RequestValidator", "v1"),
      resource("CreateOrder", "AWS::ApiGateway::Method", "a1|r1|POST"),
      resource("GetOrder", "AWS::ApiGateway::Method", "a1|r2|GET"),
      resource("Deployment", "AWS::ApiGateway::Deployment", "d1"),
      resource("Prod", "AWS::ApiGateway::Stage", "prod"),
      resource("Socket", "AWS::ApiGatewayV2::Api", "w1"),
      resource("SocketStage", "AWS::ApiGatewayV2::Stage", "live"),
    ]);
    await session.reader(ApiGatewayReader).load(stack.resources);
    const parsed = parseTemplate(TEMPLATE);
    const [resolved] = resolveTemplate(parsed);
    stack.template = resolved;

    assert.deepEqual(restApiViews.fromLive!(stack).map(comparableApi), restApiViews.fromTemplate(resolved!).map(comparableApi));
    const liveStages = apiStageViews.fromLive!(stack);
    const templateStages = apiStageViews.fromTemplate(resolved!);
    assert.deepEqual(liveStages.map(comparableStage), templateStages.map(comparableStage));
    assert.deepEqual(liveStages.map((stage) => stage.physicalId), ["prod", "live"]);
    const [logging] = apigwStageLoggingOff.drift!;
    assert.deepEqual(liveStages.map((stage) => logging!.value(stage)), templateStages.map((stage) => logging!.value(stage)));
    assert.deepEqual(liveStages.map((stage) => logging!.value(stage)), [true, false]);
  });
});
