import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { Composite, display, isRecord, isUnknown, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { conditionKeys, readPolicyDocument, statementCovers } from "./policy-document.ts";
import { pointsAt, recordAt } from "./references.ts";
import { bucketNameOfDomain, CloudFrontReader, type LiveCloudFrontOrigin } from "../live/cloudfront.ts";
import { S3Reader } from "../live/s3.ts";
import type { LiveScope } from "../live/session.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

export interface CloudFrontOrigin {
  id?: string;
  /** As the template gives it (a string, `${Bucket.RegionalDomainName}`, a Composite). */
  domainName: unknown;
  /**
   * "s3": an S3 REST endpoint (S3OriginConfig, or a bucket domain name); "s3-website": an S3 static-website endpoint
   * (always a custom origin, and the bucket must allow public reads); "custom": anything else; "unknown": not fixed.
   */
  kind: "s3" | "s3-website" | "custom" | "unknown";
  /** Logical id of the template bucket the origin reads from, when it names one (live: a bucket of the same stack). */
  bucket?: string;
  /** Live: the bucket name read from an S3 domain name. */
  bucketName?: string;
  /** Present when the origin uses an origin access control (the current mechanism). */
  originAccessControlId?: unknown;
  /** Present (and not empty) when the origin uses a legacy origin access identity. */
  originAccessIdentity?: unknown;
  /**
   * The bucket policy's Allow statements that let the CloudFront service principal read objects (what OAC relies on),
   * each with whether a condition ties it to a distribution or account (aws:SourceArn / aws:SourceAccount).
   * undefined when the bucket or its policy is not known.
   */
  cloudFrontReadGrants?: { limited: boolean; at: TemplatePath }[];
  at: TemplatePath;
}

export interface CloudFrontDistributionView extends ResourceView {
  enabled?: boolean;
  /** WAF Web ACL: a WAFv2 ARN or a classic WAF id. */
  webAclId?: unknown;
  /** undefined when the template does not fix the origin list. */
  origins: CloudFrontOrigin[] | undefined;
}

const S3_REST_DOMAIN = /\.s3([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?$|\.s3\.dualstack\.[a-z0-9-]+\.amazonaws\.com$/i;

/** The bucket a domain name is built from, and whether it is the bucket's website endpoint. */
function bucketDomain(domain: unknown, template: ResolvedTemplate): { bucket: string; website: boolean } | undefined {
  const isBucket = (logicalId: string) => template.resources.get(logicalId)?.type === "AWS::S3::Bucket";
  if (domain instanceof ResourceAttribute && isBucket(domain.logicalId)) {
    if (/DomainName$/.test(domain.attribute)) return { bucket: domain.logicalId, website: false };
    if (domain.attribute === "WebsiteURL") return { bucket: domain.logicalId, website: true };
  }
  if (domain instanceof Composite) {
    const symbol = domain.symbols.find((part) => (part instanceof ResourceRef || part instanceof ResourceAttribute) && isBucket(part.logicalId));
    if (symbol && (symbol instanceof ResourceRef || symbol instanceof ResourceAttribute)) {
      const text = String(domain);
      if (/s3-website/i.test(text) || (symbol instanceof ResourceAttribute && symbol.attribute === "WebsiteURL")) return { bucket: symbol.logicalId, website: true };
      if (/\.s3[.-]/i.test(text) || (symbol instanceof ResourceAttribute && /DomainName$/.test(symbol.attribute))) return { bucket: symbol.logicalId, website: false };
    }
  }
  return undefined;
}

/**
 * The bucket attribute an origin's DomainName is cut from as written, for the forms the resolver cannot follow:
 * `!Select [2, !Split ["/", !GetAtt Bucket.WebsiteURL]]` resolves to Unknown.
 */
function writtenBucketAttribute(rawDomain: unknown, template: ResolvedTemplate): { bucket: string; website: boolean } | undefined {
  const found: { bucket: string; website: boolean }[] = [];
  const note = (logicalId: unknown, attribute: unknown) => {
    if (typeof logicalId !== "string" || typeof attribute !== "string") return;
    if (template.resources.get(logicalId)?.type !== "AWS::S3::Bucket") return;
    if (attribute === "WebsiteURL") found.push({ bucket: logicalId, website: true });
    else if (/DomainName$/.test(attribute)) found.push({ bucket: logicalId, website: false });
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isRecord(node)) return;
    const getAtt = node["Fn::GetAtt"];
    if (typeof getAtt === "string") note(getAtt.split(".")[0], getAtt.split(".").slice(1).join("."));
    else if (Array.isArray(getAtt)) note(getAtt[0], getAtt[1]);
    Object.values(node).forEach(walk);
  };
  walk(rawDomain);
  return found.length === 1 ? found[0] : undefined;
}

function originKind(origin: Record<string, unknown>, rawOrigin: Record<string, unknown> | undefined, template: ResolvedTemplate): Pick<CloudFrontOrigin, "kind" | "bucket"> {
  const domain = origin.DomainName;
  const bucket = bucketDomain(domain, template) ?? (isUnknown(domain) && rawOrigin ? writtenBucketAttribute(rawOrigin.DomainName, template) : undefined);
  if (bucket) return { kind: bucket.website ? "s3-website" : "s3", bucket: bucket.bucket };
  const declaresS3 = "S3OriginConfig" in origin;
  const text = stringValue(domain) ?? (domain instanceof Composite ? String(domain) : undefined);
  if (text !== undefined) {
    if (/s3-website/i.test(text)) return { kind: "s3-website" };
    if (S3_REST_DOMAIN.test(text) || /\.s3[.-][^}]*amazonaws\.com/i.test(text)) return { kind: "s3" };
    // A domain with a literal host part of its own (".execute-api.", ".elb.", "example.com") is not a bucket.
    const literalPart = domain instanceof Composite ? domain.parts.filter((part): part is string => typeof part === "string").join("") : text;
    if (literalPart.includes(".")) return { kind: "custom" };
  }
  if (domain instanceof ResourceRef || domain instanceof ResourceAttribute) {
    if (template.resources.has(domain.logicalId)) return { kind: "custom" };
  }
  if (declaresS3) return { kind: "s3" };
  if ("CustomOriginConfig" in origin) return { kind: "custom" };
  return { kind: "unknown" };
}

const CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com";
const SOURCE_KEYS = new Set(["aws:sourcearn", "aws:sourceaccount"]);

/** The Allow statements of a policy that let the CloudFront service read objects, and whether each is tied to a distribution or account. */
function cloudFrontGrantsIn(document: unknown, at: TemplatePath): { limited: boolean; at: TemplatePath }[] {
  return readPolicyDocument(document, at)
    .statements.filter((statement) => statement.effect === "Allow" && statementCovers(statement, "s3:GetObject"))
    .filter((statement) => statement.principals?.service.some((service) => stringValue(service) === CLOUDFRONT_SERVICE))
    .map((statement) => ({ limited: conditionKeys(statement).some((key) => SOURCE_KEYS.has(key)), at: statement.at }));
}

/** Read grants to the CloudFront service in the template's policies of `bucket`; undefined when no policy names it. */
function cloudFrontReadGrants(bucket: string, template: ResolvedTemplate): CloudFrontOrigin["cloudFrontReadGrants"] {
  const policies = resourcesOfType(template, "AWS::S3::BucketPolicy").filter((policy) => pointsAt(policy.properties.Bucket, bucket));
  if (policies.length === 0) return undefined;
  return policies.flatMap((policy) => cloudFrontGrantsIn(policy.properties.PolicyDocument, propertyPath(policy.logicalId, "PolicyDocument")));
}

function liveOriginKind(origin: LiveCloudFrontOrigin): CloudFrontOrigin["kind"] {
  if (/\.s3-website[.-]/i.test(origin.domainName)) return "s3-website";
  if (origin.s3OriginConfig || S3_REST_DOMAIN.test(origin.domainName)) return "s3";
  return "custom";
}

export const cloudFrontDistributionViews = defineView<CloudFrontDistributionView>({
  name: "cloudfront-distribution",
  fromTemplate(template: ResolvedTemplate) {
    return resourcesOfType(template, "AWS::CloudFront::Distribution").map((distribution) => {
      const { logicalId } = distribution;
      const config = recordAt(distribution.properties, "DistributionConfig");
      const view: CloudFrontDistributionView = { logicalId, type: distribution.type, at: ["Resources", logicalId], origins: undefined };
      const enabled = config.Enabled;
      if (typeof enabled === "boolean" || typeof enabled === "string") view.enabled = /^true$/i.test(String(enabled));
      if (config.WebACLId !== undefined) view.webAclId = config.WebACLId;
      const origins = config.Origins;
      const rawConfig = recordAt(recordAt(distribution.raw, "Properties"), "DistributionConfig");
      const rawOriginsById = new Map<string, Record<string, unknown>>();
      for (const rawOrigin of Array.isArray(rawConfig.Origins) ? rawConfig.Origins : []) {
        if (isRecord(rawOrigin) && typeof rawOrigin.Id === "string") rawOriginsById.set(rawOrigin.Id, rawOrigin);
      }
      if (Array.isArray(origins) || origins === undefined) {
        view.origins = (origins ?? []).flatMap((origin, index) => {
          if (!isRecord(origin)) return [];
          const entry: CloudFrontOrigin = {
            domainName: origin.DomainName,
            ...originKind(origin, rawOriginsById.get(stringValue(origin.Id) ?? ""), template),
            at: propertyPath(logicalId, "DistributionConfig", "Origins", index),
          };
          const id = stringValue(origin.Id);
          if (id !== undefined) entry.id = id;
          const oac = origin.OriginAccessControlId;
          if (oac !== undefined && stringValue(oac) !== "") entry.originAccessControlId = oac;
          const oai = recordAt(origin, "S3OriginConfig").OriginAccessIdentity;
          if (oai !== undefined && stringValue(oai) !== "") entry.originAccessIdentity = oai;
          if (entry.bucket !== undefined) {
            const grants = cloudFrontReadGrants(entry.bucket, template);
            if (grants !== undefined) entry.cloudFrontReadGrants = grants;
          }
          return [entry];
        });
      }
      return view;
    });
  },

  fromLive(scope: LiveScope) {
    if (scope.scope !== "stack") return [];
    const reader = scope.session.reader(CloudFrontReader);
    const buckets = scope.session.reader(S3Reader);
    const bucketLogicalIds = new Map(liveResourcesOfType(scope, "AWS::S3::Bucket").map((bucket) => [bucket.physicalId, bucket.logicalId]));
    return liveResourcesOfType(scope, "AWS::CloudFront::Distribution").flatMap((resource) => {
      const distribution = reader.distribution(resource.physicalId);
      if (!distribution) return [];
      const at: TemplatePath = ["Resources", resource.logicalId];
      const view: CloudFrontDistributionView = {
        logicalId: resource.logicalId,
        type: resource.type,
        physicalId: distribution.id,
        enabled: distribution.enabled,
        origins: distribution.origins.map((origin) => {
          const entry: CloudFrontOrigin = { id: origin.id, domainName: origin.domainName, kind: liveOriginKind(origin), at };
          const bucketName = entry.kind === "custom" ? undefined : bucketNameOfDomain(origin.domainName);
          if (bucketName !== undefined) {
            entry.bucketName = bucketName;
            const logicalId = bucketLogicalIds.get(bucketName);
            if (logicalId !== undefined) entry.bucket = logicalId;
            const policy = buckets.bucket(bucketName)?.policy;
            // null: the bucket has no policy, so it grants CloudFront nothing; undefined: not read.
            if (policy === null) entry.cloudFrontReadGrants = [];
            else if (policy !== undefined) entry.cloudFrontReadGrants = cloudFrontGrantsIn(policy, at);
          }
          if (origin.originAccessControlId !== undefined) entry.originAccessControlId = origin.originAccessControlId;
          if (origin.originAccessIdentity !== undefined) entry.originAccessIdentity = origin.originAccessIdentity;
          return entry;
        }),
      };
      if (distribution.webAclId !== undefined) view.webAclId = distribution.webAclId;
      return [view];
    });
  },
});

/** How an origin is named in messages: its Id, else its domain. */
export function originName(origin: CloudFrontOrigin): string {
  return origin.id ?? display(origin.domainName);
}
