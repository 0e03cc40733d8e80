import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { GetRuleGroupCommand, GetWebACLCommand, ListResourcesForWebACLCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { LiveSession } from "../../shared/live/session.ts";
import { Wafv2Reader } from "../../shared/live/wafv2.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { webAclViews, type WebAclView } from "../../shared/views/wafv2-webacl.ts";
import { handStack, resource } from "../live/hand-stack.ts";

const GROUP_ARN = "arn:aws:wafv2:eu-west-1:111122223333:regional/rulegroup/throttles/9999";
const ACL_ARN = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/guard/1111";
const ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188";
const VISIBILITY = { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "m" };

const RULES = [
  { Name: "login-throttle", Priority: 0, Action: { Block: {} }, VisibilityConfig: VISIBILITY, Statement: { RateBasedStatement: { Limit: 100, AggregateKeyType: "IP", ScopeDownStatement: { ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: "STARTS_WITH", SearchString: "/login", TextTransformations: [{ Priority: 0, Type: "NONE" }] } } } } },
  { Name: "bad-bots", Priority: 1, Action: { Block: {} }, VisibilityConfig: VISIBILITY, Statement: { AndStatement: { Statements: [{ GeoMatchStatement: { CountryCodes: ["XX"] } }, { NotStatement: { Statement: { LabelMatchStatement: { Scope: "LABEL", Key: "ok" } } } }] } } },
  { Name: "shared", Priority: 2, OverrideAction: { None: {} }, VisibilityConfig: VISIBILITY, Statement: { RuleGroupReferenceStatement: { Arn: GROUP_ARN } } },
];

const TEMPLATE = `
Resources:
  Guard:
    Type: AWS::WAFv2::WebACL
    Properties:
      Name: guard
      Scope: REGIONAL
      DefaultAction: { Allow: {} }
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: m }
      Rules: ${JSON.stringify(RULES)}
  Association:
    Type: AWS::WAFv2::WebACLAssociation
    Properties: { ResourceArn: ${ALB_ARN}, WebACLArn: !GetAtt Guard.Arn }
`;

function comparable(view: WebAclView) {
  return {
    logicalId: view.logicalId,
    name: view.name,
    scope: view.scope,
    rules: view.rules?.map((rule) => ({ name: rule.name, priority: rule.priority, statementTypes: rule.statementTypes })),
    associations: view.associations?.map((association) => ({ via: association.via, resource: association.resource })),
  };
}

describe("Web ACL views: template and live agree on an unchanged stack", () => {
  let waf: AwsClientStub<WAFV2Client>;
  before(() => {
    waf = mockClient(WAFV2Client);
  });
  afterEach(() => waf.reset());
  after(() => waf.restore());

  it("builds the same rules and associations from the template and from the API", async () => {
    // The API spells the reference statement's key ARN; CloudFormation spells it Arn.
    const apiRules = RULES.map((rule) => (rule.Name === "shared" ? { ...rule, Statement: { RuleGroupReferenceStatement: { ARN: GROUP_ARN } } } : rule));
    waf.on(GetWebACLCommand).resolves({ WebACL: { Name: "guard", Id: "1111", ARN: ACL_ARN, Rules: apiRules as never, DefaultAction: { Allow: {} }, VisibilityConfig: VISIBILITY } });
    waf.on(GetRuleGroupCommand).resolves({ RuleGroup: { Name: "throttles", Id: "9999", ARN: GROUP_ARN, Capacity: 1, VisibilityConfig: VISIBILITY, Rules: [] } });
    waf.on(ListResourcesForWebACLCommand, { ResourceType: "APPLICATION_LOAD_BALANCER" }).resolves({ ResourceArns: [ALB_ARN] });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [resource("Guard", "AWS::WAFv2::WebACL", "guard|1111|REGIONAL"), resource("Association", "AWS::WAFv2::WebACLAssociation", "association-id")]);
    await session.reader(Wafv2Reader).load(stack.resources);
    const [resolved] = resolveTemplate(parseTemplate(TEMPLATE));
    const [templateView] = webAclViews.fromTemplate(resolved!);
    const [liveView] = webAclViews.fromLive!(stack);
    assert.deepEqual(comparable(liveView!), comparable(templateView!));
    assert.deepEqual(comparable(liveView!).rules, [
      { name: "login-throttle", priority: 0, statementTypes: ["RateBasedStatement", "ByteMatchStatement"] },
      { name: "bad-bots", priority: 1, statementTypes: ["AndStatement", "GeoMatchStatement", "NotStatement", "LabelMatchStatement"] },
      { name: "shared", priority: 2, statementTypes: ["RuleGroupReferenceStatement"] },
    ]);
    // The template cannot see into a rule group it does not define; live, the group was read and holds no rate-based rule.
    assert.deepEqual(templateView!.rules!.map((rule) => rule.rateBased), [true, false, undefined]);
    assert.deepEqual(liveView!.rules!.map((rule) => rule.rateBased), [true, false, false]);
  });
});
