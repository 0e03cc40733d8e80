import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  type Action,
  type Listener,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { Elbv2Reader, loadBalancerArnOfListener } from "../../shared/live/elbv2.ts";
import { LiveSession } from "../../shared/live/session.ts";
import elbListenerNotHttps from "../../shared/rules/elb/elb-listener-not-https.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { loadBalancerListenerViews } from "../../shared/views/load-balancer-listener.ts";
import { awsError, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const PREFIX = "arn:aws:elasticloadbalancing:eu-west-1:111122223333";
const LB = (name: string) => `${PREFIX}:loadbalancer/app/${name}/50dc6c495c0c9188`;
const LISTENER = (lb: string, id: string) => `${PREFIX}:listener/app/${lb}/50dc6c495c0c9188/${id}`;
const RULE = (lb: string, listener: string, id: string) => `${PREFIX}:listener-rule/app/${lb}/50dc6c495c0c9188/${listener}/${id}`;
const TARGETS = `${PREFIX}:targetgroup/web/73e2d6bc24d8a067`;

const REDIRECT: Action = { Type: "redirect", Order: 1, RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } };
const FORWARD: Action = { Type: "forward", Order: 1, TargetGroupArn: TARGETS };

function listener(lb: string, id: string, protocol: string, port: number, actions: Action[], sslPolicy?: string): Listener {
  return { ListenerArn: LISTENER(lb, id), LoadBalancerArn: LB(lb), Protocol: protocol as Listener["Protocol"], Port: port, DefaultActions: actions, ...(sslPolicy ? { SslPolicy: sslPolicy } : {}) };
}

const TEMPLATE = `
Parameters:
  CertificateArn: { Type: String, Default: "arn:aws:acm:eu-west-1:111122223333:certificate/abc" }
Resources:
  Web:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties: { Subnets: [subnet-1, subnet-2] }
  HttpListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Web
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: redirect
          RedirectConfig: { Protocol: HTTPS, Port: "443", StatusCode: HTTP_301 }
  HttpsListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Web
      Port: 443
      Protocol: HTTPS
      SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06
      Certificates: [{ CertificateArn: !Ref CertificateArn }]
      DefaultActions: [{ Type: forward, TargetGroupArn: ${TARGETS} }]
`;

describe("Elbv2Reader against a mocked ELBv2", () => {
  let elb: AwsClientStub<ElasticLoadBalancingV2Client>;
  before(() => {
    elb = mockClient(ElasticLoadBalancingV2Client);
  });
  afterEach(() => elb.reset());
  after(() => elb.restore());

  it("derives a listener's load balancer from its ARN", () => {
    assert.equal(loadBalancerArnOfListener(LISTENER("web", "f2f7dc8efc522ab2")), LB("web"));
    assert.equal(loadBalancerArnOfListener(`${PREFIX}:listener/net/nlb/1234/5678`), `${PREFIX}:loadbalancer/net/nlb/1234`);
    assert.equal(loadBalancerArnOfListener("not-an-arn"), undefined);
  });

  it("lists listeners per stack load balancer, batches the others, describes balancers in one call, reads rules of HTTP listeners only, and caches", async () => {
    elb.on(DescribeListenersCommand, { LoadBalancerArn: LB("web") }).resolves({ Listeners: [listener("web", "http", "HTTP", 80, [REDIRECT])], NextMarker: "page2" });
    elb.on(DescribeListenersCommand, { LoadBalancerArn: LB("web"), Marker: "page2" }).resolves({
      Listeners: [listener("web", "https", "HTTPS", 443, [FORWARD], "ELBSecurityPolicy-TLS13-1-2-2021-06"), listener("web", "manual", "HTTP", 8080, [FORWARD])],
    });
    elb.on(DescribeListenersCommand, { ListenerArns: [LISTENER("shared", "a"), LISTENER("shared", "b")] }).resolves({
      Listeners: [listener("shared", "a", "HTTPS", 443, [FORWARD], "ELBSecurityPolicy-2016-08"), listener("shared", "b", "TCP", 22, [FORWARD])],
    });
    elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB("web"), Scheme: "internet-facing" }, { LoadBalancerArn: LB("shared"), Scheme: "internal" }] });
    elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: "default", IsDefault: true, Priority: "default", Actions: [REDIRECT] }] });
    elb.on(DescribeRulesCommand, { ListenerArn: LISTENER("web", "http") }).resolves({
      Rules: [
        { RuleArn: RULE("web", "http", "r2"), Priority: "20", IsDefault: false, Actions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "403" } }] },
        { RuleArn: RULE("web", "http", "r1"), Priority: "10", IsDefault: false, Actions: [FORWARD] },
        { RuleArn: "default", IsDefault: true, Priority: "default", Actions: [REDIRECT] },
      ],
    });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(Elbv2Reader);
    const resources = [
      resource("Web", "AWS::ElasticLoadBalancingV2::LoadBalancer", LB("web")),
      resource("HttpListener", "AWS::ElasticLoadBalancingV2::Listener", LISTENER("web", "http")),
      resource("HttpsListener", "AWS::ElasticLoadBalancingV2::Listener", LISTENER("web", "https")),
      resource("HealthRule", "AWS::ElasticLoadBalancingV2::ListenerRule", RULE("web", "http", "r1")),
      resource("SharedHttps", "AWS::ElasticLoadBalancingV2::Listener", LISTENER("shared", "a")),
      resource("SharedSsh", "AWS::ElasticLoadBalancingV2::Listener", LISTENER("shared", "b")),
    ];
    await reader.load(resources);
    await reader.load(resources);
    assert.deepEqual(Object.fromEntries(session.calls), {
      "elasticloadbalancing:DescribeListeners": 3,
      "elasticloadbalancing:DescribeLoadBalancers": 1,
      "elasticloadbalancing:DescribeRules": 2,
    });
    assert.deepEqual(session.failures, []);
    assert.deepEqual(reader.listener(LISTENER("web", "http"))?.rules, [
      { arn: RULE("web", "http", "r1"), priority: "10", actions: [{ type: "forward" }] },
      { arn: RULE("web", "http", "r2"), priority: "20", actions: [{ type: "fixed-response", statusCode: "403" }] },
    ]);

    const stack = handStack(session, resources);
    const views = loadBalancerListenerViews.fromLive!(stack);
    assert.deepEqual(
      views.map((view) => [view.logicalId, view.physicalId, view.protocol, view.port, view.internal, view.sslPolicy, view.actions.map((action) => [action.type, action.redirectProtocol, action.rule])]),
      [
        ["HttpListener", LISTENER("web", "http"), "HTTP", 80, false, undefined, [["redirect", "HTTPS", undefined], ["forward", undefined, "HealthRule"], ["fixed-response", undefined, RULE("web", "http", "r2")]]],
        ["HttpsListener", LISTENER("web", "https"), "HTTPS", 443, false, "ELBSecurityPolicy-TLS13-1-2-2021-06", [["forward", undefined, undefined]]],
        ["SharedHttps", LISTENER("shared", "a"), "HTTPS", 443, true, "ELBSecurityPolicy-2016-08", [["forward", undefined, undefined]]],
        ["SharedSsh", LISTENER("shared", "b"), "TCP", 22, true, undefined, [["forward", undefined, undefined]]],
        ["Web", LISTENER("web", "manual"), "HTTP", 8080, false, undefined, [["forward", undefined, undefined]]],
      ],
      "a listener added to the stack's balancer outside the stack is described under the balancer",
    );
    assert.ok(views.every((view) => view.at === undefined));
  });

  it("reads a batch one by one when one listener of it is gone, and records the one that is", async () => {
    elb.on(DescribeListenersCommand).rejects(awsError("ListenerNotFoundException", 400, "One or more listeners not found"));
    elb.on(DescribeListenersCommand, { ListenerArns: [LISTENER("x", "1")] }).resolves({ Listeners: [listener("x", "1", "HTTPS", 443, [FORWARD], "ELBSecurityPolicy-TLS13-1-2-2021-06")] });
    elb.on(DescribeListenersCommand, { ListenerArns: [LISTENER("x", "3")] }).resolves({ Listeners: [listener("x", "3", "TLS", 8443, [FORWARD], "ELBSecurityPolicy-TLS13-1-2-2021-06")] });
    elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB("x"), Scheme: "internal" }] });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(Elbv2Reader);
    await reader.load(["1", "2", "3"].map((id) => resource(`L${id}`, "AWS::ElasticLoadBalancingV2::Listener", LISTENER("x", id))));
    assert.equal(session.calls.get("elasticloadbalancing:DescribeListeners"), 4);
    assert.deepEqual(session.failures.map((failure) => [failure.kind, failure.target, failure.targets]), [["not-found", LISTENER("x", "2"), undefined]]);
    assert.ok(reader.listener(LISTENER("x", "1")));
    assert.ok(reader.listener(LISTENER("x", "3")));
  });

  it("records access denied on a balancer (naming its stack listeners), a listener gone from its balancer, throttled rules and malformed answers", async () => {
    elb.on(DescribeListenersCommand, { LoadBalancerArn: LB("denied") }).rejects(awsError("AccessDenied", 403, "not authorized to perform: elasticloadbalancing:DescribeListeners"));
    elb.on(DescribeListenersCommand, { LoadBalancerArn: LB("web") }).resolves({ Listeners: [listener("web", "http", "HTTP", 80, [FORWARD])] });
    elb.on(DescribeListenersCommand, { LoadBalancerArn: LB("odd") }).resolves({ Listeners: [{ ...listener("odd", "1", "HTTP", 80, []), DefaultActions: "forward" as never }] });
    elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB("web"), Scheme: "internet-facing" }] });
    elb.on(DescribeRulesCommand).rejects(awsError("Throttling", 400, "Rate exceeded"));
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(Elbv2Reader);
    const resources = [
      resource("Denied", "AWS::ElasticLoadBalancingV2::LoadBalancer", LB("denied")),
      resource("DeniedListener", "AWS::ElasticLoadBalancingV2::Listener", LISTENER("denied", "1")),
      resource("Web", "AWS::ElasticLoadBalancingV2::LoadBalancer", LB("web")),
      resource("HttpListener", "AWS::ElasticLoadBalancingV2::Listener", LISTENER("web", "http")),
      resource("DeletedListener", "AWS::ElasticLoadBalancingV2::Listener", LISTENER("web", "deleted")),
      resource("Odd", "AWS::ElasticLoadBalancingV2::LoadBalancer", LB("odd")),
    ];
    await reader.load(resources);
    const failures = session.failures.map((failure) => [failure.operation, failure.kind, failure.target ?? null, failure.targets ?? null]);
    assert.deepEqual(failures.sort(), [
      ["DescribeListeners", "access-denied", null, [LB("denied"), LISTENER("denied", "1")]],
      ["DescribeListeners", "malformed-response", LISTENER("odd", "1"), null],
      ["DescribeListeners", "not-found", LISTENER("web", "deleted"), null],
      ["DescribeRules", "throttled", LISTENER("web", "http"), null],
    ]);
    assert.equal(session.failuresFor(LISTENER("denied", "1")).length, 1);
    const http = reader.listener(LISTENER("web", "http"))!;
    assert.equal(http.rules, undefined, "rules that could not be read stay unknown");

    // The default action forwards over HTTP: that is judged even though the rules could not be read.
    const findings = judgeLiveStack(handStack(session, resources), undefined, { rules: [elbListenerNotHttps] }).findings;
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.source, finding.resource.physicalId]), [["HttpListener", "live", LISTENER("web", "http")]]);
  });

  it("judges live and declares drift: a redirect replaced by a forward and a TLS policy downgraded out of band", async () => {
    elb.on(DescribeListenersCommand, { LoadBalancerArn: LB("web") }).resolves({
      Listeners: [listener("web", "http", "HTTP", 80, [FORWARD]), listener("web", "https", "HTTPS", 443, [FORWARD], "ELBSecurityPolicy-2016-08")],
    });
    elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ LoadBalancerArn: LB("web"), Scheme: "internet-facing" }] });
    elb.on(DescribeRulesCommand).resolves({ Rules: [] });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [
      resource("Web", "AWS::ElasticLoadBalancingV2::LoadBalancer", LB("web")),
      resource("HttpListener", "AWS::ElasticLoadBalancingV2::Listener", LISTENER("web", "http")),
      resource("HttpsListener", "AWS::ElasticLoadBalancingV2::Listener", LISTENER("web", "https")),
    ]);
    await session.reader(Elbv2Reader).load(stack.resources);
    const parsed = parseTemplate(TEMPLATE);
    const result = judgeLiveStack(stack, parsed, { rules: [elbListenerNotHttps] });
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.findings.map((finding) => [finding.resource.logicalId, finding.source, finding.resource.physicalId, finding.evidence.alsoInTemplate ?? false]),
      [
        ["HttpListener", "live", LISTENER("web", "http"), false],
        ["HttpsListener", "live", LISTENER("web", "https"), false],
      ],
      "the template is clean; both flaws are live only",
    );
    assert.match(result.findings[1]!.message, /SslPolicy ELBSecurityPolicy-2016-08, which accepts TLS 1\.0/);

    const [resolved] = resolveTemplate(parsed);
    const values = (views: ReturnType<typeof loadBalancerListenerViews.fromTemplate>) =>
      Object.fromEntries(views.map((view) => [view.logicalId, Object.fromEntries(elbListenerNotHttps.drift!.map((property) => [property.property, property.value(view)]))]));
    assert.deepEqual(values(loadBalancerListenerViews.fromTemplate(resolved!)), {
      HttpListener: { Protocol: "HTTP", DefaultActions: ["redirect:HTTPS"], SslPolicy: undefined },
      HttpsListener: { Protocol: "HTTPS", DefaultActions: undefined, SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" },
    });
    assert.deepEqual(values(loadBalancerListenerViews.fromLive!(stack)), {
      HttpListener: { Protocol: "HTTP", DefaultActions: ["forward"], SslPolicy: undefined },
      HttpsListener: { Protocol: "HTTPS", DefaultActions: undefined, SslPolicy: "ELBSecurityPolicy-2016-08" },
    });
  });
});

describe("Elbv2Reader against moto", () => {
  const moto = motoForTests();

  it("reads listeners and rules created through the ELBv2 API and judges them", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const config = motoClientConfig(server.endpoint);
    const ec2 = new EC2Client(config);
    const elb = new ElasticLoadBalancingV2Client(config);
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.20.0.0/16" }));
    const vpcId = vpc.Vpc!.VpcId!;
    const subnets = await Promise.all(
      ["a", "b"].map((zone, index) => ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.20.${index}.0/24`, AvailabilityZone: `${MOTO_REGION}${zone}` }))),
    );
    // moto 5.2.1 leaves Scheme out of DescribeLoadBalancers unless it was given at creation (AWS always returns it).
    const balancer = await elb.send(new CreateLoadBalancerCommand({ Name: "stackwarden-web", Scheme: "internal", Subnets: subnets.map((subnet) => subnet.Subnet!.SubnetId!) }));
    const balancerArn = balancer.LoadBalancers![0]!.LoadBalancerArn!;
    const group = await elb.send(new CreateTargetGroupCommand({ Name: "stackwarden-web", Protocol: "HTTP", Port: 80, VpcId: vpcId }));
    const targetGroupArn = group.TargetGroups![0]!.TargetGroupArn!;
    const redirect = await elb.send(
      new CreateListenerCommand({ LoadBalancerArn: balancerArn, Protocol: "HTTP", Port: 80, DefaultActions: [{ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } }] }),
    );
    const redirectArn = redirect.Listeners![0]!.ListenerArn!;
    const plain = await elb.send(new CreateListenerCommand({ LoadBalancerArn: balancerArn, Protocol: "HTTP", Port: 8080, DefaultActions: [{ Type: "forward", TargetGroupArn: targetGroupArn }] }));
    const plainArn = plain.Listeners![0]!.ListenerArn!;
    const rule = await elb.send(
      new CreateRuleCommand({ ListenerArn: redirectArn, Priority: 10, Conditions: [{ Field: "path-pattern", Values: ["/health"] }], Actions: [{ Type: "forward", TargetGroupArn: targetGroupArn }] }),
    );
    const ruleArn = rule.Rules![0]!.RuleArn!;

    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const stack = handStack(session, [
      resource("Web", "AWS::ElasticLoadBalancingV2::LoadBalancer", balancerArn),
      resource("Redirect", "AWS::ElasticLoadBalancingV2::Listener", redirectArn),
      resource("HealthRule", "AWS::ElasticLoadBalancingV2::ListenerRule", ruleArn),
    ]);
    await session.reader(Elbv2Reader).load(stack.resources);
    assert.deepEqual(session.failures, []);
    const views = loadBalancerListenerViews.fromLive!(stack);
    assert.deepEqual(
      views.map((view) => [view.logicalId, view.physicalId, view.protocol, view.port, view.internal, view.actions.map((action) => [action.type, action.redirectProtocol, action.rule])]),
      [
        ["Redirect", redirectArn, "HTTP", 80, true, [["redirect", "HTTPS", undefined], ["forward", undefined, "HealthRule"]]],
        ["Web", plainArn, "HTTP", 8080, true, [["forward", undefined, undefined]]],
      ],
    );
    const findings = judgeLiveStack(stack, undefined, { rules: [elbListenerNotHttps] }).findings;
    assert.deepEqual(
      findings.map((finding) => [finding.resource.logicalId, finding.source, finding.resource.physicalId, finding.severity]).sort(),
      [
        ["Redirect", "live", redirectArn, "medium"],
        ["Web", "live", plainArn, "medium"],
      ],
      "an internal balancer's clear text stays in the VPC: medium",
    );
    assert.match(findings.find((finding) => finding.resource.logicalId === "Redirect")!.message, /through listener rule HealthRule/);
  });
});
