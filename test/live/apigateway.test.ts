import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateRequestValidatorCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  GetRequestValidatorsCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetResourcesCommand as ListResourcesCommand,
  GetStagesCommand as GetRestStagesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from "@aws-sdk/client-api-gateway";
import { ApiGatewayV2Client, CreateApiCommand, CreateStageCommand, GetApiCommand, GetStagesCommand as GetV2StagesCommand } from "@aws-sdk/client-apigatewayv2";
import { CloudFrontClient, GetDistributionConfigCommand, type DistributionConfig } from "@aws-sdk/client-cloudfront";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { ApiGatewayReader } from "../../shared/live/apigateway.ts";
import { CloudFrontReader } from "../../shared/live/cloudfront.ts";
import { LiveSession } from "../../shared/live/session.ts";
import apigwConfigWeak from "../../shared/rules/apigateway/apigw-config-weak.ts";
import apigwStageLoggingOff from "../../shared/rules/apigateway/apigw-stage-logging-off.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { apiStageViews, restApiViews } from "../../shared/views/api-gateway.ts";
import { awsError, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const LOGS = "arn:aws:logs:eu-west-1:111122223333:log-group:api-access";

const TEMPLATE = `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: { Name: orders }
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: { RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders }
  Validator:
    Type: AWS::ApiGateway::RequestValidator
    Properties: { RestApiId: !Ref Api, ValidateRequestBody: true, ValidateRequestParameters: true }
  CreateOrder:
    Type: AWS::ApiGateway::Method
    Properties: { RestApiId: !Ref Api, ResourceId: !Ref Orders, HttpMethod: POST, AuthorizationType: NONE, RequestValidatorId: !Ref Validator, Integration: { Type: MOCK } }
  ListOrders:
    Type: AWS::ApiGateway::Method
    Properties: { RestApiId: !Ref Api, ResourceId: !Ref Orders, HttpMethod: GET, AuthorizationType: NONE, Integration: { Type: MOCK } }
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [CreateOrder, ListOrders]
    Properties: { RestApiId: !Ref Api }
  AccessLogs:
    Type: AWS::Logs::LogGroup
  Prod:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      StageName: prod
      AccessLogSetting: { DestinationArn: !GetAtt AccessLogs.Arn, Format: "$context.requestId" }
  Quick:
    Type: AWS::ApiGatewayV2::Api
    Properties: { Name: quick, ProtocolType: HTTP, Target: "arn:aws:lambda:eu-west-1:111122223333:function:f" }
  Site:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins:
          - Id: api
            DomainName: !Sub "\${Api}.execute-api.\${AWS::Region}.amazonaws.com"
            CustomOriginConfig: { OriginProtocolPolicy: https-only }
        DefaultCacheBehavior: { TargetOriginId: api, ViewerProtocolPolicy: https-only }
`;

describe("ApiGatewayReader against mocked API Gateway", () => {
  let rest: AwsClientStub<APIGatewayClient>;
  let v2: AwsClientStub<ApiGatewayV2Client>;
  let cloudfront: AwsClientStub<CloudFrontClient>;
  before(() => {
    rest = mockClient(APIGatewayClient);
    v2 = mockClient(ApiGatewayV2Client);
    cloudfront = mockClient(CloudFrontClient);
  });
  afterEach(() => {
    rest.reset();
    v2.reset();
    cloudfront.reset();
  });
  after(() => {
    rest.restore();
    v2.restore();
    cloudfront.restore();
  });

  it("reads each REST API (endpoint, stages, every page of methods, validators) and each HTTP API (protocol, every page of stages) once", async () => {
    rest.on(GetRestApiCommand, { restApiId: "a1" }).resolves({ id: "a1", name: "orders", endpointConfiguration: { types: ["REGIONAL"] } });
    rest.on(GetRestStagesCommand, { restApiId: "a1" }).resolves({
      item: [
        { stageName: "prod", deploymentId: "d1", accessLogSettings: { destinationArn: LOGS, format: "$context.requestId" } },
        { stageName: "dev", deploymentId: "d2", accessLogSettings: {} },
      ],
    });
    rest.on(GetResourcesCommand, { restApiId: "a1", embed: ["methods"], limit: 500 }).resolves({
      items: [{ id: "r0", path: "/", resourceMethods: {} }, { id: "r1", path: "/orders", resourceMethods: { POST: { httpMethod: "POST", authorizationType: "NONE", requestValidatorId: "v1", requestModels: { "application/json": "Order" } } } }],
      position: "p2",
    });
    rest.on(GetResourcesCommand, { restApiId: "a1", embed: ["methods"], limit: 500, position: "p2" }).resolves({
      items: [{ id: "r2", path: "/orders/{id}", resourceMethods: { GET: { httpMethod: "GET", authorizationType: "AWS_IAM", requestParameters: { "method.request.path.id": true } } } }],
    });
    rest.on(GetRequestValidatorsCommand, { restApiId: "a1", limit: 500 }).resolves({ items: [{ id: "v1", name: "body", validateRequestBody: true, validateRequestParameters: false }] });
    v2.on(GetApiCommand, { ApiId: "h1" }).resolves({ ApiId: "h1", Name: "quick", ProtocolType: "HTTP" });
    v2.on(GetV2StagesCommand, { ApiId: "h1" }).resolves({ Items: [{ StageName: "$default" }], NextToken: "t2" });
    v2.on(GetV2StagesCommand, { ApiId: "h1", NextToken: "t2" }).resolves({ Items: [{ StageName: "live", AccessLogSettings: { DestinationArn: LOGS, Format: "$context.requestId" } }] });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(ApiGatewayReader);
    const resources = [resource("Api", "AWS::ApiGateway::RestApi", "a1"), resource("Prod", "AWS::ApiGateway::Stage", "prod"), resource("Quick", "AWS::ApiGatewayV2::Api", "h1"), resource("Creating", "AWS::ApiGateway::RestApi")];
    await reader.load(resources);
    await reader.load(resources);
    assert.deepEqual(Object.fromEntries(session.calls), {
      "apigateway:GetRestApi": 1,
      "apigateway:GetStages": 3,
      "apigateway:GetResources": 2,
      "apigateway:GetRequestValidators": 1,
      "apigateway:GetApi": 1,
    });
    assert.deepEqual(session.failures, []);
    assert.deepEqual(reader.restApi("a1"), {
      id: "a1",
      name: "orders",
      endpointTypes: ["REGIONAL"],
      stages: [
        { name: "prod", deploymentId: "d1", accessLogDestination: LOGS, accessLogFormat: "$context.requestId" },
        { name: "dev", deploymentId: "d2" },
      ],
      methods: [
        { path: "/orders", httpMethod: "POST", authorizationType: "NONE", requestValidatorId: "v1", requestParameters: {}, requestModels: { "application/json": "Order" } },
        { path: "/orders/{id}", httpMethod: "GET", authorizationType: "AWS_IAM", requestParameters: { "method.request.path.id": true }, requestModels: {} },
      ],
      validators: new Map([["v1", { id: "v1", name: "body", validatesBody: true, validatesParameters: false }]]),
    });
    assert.deepEqual(reader.v2Api("h1"), { id: "h1", name: "quick", protocol: "HTTP", stages: [{ name: "$default" }, { name: "live", accessLogDestination: LOGS, accessLogFormat: "$context.requestId" }] });
  });

  it("records a deleted API, access denied on methods, throttling and malformed stages, and keeps what it could read", async () => {
    rest.on(GetRestApiCommand, { restApiId: "gone" }).rejects(awsError("NotFoundException", 404, "Invalid API identifier specified"));
    rest.on(GetRestApiCommand, { restApiId: "a1" }).resolves({ id: "a1", name: "orders" });
    rest.on(GetRestStagesCommand, { restApiId: "a1" }).resolves({ item: [{ deploymentId: "d1" } as never] });
    rest.on(GetResourcesCommand).rejects(awsError("AccessDeniedException", 403, "not authorized to perform: apigateway:GET"));
    rest.on(GetRequestValidatorsCommand).resolves({ items: [] });
    v2.on(GetApiCommand, { ApiId: "busy" }).rejects(awsError("TooManyRequestsException", 429, "Too Many Requests"));
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(ApiGatewayReader);
    await reader.load([resource("Gone", "AWS::ApiGateway::RestApi", "gone"), resource("Api", "AWS::ApiGateway::RestApi", "a1"), resource("Busy", "AWS::ApiGatewayV2::Api", "busy")]);
    assert.deepEqual(session.failures.map((failure) => [failure.operation, failure.kind, failure.target]).sort(), [
      ["GetApi", "throttled", "busy"],
      ["GetResources", "access-denied", "a1"],
      ["GetRestApi", "not-found", "gone"],
      ["GetStages", "malformed-response", "a1"],
    ]);
    assert.equal(reader.restApi("gone"), undefined);
    assert.equal(reader.v2Api("busy"), undefined);
    const api = reader.restApi("a1")!;
    assert.deepEqual([api.endpointTypes, api.stages, api.methods, api.validators?.size], [["EDGE"], undefined, undefined, 0], "no endpointConfiguration means EDGE; failed parts stay unknown");
  });

  it("builds live views, judges them with the deployed template and declares access logging as drift", async () => {
    rest.on(GetRestApiCommand, { restApiId: "a1" }).resolves({ id: "a1", name: "orders", endpointConfiguration: { types: ["EDGE"] } });
    rest.on(GetRestStagesCommand, { restApiId: "a1" }).resolves({ item: [{ stageName: "prod", deploymentId: "d1" }] });
    rest.on(GetResourcesCommand).resolves({
      items: [
        { id: "r1", path: "/orders", resourceMethods: { POST: { httpMethod: "POST", requestValidatorId: "v1" }, GET: { httpMethod: "GET" } } },
        { id: "r2", path: "/orders/{id}", resourceMethods: { PUT: { httpMethod: "PUT" }, OPTIONS: { httpMethod: "OPTIONS" } } },
      ],
    });
    // The validator was switched to validate nothing, outside the stack.
    rest.on(GetRequestValidatorsCommand).resolves({ items: [{ id: "v1", validateRequestBody: false, validateRequestParameters: false }] });
    v2.on(GetApiCommand, { ApiId: "h1" }).resolves({ ApiId: "h1", Name: "quick", ProtocolType: "HTTP" });
    v2.on(GetV2StagesCommand, { ApiId: "h1" }).resolves({ Items: [{ StageName: "$default" }] });
    const origin = { Id: "api", DomainName: "a1.execute-api.eu-west-1.amazonaws.com", CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only" } };
    cloudfront.on(GetDistributionConfigCommand, { Id: "ESITE" }).resolves({ DistributionConfig: { CallerReference: "r", Comment: "", Enabled: true, Origins: { Quantity: 1, Items: [origin] } } as DistributionConfig });

    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [
      resource("Api", "AWS::ApiGateway::RestApi", "a1"),
      resource("Orders", "AWS::ApiGateway::Resource", "r1"),
      resource("Validator", "AWS::ApiGateway::RequestValidator", "v1"),
      resource("CreateOrder", "AWS::ApiGateway::Method", "a1|r1|POST"),
      resource("ListOrders", "AWS::ApiGateway::Method", "a1|r1|GET"),
      resource("Deployment", "AWS::ApiGateway::Deployment", "d1"),
      resource("AccessLogs", "AWS::Logs::LogGroup", "api-access"),
      resource("Prod", "AWS::ApiGateway::Stage", "prod"),
      resource("Quick", "AWS::ApiGatewayV2::Api", "h1"),
      resource("Site", "AWS::CloudFront::Distribution", "ESITE"),
    ]);
    await Promise.all([session.reader(ApiGatewayReader).load(stack.resources), session.reader(CloudFrontReader).load(stack.resources)]);
    const parsed = parseTemplate(TEMPLATE);
    const result = judgeLiveStack(stack, parsed, { rules: [apigwStageLoggingOff, apigwConfigWeak] });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.findings.map((finding) => [finding.ruleId, finding.resource.logicalId, finding.source, finding.resource.physicalId, finding.evidence.alsoInTemplate ?? false]).sort(),
      [
        ["apigw-config-weak", "Api", "live", "a1", false],
        ["apigw-config-weak", "Api", "live", "a1", true],
        ["apigw-config-weak", "CreateOrder", "live", "a1|r1|POST", false],
        ["apigw-stage-logging-off", "Prod", "live", "prod", false],
        ["apigw-stage-logging-off", "Quick", "live", "h1", true],
      ],
    );
    const messages = result.findings.map((finding) => finding.message).join("\n");
    assert.match(messages, /Operation PUT \/orders\/\{id\} of REST API Api takes input without request validation/);
    assert.match(messages, /Method CreateOrder POST \/orders .*validates neither body nor parameters/);
    assert.match(messages, /EDGE by default .* the stack fronts it with its own CloudFront distribution Site/);

    // Built without the deployed template, the stage is still found by its name and the method lands on the API.
    const stages = apiStageViews.fromLive!({ ...stack, template: undefined });
    assert.deepEqual(stages.map((stage) => [stage.logicalId, stage.api, stage.stageName, stage.protocol, stage.declaredAs, stage.accessLogDestination]), [
      ["Prod", "Api", "prod", "REST", "stage", undefined],
      ["Quick", "Quick", "$default", "HTTP", "quick-create", undefined],
    ]);
    assert.deepEqual(restApiViews.fromLive!({ ...stack, template: undefined })[0]!.methods.map((method) => [method.httpMethod, method.path, method.logicalId, method.takesInput]), [
      ["GET", "/orders", undefined, false],
      ["POST", "/orders", undefined, true],
      ["OPTIONS", "/orders/{id}", undefined, false],
      ["PUT", "/orders/{id}", undefined, true],
    ]);

    const [property] = apigwStageLoggingOff.drift!;
    const [resolved] = resolveTemplate(parsed);
    assert.deepEqual(Object.fromEntries(apiStageViews.fromTemplate(resolved!).map((stage) => [stage.logicalId, property!.value(stage)])), { Prod: true, Quick: false });
    assert.deepEqual(Object.fromEntries(stages.map((stage) => [stage.logicalId, property!.value(stage)])), { Prod: false, Quick: false });
  });

  it("maps a Deployment's stage and a v2 Stage resource to their APIs", async () => {
    rest.on(GetRestApiCommand).resolves({ id: "a1", endpointConfiguration: { types: ["REGIONAL"] } });
    rest.on(GetRestStagesCommand).resolves({ item: [{ stageName: "v1", deploymentId: "d9", accessLogSettings: { destinationArn: LOGS } }] });
    rest.on(GetResourcesCommand).resolves({ items: [] });
    rest.on(GetRequestValidatorsCommand).resolves({ items: [] });
    v2.on(GetApiCommand).resolves({ ApiId: "w1", ProtocolType: "WEBSOCKET" });
    v2.on(GetV2StagesCommand).resolves({ Items: [{ StageName: "live" }, { StageName: "$default" }] });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [
      resource("Api", "AWS::ApiGateway::RestApi", "a1"),
      resource("Release", "AWS::ApiGateway::Deployment", "d9"),
      resource("Socket", "AWS::ApiGatewayV2::Api", "w1"),
      resource("SocketStage", "AWS::ApiGatewayV2::Stage", "live"),
    ]);
    await session.reader(ApiGatewayReader).load(stack.resources);
    stack.template = resolveTemplate(
      parseTemplate(`
Resources:
  Api: { Type: AWS::ApiGateway::RestApi, Properties: { Name: a } }
  Release: { Type: AWS::ApiGateway::Deployment, Properties: { RestApiId: !Ref Api, StageName: v1 } }
  Socket: { Type: AWS::ApiGatewayV2::Api, Properties: { Name: s, ProtocolType: WEBSOCKET, RouteSelectionExpression: "$request.body.action" } }
  SocketStage: { Type: AWS::ApiGatewayV2::Stage, Properties: { ApiId: !Ref Socket, StageName: live } }
`),
    )[0];
    const stages = apiStageViews.fromLive!(stack);
    assert.deepEqual(stages.map((stage) => [stage.logicalId, stage.api, stage.stageName, stage.protocol, stage.declaredAs, stage.accessLogDestination]), [
      ["Release", "Api", "v1", "REST", "deployment", LOGS],
      ["SocketStage", "Socket", "live", "WEBSOCKET", "stage", undefined],
    ]);
    const findings = judgeLiveStack(stack, undefined, { rules: [apigwStageLoggingOff] }).findings;
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.resource.physicalId]), [["SocketStage", "live"]]);
  });
});

describe("ApiGatewayReader against moto", () => {
  const moto = motoForTests();

  it("reads a REST API with an unvalidated POST and an unlogged stage, and an HTTP API stage with access logs", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const config = motoClientConfig(server.endpoint);
    const rest = new APIGatewayClient(config);
    const v2 = new ApiGatewayV2Client(config);
    const api = await rest.send(new CreateRestApiCommand({ name: "orders", endpointConfiguration: { types: ["REGIONAL"] } }));
    const restApiId = api.id!;
    const root = (await rest.send(new ListResourcesCommand({ restApiId }))).items!.find((item) => item.path === "/")!;
    const orders = await rest.send(new CreateResourceCommand({ restApiId, parentId: root.id!, pathPart: "orders" }));
    const validator = await rest.send(new CreateRequestValidatorCommand({ restApiId, name: "all", validateRequestBody: true, validateRequestParameters: true }));
    for (const [httpMethod, requestValidatorId] of [["POST", undefined], ["PUT", validator.id]] as const) {
      await rest.send(new PutMethodCommand({ restApiId, resourceId: orders.id!, httpMethod, authorizationType: "NONE", ...(requestValidatorId ? { requestValidatorId } : {}) }));
      await rest.send(new PutIntegrationCommand({ restApiId, resourceId: orders.id!, httpMethod, type: "MOCK" }));
    }
    const deployment = await rest.send(new CreateDeploymentCommand({ restApiId, stageName: "prod" }));
    const http = await v2.send(new CreateApiCommand({ Name: "quick", ProtocolType: "HTTP" }));
    await v2.send(new CreateStageCommand({ ApiId: http.ApiId!, StageName: "live", AccessLogSettings: { DestinationArn: LOGS.replace("eu-west-1", MOTO_REGION), Format: "$context.requestId" } }));

    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const stack = handStack(session, [
      resource("Api", "AWS::ApiGateway::RestApi", restApiId),
      resource("Release", "AWS::ApiGateway::Deployment", deployment.id!),
      resource("Http", "AWS::ApiGatewayV2::Api", http.ApiId!),
      resource("Live", "AWS::ApiGatewayV2::Stage", "live"),
      resource("Gone", "AWS::ApiGateway::RestApi", "doesnotexist"),
    ]);
    await session.reader(ApiGatewayReader).load(stack.resources);
    assert.deepEqual(session.failures.map((failure) => [failure.operation, failure.kind, failure.target]), [["GetRestApi", "not-found", "doesnotexist"]]);
    const [restView] = restApiViews.fromLive!(stack);
    assert.deepEqual(restView!.endpointTypes, ["REGIONAL"]);
    assert.deepEqual(
      restView!.methods.map((method) => [method.httpMethod, method.path, method.takesInput, method.validation]),
      [
        ["POST", "/orders", true, undefined],
        ["PUT", "/orders", true, { validatesBody: true, validatesParameters: true, name: "all" }],
      ],
    );
    const stages = apiStageViews.fromLive!(stack);
    assert.deepEqual(stages.map((stage) => [stage.logicalId, stage.stageName, stage.protocol, stage.accessLogDestination !== undefined]), [
      ["Release", "prod", "REST", false],
      ["Live", "live", "HTTP", true],
    ]);
    const findings = judgeLiveStack(stack, undefined, { rules: [apigwStageLoggingOff, apigwConfigWeak] }).findings;
    assert.deepEqual(findings.map((finding) => [finding.ruleId, finding.resource.logicalId, finding.source, finding.resource.physicalId]).sort(), [
      ["apigw-config-weak", "Api", "live", restApiId],
      ["apigw-stage-logging-off", "Release", "live", deployment.id],
    ]);
  });
});
