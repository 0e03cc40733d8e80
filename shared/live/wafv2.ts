import { GetRuleGroupCommand, GetWebACLCommand, ListResourcesForWebACLCommand, WAFV2Client, type ResourceType } from "@aws-sdk/client-wafv2";
import { awsClient } from "./clients.ts";
import { CloudFrontReader } from "./cloudfront.ts";
import { inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

export type WebAclScope = "REGIONAL" | "CLOUDFRONT";

/** What identifies a Web ACL: the stack's physical id is "name|id|scope" (what Ref returns). */
export interface WebAclIdentity {
  name: string;
  id: string;
  scope: WebAclScope;
}

/** Something a Web ACL protects, as ListResourcesForWebACL (regional) or ListDistributionsByWebACLId (CloudFront) lists it. */
export interface LiveWebAclAssociation {
  /** The protected resource's ARN (for a distribution: its ARN, else "distribution/ID"). */
  resource: string;
  /** ListResourcesForWebACL's ResourceType, or "CLOUDFRONT". */
  resourceType: string;
}

export interface LiveWebAcl extends WebAclIdentity {
  arn: string;
  /** The ACL's Rules, as GetWebACL returns them (statement trees as plain data). */
  rules: Record<string, unknown>[];
  /**
   * What the ACL protects: for a REGIONAL ACL the resources of the first resource type that has any (enough to know it
   * protects something), [] when no type has any; undefined when a listing failed first.
   */
  associations?: LiveWebAclAssociation[];
}

const WEB_ACL_TYPE = "AWS::WAFv2::WebACL";

/** Every resource type a REGIONAL Web ACL can protect; ListResourcesForWebACL answers for one type per call (ALB when none is given). */
export const REGIONAL_RESOURCE_TYPES: readonly ResourceType[] = ["APPLICATION_LOAD_BALANCER", "API_GATEWAY", "APPSYNC", "COGNITO_USER_POOL", "APP_RUNNER_SERVICE", "VERIFIED_ACCESS_INSTANCE"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The name, id and scope in a Web ACL's physical id ("name|id|scope") or ARN (arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID). */
export function parseWebAclPhysicalId(physicalId: string): WebAclIdentity | undefined {
  const parts = physicalId.split("|");
  if (parts.length === 3) {
    const [name, id, scope] = parts as [string, string, string];
    const upper = scope.toUpperCase();
    if (name && id && (upper === "REGIONAL" || upper === "CLOUDFRONT")) return { name, id, scope: upper };
    return undefined;
  }
  const arn = /^arn:[^:]+:wafv2:[^:]*:[^:]*:(regional|global)\/webacl\/([^/]+)\/([^/]+)$/.exec(physicalId);
  if (arn) return { name: arn[2]!, id: arn[3]!, scope: arn[1] === "global" ? "CLOUDFRONT" : "REGIONAL" };
  return undefined;
}

/** RuleGroupReferenceStatement ARNs anywhere in a statement tree. */
export function ruleGroupArnsOf(statement: unknown, found: string[] = []): string[] {
  if (!isRecord(statement)) return found;
  for (const [key, value] of Object.entries(statement)) {
    if (!key.endsWith("Statement") || !isRecord(value)) continue;
    if (key === "RuleGroupReferenceStatement" && typeof value.ARN === "string") found.push(value.ARN);
    if (Array.isArray(value.Statements)) for (const nested of value.Statements) ruleGroupArnsOf(nested, found);
    ruleGroupArnsOf(value.Statement, found);
    ruleGroupArnsOf(value.ScopeDownStatement, found);
  }
  return found;
}

function hasRateBasedStatement(statement: unknown): boolean {
  if (!isRecord(statement)) return false;
  return Object.entries(statement).some(([key, value]) => {
    if (!key.endsWith("Statement") || !isRecord(value)) return false;
    if (key === "RateBasedStatement") return true;
    return (Array.isArray(value.Statements) && value.Statements.some(hasRateBasedStatement)) || hasRateBasedStatement(value.Statement);
  });
}

/**
 * Reads WAFv2 Web ACLs of the stacks: GetWebACL (rules), the rule groups their rules reference (GetRuleGroup, for
 * rate-based rules inside them), and what each ACL protects: ListResourcesForWebACL once per regional resource type
 * for a REGIONAL ACL until one has resources, CloudFront's ListDistributionsByWebACLId for a CLOUDFRONT ACL (Amplify
 * apps are not listed).
 */
export class Wafv2Reader implements ServiceReader {
  static readonly service = "wafv2";
  /** CLOUDFRONT ACLs' distributions are listed by the CloudFront reader (cloudfront:ListDistributionsByWebACLId). */
  static readonly actions = ["wafv2:GetWebACL", "wafv2:GetRuleGroup", "wafv2:ListResourcesForWebACL"] as const;
  static readonly resourceTypes: readonly string[] = [WEB_ACL_TYPE];

  private readonly acls = new Map<string, LiveWebAcl>();
  private readonly requested = new Set<string>();
  private readonly ruleGroupReads = new Map<string, Promise<void>>();
  private readonly ruleGroupVerdicts = new Map<string, boolean | undefined>();
  private readonly client: WAFV2Client;

  constructor(private readonly session: LiveSession) {
    this.client = session.client(WAFV2Client);
  }

  async load(resources: readonly StackResource[]): Promise<void> {
    const ids = [
      ...new Set(resources.filter((resource) => resource.type === WEB_ACL_TYPE && resource.physicalId && resource.status !== "DELETE_COMPLETE").map((resource) => resource.physicalId!)),
    ].filter((id) => !this.requested.has(id));
    for (const id of ids) this.requested.add(id);
    await inParallel(ids, 8, (id) => this.read(id));
  }

  /** The Web ACL with this physical id ("name|id|scope"); undefined when it was not read or its read failed. */
  webAcl(physicalId: string): LiveWebAcl | undefined {
    return this.acls.get(physicalId);
  }

  /** Whether a rule group an ACL references (by ARN) holds a rate-based rule; undefined when its read failed. */
  ruleGroupHasRateBasedRule(arn: string): boolean | undefined {
    return this.ruleGroupVerdicts.get(arn);
  }

  private loadRuleGroup(arn: string): Promise<void> {
    let read = this.ruleGroupReads.get(arn);
    if (!read) {
      read = this.readRuleGroup(arn);
      this.ruleGroupReads.set(arn, read);
    }
    return read;
  }

  private async readRuleGroup(arn: string): Promise<void> {
    const result = await this.session.call("wafv2", "GetRuleGroup", () => this.clientFor(/:global\//.test(arn) ? "CLOUDFRONT" : "REGIONAL").send(new GetRuleGroupCommand({ ARN: arn })), { target: arn });
    let verdict: boolean | undefined;
    if (result.ok) {
      // No list is not "no rules": a rate-based rule in the group would go unseen.
      const rules: unknown = isRecord(result.value.RuleGroup) ? result.value.RuleGroup.Rules : undefined;
      if (!Array.isArray(rules)) this.session.fail("wafv2", "GetRuleGroup", "malformed-response", `GetRuleGroup returned no list of Rules for ${arn}`, arn);
      else verdict = rules.some((rule) => isRecord(rule) && hasRateBasedStatement(rule.Statement));
    }
    this.ruleGroupVerdicts.set(arn, verdict);
  }

  private async read(physicalId: string): Promise<void> {
    const identity = parseWebAclPhysicalId(physicalId);
    if (!identity) {
      this.session.fail("wafv2", "GetWebACL", "malformed-response", `the Web ACL's physical id ${JSON.stringify(physicalId)} is neither "name|id|scope" nor a WAFv2 ARN, so it cannot be read`, physicalId);
      return;
    }
    const result = await this.session.call(
      "wafv2",
      "GetWebACL",
      () => this.clientFor(identity.scope).send(new GetWebACLCommand({ Name: identity.name, Id: identity.id, Scope: identity.scope })),
      { target: physicalId },
    );
    if (!result.ok) return;
    const acl: unknown = result.value.WebACL;
    const malformed = (what: string) => this.session.fail("wafv2", "GetWebACL", "malformed-response", `GetWebACL for ${identity.name} returned ${what}`, physicalId);
    if (!isRecord(acl) || typeof acl.ARN !== "string") {
      malformed("no WebACL with an ARN");
      return;
    }
    const rules: unknown = acl.Rules;
    if (!Array.isArray(rules) || !rules.every(isRecord)) {
      // No list is not "no rules": a rate-based rule would go unseen.
      malformed(rules === undefined ? "no Rules list" : `Rules that are not a list of rules (${JSON.stringify(rules).slice(0, 300)})`);
      return;
    }
    const live: LiveWebAcl = { ...identity, arn: acl.ARN, rules };
    const groupArns = [...new Set(rules.flatMap((rule) => ruleGroupArnsOf(rule.Statement)))];
    const [associations] = await Promise.all([this.associationsOf(live, physicalId), ...groupArns.map((arn) => this.loadRuleGroup(arn))]);
    if (associations !== undefined) live.associations = associations;
    this.acls.set(physicalId, live);
  }

  /** CLOUDFRONT-scoped ACLs live in us-east-1, whatever region the stack was scanned in. */
  private clientFor(scope: WebAclScope): WAFV2Client {
    return scope === "CLOUDFRONT" && this.session.region !== "us-east-1" ? awsClient(WAFV2Client, { ...this.session.target, region: "us-east-1" }) : this.client;
  }

  private async associationsOf(acl: LiveWebAcl, physicalId: string): Promise<LiveWebAclAssociation[] | undefined> {
    if (acl.scope === "CLOUDFRONT") {
      const distributions = await this.session.reader(CloudFrontReader).distributionsUsingWebAcl(acl.arn, physicalId);
      return distributions?.map((distribution) => ({ resource: distribution.arn ?? `distribution/${distribution.id}`, resourceType: "CLOUDFRONT" }));
    }
    // One type after another, most common first: the first type with resources proves the ACL protects something,
    // and the first failed listing leaves the answer unknown (one error per ACL, not one per type).
    for (const resourceType of REGIONAL_RESOURCE_TYPES) {
      const result = await this.session.call(
        "wafv2",
        "ListResourcesForWebACL",
        () => this.client.send(new ListResourcesForWebACLCommand({ WebACLArn: acl.arn, ResourceType: resourceType })),
        { target: physicalId },
      );
      if (!result.ok) return undefined;
      // No list is not "protects nothing of this type": the ACL would read as unassociated.
      const arns: unknown = result.value.ResourceArns;
      if (!Array.isArray(arns) || !arns.every((arn) => typeof arn === "string")) {
        this.session.fail("wafv2", "ListResourcesForWebACL", "malformed-response", `ListResourcesForWebACL (${resourceType}) for ${acl.name} returned ${arns === undefined ? "no ResourceArns list" : "ResourceArns that are not a list of ARNs"}`, physicalId);
        return undefined;
      }
      if (arns.length > 0) return arns.map((arn: string) => ({ resource: arn, resourceType }));
    }
    return [];
  }
}
