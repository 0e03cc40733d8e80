import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  type DescribeListenersCommandOutput,
  type DescribeLoadBalancersCommandOutput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { batches, inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** One action of a listener or listener rule, as ELBv2 returns it. */
export interface LiveListenerAction {
  /** Lower case: "forward", "redirect", "fixed-response", "authenticate-oidc", "authenticate-cognito". */
  type: string;
  /** For redirects: "HTTP", "HTTPS" or "#{protocol}" (keep the request's own, the default). */
  redirectProtocol?: string;
  redirectPort?: string;
  /** For fixed responses. */
  statusCode?: string;
}

export interface LiveListenerRule {
  arn: string;
  priority: string;
  actions: LiveListenerAction[];
}

export interface LiveListener {
  arn: string;
  loadBalancerArn: string;
  /** Upper case: HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, GENEVE. */
  protocol?: string;
  port?: number;
  sslPolicy?: string;
  defaultActions: LiveListenerAction[];
  /** The non-default rules (read for HTTP listeners only, where they decide what travels in clear text); undefined when not read or the read failed. */
  rules?: LiveListenerRule[];
}

export interface LiveLoadBalancer {
  arn: string;
  /** "internet-facing" or "internal". */
  scheme?: string;
}

const LISTENER_TYPE = "AWS::ElasticLoadBalancingV2::Listener";
const LOAD_BALANCER_TYPE = "AWS::ElasticLoadBalancingV2::LoadBalancer";
const SERVICE = "elasticloadbalancing";
/** DescribeLoadBalancers takes at most 20 ARNs; DescribeListeners' ListenerArns is kept to the same size. */
const BATCH = 20;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The load balancer a listener ARN belongs to: arn:...:listener/app/NAME/LB_ID/LISTENER_ID -> arn:...:loadbalancer/app/NAME/LB_ID. */
export function loadBalancerArnOfListener(listenerArn: string): string | undefined {
  const match = /^(arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:)listener\/((?:app|net|gwy)\/[^/]+\/[^/]+)\/[^/]+$/.exec(listenerArn);
  return match ? `${match[1]}loadbalancer/${match[2]}` : undefined;
}

class NotFoundInBatch {
  constructor(readonly error: unknown) {}
}

function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? "";
}

/**
 * Reads ELBv2 listeners (the stack's AWS::ElasticLoadBalancingV2::Listener physical id is the listener ARN) and load
 * balancers (physical id: the balancer ARN): DescribeListeners per load balancer of the stack (which also shows
 * listeners added outside the stack) and in batches of listener ARNs for listeners whose balancer is not in the stack;
 * DescribeLoadBalancers in batches of 20 (Scheme); DescribeRules for each HTTP listener (what its rules do over plain
 * HTTP). Classic load balancers (AWS::ElasticLoadBalancing::LoadBalancer) are not read.
 */
export class Elbv2Reader implements ServiceReader {
  static readonly service = SERVICE;
  static readonly actions = ["elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeRules"] as const;
  static readonly resourceTypes: readonly string[] = [LISTENER_TYPE, LOAD_BALANCER_TYPE, "AWS::ElasticLoadBalancingV2::ListenerRule"];

  private readonly listeners = new Map<string, LiveListener>();
  private readonly listenersByBalancer = new Map<string, LiveListener[]>();
  private readonly balancers = new Map<string, LiveLoadBalancer>();
  private readonly requestedListeners = new Set<string>();
  private readonly requestedBalancers = new Set<string>();
  private readonly client: ElasticLoadBalancingV2Client;

  constructor(private readonly session: LiveSession) {
    this.client = session.client(ElasticLoadBalancingV2Client);
  }

  async load(resources: readonly StackResource[]): Promise<void> {
    const live = resources.filter((resource) => resource.physicalId && resource.status !== "DELETE_COMPLETE");
    const stackBalancers = new Set(live.filter((resource) => resource.type === LOAD_BALANCER_TYPE).map((resource) => resource.physicalId!));
    const stackListeners = [...new Set(live.filter((resource) => resource.type === LISTENER_TYPE).map((resource) => resource.physicalId!))];

    const balancersToList = [...stackBalancers].filter((arn) => !this.requestedBalancers.has(arn));
    const listenersOfStackBalancers = new Map<string, string[]>();
    const looseListeners: string[] = [];
    for (const arn of stackListeners) {
      if (this.requestedListeners.has(arn)) continue;
      this.requestedListeners.add(arn);
      const balancer = loadBalancerArnOfListener(arn);
      if (balancer !== undefined && stackBalancers.has(balancer)) listenersOfStackBalancers.set(balancer, [...(listenersOfStackBalancers.get(balancer) ?? []), arn]);
      else looseListeners.push(arn);
    }
    for (const arn of balancersToList) this.requestedBalancers.add(arn);

    const fetched: LiveListener[] = [];
    await inParallel(balancersToList, 8, async (balancer) => {
      const found = await this.listenersOfBalancer(balancer, listenersOfStackBalancers.get(balancer) ?? []);
      if (found) fetched.push(...found);
    });
    // A listener of a stack balancer that the balancer's listing lacks is gone (deleted outside the stack).
    for (const [balancer, arns] of listenersOfStackBalancers) {
      if (!this.listenersByBalancer.has(balancer)) continue;
      for (const arn of arns) {
        if (!this.listeners.has(arn)) this.session.fail(SERVICE, "DescribeListeners", "not-found", `listener ${arn} no longer exists on load balancer ${balancer}`, arn);
      }
    }
    for (const batch of batches(looseListeners, BATCH)) fetched.push(...(await this.listenersByArn(batch)));

    const balancersToDescribe = [...new Set(fetched.map((listener) => listener.loadBalancerArn))].filter((arn) => !this.balancers.has(arn));
    for (const batch of batches(balancersToDescribe, BATCH)) await this.describeBalancers(batch);

    const plaintext = fetched.filter((listener) => listener.protocol === "HTTP" && listener.rules === undefined);
    await inParallel(plaintext, 8, (listener) => this.readRules(listener));
  }

  /** The listener with this ARN; undefined when it was not read, no longer exists or its read failed. */
  listener(arn: string): LiveListener | undefined {
    return this.listeners.get(arn);
  }

  /** Every listener of a load balancer of the stack; undefined when the listing was not made or failed. */
  listenersOf(loadBalancerArn: string): readonly LiveListener[] | undefined {
    return this.listenersByBalancer.get(loadBalancerArn);
  }

  loadBalancer(arn: string): LiveLoadBalancer | undefined {
    return this.balancers.get(arn);
  }

  private async listenersOfBalancer(balancer: string, stackListeners: string[]): Promise<LiveListener[] | undefined> {
    const pages = await this.session.paginate(
      SERVICE,
      "DescribeListeners",
      (marker) => this.client.send(new DescribeListenersCommand({ LoadBalancerArn: balancer, ...(marker ? { Marker: marker } : {}) })),
      (page) => page.NextMarker,
      { targets: [balancer, ...stackListeners] },
    );
    if (!pages) return undefined;
    const found = this.keepListeners(pages, balancer);
    if (!found) return undefined;
    this.listenersByBalancer.set(balancer, found);
    return found;
  }

  /** One DescribeListeners for a batch; when one listener of the batch is gone, AWS fails the whole batch, so it is read one by one. */
  private async listenersByArn(arns: string[]): Promise<LiveListener[]> {
    const result = await this.session.call(
      SERVICE,
      "DescribeListeners",
      async (): Promise<DescribeListenersCommandOutput | NotFoundInBatch> => {
        try {
          return await this.client.send(new DescribeListenersCommand({ ListenerArns: arns }));
        } catch (error) {
          if (arns.length > 1 && errorName(error) === "ListenerNotFoundException") return new NotFoundInBatch(error);
          throw error;
        }
      },
      arns.length === 1 ? { target: arns[0]! } : { targets: arns },
    );
    if (!result.ok) return [];
    if (result.value instanceof NotFoundInBatch) {
      const found: LiveListener[] = [];
      for (const arn of arns) found.push(...(await this.listenersByArn([arn])));
      return found;
    }
    return this.keepListeners([result.value], arns.length === 1 ? arns[0]! : undefined) ?? [];
  }

  private keepListeners(pages: DescribeListenersCommandOutput[], target: string | undefined): LiveListener[] | undefined {
    const found: LiveListener[] = [];
    for (const page of pages) {
      const listeners: unknown = page.Listeners ?? [];
      if (!Array.isArray(listeners)) {
        this.session.fail(SERVICE, "DescribeListeners", "malformed-response", "DescribeListeners returned Listeners that is not a list", target);
        return undefined;
      }
      for (const raw of listeners) {
        const listener = this.parseListener(raw);
        if (!listener) continue;
        this.listeners.set(listener.arn, listener);
        found.push(listener);
      }
    }
    return found;
  }

  private parseListener(raw: unknown): LiveListener | undefined {
    if (!isRecord(raw) || typeof raw.ListenerArn !== "string" || typeof raw.LoadBalancerArn !== "string") {
      this.session.fail(SERVICE, "DescribeListeners", "malformed-response", `DescribeListeners returned a listener without ListenerArn or LoadBalancerArn: ${JSON.stringify(raw)}`);
      return undefined;
    }
    const arn = raw.ListenerArn;
    const actions = this.parseActions(raw.DefaultActions, "DescribeListeners", arn);
    if (!actions) return undefined;
    const listener: LiveListener = { arn, loadBalancerArn: raw.LoadBalancerArn, defaultActions: actions };
    if (typeof raw.Protocol === "string") listener.protocol = raw.Protocol.toUpperCase();
    if (typeof raw.Port === "number") listener.port = raw.Port;
    if (typeof raw.SslPolicy === "string" && raw.SslPolicy !== "") listener.sslPolicy = raw.SslPolicy;
    return listener;
  }

  private parseActions(raw: unknown, operation: string, target: string): LiveListenerAction[] | undefined {
    if (!Array.isArray(raw) || !raw.every((action) => isRecord(action) && typeof action.Type === "string")) {
      this.session.fail(SERVICE, operation, "malformed-response", `${operation} returned actions that are not a list of typed actions for ${target}: ${JSON.stringify(raw)}`, target);
      return undefined;
    }
    const ordered = [...(raw as Record<string, unknown>[])].sort((a, b) => (typeof a.Order === "number" ? a.Order : 0) - (typeof b.Order === "number" ? b.Order : 0));
    return ordered.map((action) => {
      const parsed: LiveListenerAction = { type: String(action.Type).toLowerCase() };
      if (parsed.type === "redirect") {
        const redirect = isRecord(action.RedirectConfig) ? action.RedirectConfig : {};
        const protocol = typeof redirect.Protocol === "string" ? redirect.Protocol : "#{protocol}";
        parsed.redirectProtocol = protocol === "#{protocol}" ? protocol : protocol.toUpperCase();
        if (typeof redirect.Port === "string") parsed.redirectPort = redirect.Port;
      }
      if (parsed.type === "fixed-response" && isRecord(action.FixedResponseConfig) && typeof action.FixedResponseConfig.StatusCode === "string") {
        parsed.statusCode = action.FixedResponseConfig.StatusCode;
      }
      return parsed;
    });
  }

  private async describeBalancers(arns: string[]): Promise<void> {
    const result = await this.session.call(
      SERVICE,
      "DescribeLoadBalancers",
      async (): Promise<DescribeLoadBalancersCommandOutput | NotFoundInBatch> => {
        try {
          return await this.client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: arns }));
        } catch (error) {
          if (arns.length > 1 && errorName(error) === "LoadBalancerNotFoundException") return new NotFoundInBatch(error);
          throw error;
        }
      },
      arns.length === 1 ? { target: arns[0]! } : { targets: arns },
    );
    if (!result.ok) return;
    if (result.value instanceof NotFoundInBatch) {
      for (const arn of arns) await this.describeBalancers([arn]);
      return;
    }
    const balancers: unknown = result.value.LoadBalancers ?? [];
    if (!Array.isArray(balancers)) {
      this.session.fail(SERVICE, "DescribeLoadBalancers", "malformed-response", "DescribeLoadBalancers returned LoadBalancers that is not a list", arns[0]);
      return;
    }
    for (const balancer of balancers) {
      if (!isRecord(balancer) || typeof balancer.LoadBalancerArn !== "string") continue;
      const live: LiveLoadBalancer = { arn: balancer.LoadBalancerArn };
      if (typeof balancer.Scheme === "string") live.scheme = balancer.Scheme;
      this.balancers.set(live.arn, live);
    }
  }

  private async readRules(listener: LiveListener): Promise<void> {
    const pages = await this.session.paginate(
      SERVICE,
      "DescribeRules",
      (marker) => this.client.send(new DescribeRulesCommand({ ListenerArn: listener.arn, ...(marker ? { Marker: marker } : {}) })),
      (page) => page.NextMarker,
      { target: listener.arn },
    );
    if (!pages) return;
    const rules: LiveListenerRule[] = [];
    for (const page of pages) {
      const items: unknown = page.Rules ?? [];
      if (!Array.isArray(items)) {
        this.session.fail(SERVICE, "DescribeRules", "malformed-response", `DescribeRules returned Rules that is not a list for ${listener.arn}`, listener.arn);
        return;
      }
      for (const item of items) {
        if (!isRecord(item) || typeof item.RuleArn !== "string") {
          this.session.fail(SERVICE, "DescribeRules", "malformed-response", `DescribeRules returned a rule without RuleArn for ${listener.arn}`, listener.arn);
          return;
        }
        // The default rule repeats the listener's default actions.
        if (item.IsDefault === true) continue;
        const actions = this.parseActions(item.Actions, "DescribeRules", listener.arn);
        if (!actions) return;
        rules.push({ arn: item.RuleArn, priority: typeof item.Priority === "string" ? item.Priority : "", actions });
      }
    }
    listener.rules = rules.sort((a, b) => Number(a.priority) - Number(b.priority));
  }
}
