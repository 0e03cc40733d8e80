import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { isRecord, listValue, numberValue, ResourceRef, stringValue, Unknown } from "../template/values.ts";
import { pointsAt, recordAt, referencedLogicalIds } from "./references.ts";
import { Elbv2Reader, type LiveListener, type LiveListenerAction } from "../live/elbv2.ts";
import type { LiveScope } from "../live/session.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

export interface ListenerAction {
  /** "forward", "redirect", "fixed-response", "authenticate-oidc", "authenticate-cognito"; "unknown" when not fixed. */
  type: string;
  /** For redirects: the protocol redirected to; "#{protocol}" (the default) keeps the request's own. */
  redirectProtocol?: string;
  redirectPort?: string;
  /** For fixed responses: the HTTP status code returned. */
  statusCode?: string;
  /** Where the action is written: a default action of the listener or an action of a ListenerRule. */
  at: TemplatePath;
  /** Logical id of the AWS::ElasticLoadBalancingV2::ListenerRule that holds the action, if any (live: the rule's ARN when the stack does not hold it). */
  rule?: string;
}

export interface LoadBalancerListenerView extends ResourceView {
  /** "application/network" listeners (ELBv2) or a listener of a Classic Load Balancer. */
  generation: "v2" | "classic";
  /** For a classic load balancer the view is of one listener, so two listeners of one balancer share a logicalId. */
  loadBalancer?: unknown;
  /** true when the load balancer is internal (Scheme: internal); undefined when the template does not say. */
  internal?: boolean;
  /** Upper case: HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, SSL (classic); undefined when not fixed. */
  protocol?: string;
  port?: number;
  /** Default actions, then the actions of listener rules attached to the listener. Classic listeners forward always. */
  actions: ListenerAction[];
  /**
   * The TLS policy in force for HTTPS/TLS/SSL listeners: the declared one, or AWS's default when none is declared
   * (sslPolicyDefaulted). An Unknown when the template does not fix it.
   */
  sslPolicy?: string | Unknown;
  sslPolicyDefaulted?: boolean;
}

/** The policy ELB applies to an HTTPS/TLS listener created through the API (and so CloudFormation) without SslPolicy. */
export const DEFAULT_ELB_SSL_POLICY = "ELBSecurityPolicy-2016-08";

const SECURE_PROTOCOLS = new Set(["HTTPS", "TLS", "SSL"]);

export function isEncryptedProtocol(protocol: string | undefined): boolean {
  return protocol !== undefined && SECURE_PROTOCOLS.has(protocol);
}

/**
 * The oldest TLS version an ELB security policy accepts, read from AWS's naming scheme; undefined for a name it
 * does not follow (a custom classic policy), which a rule cannot judge.
 */
export function minimumTlsVersion(policy: string): "1.0" | "1.1" | "1.2" | "1.3" | undefined {
  const name = policy.trim();
  const tls13 = /^ELBSecurityPolicy-TLS13-1-([0-3])-/.exec(name);
  if (tls13) return `1.${tls13[1]}` as "1.0" | "1.1" | "1.2" | "1.3";
  const tls = /^ELBSecurityPolicy-TLS-1-([0-2])-/.exec(name);
  if (tls) return `1.${tls[1]}` as "1.0" | "1.1" | "1.2";
  const forwardSecret = /^ELBSecurityPolicy-FS-1-([12])-/.exec(name);
  if (forwardSecret) return `1.${forwardSecret[1]}` as "1.1" | "1.2";
  if (/^ELBSecurityPolicy-FS-2018-06$/.test(name)) return "1.0";
  if (/^ELBSecurityPolicy-20(1[1-6])-\d\d$/.test(name)) return "1.0";
  return undefined;
}

function actionsOf(actions: unknown, path: (index: number) => TemplatePath, rule?: string): ListenerAction[] {
  if (!Array.isArray(actions)) return actions === undefined ? [] : [{ type: "unknown", at: path(0), ...(rule ? { rule } : {}) }];
  return actions.flatMap((action, index) => {
    if (!isRecord(action)) return [];
    const view: ListenerAction = { type: stringValue(action.Type)?.toLowerCase() ?? "unknown", at: path(index) };
    if (rule) view.rule = rule;
    if (view.type === "redirect") {
      const redirect = recordAt(action, "RedirectConfig");
      view.redirectProtocol = "Protocol" in redirect ? stringValue(redirect.Protocol)?.toUpperCase() ?? "unknown" : "#{protocol}";
      const port = stringValue(redirect.Port);
      if (port !== undefined) view.redirectPort = port;
    }
    if (view.type === "fixed-response") {
      const status = stringValue(recordAt(action, "FixedResponseConfig").StatusCode);
      if (status !== undefined) view.statusCode = status;
    }
    return [view];
  });
}

function tlsPolicy(declared: unknown, protocol: string | undefined): Pick<LoadBalancerListenerView, "sslPolicy" | "sslPolicyDefaulted"> {
  if (!isEncryptedProtocol(protocol)) return {};
  if (declared === undefined) return { sslPolicy: DEFAULT_ELB_SSL_POLICY, sslPolicyDefaulted: true };
  const name = stringValue(declared);
  return { sslPolicy: name ?? (declared instanceof Unknown ? declared : new Unknown(String(declared))), sslPolicyDefaulted: false };
}

function liveAction(action: LiveListenerAction, at: TemplatePath, rule?: string): ListenerAction {
  const view: ListenerAction = { type: action.type, at };
  if (rule !== undefined) view.rule = rule;
  if (action.redirectProtocol !== undefined) view.redirectProtocol = action.redirectProtocol;
  if (action.redirectPort !== undefined) view.redirectPort = action.redirectPort;
  if (action.statusCode !== undefined) view.statusCode = action.statusCode;
  return view;
}

/**
 * The live view of one listener. A listener added outside the stack to one of its load balancers is described under
 * the balancer's logical id (its port tells it apart).
 */
function liveListenerView(listener: LiveListener, logicalId: string, reader: Elbv2Reader, ruleLogicalIds: ReadonlyMap<string, string>): LoadBalancerListenerView {
  const at: TemplatePath = ["Resources", logicalId];
  const view: LoadBalancerListenerView = {
    logicalId,
    type: "AWS::ElasticLoadBalancingV2::Listener",
    physicalId: listener.arn,
    generation: "v2",
    loadBalancer: listener.loadBalancerArn,
    actions: [
      ...listener.defaultActions.map((action) => liveAction(action, at)),
      ...(listener.rules ?? []).flatMap((rule) => rule.actions.map((action) => liveAction(action, at, ruleLogicalIds.get(rule.arn) ?? rule.arn))),
    ],
  };
  if (listener.protocol !== undefined) view.protocol = listener.protocol;
  if (listener.port !== undefined) view.port = listener.port;
  if (isEncryptedProtocol(listener.protocol) && listener.sslPolicy !== undefined) {
    view.sslPolicy = listener.sslPolicy;
    view.sslPolicyDefaulted = false;
  }
  const scheme = reader.loadBalancer(listener.loadBalancerArn)?.scheme;
  if (scheme !== undefined) view.internal = scheme === "internal";
  return view;
}

export const loadBalancerListenerViews = defineView<LoadBalancerListenerView>({
  name: "load-balancer-listener",
  fromTemplate(template: ResolvedTemplate) {
    const views: LoadBalancerListenerView[] = [];
    const listenerRules = resourcesOfType(template, "AWS::ElasticLoadBalancingV2::ListenerRule");
    for (const listener of resourcesOfType(template, "AWS::ElasticLoadBalancingV2::Listener")) {
      const { logicalId, properties } = listener;
      const protocol = stringValue(properties.Protocol)?.toUpperCase();
      const view: LoadBalancerListenerView = {
        logicalId,
        type: listener.type,
        at: ["Resources", logicalId],
        generation: "v2",
        loadBalancer: properties.LoadBalancerArn,
        actions: actionsOf(properties.DefaultActions, (index) => propertyPath(logicalId, "DefaultActions", index)),
        ...tlsPolicy(properties.SslPolicy, protocol),
      };
      if (protocol !== undefined) view.protocol = protocol;
      const internal = schemeOf(properties.LoadBalancerArn, template);
      if (internal !== undefined) view.internal = internal;
      const port = numberValue(properties.Port);
      if (port !== undefined) view.port = port;
      for (const rule of listenerRules) {
        if (!pointsAt(rule.properties.ListenerArn, logicalId)) continue;
        view.actions.push(...actionsOf(rule.properties.Actions, (index) => propertyPath(rule.logicalId, "Actions", index), rule.logicalId));
      }
      views.push(view);
    }

    for (const balancer of resourcesOfType(template, "AWS::ElasticLoadBalancing::LoadBalancer")) {
      const { logicalId, properties } = balancer;
      const policies = new Map<string, Record<string, unknown>>();
      for (const policy of listValue(properties.Policies)) {
        const name = isRecord(policy) ? stringValue(policy.PolicyName) : undefined;
        if (name !== undefined) policies.set(name, policy as Record<string, unknown>);
      }
      listValue(properties.Listeners).forEach((listener, index) => {
        if (!isRecord(listener)) return;
        const protocol = stringValue(listener.Protocol)?.toUpperCase();
        const at = propertyPath(logicalId, "Listeners", index);
        const view: LoadBalancerListenerView = {
          logicalId,
          type: balancer.type,
          at,
          generation: "classic",
          actions: [{ type: "forward", at }],
          ...tlsPolicy(classicSslPolicy(listener, policies), protocol),
        };
        if (protocol !== undefined) view.protocol = protocol;
        const internal = schemeOf(new ResourceRef(logicalId, balancer.type, "name"), template);
        if (internal !== undefined) view.internal = internal;
        const port = numberValue(listener.LoadBalancerPort);
        if (port !== undefined) view.port = port;
        views.push(view);
      });
    }
    return views;
  },

  fromLive(scope: LiveScope) {
    if (scope.scope !== "stack") return [];
    const reader = scope.session.reader(Elbv2Reader);
    const ruleLogicalIds = new Map(liveResourcesOfType(scope, "AWS::ElasticLoadBalancingV2::ListenerRule").map((rule) => [rule.physicalId, rule.logicalId]));
    const stackListeners = liveResourcesOfType(scope, "AWS::ElasticLoadBalancingV2::Listener");
    const views: LoadBalancerListenerView[] = [];
    for (const resource of stackListeners) {
      const listener = reader.listener(resource.physicalId);
      if (listener) views.push(liveListenerView(listener, resource.logicalId, reader, ruleLogicalIds));
    }
    const declared = new Set(stackListeners.map((resource) => resource.physicalId));
    for (const balancer of liveResourcesOfType(scope, "AWS::ElasticLoadBalancingV2::LoadBalancer")) {
      for (const listener of reader.listenersOf(balancer.physicalId) ?? []) {
        if (!declared.has(listener.arn)) views.push(liveListenerView(listener, balancer.logicalId, reader, ruleLogicalIds));
      }
    }
    return views;
  },
});

/** Whether the template's load balancer named by `value` is internal; a balancer without Scheme is internet-facing. */
function schemeOf(value: unknown, template: ResolvedTemplate): boolean | undefined {
  const balancer = referencedLogicalIds(value).map((id) => template.resources.get(id)).find((resource) => resource !== undefined);
  if (!balancer) return undefined;
  const scheme = balancer.properties.Scheme;
  if (scheme === undefined) return false;
  const text = stringValue(scheme);
  return text === undefined ? undefined : text.toLowerCase() === "internal";
}

/** A classic listener's TLS policy: the Reference-Security-Policy of an SSLNegotiationPolicyType policy it names. */
function classicSslPolicy(listener: Record<string, unknown>, policies: Map<string, Record<string, unknown>>): unknown {
  for (const policyName of listValue(listener.PolicyNames)) {
    const name = stringValue(policyName);
    if (name === undefined) return new Unknown("listener policy name not fixed");
    const policy = policies.get(name);
    if (!policy || stringValue(policy.PolicyType) !== "SSLNegotiationPolicyType") continue;
    for (const attribute of listValue(policy.Attributes)) {
      if (isRecord(attribute) && stringValue(attribute.Name) === "Reference-Security-Policy") return attribute.Value;
    }
    return new Unknown(`custom SSL negotiation policy ${name}`);
  }
  return undefined;
}
