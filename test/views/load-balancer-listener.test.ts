import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { Elbv2Reader } from "../../shared/live/elbv2.ts";
import { LiveSession } from "../../shared/live/session.ts";
import elbListenerNotHttps from "../../shared/rules/elb/elb-listener-not-https.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { loadBalancerListenerViews, type LoadBalancerListenerView } from "../../shared/views/load-balancer-listener.ts";
import { handStack, resource } from "../live/hand-stack.ts";

const PREFIX = "arn:aws:elasticloadbalancing:eu-west-1:111122223333";
const LB = `${PREFIX}:loadbalancer/app/web/50dc6c495c0c9188`;
const HTTP = `${PREFIX}:listener/app/web/50dc6c495c0c9188/http`;
const TLS = `${PREFIX}:listener/app/web/50dc6c495c0c9188/tls`;
const RULE = `${PREFIX}:listener-rule/app/web/50dc6c495c0c9188/http/r1`;
const TARGETS = `${PREFIX}:targetgroup/web/73e2d6bc24d8a067`;

const TEMPLATE = `
Resources:
  Web:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: { Scheme: internal, Subnets: [subnet-1, subnet-2] }
  HttpListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Web
      Port: 80
      Protocol: HTTP
      DefaultActions: [{ Type: redirect, RedirectConfig: { Port: "443", StatusCode: HTTP_301 } }]
  Blocked:
    Type: AWS::ElasticLoadBalancingV2::ListenerRule
    Properties:
      ListenerArn: !Ref HttpListener
      Priority: 1
      Conditions: [{ Field: path-pattern, Values: [/admin/*] }]
      Actions: [{ Type: fixed-response, FixedResponseConfig: { StatusCode: "403" } }]
  TlsListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Web
      Port: 443
      Protocol: HTTPS
      Certificates: [{ CertificateArn: arn:aws:acm:eu-west-1:111122223333:certificate/abc }]
      DefaultActions: [{ Type: forward, TargetGroupArn: ${TARGETS} }]
`;

/** The fields both sides describe; `at` (template only), physicalId (live only) and the balancer reference differ by nature. */
function comparable(view: LoadBalancerListenerView) {
  return {
    logicalId: view.logicalId,
    type: view.type,
    generation: view.generation,
    internal: view.internal,
    protocol: view.protocol,
    port: view.port,
    sslPolicy: view.sslPolicy,
    actions: view.actions.map((action) => ({ type: action.type, redirectProtocol: action.redirectProtocol, redirectPort: action.redirectPort, statusCode: action.statusCode, rule: action.rule })),
  };
}

describe("load balancer listener views: template and live agree on an unchanged stack", () => {
  let elb: AwsClientStub<ElasticLoadBalancingV2Client>;
  before(() => {
    elb = mockClient(ElasticLoadBalancingV2Client);
  });
  afterEach(() => elb.reset());
  after(() => elb.restore());

  it("builds the same view from the template and from the API (defaults included), so no property drifts", async () => {
    elb.on(DescribeListenersCommand).resolves({
      Listeners: [
        // What ELB reports for the template's listeners: the redirect keeps "#{protocol}", the TLS policy is the API default.
        { ListenerArn: HTTP, LoadBalancerArn: LB, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "redirect", RedirectConfig: { Protocol: "#{protocol}", Port: "443", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: "HTTP_301" } }] },
        { ListenerArn: TLS, LoadBalancerArn: LB, Protocol: "HTTPS", Port: 443, SslPolicy: "ELBSecurityPolicy-2016-08", DefaultActions: [{ Type: "forward", TargetGroupArn: TARGETS }] },
      ],
    });
    elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB, Scheme: "internal" }] });
    elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE, Priority: "1", IsDefault: false, Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "403", ContentType: "text/plain" } }] }] });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [
      resource("Web", "AWS::ElasticLoadBalancingV2::LoadBalancer", LB),
      resource("HttpListener", "AWS::ElasticLoadBalancingV2::Listener", HTTP),
      resource("Blocked", "AWS::ElasticLoadBalancingV2::ListenerRule", RULE),
      resource("TlsListener", "AWS::ElasticLoadBalancingV2::Listener", TLS),
    ]);
    await session.reader(Elbv2Reader).load(stack.resources);
    const [resolved] = resolveTemplate(parseTemplate(TEMPLATE));
    const fromTemplate = loadBalancerListenerViews.fromTemplate(resolved!);
    const fromLive = loadBalancerListenerViews.fromLive!(stack);
    assert.deepEqual(fromLive.map(comparable), fromTemplate.map(comparable));
    assert.deepEqual(
      fromLive.map((view) => view.physicalId),
      [HTTP, TLS],
    );
    const drift = (views: LoadBalancerListenerView[]) => views.map((view) => elbListenerNotHttps.drift!.map((property) => property.value(view)));
    assert.deepEqual(drift(fromLive), drift(fromTemplate));
    assert.deepEqual(drift(fromTemplate), [
      ["HTTP", ["redirect:#{protocol}"], undefined],
      ["HTTPS", undefined, "ELBSecurityPolicy-2016-08"],
    ]);
  });
});
