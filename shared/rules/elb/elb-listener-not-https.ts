import { display } from "../../template/values.ts";
import { isEncryptedProtocol, minimumTlsVersion, type LoadBalancerListenerView, loadBalancerListenerViews } from "../../views/load-balancer-listener.ts";
import { defineRule, type Hit } from "../rule.ts";

/** Actions that are harmless on a plaintext listener: a redirect to HTTPS, or a fixed response that serves no application content. */
function keepsTrafficOffHttp(action: LoadBalancerListenerView["actions"][number]): boolean | undefined {
  if (action.type === "unknown") return undefined;
  if (action.type === "redirect") return action.redirectProtocol === "unknown" ? undefined : action.redirectProtocol === "HTTPS";
  // A fixed error response ("403 use HTTPS") serves no content; a 2xx/3xx body served over HTTP does.
  if (action.type === "fixed-response") return action.statusCode === undefined ? undefined : /^[45]/.test(action.statusCode);
  return false;
}

function resourceOf(listener: LoadBalancerListenerView): Hit["resource"] {
  return { logicalId: listener.logicalId, type: listener.type, ...(listener.physicalId ? { physicalId: listener.physicalId } : {}) };
}

/** What an HTTP listener's default actions do with a request, comparable between template and live ("redirect:HTTPS", "forward"). */
function defaultActionsOf(listener: LoadBalancerListenerView): string[] | undefined {
  if (listener.generation !== "v2" || listener.protocol !== "HTTP") return undefined;
  const actions = listener.actions.filter((action) => action.rule === undefined);
  // An unknown template value is never drift.
  if (actions.some((action) => action.type === "unknown" || action.redirectProtocol === "unknown")) return undefined;
  return actions
    .map((action) => {
      if (action.type === "redirect") return `redirect:${action.redirectProtocol?.toUpperCase() === "#{PROTOCOL}" ? "#{protocol}" : action.redirectProtocol}`;
      if (action.type === "fixed-response") return `fixed-response:${action.statusCode ?? "?"}`;
      return action.type;
    })
    .sort();
}

export default defineRule({
  id: "elb-listener-not-https",
  title: "Load balancer listener serves plain HTTP or an outdated TLS policy",
  severity: "high",
  description:
    "An HTTP listener that forwards requests (instead of redirecting them to HTTPS) carries sessions, credentials and " +
    "data in clear text between clients and the load balancer. An HTTPS/TLS listener whose security policy still accepts " +
    "TLS 1.0 or 1.1 lets clients negotiate deprecated protocols and ciphers. A listener without SslPolicy gets " +
    "ELBSecurityPolicy-2016-08, which accepts TLS 1.0.",
  remediation:
    "Give the HTTP listener a single default action {Type: redirect, RedirectConfig: {Protocol: HTTPS, Port: '443', " +
    "StatusCode: HTTP_301}} and serve the application from an HTTPS listener with a Certificates entry (ACM). Set SslPolicy " +
    "on every HTTPS/TLS listener to a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06. Classic load balancers " +
    "cannot redirect: move to an Application Load Balancer or drop the HTTP listener.",
  seeds: ["004 §7"],
  anchors: ["cfn_nag W56", "checkov CKV_AWS_2", "checkov CKV_AWS_103", "securityhub ELB.1", "securityhub ELB.17"],
  judges: ["template", "live", "drift"],
  // Classic load balancers are not read live, so only ELBv2 listeners have a drift form.
  drift: [
    { view: loadBalancerListenerViews, property: "Protocol", value: (listener: LoadBalancerListenerView) => (listener.generation === "v2" ? listener.protocol : undefined) },
    { view: loadBalancerListenerViews, property: "DefaultActions", value: defaultActionsOf },
    {
      view: loadBalancerListenerViews,
      property: "SslPolicy",
      value: (listener: LoadBalancerListenerView) =>
        listener.generation === "v2" && isEncryptedProtocol(listener.protocol) && typeof listener.sslPolicy === "string" ? listener.sslPolicy : undefined,
    },
  ],
  check(context) {
    const hits: Hit[] = [];
    for (const listener of context.views(loadBalancerListenerViews)) {
      const port = listener.port ?? "?";
      const name = listener.generation === "classic" ? `${listener.logicalId} listener on port ${port}` : `listener ${listener.logicalId} (port ${port})`;
      if (listener.protocol === "HTTP") {
        const verdicts = listener.actions.map(keepsTrafficOffHttp);
        if (verdicts.includes(undefined) || verdicts.length === 0) continue;
        const leaking = listener.actions.filter((_, index) => verdicts[index] === false);
        if (leaking.length === 0) continue;
        const first = leaking[0]!;
        const what =
          listener.generation === "classic"
            ? "a Classic Load Balancer listener forwards plain HTTP and cannot redirect to HTTPS"
            : first.type === "redirect"
              ? `its redirect keeps protocol ${first.redirectProtocol}${first.rule ? ` (rule ${first.rule})` : ""}, not HTTPS`
              : `it ${first.type === "forward" ? "forwards" : first.type === "fixed-response" ? `serves a ${first.statusCode} fixed response over` : `answers with ${first.type} over`} plain HTTP${first.rule ? ` through listener rule ${first.rule}` : ""} instead of redirecting to HTTPS`;
        hits.push({
          resource: resourceOf(listener),
          ...(listener.internal ? { severity: "medium" as const } : {}),
          message: `${name} uses HTTP: ${what}${listener.internal ? " (medium: the load balancer is internal, so the clear text stays inside the VPC)" : ""}`,
          path: first.at,
          detail: `http:${port}`,
          evidence: { protocol: listener.protocol, port: listener.port, actions: leaking.map((action) => ({ type: action.type, redirectProtocol: action.redirectProtocol, rule: action.rule })) },
        });
        continue;
      }
      if (listener.sslPolicy === undefined || typeof listener.sslPolicy !== "string") continue;
      const minimum = minimumTlsVersion(listener.sslPolicy);
      if (minimum !== "1.0" && minimum !== "1.1") continue;
      hits.push({
        resource: resourceOf(listener),
        message: listener.sslPolicyDefaulted
          ? `${name} uses ${listener.protocol} with no SslPolicy, so ELB applies ${listener.sslPolicy}, which accepts TLS ${minimum}`
          : `${name} uses ${listener.protocol} with SslPolicy ${display(listener.sslPolicy)}, which accepts TLS ${minimum}`,
        path: listener.generation === "v2" ? ["Resources", listener.logicalId, "Properties", "SslPolicy"] : listener.at ?? ["Resources", listener.logicalId],
        detail: `tls:${port}`,
        evidence: { protocol: listener.protocol, port: listener.port, sslPolicy: listener.sslPolicy, defaulted: listener.sslPolicyDefaulted ?? false, minimumTls: minimum },
      });
    }
    return hits;
  },
});
