import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, isRecord, listValue, lookupTable, numberValue, stringValue } from "../template/values.ts";
import { recordAt, referencedLogicalIds } from "./references.ts";
import { LambdaReader, type LiveFunction } from "../live/lambda.ts";
import type { LiveScope, LiveStack } from "../live/session.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

/** A service that invokes the function asynchronously (the event is queued and retried by Lambda, then dropped). */
export interface AsyncInvoker {
  /** "sns", "s3", "events" (EventBridge rule), "scheduler", or the service of a Lambda permission's principal. */
  service: string;
  /** Logical id of the template resource that sets up the invocation (subscription, bucket, rule, permission). */
  declaredBy?: string;
  at?: TemplatePath;
}

/** An SQS queue the function consumes through an event source mapping (Lambda polls it; failures return to the queue). */
export interface SqsEventSource {
  /** Logical id (template) or ARN (live) of the queue. */
  queue: string;
  /** Logical id of the event source mapping (or of the SAM function declaring the SQS event). */
  declaredBy?: string;
  /** Whether the queue moves messages that keep failing to a dead-letter queue (RedrivePolicy); undefined when unknown. */
  hasRedrive: boolean | undefined;
  at?: TemplatePath;
}

export interface LambdaFunctionView extends ResourceView {
  name?: string;
  /** DeadLetterConfig.TargetArn: where Lambda sends events that failed every attempt. */
  deadLetterTarget?: unknown;
  /** EventInvokeConfig DestinationConfig.OnFailure.Destination (an unqualified or alias config of the function). */
  onFailureDestination?: unknown;
  maximumRetryAttempts?: number;
  asyncInvokers: AsyncInvoker[];
  /** SQS queues of the template the function consumes (queues outside the template are not listed). */
  sqsSources: SqsEventSource[];
}

/** Services that invoke Lambda asynchronously, by the principal they use in a Lambda permission. */
export const ASYNC_PRINCIPALS: Readonly<Record<string, string>> = lookupTable({
  "events.amazonaws.com": "events",
  "sns.amazonaws.com": "sns",
  "s3.amazonaws.com": "s3",
  "scheduler.amazonaws.com": "scheduler",
  "logs.amazonaws.com": "logs",
  "ses.amazonaws.com": "ses",
  "iot.amazonaws.com": "iot",
  "lambda.alarms.cloudwatch.amazonaws.com": "cloudwatch",
});

/** SAM event source types that invoke the function asynchronously. */
const SAM_ASYNC_EVENTS: Record<string, string> = {
  SNS: "sns",
  S3: "s3",
  Schedule: "events",
  CloudWatchEvent: "events",
  EventBridgeRule: "events",
  ScheduleV2: "scheduler",
  CloudWatchLogs: "logs",
  IoTRule: "iot",
};

export const lambdaFunctionViews = defineView<LambdaFunctionView>({
  name: "lambda-function",
  fromTemplate(template: ResolvedTemplate) {
    const views = new Map<string, LambdaFunctionView>();
    const byName = new Map<string, string>();
    const samQueues: { view: LambdaFunctionView; queueValue: unknown; at: TemplatePath }[] = [];
    for (const fn of resourcesOfType(template, "AWS::Lambda::Function", "AWS::Serverless::Function")) {
      const { logicalId, properties } = fn;
      const view: LambdaFunctionView = { logicalId, type: fn.type, at: ["Resources", logicalId], asyncInvokers: [], sqsSources: [] };
      const name = stringValue(properties.FunctionName);
      if (name !== undefined) {
        view.name = name;
        byName.set(name, logicalId);
      }
      // SAM (an unprocessed template) spells the queue DeadLetterQueue and inlines the EventInvokeConfig.
      const deadLetter = fn.type === "AWS::Serverless::Function" ? recordAt(properties, "DeadLetterQueue").TargetArn : recordAt(properties, "DeadLetterConfig").TargetArn;
      if (deadLetter !== undefined) view.deadLetterTarget = deadLetter;
      const onFailure = recordAt(recordAt(recordAt(properties, "EventInvokeConfig"), "DestinationConfig"), "OnFailure");
      if (fn.type === "AWS::Serverless::Function" && onFailure.Destination !== undefined) view.onFailureDestination = onFailure.Destination;
      if (fn.type === "AWS::Serverless::Function") {
        for (const [eventName, event] of Object.entries(recordAt(properties, "Events"))) {
          const service = isRecord(event) ? SAM_ASYNC_EVENTS[stringValue(event.Type) ?? ""] : undefined;
          if (service) view.asyncInvokers.push({ service, declaredBy: logicalId, at: propertyPath(logicalId, "Events", eventName) });
          if (isRecord(event) && event.Type === "SQS" && isRecord(event.Properties) && booleanValue(event.Properties.Enabled) !== false) {
            samQueues.push({ view, queueValue: event.Properties.Queue, at: propertyPath(logicalId, "Events", eventName) });
          }
        }
      }
      views.set(logicalId, view);
    }
    if (views.size === 0) return [];

    /** The function a value names: Ref/GetAtt of it, of its alias or version, its literal name or ARN. */
    const functionOf = (value: unknown, depth = 0): LambdaFunctionView | undefined => {
      for (const id of referencedLogicalIds(value)) {
        const view = views.get(id);
        if (view) return view;
        const resource = template.resources.get(id);
        if (depth < 3 && resource && (resource.type === "AWS::Lambda::Alias" || resource.type === "AWS::Lambda::Version")) {
          const target = functionOf(resource.properties.FunctionName, depth + 1);
          if (target) return target;
        }
      }
      const text = stringValue(value);
      if (text === undefined) return undefined;
      const name = /:function:([^:]+)/.exec(text)?.[1] ?? text;
      const id = byName.get(name);
      return id ? views.get(id) : undefined;
    };
    const invoked = (value: unknown, invoker: AsyncInvoker): void => {
      const view = functionOf(value);
      if (view && !view.asyncInvokers.some((known) => known.service === invoker.service && known.declaredBy === invoker.declaredBy)) view.asyncInvokers.push(invoker);
    };

    for (const config of resourcesOfType(template, "AWS::Lambda::EventInvokeConfig")) {
      const view = functionOf(config.properties.FunctionName);
      if (!view) continue;
      const onFailure = recordAt(recordAt(config.properties, "DestinationConfig"), "OnFailure").Destination;
      if (onFailure !== undefined) view.onFailureDestination = onFailure;
      const retries = numberValue(config.properties.MaximumRetryAttempts);
      if (retries !== undefined) view.maximumRetryAttempts = retries;
    }

    /** The template queue a value names (Ref gives its URL, GetAtt Arn its ARN), with whether it has a RedrivePolicy. */
    const queueOf = (value: unknown): { queue: string; hasRedrive: boolean | undefined } | undefined => {
      for (const id of referencedLogicalIds(value)) {
        const queue = template.resources.get(id);
        if (queue?.type !== "AWS::SQS::Queue") continue;
        return { queue: id, hasRedrive: hasDeadLetterTarget(queue.properties.RedrivePolicy) };
      }
      return undefined;
    };
    const consumes = (view: LambdaFunctionView | undefined, queueValue: unknown, declaredBy: string, at: TemplatePath): void => {
      const queue = view ? queueOf(queueValue) : undefined;
      if (view && queue && !view.sqsSources.some((known) => known.queue === queue.queue && known.declaredBy === declaredBy)) view.sqsSources.push({ ...queue, declaredBy, at });
    };
    for (const { view, queueValue, at } of samQueues) consumes(view, queueValue, view.logicalId, at);

    for (const resource of template.resources.values()) {
      const { logicalId, properties } = resource;
      switch (resource.type) {
        case "AWS::Lambda::EventSourceMapping":
          // A disabled mapping polls nothing.
          if (booleanValue(properties.Enabled) === false) break;
          consumes(functionOf(properties.FunctionName), properties.EventSourceArn, logicalId, ["Resources", logicalId]);
          break;
        case "AWS::SNS::Subscription":
          if (/^lambda$/i.test(stringValue(properties.Protocol) ?? "")) invoked(properties.Endpoint, { service: "sns", declaredBy: logicalId, at: ["Resources", logicalId] });
          break;
        case "AWS::SNS::Topic":
          listValue(properties.Subscription).forEach((subscription, index) => {
            if (isRecord(subscription) && /^lambda$/i.test(stringValue(subscription.Protocol) ?? "")) {
              invoked(subscription.Endpoint, { service: "sns", declaredBy: logicalId, at: propertyPath(logicalId, "Subscription", index) });
            }
          });
          break;
        case "AWS::S3::Bucket":
          listValue(recordAt(properties, "NotificationConfiguration").LambdaConfigurations).forEach((configuration, index) => {
            if (isRecord(configuration)) invoked(configuration.Function, { service: "s3", declaredBy: logicalId, at: propertyPath(logicalId, "NotificationConfiguration", "LambdaConfigurations", index) });
          });
          break;
        case "AWS::Events::Rule":
          // A disabled rule invokes nothing.
          if (/^DISABLED$/i.test(stringValue(properties.State) ?? "")) break;
          listValue(properties.Targets).forEach((target, index) => {
            if (isRecord(target)) invoked(target.Arn, { service: "events", declaredBy: logicalId, at: propertyPath(logicalId, "Targets", index) });
          });
          break;
        case "AWS::Scheduler::Schedule":
          invoked(recordAt(properties, "Target").Arn, { service: "scheduler", declaredBy: logicalId, at: propertyPath(logicalId, "Target") });
          break;
        case "AWS::Lambda::Permission": {
          const service = ASYNC_PRINCIPALS[stringValue(properties.Principal) ?? ""];
          if (service) invoked(properties.FunctionName, { service, declaredBy: logicalId, at: ["Resources", logicalId] });
          break;
        }
      }
    }
    return [...views.values()];
  },
  fromLive(scope: LiveScope) {
    if (scope.scope !== "stack") return [];
    const reader = scope.session.reader(LambdaReader);
    // Who invokes a function asynchronously is in the deployed template (subscriptions, rules, bucket notifications)
    // and in the function's live resource policy (permissions granted to services, in or outside the stack).
    const declared = new Map(scope.template ? lambdaFunctionViews.fromTemplate(scope.template).map((view) => [view.logicalId, view]) : []);
    return liveResourcesOfType(scope, "AWS::Lambda::Function").flatMap((resource) => {
      const fn = reader.function(resource.physicalId);
      // Without the event invoke configs, a function with no dead-letter queue cannot be told to lack a destination.
      if (!fn || (!fn.invokeConfigRead && fn.deadLetterTarget === undefined)) return [];
      const view: LambdaFunctionView = {
        logicalId: resource.logicalId,
        type: resource.type,
        physicalId: resource.physicalId,
        name: fn.name,
        asyncInvokers: [...(declared.get(resource.logicalId)?.asyncInvokers ?? [])],
        sqsSources: [],
      };
      if (fn.deadLetterTarget !== undefined) view.deadLetterTarget = fn.deadLetterTarget;
      if (fn.onFailureDestination !== undefined) view.onFailureDestination = fn.onFailureDestination;
      if (fn.maximumRetryAttempts !== undefined) view.maximumRetryAttempts = fn.maximumRetryAttempts;
      for (const invoker of policyInvokers(fn, scope)) {
        if (!view.asyncInvokers.some((known) => known.service === invoker.service && known.declaredBy === invoker.declaredBy)) view.asyncInvokers.push(invoker);
      }
      return [view];
    });
  },
});

/** Services the function's resource policy lets invoke it asynchronously, named by the stack's Lambda::Permission when one granted it. */
function policyInvokers(fn: LiveFunction, stack: LiveStack): AsyncInvoker[] {
  const permissions = stack.resources.filter((resource) => resource.type === "AWS::Lambda::Permission" && resource.physicalId);
  const invokers: AsyncInvoker[] = [];
  for (const permission of fn.permissions ?? []) {
    const sid = permission.sid;
    const declaredBy = sid ? permissions.find((resource) => resource.physicalId === sid || resource.physicalId!.endsWith(`|${sid}`))?.logicalId : undefined;
    for (const principal of permission.services) {
      const service = ASYNC_PRINCIPALS[principal];
      if (!service) continue;
      const invoker: AsyncInvoker = { service };
      if (declaredBy) {
        invoker.declaredBy = declaredBy;
        invoker.at = ["Resources", declaredBy];
      }
      invokers.push(invoker);
    }
  }
  return invokers;
}

/** Does a queue's RedrivePolicy (an object, or JSON text) name a dead-letter queue? undefined when it cannot tell. */
function hasDeadLetterTarget(redrive: unknown): boolean | undefined {
  if (redrive === undefined) return false;
  if (isRecord(redrive)) return redrive.deadLetterTargetArn !== undefined;
  if (typeof redrive !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(redrive);
    return isRecord(parsed) && parsed.deadLetterTargetArn !== undefined;
  } catch {
    return undefined;
  }
}

export function describeInvoker(invoker: AsyncInvoker): string {
  return invoker.declaredBy ? `${invoker.service} (${invoker.declaredBy})` : invoker.service;
}
