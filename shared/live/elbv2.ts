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
    const found = this.keepListeners(pages, [balancer, ...stackListeners]);
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
    return this.keepListeners([result.value], arns) ?? [];
  }

  /**
   * The listeners of every page, or undefined (recorded against every listener and balancer the listing was about) when
   * a page has no Listeners list or a listener that cannot be read: a listener left out would read as deleted.
   */
  private keepListeners(pages: DescribeListenersCommandOutput[], targets: readonly string[]): LiveListener[] | undefined {
    const found: LiveListener[] = [];
    for (const page of pages) {
      const listeners: unknown = page.Listeners;
      if (!Array.isArray(listeners)) {
        this.failListing("DescribeListeners", "no Listeners list", targets);
        return undefined;
      }
      for (const raw of listeners) {
        const parsed = this.parseListener(raw);
        if ("problem" in parsed) {
          this.failListing("DescribeListeners", parsed.problem, targets, parsed.about);
          return undefined;
        }
        found.push(parsed);
      }
    }
    for (const listener of found) this.listeners.set(listener.arn, listener);
    return found;
  }

  /** Records a listing that cannot be used, against the listener it stumbled on (when named) and everything the listing was about. */
  private failListing(operation: string, problem: string, targets: readonly string[], about?: string): void {
    const failure = this.session.fail(SERVICE, operation, "malformed-response", `${operation} returned ${problem}`, about ?? (targets.length === 1 ? targets[0] : undefined));
    if (targets.length > 1) failure.targets = [...targets];
  }

  /** The listener, or what is wrong with it (a field AWS sends in another type would be read as absent) and which listener that is, when named. */
  private parseListener(raw: unknown): LiveListener | { problem: string; about?: string } {
    if (!isRecord(raw) || typeof raw.ListenerArn !== "string" || typeof raw.LoadBalancerArn !== "string") return { problem: `a listener without ListenerArn or LoadBalancerArn: ${JSON.stringify(raw)?.slice(0, 300)}` };
    const arn = raw.ListenerArn;
    const actions = this.parseActions(raw.DefaultActions);
    if (typeof actions === "string") return { problem: `${actions} for ${arn}`, about: arn };
    if ((raw.Protocol !== undefined && typeof raw.Protocol !== "string") || (raw.Port !== undefined && typeof raw.Port !== "number") || (raw.SslPolicy !== undefined && typeof raw.SslPolicy !== "string")) {
      return { problem: `a listener ${arn} whose Protocol, Port or SslPolicy has the wrong type: ${JSON.stringify({ Protocol: raw.Protocol, Port: raw.Port, SslPolicy: raw.SslPolicy })}`, about: arn };
    }
    const listener: LiveListener = { arn, loadBalancerArn: raw.LoadBalancerArn, defaultActions: actions };
    if (typeof raw.Protocol === "string") listener.protocol = raw.Protocol.toUpperCase();
    if (typeof raw.Port === "number") listener.port = raw.Port;
    if (typeof raw.SslPolicy === "string" && raw.SslPolicy !== "") listener.sslPolicy = raw.SslPolicy;
    return listener;
  }

  /** The actions in the order they run, or what is wrong with them. */
  private parseActions(raw: unknown): LiveListenerAction[] | string {
    if (!Array.isArray(raw) || !raw.every((action) => isRecord(action) && typeof action.Type === "string")) return `actions that are not a list of typed actions (${JSON.stringify(raw)?.slice(0, 300)})`;
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
    const pages = await this.session.paginate(
      SERVICE,
      "DescribeLoadBalancers",
      async (marker): Promise<DescribeLoadBalancersCommandOutput | NotFoundInBatch> => {
        try {
          return await this.client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: arns, ...(marker ? { Marker: marker } : {}) }));
        } catch (error) {
          if (arns.length > 1 && errorName(error) === "LoadBalancerNotFoundException") return new NotFoundInBatch(error);
          throw error;
        }
      },
      (page) => (page instanceof NotFoundInBatch ? undefined : page.NextMarker),
      arns.length === 1 ? { target: arns[0]! } : { targets: arns },
    );
    if (!pages) return;
    if (pages.some((page) => page instanceof NotFoundInBatch)) {
      for (const arn of arns) await this.describeBalancers([arn]);
      return;
    }
    const found: LiveLoadBalancer[] = [];
    for (const page of pages as DescribeLoadBalancersCommandOutput[]) {
      const balancers: unknown = page.LoadBalancers;
      if (!Array.isArray(balancers) || balancers.some((balancer) => !isRecord(balancer) || typeof balancer.LoadBalancerArn !== "string" || (balancer.Scheme !== undefined && typeof balancer.Scheme !== "string"))) {
        this.failListing("DescribeLoadBalancers", Array.isArray(balancers) ? "a load balancer without LoadBalancerArn or with a Scheme that is not text" : "no LoadBalancers list", arns);
        return;
      }
      for (const balancer of balancers as { LoadBalancerArn: string; Scheme?: string }[]) found.push({ arn: balancer.LoadBalancerArn, ...(balancer.Scheme !== undefined ? { scheme: balancer.Scheme } : {}) });
    }
    for (const balancer of found) this.balancers.set(balancer.arn, balancer);
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
      // No list is not "no rules": a rule forwarding plain HTTP would go unseen.
      const items: unknown = page.Rules;
      if (!Array.isArray(items)) {
        this.session.fail(SERVICE, "DescribeRules", "malformed-response", `DescribeRules returned no list of Rules for ${listener.arn}`, listener.arn);
        return;
      }
      for (const item of items) {
        if (!isRecord(item) || typeof item.RuleArn !== "string") {
          this.session.fail(SERVICE, "DescribeRules", "malformed-response", `DescribeRules returned a rule without RuleArn for ${listener.arn}`, listener.arn);
          return;
        }
        // The default rule repeats the listener's default actions.
        if (item.IsDefault === true) continue;
        const actions = this.parseActions(item.Actions);
        if (typeof actions === "string") {
          this.session.fail(SERVICE, "DescribeRules", "malformed-response", `DescribeRules returned ${actions} for rule ${item.RuleArn} of ${listener.arn}`, listener.arn);
          return;
        }
        rules.push({ arn: item.RuleArn, priority: typeof item.Priority === "string" ? item.Priority : "", actions });
      }
    }
    listener.rules = rules.sort((a, b) => Number(a.priority) - Number(b.priority));
  }
}
