import {
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  ListFunctionEventInvokeConfigsCommand,
  type FunctionEventInvokeConfig,
} from "@aws-sdk/client-lambda";
import { inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** One Allow statement of a function's resource policy that lets a service principal invoke it. */
export interface LiveFunctionPermission {
  sid?: string;
  /** The service principals it names ("sns.amazonaws.com", "events.amazonaws.com"...). */
  services: string[];
  sourceArn?: string;
}

export interface LiveFunction {
  name: string;
  arn: string;
  /** DeadLetterConfig.TargetArn. */
  deadLetterTarget?: string;
  /** The first on-failure destination of the function's event invoke configs (any qualifier); undefined when none. */
  onFailureDestination?: string;
  maximumRetryAttempts?: number;
  /** Whether the event invoke configs were read: without them, a missing destination cannot be told from an unread one. */
  invokeConfigRead: boolean;
  /** The resource policy's service-principal grants; [] when the function has no policy, undefined when GetPolicy failed. */
  permissions?: LiveFunctionPermission[];
}

const FUNCTION_TYPE = "AWS::Lambda::Function";

/**
 * Reads Lambda functions (the stack's AWS::Lambda::Function physical id is the function name): per function
 * GetFunctionConfiguration (dead-letter queue), ListFunctionEventInvokeConfigs (on-failure destinations of every
 * qualifier: SAM puts them on the alias its events target; none configured is an empty list) and GetPolicy (which
 * services may invoke it). When the list cannot be read (moto 5.2 lists a config with a LastModified the SDK rejects), the
 * unqualified GetFunctionEventInvokeConfig answers for $LATEST instead.
 */
export class LambdaReader implements ServiceReader {
  static readonly service = "lambda";
  static readonly actions = ["lambda:GetFunctionConfiguration", "lambda:ListFunctionEventInvokeConfigs", "lambda:GetFunctionEventInvokeConfig", "lambda:GetPolicy"] as const;
  static readonly resourceTypes: readonly string[] = [FUNCTION_TYPE];

  private readonly functions = new Map<string, LiveFunction>();
  private readonly requested = new Set<string>();
  private readonly client: LambdaClient;

  constructor(private readonly session: LiveSession) {
    this.client = session.client(LambdaClient);
  }

  async load(resources: readonly StackResource[]): Promise<void> {
    const names = [...new Set(resources.filter((resource) => resource.type === FUNCTION_TYPE && resource.physicalId && resource.status !== "DELETE_COMPLETE").map((resource) => resource.physicalId!))].filter(
      (name) => !this.requested.has(name),
    );
    for (const name of names) this.requested.add(name);
    await inParallel(names, 8, (name) => this.read(name));
  }

  /** The function with this name (the stack's physical id); undefined when not read, gone, or its configuration read failed. */
  function(name: string): LiveFunction | undefined {
    return this.functions.get(name);
  }

  private async read(name: string): Promise<void> {
    const configuration = await this.session.call("lambda", "GetFunctionConfiguration", () => this.client.send(new GetFunctionConfigurationCommand({ FunctionName: name })), { target: name });
    if (!configuration.ok) return;
    const { FunctionName, FunctionArn, DeadLetterConfig } = configuration.value;
    if (typeof FunctionArn !== "string" || (DeadLetterConfig?.TargetArn !== undefined && typeof DeadLetterConfig.TargetArn !== "string")) {
      this.session.fail("lambda", "GetFunctionConfiguration", "malformed-response", `GetFunctionConfiguration returned no FunctionArn or a DeadLetterConfig.TargetArn that is not a string for ${name}`, name);
      return;
    }
    const fn: LiveFunction = { name: typeof FunctionName === "string" ? FunctionName : name, arn: FunctionArn, invokeConfigRead: false };
    if (DeadLetterConfig?.TargetArn) fn.deadLetterTarget = DeadLetterConfig.TargetArn;
    await Promise.all([this.readInvokeConfigs(fn, name), this.readPolicy(fn, name)]);
    this.functions.set(name, fn);
  }

  private async readInvokeConfigs(fn: LiveFunction, name: string): Promise<void> {
    const pages = await this.session.paginate(
      "lambda",
      "ListFunctionEventInvokeConfigs",
      (Marker) => this.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name, Marker })),
      (page) => page.NextMarker,
      { target: name },
    );
    if (pages) return this.useInvokeConfigs(fn, name, "ListFunctionEventInvokeConfigs", pages.flatMap((page) => page.FunctionEventInvokeConfigs ?? []));
    const unreadable = this.session.failuresFor(name).some((failure) => failure.operation === "ListFunctionEventInvokeConfigs" && failure.kind === "malformed-response");
    if (!unreadable) return;
    const single = await this.session.call("lambda", "GetFunctionEventInvokeConfig", () => this.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name })), {
      target: name,
      absentOn: ["ResourceNotFoundException"],
    });
    if (single.ok) this.useInvokeConfigs(fn, name, "GetFunctionEventInvokeConfig", [single.value]);
    else if (single.absent) fn.invokeConfigRead = true;
  }

  private useInvokeConfigs(fn: LiveFunction, name: string, operation: string, configs: readonly FunctionEventInvokeConfig[]): void {
    for (const config of configs) {
      const destination = config.DestinationConfig?.OnFailure?.Destination;
      if (destination !== undefined && typeof destination !== "string") {
        this.session.fail("lambda", operation, "malformed-response", `an event invoke config of ${name} has an OnFailure destination that is not a string`, name);
        return;
      }
      if (destination && fn.onFailureDestination === undefined) fn.onFailureDestination = destination;
      if (typeof config.MaximumRetryAttempts === "number" && fn.maximumRetryAttempts === undefined) fn.maximumRetryAttempts = config.MaximumRetryAttempts;
    }
    fn.invokeConfigRead = true;
  }

  private async readPolicy(fn: LiveFunction, name: string): Promise<void> {
    const result = await this.session.call("lambda", "GetPolicy", () => this.client.send(new GetPolicyCommand({ FunctionName: name })), { target: name, absentOn: ["ResourceNotFoundException"] });
    if (!result.ok) {
      if (result.absent) fn.permissions = [];
      return;
    }
    const permissions = servicePermissions(result.value.Policy);
    if (permissions === undefined) {
      this.session.fail("lambda", "GetPolicy", "malformed-response", `GetPolicy returned a policy for ${name} that is not a JSON policy document with a Statement list`, name);
      return;
    }
    fn.permissions = permissions;
  }
}

/** The Allow statements granting service principals, from a resource policy's JSON text; undefined when it is not one. */
function servicePermissions(policy: unknown): LiveFunctionPermission[] | undefined {
  if (typeof policy !== "string") return undefined;
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    return undefined;
  }
  if (!isObject(document)) return undefined;
  const statements = Array.isArray(document.Statement) ? document.Statement : isObject(document.Statement) ? [document.Statement] : undefined;
  if (!statements) return undefined;
  const permissions: LiveFunctionPermission[] = [];
  for (const statement of statements) {
    if (!isObject(statement) || statement.Effect !== "Allow") continue;
    const principal = statement.Principal;
    const services = isObject(principal) ? stringList(principal.Service) : [];
    if (services.length === 0) continue;
    const permission: LiveFunctionPermission = { services };
    if (typeof statement.Sid === "string") permission.sid = statement.Sid;
    const sourceArn = isObject(statement.Condition) && isObject(statement.Condition.ArnLike) ? statement.Condition.ArnLike["AWS:SourceArn"] : undefined;
    if (typeof sourceArn === "string") permission.sourceArn = sourceArn;
    permissions.push(permission);
  }
  return permissions;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
