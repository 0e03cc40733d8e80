import { CloudFrontClient, GetDistributionConfigCommand, ListDistributionsByWebACLIdCommand } from "@aws-sdk/client-cloudfront";
import { S3Reader } from "./s3.ts";
import { inParallel, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** One origin of a distribution, as GetDistributionConfig gives it. */
export interface LiveCloudFrontOrigin {
  id: string;
  domainName: string;
  /** The origin is declared as an S3 origin (S3OriginConfig), whatever its domain. */
  s3OriginConfig: boolean;
  /** The origin is declared as a custom origin (CustomOriginConfig). */
  customOriginConfig: boolean;
  /** "origin-access-identity/cloudfront/ID"; undefined when empty or absent. */
  originAccessIdentity?: string;
  /** undefined when empty or absent. */
  originAccessControlId?: string;
}

export interface LiveDistribution {
  id: string;
  enabled: boolean;
  /** A WAFv2 Web ACL ARN or a classic WAF id; undefined when the distribution has none. */
  webAclId?: string;
  origins: LiveCloudFrontOrigin[];
}

/** A distribution a Web ACL protects, as ListDistributionsByWebACLId lists it. */
export interface DistributionSummary {
  id: string;
  arn?: string;
}

const DISTRIBUTION_TYPE = "AWS::CloudFront::Distribution";

/** The bucket name at the front of an S3 REST or website domain ("media.s3.eu-west-1.amazonaws.com" -> "media"). */
export function bucketNameOfDomain(domain: string): string | undefined {
  return /^(.+?)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/i.exec(domain)?.[1];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalText(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * Reads CloudFront distributions (the stack's AWS::CloudFront::Distribution physical id is the distribution id): one
 * GetDistributionConfig per distribution; and, for the WAFv2 reader, the distributions that use a Web ACL
 * (ListDistributionsByWebACLId). The policies of buckets read through an origin access control come from the S3
 * reader. CloudFront is global: its endpoint signs in us-east-1 whatever the session's region.
 */
export class CloudFrontReader implements ServiceReader {
  static readonly service = "cloudfront";
  static readonly actions = ["cloudfront:GetDistributionConfig", "cloudfront:ListDistributionsByWebACLId"] as const;
  static readonly resourceTypes: readonly string[] = [DISTRIBUTION_TYPE];

  private readonly distributions = new Map<string, LiveDistribution>();
  private readonly requested = new Set<string>();
  private readonly byWebAcl = new Map<string, Promise<DistributionSummary[] | undefined>>();
  private readonly client: CloudFrontClient;

  constructor(private readonly session: LiveSession) {
    this.client = session.client(CloudFrontClient);
  }

  async load(resources: readonly StackResource[]): Promise<void> {
    const ids = [
      ...new Set(resources.filter((resource) => resource.type === DISTRIBUTION_TYPE && resource.physicalId && resource.status !== "DELETE_COMPLETE").map((resource) => resource.physicalId!)),
    ].filter((id) => !this.requested.has(id));
    for (const id of ids) this.requested.add(id);
    await inParallel(ids, 8, (id) => this.read(id));
    // An origin access control is only as tight as the bucket policy's grant to cloudfront.amazonaws.com.
    const buckets = ids.flatMap((id) => (this.distributions.get(id)?.origins ?? []).filter((origin) => origin.originAccessControlId !== undefined).map((origin) => bucketNameOfDomain(origin.domainName)));
    const names = buckets.filter((name): name is string => name !== undefined);
    if (names.length > 0) await this.session.reader(S3Reader).loadPolicies(names);
  }

  /** The distribution with this id; undefined when it was not read, no longer exists or its read failed. */
  distribution(id: string): LiveDistribution | undefined {
    return this.distributions.get(id);
  }

  /**
   * The distributions whose WebACLId is this Web ACL (its ARN for WAFv2), every page; undefined when the listing
   * failed (recorded). Asked once per ACL per scan.
   */
  distributionsUsingWebAcl(webAclId: string, target?: string): Promise<DistributionSummary[] | undefined> {
    let listing = this.byWebAcl.get(webAclId);
    if (!listing) {
      listing = this.listByWebAcl(webAclId, target ?? webAclId);
      this.byWebAcl.set(webAclId, listing);
    }
    return listing;
  }

  private async listByWebAcl(webAclId: string, target: string): Promise<DistributionSummary[] | undefined> {
    const pages = await this.session.paginate(
      "cloudfront",
      "ListDistributionsByWebACLId",
      (marker) => this.client.send(new ListDistributionsByWebACLIdCommand({ WebACLId: webAclId, ...(marker ? { Marker: marker } : {}) })),
      (page) => (page.DistributionList?.IsTruncated ? page.DistributionList.NextMarker : undefined),
      { target },
    );
    if (!pages) return undefined;
    const found: DistributionSummary[] = [];
    for (const page of pages) {
      // CloudFront leaves Items out of an empty list, and only then: without a count of 0 the list is a half answer.
      const list: unknown = page.DistributionList;
      const items: unknown = isRecord(list) ? (list.Quantity === 0 && list.Items === undefined ? [] : list.Items) : undefined;
      if (!Array.isArray(items)) {
        this.session.fail("cloudfront", "ListDistributionsByWebACLId", "malformed-response", `ListDistributionsByWebACLId returned no DistributionList with Items (nor a Quantity of 0) for ${webAclId}`, target);
        return undefined;
      }
      for (const item of items) {
        if (!isRecord(item) || typeof item.Id !== "string") {
          this.session.fail("cloudfront", "ListDistributionsByWebACLId", "malformed-response", `ListDistributionsByWebACLId returned a distribution without an Id for ${webAclId}`, target);
          return undefined;
        }
        found.push({ id: item.Id, ...(typeof item.ARN === "string" ? { arn: item.ARN } : {}) });
      }
    }
    return found;
  }

  private async read(id: string): Promise<void> {
    const result = await this.session.call("cloudfront", "GetDistributionConfig", () => this.client.send(new GetDistributionConfigCommand({ Id: id })), { target: id });
    if (!result.ok) return;
    const config: unknown = result.value.DistributionConfig;
    const malformed = (what: string) => this.session.fail("cloudfront", "GetDistributionConfig", "malformed-response", `GetDistributionConfig for distribution ${id} returned ${what}`, id);
    if (!isRecord(config)) {
      malformed("no DistributionConfig");
      return;
    }
    if (typeof config.Enabled !== "boolean") {
      malformed(`an Enabled that is not a boolean (${JSON.stringify(config.Enabled)})`);
      return;
    }
    const items: unknown = isRecord(config.Origins) ? config.Origins.Items : undefined;
    if (!Array.isArray(items)) {
      malformed("no Origins.Items list (every distribution has at least one origin)");
      return;
    }
    const origins: LiveCloudFrontOrigin[] = [];
    for (const item of items) {
      if (!isRecord(item) || typeof item.Id !== "string" || typeof item.DomainName !== "string") {
        malformed(`an origin without Id or DomainName (${JSON.stringify(item)})`);
        return;
      }
      const origin: LiveCloudFrontOrigin = { id: item.Id, domainName: item.DomainName, s3OriginConfig: isRecord(item.S3OriginConfig), customOriginConfig: isRecord(item.CustomOriginConfig) };
      const identity = isRecord(item.S3OriginConfig) ? optionalText(item.S3OriginConfig.OriginAccessIdentity) : undefined;
      if (identity !== undefined) origin.originAccessIdentity = identity;
      const control = optionalText(item.OriginAccessControlId);
      if (control !== undefined) origin.originAccessControlId = control;
      origins.push(origin);
    }
    const distribution: LiveDistribution = { id, enabled: config.Enabled, origins };
    const webAclId = optionalText(config.WebACLId);
    if (webAclId !== undefined) distribution.webAclId = webAclId;
    this.distributions.set(id, distribution);
  }
}
