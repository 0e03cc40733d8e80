import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedResource, ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isRecord, listValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { pointsAt, recordAt, referencedLogicalIds } from "./references.ts";
import { defineView, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

/** A deployed stage of a REST, HTTP or WebSocket API. */
export interface ApiStageView extends ResourceView {
  /** undefined when the stage's API is not in the template. */
  protocol?: "REST" | "HTTP" | "WEBSOCKET";
  /** Logical id of the API the stage belongs to, when the template defines it. */
  api?: string;
  stageName?: string;
  /** ARN of the CloudWatch Logs group or Firehose stream receiving access logs; undefined when none is configured. */
  accessLogDestination?: unknown;
  accessLogFormat?: unknown;
  /** How the stage comes to exist: its own Stage resource, a REST Deployment's StageName/StageDescription, or an HTTP API's quick-create Target. */
  declaredAs: "stage" | "deployment" | "quick-create";
  /** Where the access log settings are (or belong). */
  accessLogAt: TemplatePath;
}

export interface RequestValidation {
  /** undefined when the validator is not defined in the template. */
  validatesBody?: boolean;
  validatesParameters?: boolean;
  name?: string;
}

export interface ApiMethodView {
  /** Upper case ("POST", "ANY"). */
  httpMethod: string;
  /** The resource path, when the template fixes it (OpenAPI bodies always do). */
  path?: string;
  /** Logical id of the AWS::ApiGateway::Method, absent for an operation of an OpenAPI Body. */
  logicalId?: string;
  authorizationType?: string;
  /** The authorizer (AWS::ApiGateway::Authorizer Ref or id) for CUSTOM and COGNITO_USER_POOLS authorization. */
  authorizerId?: unknown;
  /** The method accepts a body (POST, PUT, PATCH, ANY) or declares request models or required parameters. */
  takesInput: boolean;
  /** undefined when no request validator applies to the method. */
  validation?: RequestValidation;
  at: TemplatePath;
}

export interface RestApiView extends ResourceView {
  name?: string;
  /** Endpoint types in force: EDGE when EndpointConfiguration is absent, as API Gateway defaults. undefined when not fixed. */
  endpointTypes?: string[];
  endpointTypesDeclared: boolean;
  methods: ApiMethodView[];
  /** The API's definition lives outside the template (BodyS3Location), so its methods are unknown. */
  definitionElsewhere: boolean;
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "ANY"]);

/** Required query-string or header parameters; a path parameter is always present once the route matched, so it is no input to validate. */
function requiredParameters(parameters: unknown): boolean {
  return isRecord(parameters) && Object.entries(parameters).some(([name, required]) => !name.startsWith("method.request.path.") && booleanValue(required) === true);
}

function validatorOf(value: unknown, template: ResolvedTemplate): RequestValidation {
  const validator = value instanceof ResourceRef ? template.resources.get(value.logicalId) : undefined;
  if (!validator || validator.type !== "AWS::ApiGateway::RequestValidator") return {};
  const validation: RequestValidation = {
    validatesBody: booleanValue(validator.properties.ValidateRequestBody) ?? ("ValidateRequestBody" in validator.properties ? undefined : false),
    validatesParameters: booleanValue(validator.properties.ValidateRequestParameters) ?? ("ValidateRequestParameters" in validator.properties ? undefined : false),
  };
  const name = stringValue(validator.properties.Name);
  if (name !== undefined) validation.name = name;
  return validation;
}

function resourcePathOf(resourceId: unknown, template: ResolvedTemplate, depth = 0): string | undefined {
  if (depth > 30) return undefined;
  if (resourceId instanceof ResourceAttribute && resourceId.attribute === "RootResourceId") return "/";
  const resource = resourceId instanceof ResourceRef ? template.resources.get(resourceId.logicalId) : undefined;
  if (!resource || resource.type !== "AWS::ApiGateway::Resource") return undefined;
  const part = stringValue(resource.properties.PathPart);
  const parent = resourcePathOf(resource.properties.ParentId, template, depth + 1);
  if (part === undefined || parent === undefined) return undefined;
  return parent === "/" ? `/${part}` : `${parent}/${part}`;
}

function methodsOfBody(api: ResolvedResource): ApiMethodView[] {
  const body = api.properties.Body;
  if (!isRecord(body)) return [];
  const validators = recordAt(body, "x-amazon-apigateway-request-validators");
  const validation = (name: unknown): RequestValidation | undefined => {
    const key = stringValue(name);
    if (key === undefined) return undefined;
    const declared = validators[key];
    if (!isRecord(declared)) return { name: key };
    return {
      name: key,
      validatesBody: booleanValue(declared.validateRequestBody) ?? false,
      validatesParameters: booleanValue(declared.validateRequestParameters) ?? false,
    };
  };
  const apiDefault = body["x-amazon-apigateway-request-validator"];
  const methods: ApiMethodView[] = [];
  for (const [path, operations] of Object.entries(recordAt(body, "paths"))) {
    if (!isRecord(operations)) continue;
    for (const [key, operation] of Object.entries(operations)) {
      const httpMethod = key === "x-amazon-apigateway-any-method" ? "ANY" : key.toUpperCase();
      if (!isRecord(operation) || !/^(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|ANY)$/.test(httpMethod)) continue;
      const parameters = [...listValue(operations.parameters), ...listValue(operation.parameters)];
      const requiredInput = parameters.some((parameter) => isRecord(parameter) && parameter.in !== "path" && booleanValue(parameter.required) === true);
      const view: ApiMethodView = {
        httpMethod,
        path,
        takesInput: BODY_METHODS.has(httpMethod) || "requestBody" in operation || requiredInput,
        at: propertyPath(api.logicalId, "Body", "paths", path, key),
      };
      const applied = validation(operation["x-amazon-apigateway-request-validator"] ?? apiDefault);
      if (applied) view.validation = applied;
      methods.push(view);
    }
  }
  return methods;
}

export const restApiViews = defineView<RestApiView>({
  name: "api-gateway-rest-api",
  fromTemplate(template: ResolvedTemplate) {
    const views: RestApiView[] = [];
    const methods = resourcesOfType(template, "AWS::ApiGateway::Method");
    for (const api of resourcesOfType(template, "AWS::ApiGateway::RestApi")) {
      const { logicalId, properties } = api;
      const view: RestApiView = {
        logicalId,
        type: api.type,
        at: ["Resources", logicalId],
        endpointTypesDeclared: false,
        methods: methodsOfBody(api),
        definitionElsewhere: "BodyS3Location" in properties,
      };
      const name = stringValue(properties.Name);
      if (name !== undefined) view.name = name;
      const endpoint = properties.EndpointConfiguration;
      if (endpoint === undefined) {
        view.endpointTypes = ["EDGE"];
      } else if (isRecord(endpoint)) {
        const types = endpoint.Types;
        if (types === undefined) view.endpointTypes = ["EDGE"];
        else if (Array.isArray(types) && types.every((type) => stringValue(type) !== undefined)) {
          view.endpointTypes = types.map((type) => stringValue(type)!.toUpperCase());
          view.endpointTypesDeclared = true;
        } else view.endpointTypesDeclared = true;
      } else view.endpointTypesDeclared = true;

      for (const method of methods) {
        if (!pointsAt(method.properties.RestApiId, logicalId)) continue;
        const httpMethod = stringValue(method.properties.HttpMethod)?.toUpperCase() ?? "?";
        const methodView: ApiMethodView = {
          httpMethod,
          logicalId: method.logicalId,
          takesInput: BODY_METHODS.has(httpMethod) || Object.keys(recordAt(method.properties, "RequestModels")).length > 0 || requiredParameters(method.properties.RequestParameters),
          at: ["Resources", method.logicalId],
        };
        const path = resourcePathOf(method.properties.ResourceId, template);
        if (path !== undefined) methodView.path = path;
        const authorization = stringValue(method.properties.AuthorizationType);
        if (authorization !== undefined) methodView.authorizationType = authorization.toUpperCase();
        if (method.properties.AuthorizerId !== undefined) methodView.authorizerId = method.properties.AuthorizerId;
        if (method.properties.RequestValidatorId !== undefined) methodView.validation = validatorOf(method.properties.RequestValidatorId, template);
        view.methods.push(methodView);
      }
      views.push(view);
    }
    return views;
  },
});

function valueAt(properties: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = properties;
  for (const key of path) node = isRecord(node) ? node[key] : undefined;
  return node;
}

function accessLogOf(settings: unknown): Pick<ApiStageView, "accessLogDestination" | "accessLogFormat"> {
  if (!isRecord(settings)) return settings === undefined ? {} : { accessLogDestination: settings };
  const result: Pick<ApiStageView, "accessLogDestination" | "accessLogFormat"> = {};
  if (settings.DestinationArn !== undefined) result.accessLogDestination = settings.DestinationArn;
  if (settings.Format !== undefined) result.accessLogFormat = settings.Format;
  return result;
}

export const apiStageViews = defineView<ApiStageView>({
  name: "api-gateway-stage",
  fromTemplate(template: ResolvedTemplate) {
    const views: ApiStageView[] = [];
    const apiOf = (value: unknown, types: string[]): ResolvedResource | undefined =>
      referencedLogicalIds(value).map((id) => template.resources.get(id)).find((resource) => resource !== undefined && types.includes(resource.type));
    const v2Protocol = (api: ResolvedResource | undefined): ApiStageView["protocol"] => {
      if (!api) return undefined;
      const protocol = stringValue(api.properties.ProtocolType)?.toUpperCase();
      return protocol === "WEBSOCKET" ? "WEBSOCKET" : protocol === "HTTP" ? "HTTP" : undefined;
    };
    const stage = (
      resource: ResolvedResource,
      declaredAs: ApiStageView["declaredAs"],
      accessLogPath: string[],
      stageName: unknown,
      api: ResolvedResource | undefined,
      protocol: ApiStageView["protocol"],
    ): ApiStageView => {
      const view: ApiStageView = {
        logicalId: resource.logicalId,
        type: resource.type,
        at: ["Resources", resource.logicalId],
        declaredAs,
        accessLogAt: propertyPath(resource.logicalId, ...accessLogPath),
        ...(declaredAs === "quick-create" ? {} : accessLogOf(valueAt(resource.properties, accessLogPath))),
      };
      const name = stringValue(stageName);
      if (name !== undefined) view.stageName = name;
      if (api) view.api = api.logicalId;
      if (protocol) view.protocol = protocol;
      return view;
    };

    for (const resource of resourcesOfType(template, "AWS::ApiGateway::Stage")) {
      const api = apiOf(resource.properties.RestApiId, ["AWS::ApiGateway::RestApi"]);
      views.push(stage(resource, "stage", ["AccessLogSetting"], resource.properties.StageName, api, "REST"));
    }
    for (const deployment of resourcesOfType(template, "AWS::ApiGateway::Deployment")) {
      // A deployment creates a stage only when it names one.
      if (deployment.properties.StageName === undefined) continue;
      const api = apiOf(deployment.properties.RestApiId, ["AWS::ApiGateway::RestApi"]);
      views.push(stage(deployment, "deployment", ["StageDescription", "AccessLogSetting"], deployment.properties.StageName, api, "REST"));
    }
    // SAM APIs in an unprocessed template: each deploys one stage with the API's own access log settings.
    for (const api of resourcesOfType(template, "AWS::Serverless::Api", "AWS::Serverless::HttpApi")) {
      const rest = api.type === "AWS::Serverless::Api";
      const stageName = api.properties.StageName ?? (rest ? undefined : "$default");
      views.push(stage(api, "stage", [rest ? "AccessLogSetting" : "AccessLogSettings"], stageName, api, rest ? "REST" : "HTTP"));
    }
    for (const resource of resourcesOfType(template, "AWS::ApiGatewayV2::Stage")) {
      const api = apiOf(resource.properties.ApiId, ["AWS::ApiGatewayV2::Api"]);
      views.push(stage(resource, "stage", ["AccessLogSettings"], resource.properties.StageName, api, v2Protocol(api)));
    }
    for (const api of resourcesOfType(template, "AWS::ApiGatewayV2::Api")) {
      // Quick create (Target) makes a $default stage that CloudFormation gives no access log settings.
      if (api.properties.Target === undefined) continue;
      views.push(stage(api, "quick-create", ["Target"], "$default", api, v2Protocol(api) ?? "HTTP"));
    }
    return views;
  },
});
