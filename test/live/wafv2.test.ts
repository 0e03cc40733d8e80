import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CloudFrontClient, ListDistributionsByWebACLIdCommand } from "@aws-sdk/client-cloudfront";
import { CreateWebACLCommand, GetRuleGroupCommand, GetWebACLCommand, ListResourcesForWebACLCommand, WAFV2Client, type Rule as WafRule } from "@aws-sdk/client-wafv2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { LiveSession } from "../../shared/live/session.ts";
import { parseWebAclPhysicalId, REGIONAL_RESOURCE_TYPES, Wafv2Reader } from "../../shared/live/wafv2.ts";
import wafv2WebaclNoRateLimit from "../../shared/rules/wafv2/wafv2-webacl-no-rate-limit.ts";
import wafv2WebaclUnassociated from "../../shared/rules/wafv2/wafv2-webacl-unassociated.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { webAclViews } from "../../shared/views/wafv2-webacl.ts";
import { awsError, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const REGION = "eu-west-1";
const ACL_ARN = (name: string, id: string, scope: "regional" | "global" = "regional") => `arn:aws:wafv2:${scope === "global" ? "us-east-1" : REGION}:111122223333:${scope}/webacl/${name}/${id}`;
const GROUP_ARN = "arn:aws:wafv2:eu-west-1:111122223333:regional/rulegroup/throttles/9999";
const ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188";

const RATE_RULE: WafRule = { Name: "per-ip", Priority: 0, Action: { Block: {} }, Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: "IP" } }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "per-ip" } };
const MANAGED_RULE: WafRule = {
  Name: "common",
  Priority: 1,
  OverrideAction: { None: {} },
  Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" } },
  VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "common" },
};
const GROUP_RULE: WafRule = {
  Name: "shared-throttles",
  Priority: 2,
  OverrideAction: { None: {} },
  Statement: { RuleGroupReferenceStatement: { ARN: GROUP_ARN } },
  VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "shared" },
};

function webAcl(name: string, id: string, rules: WafRule[], scope: "regional" | "global" = "regional") {
  return { WebACL: { Name: name, Id: id, ARN: ACL_ARN(name, id, scope), Rules: rules, DefaultAction: { Allow: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name } }, LockToken: "t" };
}

const TEMPLATE = `
Resources:
  Guard:
    Type: AWS::WAFv2::WebACL
    Properties:
      Name: guard
      Scope: REGIONAL
      DefaultAction: { Allow: {} }
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: guard }
      Rules:
        - Name: per-ip
          Priority: 0
          Action: { Block: {} }
          Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: IP } }
          VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: per-ip }
  GuardAssociation:
    Type: AWS::WAFv2::WebACLAssociation
    Properties:
      ResourceArn: ${ALB_ARN}
      WebACLArn: !GetAtt Guard.Arn
  Spare:
    Type: AWS::WAFv2::WebACL
    Properties:
      Name: spare
      Scope: REGIONAL
      DefaultAction: { Allow: {} }
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: spare }
      Rules: []
`;

describe("Wafv2Reader against a mocked WAFv2", () => {
  let waf: AwsClientStub<WAFV2Client>;
  let cloudfront: AwsClientStub<CloudFrontClient>;
  before(() => {
    waf = mockClient(WAFV2Client);
    cloudfront = mockClient(CloudFrontClient);
  });
  afterEach(() => {
    waf.reset();
    cloudfront.reset();
  });
  after(() => {
    waf.restore();
    cloudfront.restore();
  });

  it("parses the physical id (name|id|scope, or an ARN)", () => {
    assert.deepEqual(parseWebAclPhysicalId("guard|1111-2222|REGIONAL"), { name: "guard", id: "1111-2222", scope: "REGIONAL" });
    assert.deepEqual(parseWebAclPhysicalId("edge|abcd|CLOUDFRONT"), { name: "edge", id: "abcd", scope: "CLOUDFRONT" });
    assert.deepEqual(parseWebAclPhysicalId(ACL_ARN("edge", "abcd", "global")), { name: "edge", id: "abcd", scope: "CLOUDFRONT" });
    assert.equal(parseWebAclPhysicalId("guard|1111"), undefined);
    assert.equal(parseWebAclPhysicalId("guard|1111|GLOBAL"), undefined);
  });

  it("reads each ACL once, lists its associations type by type until one has resources, and reads a shared rule group once", async () => {
    waf.on(GetWebACLCommand, { Name: "guard", Id: "1111", Scope: "REGIONAL" }).resolves(webAcl("guard", "1111", [MANAGED_RULE, GROUP_RULE]));
    waf.on(GetWebACLCommand, { Name: "other", Id: "2222", Scope: "REGIONAL" }).resolves(webAcl("other", "2222", [GROUP_RULE]));
    waf.on(GetRuleGroupCommand, { ARN: GROUP_ARN }).resolves({ RuleGroup: { Name: "throttles", Id: "9999", ARN: GROUP_ARN, Capacity: 2, VisibilityConfig: undefined, Rules: [{ ...RATE_RULE, Statement: { NotStatement: { Statement: { RateBasedStatement: { Limit: 100, AggregateKeyType: "IP" } } } } }] } });
    waf.on(ListResourcesForWebACLCommand).resolves({ ResourceArns: [] });
    waf.on(ListResourcesForWebACLCommand, { WebACLArn: ACL_ARN("guard", "1111"), ResourceType: "API_GATEWAY" }).resolves({ ResourceArns: ["arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod"] });
    const session = new LiveSession({ region: REGION });
    const reader = session.reader(Wafv2Reader);
    const resources = [resource("Guard", "AWS::WAFv2::WebACL", "guard|1111|REGIONAL"), resource("Other", "AWS::WAFv2::WebACL", "other|2222|REGIONAL"), resource("Creating", "AWS::WAFv2::WebACL")];
    await reader.load(resources);
    await reader.load(resources);
    assert.equal(session.calls.get("wafv2:GetWebACL"), 2);
    assert.equal(session.calls.get("wafv2:GetRuleGroup"), 1);
    // guard: ALB (none), API_GATEWAY (one): 2 calls; other: every type.
    assert.equal(session.calls.get("wafv2:ListResourcesForWebACL"), 2 + REGIONAL_RESOURCE_TYPES.length);
    assert.deepEqual(reader.webAcl("guard|1111|REGIONAL")?.associations, [{ resource: "arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod", resourceType: "API_GATEWAY" }]);
    assert.deepEqual(reader.webAcl("other|2222|REGIONAL")?.associations, []);
    assert.equal(reader.ruleGroupHasRateBasedRule(GROUP_ARN), true, "a rate-based statement nested under a NotStatement counts");
    assert.deepEqual(session.failures, []);

    const stack = handStack(session, resources);
    const views = new Map(webAclViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.deepEqual(
      views.get("Guard")!.rules!.map((rule) => [rule.name, rule.priority, rule.statementTypes, rule.rateBased]),
      [
        ["common", 1, ["ManagedRuleGroupStatement"], false],
        ["shared-throttles", 2, ["RuleGroupReferenceStatement"], true],
      ],
    );
    assert.deepEqual(views.get("Guard")!.associations, [{ via: "association", resource: "arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod" }]);
    assert.equal(views.get("Guard")!.physicalId, "guard|1111|REGIONAL");
    assert.equal(views.get("Guard")!.at, undefined);
  });

  it("asks CloudFront which distributions use a CLOUDFRONT-scoped ACL", async () => {
    waf.on(GetWebACLCommand, { Name: "edge", Id: "3333", Scope: "CLOUDFRONT" }).resolves(webAcl("edge", "3333", [RATE_RULE], "global"));
    cloudfront
      .on(ListDistributionsByWebACLIdCommand, { WebACLId: ACL_ARN("edge", "3333", "global") })
      .resolves({ DistributionList: { Marker: "", IsTruncated: false, MaxItems: 100, Quantity: 1, Items: [{ Id: "E1", ARN: "arn:aws:cloudfront::111122223333:distribution/E1" } as never] } });
    // Scanned from another region: CLOUDFRONT-scoped ACLs are read from us-east-1.
    const session = new LiveSession({ region: REGION });
    const reader = session.reader(Wafv2Reader);
    await reader.load([resource("Edge", "AWS::WAFv2::WebACL", "edge|3333|CLOUDFRONT")]);
    const [getWebAcl] = waf.commandCalls(GetWebACLCommand);
    assert.equal(await (getWebAcl!.thisValue as WAFV2Client).config.region(), "us-east-1");
    assert.equal(session.calls.get("wafv2:ListResourcesForWebACL"), undefined);
    assert.deepEqual(reader.webAcl("edge|3333|CLOUDFRONT")?.associations, [{ resource: "arn:aws:cloudfront::111122223333:distribution/E1", resourceType: "CLOUDFRONT" }]);
    const [view] = webAclViews.fromLive!(handStack(session, [resource("Edge", "AWS::WAFv2::WebACL", "edge|3333|CLOUDFRONT")]));
    assert.deepEqual(view!.associations, [{ via: "cloudfront", resource: "arn:aws:cloudfront::111122223333:distribution/E1" }]);
  });

  it("records access denied, throttling, a bad physical id and malformed answers; a failed listing leaves associations unknown unless an earlier type found one", async () => {
    waf.on(GetWebACLCommand, { Name: "denied" }).rejects(awsError("AccessDeniedException", 400, "not authorized to perform: wafv2:GetWebACL"));
    waf.on(GetWebACLCommand, { Name: "gone" }).rejects(awsError("WAFNonexistentItemException", 400, "AWS WAF couldn't perform the operation because your resource doesn't exist."));
    waf.on(GetWebACLCommand, { Name: "odd" }).resolves({ WebACL: { Name: "odd", Id: "5", ARN: ACL_ARN("odd", "5"), Rules: "none" as never, DefaultAction: undefined, VisibilityConfig: undefined } });
    waf.on(GetWebACLCommand, { Name: "unknown" }).resolves(webAcl("unknown", "6", []));
    waf.on(GetWebACLCommand, { Name: "partly" }).resolves(webAcl("partly", "7", []));
    waf.on(GetWebACLCommand, { Name: "grouped" }).resolves(webAcl("grouped", "8", [GROUP_RULE]));
    waf.on(GetRuleGroupCommand).rejects(awsError("WAFInternalErrorException", 500, "internal"));
    waf.on(ListResourcesForWebACLCommand).resolves({ ResourceArns: [] });
    waf.on(ListResourcesForWebACLCommand, { WebACLArn: ACL_ARN("unknown", "6"), ResourceType: "API_GATEWAY" }).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    waf.on(ListResourcesForWebACLCommand, { WebACLArn: ACL_ARN("partly", "7"), ResourceType: "API_GATEWAY" }).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    waf.on(ListResourcesForWebACLCommand, { WebACLArn: ACL_ARN("partly", "7"), ResourceType: "APPLICATION_LOAD_BALANCER" }).resolves({ ResourceArns: [ALB_ARN] });
    const session = new LiveSession({ region: REGION });
    const reader = session.reader(Wafv2Reader);
    const ids = ["denied|1|REGIONAL", "gone|2|REGIONAL", "not-a-physical-id", "odd|5|REGIONAL", "unknown|6|REGIONAL", "partly|7|REGIONAL", "grouped|8|REGIONAL"];
    await reader.load(ids.map((id, index) => resource(`Acl${index}`, "AWS::WAFv2::WebACL", id)));
    const kinds = session.failures.map((failure) => [failure.operation, failure.kind, failure.target]);
    assert.deepEqual(kinds.sort(), [
      ["GetRuleGroup", "server-error", GROUP_ARN],
      ["GetWebACL", "access-denied", "denied|1|REGIONAL"],
      ["GetWebACL", "malformed-response", "not-a-physical-id"],
      ["GetWebACL", "malformed-response", "odd|5|REGIONAL"],
      ["GetWebACL", "not-found", "gone|2|REGIONAL"],
      ["ListResourcesForWebACL", "throttled", "unknown|6|REGIONAL"],
    ]);
    for (const id of ["denied|1|REGIONAL", "gone|2|REGIONAL", "not-a-physical-id", "odd|5|REGIONAL"]) assert.equal(reader.webAcl(id), undefined, id);
    assert.equal(reader.webAcl("unknown|6|REGIONAL")?.associations, undefined);
    assert.deepEqual(reader.webAcl("partly|7|REGIONAL")?.associations, [{ resource: ALB_ARN, resourceType: "APPLICATION_LOAD_BALANCER" }]);
    assert.equal(session.failuresFor("unknown|6|REGIONAL").length, 1, "the listing stops at the first failure");

    const stack = handStack(session, ids.map((id, index) => resource(`Acl${index}`, "AWS::WAFv2::WebACL", id)));
    const views = new Map(webAclViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.deepEqual([...views.keys()], ["Acl4", "Acl5", "Acl6"]);
    assert.equal(views.get("Acl6")!.rules![0]!.rateBased, undefined, "a rule group that could not be read might rate-limit");
    const findings = judgeLiveStack(stack, undefined, { rules: [wafv2WebaclUnassociated, wafv2WebaclNoRateLimit] }).findings;
    assert.deepEqual(
      findings.map((finding) => [finding.ruleId, finding.resource.logicalId]).sort(),
      [
        ["wafv2-webacl-no-rate-limit", "Acl4"],
        ["wafv2-webacl-no-rate-limit", "Acl5"],
        ["wafv2-webacl-unassociated", "Acl6"],
      ],
      "no association verdict on the ACL whose listing failed (Acl4), no rate-limit verdict on the unreadable rule group (Acl6)",
    );
  });

  it("judges live: an ACL disassociated out of band and one without a rate-based rule are live findings with their physical ids", async () => {
    waf.on(GetWebACLCommand, { Name: "guard" }).resolves(webAcl("guard", "1111", [RATE_RULE]));
    waf.on(GetWebACLCommand, { Name: "spare" }).resolves(webAcl("spare", "2222", []));
    waf.on(ListResourcesForWebACLCommand).resolves({ ResourceArns: [] });
    waf.on(ListResourcesForWebACLCommand, { WebACLArn: ACL_ARN("spare", "2222"), ResourceType: "API_GATEWAY" }).resolves({ ResourceArns: ["arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod"] });
    const session = new LiveSession({ region: REGION });
    const stack = handStack(session, [
      resource("Guard", "AWS::WAFv2::WebACL", "guard|1111|REGIONAL"),
      resource("GuardAssociation", "AWS::WAFv2::WebACLAssociation", "guard-association"),
      resource("Spare", "AWS::WAFv2::WebACL", "spare|2222|REGIONAL"),
    ]);
    await session.reader(Wafv2Reader).load(stack.resources);
    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [wafv2WebaclUnassociated, wafv2WebaclNoRateLimit] });
    assert.deepEqual(result.errors, []);
    const summary = result.findings.map((finding) => [finding.ruleId, finding.resource.logicalId, finding.source, finding.resource.physicalId]).sort();
    assert.deepEqual(summary, [
      ["wafv2-webacl-no-rate-limit", "Spare", "live", "spare|2222|REGIONAL"],
      ["wafv2-webacl-unassociated", "Guard", "live", "guard|1111|REGIONAL"],
      // The template declares no association for Spare; live, another stack associated it, so only the template finding remains.
      ["wafv2-webacl-unassociated", "Spare", "template", undefined],
    ]);
    const guard = result.findings.find((finding) => finding.ruleId === "wafv2-webacl-unassociated" && finding.source === "live")!;
    assert.match(guard.message, /ListResourcesForWebACL lists none/);
    assert.ok(guard.location, "located at the ACL's template line");
  });
});

describe("Wafv2Reader against moto", () => {
  const moto = motoForTests();

  it("reads an ACL created through the WAFv2 API; moto cannot list associations, which is recorded and judged as unknown", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const client = new WAFV2Client(motoClientConfig(server.endpoint));
    const visibility = { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "m" };
    const created = await client.send(new CreateWebACLCommand({ Name: "moto-guard", Scope: "REGIONAL", DefaultAction: { Allow: {} }, VisibilityConfig: visibility, Rules: [{ ...MANAGED_RULE }] }));
    const physicalId = `moto-guard|${created.Summary!.Id!}|REGIONAL`;
    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const stack = handStack(session, [resource("Guard", "AWS::WAFv2::WebACL", physicalId)]);
    await session.reader(Wafv2Reader).load(stack.resources);
    const [view] = webAclViews.fromLive!(stack);
    assert.equal(view!.name, "moto-guard");
    assert.equal(view!.scope, "REGIONAL");
    assert.deepEqual(view!.rules!.map((rule) => [rule.name, rule.rateBased]), [["common", false]]);
    const listing = session.failures.filter((failure) => failure.operation === "ListResourcesForWebACL");
    assert.deepEqual(listing.map((failure) => [failure.kind, failure.target]), [["server-error", physicalId]], "moto 5.2.1 answers HTTP 500: one failure for the ACL");
    assert.equal(view!.associations, undefined);
    const findings = judgeLiveStack(stack, undefined, { rules: [wafv2WebaclUnassociated, wafv2WebaclNoRateLimit] }).findings;
    assert.deepEqual(findings.map((finding) => [finding.ruleId, finding.source, finding.resource.physicalId]), [["wafv2-webacl-no-rate-limit", "live", physicalId]]);
  });
});
