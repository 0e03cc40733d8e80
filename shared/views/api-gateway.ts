import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedResource, ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isRecord, listValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { pointsAt, recordAt, referencedLogicalIds } from "./references.ts";
import { ApiGatewayReader, type LiveApiStage, type LiveRestApi, type LiveRestMethod } from "../live/apigateway.ts";
import type { LiveScope, LiveStack } from "../live/session.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

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

  fromLive(scope: LiveScope) {
    if (scope.scope !== "stack") return [];
    const reader = scope.session.reader(ApiGatewayReader);
    return liveResourcesOfType(scope, "AWS::ApiGateway::RestApi").flatMap((resource) => {
      const api = reader.restApi(resource.physicalId);
      if (!api) return [];
      const declared = scope.template?.resources.get(resource.logicalId);
      const view: RestApiView = {
        logicalId: resource.logicalId,
        type: resource.type,
        physicalId: api.id,
        endpointTypesDeclared: declared !== undefined && declared.properties.EndpointConfiguration !== undefined,
        methods: liveMethods(api, resource.logicalId, scope),
        definitionElsewhere: false,
      };
      if (api.name !== undefined) view.name = api.name;
      if (api.endpointTypes !== undefined) view.endpointTypes = api.endpointTypes;
      return [view];
    });
  },
});

/** The deployed template's AWS::ApiGateway::Method resources of an API, by "VERB /path", so live findings land on them. */
function methodLogicalIds(apiLogicalId: string, template: ResolvedTemplate | undefined): Map<string, string> {
  const byRoute = new Map<string, string>();
  if (!template) return byRoute;
  for (const method of resourcesOfType(template, "AWS::ApiGateway::Method")) {
    if (!pointsAt(method.properties.RestApiId, apiLogicalId)) continue;
    const verb = stringValue(method.properties.HttpMethod)?.toUpperCase();
    const path = resourcePathOf(method.properties.ResourceId, template);
    if (verb !== undefined && path !== undefined) byRoute.set(`${verb} ${path}`, method.logicalId);
  }
  return byRoute;
}

function liveMethods(api: LiveRestApi, apiLogicalId: string, scope: LiveStack): ApiMethodView[] {
  const logicalIds = methodLogicalIds(apiLogicalId, scope.template);
  return (api.methods ?? []).map((method: LiveRestMethod) => {
    const logicalId = logicalIds.get(`${method.httpMethod} ${method.path}`);
    const view: ApiMethodView = {
      httpMethod: method.httpMethod,
      path: method.path,
      takesInput: BODY_METHODS.has(method.httpMethod) || Object.keys(method.requestModels).length > 0 || requiredParameters(method.requestParameters),
      at: ["Resources", logicalId ?? apiLogicalId],
    };
    if (logicalId !== undefined) view.logicalId = logicalId;
    if (method.authorizationType !== undefined) view.authorizationType = method.authorizationType;
    if (method.authorizerId !== undefined) view.authorizerId = method.authorizerId;
    if (method.requestValidatorId !== undefined) {
      // A validator the listing did not return (or could not be read) is unknown: the rule gives it the benefit of the doubt.
      const validator = api.validators?.get(method.requestValidatorId);
      view.validation = validator ? { validatesBody: validator.validatesBody, validatesParameters: validator.validatesParameters, ...(validator.name !== undefined ? { name: validator.name } : {}) } : {};
    }
    return view;
  });
}

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

  fromLive(scope: LiveScope) {
    if (scope.scope !== "stack") return [];
    return liveStageViews(scope);
  },
});

interface LiveApi {
  logicalId: string;
  id: string;
  protocol: ApiStageView["protocol"];
  stages: LiveApiStage[];
}

/**
 * The stages of the stack's APIs that a stack resource creates: an AWS::ApiGateway::Stage or AWS::ApiGatewayV2::Stage
 * (physical id: the stage name), a Deployment that names a StageName, an HTTP API's quick-create $default stage. Which
 * API a stage belongs to comes from the deployed template, else from the only API of the stack holding a stage of that name.
 */
function liveStageViews(scope: LiveStack): ApiStageView[] {
  const reader = scope.session.reader(ApiGatewayReader);
  const template = scope.template;
  const restApis = new Map<string, LiveApi>();
  for (const resource of liveResourcesOfType(scope, "AWS::ApiGateway::RestApi")) {
    const stages = reader.restApi(resource.physicalId)?.stages;
    if (stages) restApis.set(resource.logicalId, { logicalId: resource.logicalId, id: resource.physicalId, protocol: "REST", stages });
  }
  const v2Apis = new Map<string, LiveApi>();
  for (const resource of liveResourcesOfType(scope, "AWS::ApiGatewayV2::Api")) {
    const api = reader.v2Api(resource.physicalId);
    if (api?.stages) v2Apis.set(resource.logicalId, { logicalId: resource.logicalId, id: resource.physicalId, protocol: api.protocol, stages: api.stages });
  }
  const apiFor = (logicalId: string, property: string, apis: Map<string, LiveApi>, wanted: (stage: LiveApiStage) => boolean): { api: LiveApi; stage: LiveApiStage } | undefined => {
    const declared = template?.resources.get(logicalId)?.properties[property];
    const referenced = referencedLogicalIds(declared);
    const literal = stringValue(declared);
    // Without the deployed template any API of the stack may hold the stage; an API the template names by import or
    // parameter is outside the stack, so none of the stack's can.
    const candidates =
      declared === undefined
        ? [...apis.values()]
        : referenced.length > 0
          ? referenced.flatMap((id) => (apis.has(id) ? [apis.get(id)!] : []))
          : [...apis.values()].filter((api) => api.id === literal);
    const matches = candidates.flatMap((api) => api.stages.filter(wanted).map((stage) => ({ api, stage })));
    return matches.length === 1 ? matches[0] : undefined;
  };
  const view = (resource: { logicalId: string; type: string; physicalId?: string }, found: { api: LiveApi; stage: LiveApiStage }, declaredAs: ApiStageView["declaredAs"], accessLogPath: string[]): ApiStageView => {
    const result: ApiStageView = {
      logicalId: resource.logicalId,
      type: resource.type,
      stageName: found.stage.name,
      api: found.api.logicalId,
      declaredAs,
      accessLogAt: propertyPath(resource.logicalId, ...accessLogPath),
    };
    // The stack resource's own id: the stage name for a Stage, the deployment id for a Deployment, the API id for quick create.
    if (resource.physicalId !== undefined) result.physicalId = resource.physicalId;
    if (found.api.protocol !== undefined) result.protocol = found.api.protocol;
    if (found.stage.accessLogDestination !== undefined) result.accessLogDestination = found.stage.accessLogDestination;
    if (found.stage.accessLogFormat !== undefined) result.accessLogFormat = found.stage.accessLogFormat;
    return result;
  };

  const views: ApiStageView[] = [];
  const restStageNames = new Set<string>();
  for (const resource of liveResourcesOfType(scope, "AWS::ApiGateway::Stage")) {
    restStageNames.add(resource.physicalId);
    const found = apiFor(resource.logicalId, "RestApiId", restApis, (stage) => stage.name === resource.physicalId);
    if (found) views.push(view(resource, found, "stage", ["AccessLogSetting"]));
  }
  // A deployment's stage is found by the StageName the template gives it, so its own physical id is not needed (moto
  // lists deployments without one).
  const deployments = scope.resources.filter((resource) => resource.type === "AWS::ApiGateway::Deployment" && resource.status !== "DELETE_COMPLETE");
  for (const resource of deployments) {
    const declared = template?.resources.get(resource.logicalId);
    if (declared && declared.properties.StageName === undefined) continue;
    const stageName = declared ? stringValue(declared.properties.StageName) : undefined;
    if (stageName === undefined && resource.physicalId === undefined) continue;
    // Without the template, the stage still on this deployment that no Stage resource of the stack claims.
    const found = apiFor(resource.logicalId, "RestApiId", restApis, (stage) =>
      stageName !== undefined ? stage.name === stageName : stage.deploymentId === resource.physicalId && !restStageNames.has(stage.name),
    );
    if (found) views.push(view(resource, found, "deployment", ["StageDescription", "AccessLogSetting"]));
  }
  const v2StageNames = new Set<string>();
  for (const resource of liveResourcesOfType(scope, "AWS::ApiGatewayV2::Stage")) {
    v2StageNames.add(resource.physicalId);
    const found = apiFor(resource.logicalId, "ApiId", v2Apis, (stage) => stage.name === resource.physicalId);
    if (found) views.push(view(resource, found, "stage", ["AccessLogSettings"]));
  }
  for (const resource of liveResourcesOfType(scope, "AWS::ApiGatewayV2::Api")) {
    const declared = template?.resources.get(resource.logicalId);
    if (declared ? declared.properties.Target === undefined : v2StageNames.has("$default")) continue;
    const api = v2Apis.get(resource.logicalId);
    const stage = api?.stages.find((candidate) => candidate.name === "$default");
    if (api && stage) views.push(view(resource, { api, stage }, "quick-create", ["Target"]));
  }
  return views;
}
