import {
  APIGatewayClient,
  GetRequestValidatorsCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetStagesCommand as GetRestStagesCommand,
} from "@aws-sdk/client-api-gateway";
import { ApiGatewayV2Client, GetApiCommand, GetStagesCommand as GetV2StagesCommand } from "@aws-sdk/client-apigatewayv2";
import { inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** A stage of a REST, HTTP or WebSocket API. */
export interface LiveApiStage {
  name: string;
  deploymentId?: string;
  /** ARN of the CloudWatch Logs group or Firehose stream receiving access logs; undefined when none. */
  accessLogDestination?: string;
  accessLogFormat?: string;
}

export interface LiveRequestValidator {
  id: string;
  name?: string;
  validatesBody: boolean;
  validatesParameters: boolean;
}

export interface LiveRestMethod {
  /** The resource path ("/orders/{id}"). */
  path: string;
  /** Upper case ("POST", "ANY"). */
  httpMethod: string;
  authorizationType?: string;
  authorizerId?: string;
  requestValidatorId?: string;
  /** "method.request.querystring.x" -> required. */
  requestParameters: Record<string, boolean>;
  /** Content type -> model name. */
  requestModels: Record<string, string>;
}

/** A REST API; each part is undefined when its read failed. */
export interface LiveRestApi {
  id: string;
  name?: string;
  /** Upper case: EDGE, REGIONAL, PRIVATE. */
  endpointTypes?: string[];
  stages?: LiveApiStage[];
  methods?: LiveRestMethod[];
  validators?: ReadonlyMap<string, LiveRequestValidator>;
}

/** An HTTP or WebSocket API (API Gateway v2); each part is undefined when its read failed. */
export interface LiveV2Api {
  id: string;
  name?: string;
  protocol?: "HTTP" | "WEBSOCKET";
  stages?: LiveApiStage[];
}

const REST_API_TYPE = "AWS::ApiGateway::RestApi";
const V2_API_TYPE = "AWS::ApiGatewayV2::Api";
const SERVICE = "apigateway";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function booleanMap(value: unknown): Record<string, boolean> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, boolean] => typeof entry[1] === "boolean"));
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * Reads API Gateway APIs of the stacks (physical ids: the REST API id, the v2 API id). Per REST API: GetRestApi
 * (endpoint types), GetStages (access log settings), GetResources with embed=methods (methods and their request
 * validators), GetRequestValidators. Per HTTP/WebSocket API: GetApi (protocol) and GetStages. Stages of APIs outside
 * the stack are not read (their API id is not known from the stack's resources).
 */
export class ApiGatewayReader implements ServiceReader {
  static readonly service = SERVICE;
  /** API Gateway authorises its management API by HTTP verb: every read is apigateway:GET (REST and v2 alike). */
  static readonly actions = ["apigateway:GET"] as const;
  static readonly resourceTypes: readonly string[] = [
    REST_API_TYPE,
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::RequestValidator",
    V2_API_TYPE,
    "AWS::ApiGatewayV2::Stage",
  ];

  private readonly restApis = new Map<string, LiveRestApi>();
  private readonly v2Apis = new Map<string, LiveV2Api>();
  private readonly requested = new Set<string>();
  private readonly rest: APIGatewayClient;
  private readonly v2: ApiGatewayV2Client;

  constructor(private readonly session: LiveSession) {
    this.rest = session.client(APIGatewayClient);
    this.v2 = session.client(ApiGatewayV2Client);
  }

  async load(resources: readonly StackResource[]): Promise<void> {
    const wanted = (type: string) =>
      [...new Set(resources.filter((resource) => resource.type === type && resource.physicalId && resource.status !== "DELETE_COMPLETE").map((resource) => resource.physicalId!))].filter(
        (id) => !this.requested.has(`${type}|${id}`),
      );
    const restIds = wanted(REST_API_TYPE);
    const v2Ids = wanted(V2_API_TYPE);
    for (const id of restIds) this.requested.add(`${REST_API_TYPE}|${id}`);
    for (const id of v2Ids) this.requested.add(`${V2_API_TYPE}|${id}`);
    await Promise.all([inParallel(restIds, 4, (id) => this.readRestApi(id)), inParallel(v2Ids, 4, (id) => this.readV2Api(id))]);
  }

  /** The REST API with this id; undefined when it was not read or GetRestApi failed (it no longer exists). */
  restApi(id: string): LiveRestApi | undefined {
    return this.restApis.get(id);
  }

  /** The HTTP or WebSocket API with this id; undefined when it was not read or GetApi failed. */
  v2Api(id: string): LiveV2Api | undefined {
    return this.v2Apis.get(id);
  }

  private malformed(operation: string, message: string, target: string): void {
    this.session.fail(SERVICE, operation, "malformed-response", message, target);
  }

  private async readRestApi(id: string): Promise<void> {
    const api: LiveRestApi = { id };
    const found = await this.session.call(SERVICE, "GetRestApi", () => this.rest.send(new GetRestApiCommand({ restApiId: id })), { target: id });
    if (!found.ok) return;
    const name = text(found.value.name);
    if (name !== undefined) api.name = name;
    const types: unknown = found.value.endpointConfiguration?.types;
    if (types === undefined) api.endpointTypes = ["EDGE"];
    else if (Array.isArray(types) && types.every((type) => typeof type === "string")) api.endpointTypes = types.map((type: string) => type.toUpperCase());
    else this.malformed("GetRestApi", `GetRestApi returned endpointConfiguration.types that are not a list of names for ${id}: ${JSON.stringify(types)}`, id);

    await Promise.all([this.readRestStages(api), this.readRestMethods(api), this.readValidators(api)]);
    this.restApis.set(id, api);
  }

  private async readRestStages(api: LiveRestApi): Promise<void> {
    const result = await this.session.call(SERVICE, "GetStages", () => this.rest.send(new GetRestStagesCommand({ restApiId: api.id })), { target: api.id });
    if (!result.ok) return;
    const stages = this.stagesOf(result.value.item, "stageName", "deploymentId", "accessLogSettings", "destinationArn", "format", api.id);
    if (stages) api.stages = stages;
  }

  /** REST and v2 stages differ only in the case of their field names. */
  private stagesOf(items: unknown, nameKey: string, deploymentKey: string, logKey: string, destinationKey: string, formatKey: string, apiId: string): LiveApiStage[] | undefined {
    // No list is not "no stages": a stage without access logs would go unseen.
    if (!Array.isArray(items)) {
      this.malformed("GetStages", `GetStages returned no list of stages for API ${apiId}`, apiId);
      return undefined;
    }
    const stages: LiveApiStage[] = [];
    for (const item of items) {
      if (!isRecord(item) || typeof item[nameKey] !== "string") {
        this.malformed("GetStages", `GetStages returned a stage without a name for API ${apiId}: ${JSON.stringify(item)}`, apiId);
        return undefined;
      }
      const stage: LiveApiStage = { name: item[nameKey] as string };
      const deploymentId = text(item[deploymentKey]);
      if (deploymentId !== undefined) stage.deploymentId = deploymentId;
      const logs = item[logKey];
      if (isRecord(logs)) {
        const destination = text(logs[destinationKey]);
        if (destination !== undefined) stage.accessLogDestination = destination;
        const format = text(logs[formatKey]);
        if (format !== undefined) stage.accessLogFormat = format;
      }
      stages.push(stage);
    }
    return stages;
  }

  private async readRestMethods(api: LiveRestApi): Promise<void> {
    const pages = await this.session.paginate(
      SERVICE,
      "GetResources",
      (position) => this.rest.send(new GetResourcesCommand({ restApiId: api.id, embed: ["methods"], limit: 500, ...(position ? { position } : {}) })),
      (page) => page.position,
      { target: api.id },
    );
    if (!pages) return;
    const methods: LiveRestMethod[] = [];
    for (const page of pages) {
      // Every REST API has its root resource: no list is a half answer, not an API without methods.
      const items: unknown = page.items;
      if (!Array.isArray(items)) {
        this.malformed("GetResources", `GetResources returned no list of items for API ${api.id}`, api.id);
        return;
      }
      for (const item of items) {
        if (!isRecord(item) || typeof item.path !== "string") {
          this.malformed("GetResources", `GetResources returned a resource without a path for API ${api.id}: ${JSON.stringify(item)}`, api.id);
          return;
        }
        const declared = item.resourceMethods ?? {};
        if (!isRecord(declared)) {
          this.malformed("GetResources", `GetResources returned resourceMethods that are not a map for ${item.path} of API ${api.id}`, api.id);
          return;
        }
        for (const [verb, raw] of Object.entries(declared)) {
          const method = isRecord(raw) ? raw : {};
          const live: LiveRestMethod = {
            path: item.path,
            httpMethod: (text(method.httpMethod) ?? verb).toUpperCase(),
            requestParameters: booleanMap(method.requestParameters),
            requestModels: stringMap(method.requestModels),
          };
          const authorizationType = text(method.authorizationType);
          if (authorizationType !== undefined) live.authorizationType = authorizationType.toUpperCase();
          const authorizerId = text(method.authorizerId);
          if (authorizerId !== undefined) live.authorizerId = authorizerId;
          const validatorId = text(method.requestValidatorId);
          if (validatorId !== undefined) live.requestValidatorId = validatorId;
          methods.push(live);
        }
      }
    }
    api.methods = methods.sort((a, b) => a.path.localeCompare(b.path) || a.httpMethod.localeCompare(b.httpMethod));
  }

  private async readValidators(api: LiveRestApi): Promise<void> {
    const pages = await this.session.paginate(
      SERVICE,
      "GetRequestValidators",
      (position) => this.rest.send(new GetRequestValidatorsCommand({ restApiId: api.id, limit: 500, ...(position ? { position } : {}) })),
      (page) => page.position,
      { target: api.id },
    );
    if (!pages) return;
    const validators = new Map<string, LiveRequestValidator>();
    for (const page of pages) {
      const items: unknown = page.items ?? [];
      if (!Array.isArray(items)) {
        this.malformed("GetRequestValidators", `GetRequestValidators returned items that are not a list for API ${api.id}`, api.id);
        return;
      }
      for (const item of items) {
        if (!isRecord(item) || typeof item.id !== "string") {
          this.malformed("GetRequestValidators", `GetRequestValidators returned a validator without an id for API ${api.id}: ${JSON.stringify(item)}`, api.id);
          return;
        }
        const validator: LiveRequestValidator = { id: item.id, validatesBody: item.validateRequestBody === true, validatesParameters: item.validateRequestParameters === true };
        const name = text(item.name);
        if (name !== undefined) validator.name = name;
        validators.set(item.id, validator);
      }
    }
    api.validators = validators;
  }

  private async readV2Api(id: string): Promise<void> {
    const found = await this.session.call(SERVICE, "GetApi", () => this.v2.send(new GetApiCommand({ ApiId: id })), { target: id });
    if (!found.ok) return;
    const api: LiveV2Api = { id };
    const name = text(found.value.Name);
    if (name !== undefined) api.name = name;
    const protocol = text(found.value.ProtocolType)?.toUpperCase();
    if (protocol === "HTTP" || protocol === "WEBSOCKET") api.protocol = protocol;
    else this.malformed("GetApi", `GetApi returned ProtocolType ${JSON.stringify(found.value.ProtocolType)} for API ${id}, neither HTTP nor WEBSOCKET`, id);

    const pages = await this.session.paginate(
      SERVICE,
      "GetStages",
      (token) => this.v2.send(new GetV2StagesCommand({ ApiId: id, ...(token ? { NextToken: token } : {}) })),
      (page) => page.NextToken,
      { target: id },
    );
    if (pages) {
      const stages: LiveApiStage[] = [];
      let complete = true;
      for (const page of pages) {
        const parsed = this.stagesOf(page.Items, "StageName", "DeploymentId", "AccessLogSettings", "DestinationArn", "Format", id);
        if (!parsed) complete = false;
        else stages.push(...parsed);
      }
      if (complete) api.stages = stages;
    }
    this.v2Apis.set(id, api);
  }
}
