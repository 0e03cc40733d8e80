import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  CloudFrontClient,
  CreateDistributionCommand,
  GetDistributionConfigCommand,
  ListDistributionsByWebACLIdCommand,
  type DistributionConfig,
  type Origin,
} from "@aws-sdk/client-cloudfront";
import { GetBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { bucketNameOfDomain, CloudFrontReader } from "../../shared/live/cloudfront.ts";
import { LiveSession } from "../../shared/live/session.ts";
import cloudfrontS3OriginWithoutOac from "../../shared/rules/cloudfront/cloudfront-s3-origin-without-oac.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { cloudFrontDistributionViews } from "../../shared/views/cloudfront-distribution.ts";
import { awsError, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const DIST_ARN = (id: string) => `arn:aws:cloudfront::111122223333:distribution/${id}`;

function s3Origin(id: string, bucket: string, extra: Partial<Origin> = {}): Origin {
  return { Id: id, DomainName: `${bucket}.s3.eu-west-1.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: "" }, OriginAccessControlId: "", ...extra } as Origin;
}

function config(origins: Origin[], extra: Partial<DistributionConfig> = {}): DistributionConfig {
  return { CallerReference: "ref", Comment: "", Enabled: true, Origins: { Quantity: origins.length, Items: origins }, WebACLId: "", ...extra } as DistributionConfig;
}

const TEMPLATE = `
Resources:
  Media:
    Type: AWS::S3::Bucket
  Assets:
    Type: AWS::S3::Bucket
  AssetsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Assets
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: cloudfront.amazonaws.com }
            Action: s3:GetObject
            Resource: !Sub "\${Assets.Arn}/*"
            Condition:
              StringEquals: { "AWS:SourceArn": !Sub "arn:aws:cloudfront::\${AWS::AccountId}:distribution/\${Private}" }
  Oac:
    Type: AWS::CloudFront::OriginAccessControl
    Properties:
      OriginAccessControlConfig: { Name: assets, OriginAccessControlOriginType: s3, SigningBehavior: always, SigningProtocol: sigv4 }
  PublicSite:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins:
          - Id: media
            DomainName: !GetAtt Media.RegionalDomainName
            S3OriginConfig: {}
        DefaultCacheBehavior: { TargetOriginId: media, ViewerProtocolPolicy: redirect-to-https }
  Private:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins:
          - Id: assets
            DomainName: !GetAtt Assets.RegionalDomainName
            OriginAccessControlId: !GetAtt Oac.Id
            S3OriginConfig: { OriginAccessIdentity: "" }
        DefaultCacheBehavior: { TargetOriginId: assets, ViewerProtocolPolicy: redirect-to-https }
`;

describe("CloudFrontReader against a mocked CloudFront", () => {
  let cloudfront: AwsClientStub<CloudFrontClient>;
  let s3: AwsClientStub<S3Client>;
  before(() => {
    cloudfront = mockClient(CloudFrontClient);
    s3 = mockClient(S3Client);
  });
  afterEach(() => {
    cloudfront.reset();
    s3.reset();
  });
  after(() => {
    cloudfront.restore();
    s3.restore();
  });

  it("reads each distribution once, treats empty OAC/OAI/WebACLId as absent, and reads the policy of buckets behind an OAC", async () => {
    cloudfront.on(GetDistributionConfigCommand, { Id: "E1" }).resolves({
      DistributionConfig: config([s3Origin("media", "media-bucket"), { Id: "api", DomainName: "abc123.execute-api.eu-west-1.amazonaws.com", CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only" } } as Origin], {
        WebACLId: "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/1111",
      }),
    });
    cloudfront.on(GetDistributionConfigCommand, { Id: "E2" }).resolves({
      DistributionConfig: config([s3Origin("assets", "assets-bucket", { OriginAccessControlId: "OAC1" }), s3Origin("legacy", "legacy-bucket", { S3OriginConfig: { OriginAccessIdentity: "origin-access-identity/cloudfront/EOAI" } })], { Enabled: false }),
    });
    s3.on(GetBucketPolicyCommand, { Bucket: "assets-bucket" }).resolves({ Policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::assets-bucket/*" }] }) });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(CloudFrontReader);
    const resources = [resource("Site", "AWS::CloudFront::Distribution", "E1"), resource("Private", "AWS::CloudFront::Distribution", "E2"), resource("Creating", "AWS::CloudFront::Distribution")];
    await reader.load(resources);
    await reader.load(resources);
    assert.equal(session.calls.get("cloudfront:GetDistributionConfig"), 2);
    assert.equal(session.calls.get("s3:GetBucketPolicy"), 1, "only the bucket read through an OAC needs its policy");
    assert.deepEqual(reader.distribution("E1"), {
      id: "E1",
      enabled: true,
      webAclId: "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/1111",
      origins: [
        { id: "media", domainName: "media-bucket.s3.eu-west-1.amazonaws.com", s3OriginConfig: true, customOriginConfig: false },
        { id: "api", domainName: "abc123.execute-api.eu-west-1.amazonaws.com", s3OriginConfig: false, customOriginConfig: true },
      ],
    });
    const e2 = reader.distribution("E2")!;
    assert.equal(e2.enabled, false);
    assert.equal(e2.webAclId, undefined);
    assert.equal(e2.origins[0]!.originAccessControlId, "OAC1");
    assert.equal(e2.origins[1]!.originAccessIdentity, "origin-access-identity/cloudfront/EOAI");
    assert.deepEqual(session.failures, []);
  });

  it("records access denied, throttling, a deleted distribution and malformed answers, and reads the rest", async () => {
    cloudfront.on(GetDistributionConfigCommand, { Id: "DENIED" }).rejects(awsError("AccessDenied", 403, "not authorized to perform cloudfront:GetDistributionConfig"));
    cloudfront.on(GetDistributionConfigCommand, { Id: "BUSY" }).rejects(awsError("Throttling", 400, "Rate exceeded"));
    cloudfront.on(GetDistributionConfigCommand, { Id: "GONE" }).rejects(awsError("NoSuchDistribution", 404, "The specified distribution does not exist."));
    cloudfront.on(GetDistributionConfigCommand, { Id: "NOORIGINS" }).resolves({ DistributionConfig: { Enabled: true } as DistributionConfig });
    cloudfront.on(GetDistributionConfigCommand, { Id: "ODDENABLED" }).resolves({ DistributionConfig: config([s3Origin("a", "b")], { Enabled: "yes" as unknown as boolean }) });
    cloudfront.on(GetDistributionConfigCommand, { Id: "FINE" }).resolves({ DistributionConfig: config([s3Origin("a", "b")]) });
    const session = new LiveSession({ region: "eu-west-1" });
    const reader = session.reader(CloudFrontReader);
    await reader.load(["DENIED", "BUSY", "GONE", "NOORIGINS", "ODDENABLED", "FINE"].map((id) => resource(id, "AWS::CloudFront::Distribution", id)));
    const kinds = Object.fromEntries(session.failures.map((failure) => [failure.target, failure.kind]));
    assert.deepEqual(kinds, { DENIED: "access-denied", BUSY: "throttled", GONE: "not-found", NOORIGINS: "malformed-response", ODDENABLED: "malformed-response" });
    assert.match(session.failures.find((failure) => failure.target === "DENIED")!.message, /grant cloudfront:GetDistributionConfig/);
    assert.ok(reader.distribution("FINE"));
    for (const id of ["DENIED", "BUSY", "GONE", "NOORIGINS", "ODDENABLED"]) assert.equal(reader.distribution(id), undefined, id);
  });

  it("lists the distributions using a Web ACL over every page, once per ACL", async () => {
    const acl = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/1111";
    cloudfront.on(ListDistributionsByWebACLIdCommand, { WebACLId: acl }).resolves({
      DistributionList: { Marker: "", NextMarker: "page2", IsTruncated: true, MaxItems: 1, Quantity: 1, Items: [{ Id: "E1", ARN: DIST_ARN("E1") } as never] },
    });
    cloudfront.on(ListDistributionsByWebACLIdCommand, { WebACLId: acl, Marker: "page2" }).resolves({
      DistributionList: { Marker: "page2", IsTruncated: false, MaxItems: 1, Quantity: 1, Items: [{ Id: "E2", ARN: DIST_ARN("E2") } as never] },
    });
    cloudfront.on(ListDistributionsByWebACLIdCommand, { WebACLId: "unused" }).resolves({ DistributionList: { Marker: "", IsTruncated: false, MaxItems: 100, Quantity: 0 } });
    const session = new LiveSession({ region: "us-east-1" });
    const reader = session.reader(CloudFrontReader);
    assert.deepEqual(await reader.distributionsUsingWebAcl(acl), [
      { id: "E1", arn: DIST_ARN("E1") },
      { id: "E2", arn: DIST_ARN("E2") },
    ]);
    await reader.distributionsUsingWebAcl(acl);
    assert.deepEqual(await reader.distributionsUsingWebAcl("unused"), []);
    assert.equal(session.calls.get("cloudfront:ListDistributionsByWebACLId"), 3);
  });

  it("names the bucket of S3 REST and website domains", () => {
    assert.equal(bucketNameOfDomain("media.s3.eu-west-1.amazonaws.com"), "media");
    assert.equal(bucketNameOfDomain("my.dotted.bucket.s3.amazonaws.com"), "my.dotted.bucket");
    assert.equal(bucketNameOfDomain("site.s3-website-eu-west-1.amazonaws.com"), "site");
    assert.equal(bucketNameOfDomain("site.s3-website.eu-west-1.amazonaws.com"), "site");
    assert.equal(bucketNameOfDomain("abc.execute-api.eu-west-1.amazonaws.com"), undefined);
  });

  it("builds live views and judges them: a missing OAC and a bucket policy loosened out of band are live findings; the tight twin stays quiet", async () => {
    cloudfront.on(GetDistributionConfigCommand, { Id: "EPUBLIC" }).resolves({ DistributionConfig: config([s3Origin("media", "app-media")]) });
    cloudfront.on(GetDistributionConfigCommand, { Id: "EPRIVATE" }).resolves({ DistributionConfig: config([s3Origin("assets", "app-assets", { OriginAccessControlId: "OAC1" })]) });
    cloudfront.on(GetDistributionConfigCommand, { Id: "ETIGHT" }).resolves({ DistributionConfig: config([s3Origin("assets", "app-tight", { OriginAccessControlId: "OAC2" })]) });
    cloudfront.on(GetDistributionConfigCommand, { Id: "EWEBSITE" }).resolves({
      DistributionConfig: config([{ Id: "site", DomainName: "app-site.s3-website-eu-west-1.amazonaws.com", CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "http-only" } } as Origin]),
    });
    const grant = (bucket: string, condition?: Record<string, unknown>) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*`, ...(condition ? { Condition: condition } : {}) }] });
    s3.on(GetBucketPolicyCommand, { Bucket: "app-assets" }).resolves({ Policy: grant("app-assets") });
    s3.on(GetBucketPolicyCommand, { Bucket: "app-tight" }).resolves({ Policy: grant("app-tight", { StringEquals: { "AWS:SourceArn": DIST_ARN("ETIGHT") } }) });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [
      resource("Media", "AWS::S3::Bucket", "app-media"),
      resource("Assets", "AWS::S3::Bucket", "app-assets"),
      resource("PublicSite", "AWS::CloudFront::Distribution", "EPUBLIC"),
      resource("Private", "AWS::CloudFront::Distribution", "EPRIVATE"),
      resource("Tight", "AWS::CloudFront::Distribution", "ETIGHT"),
      resource("Website", "AWS::CloudFront::Distribution", "EWEBSITE"),
    ]);
    await session.reader(CloudFrontReader).load(stack.resources);

    const views = new Map(cloudFrontDistributionViews.fromLive!(stack).map((view) => [view.logicalId, view]));
    assert.equal(views.size, 4);
    const media = views.get("PublicSite")!.origins![0]!;
    assert.deepEqual([media.kind, media.bucket, media.bucketName, media.originAccessControlId, media.cloudFrontReadGrants], ["s3", "Media", "app-media", undefined, undefined]);
    assert.equal(views.get("PublicSite")!.physicalId, "EPUBLIC");
    assert.equal(views.get("PublicSite")!.at, undefined);
    assert.deepEqual(views.get("Private")!.origins![0]!.cloudFrontReadGrants?.map((grant) => grant.limited), [false]);
    assert.deepEqual(views.get("Tight")!.origins![0]!.cloudFrontReadGrants?.map((grant) => grant.limited), [true]);
    assert.equal(views.get("Website")!.origins![0]!.kind, "s3-website");

    const result = judgeLiveStack(stack, parseTemplate(TEMPLATE), { rules: [cloudfrontS3OriginWithoutOac] });
    assert.deepEqual(result.errors, []);
    const live = result.findings.filter((finding) => finding.source === "live");
    assert.deepEqual(
      live.map((finding) => [finding.resource.logicalId, finding.resource.physicalId, finding.evidence.alsoInTemplate ?? false]).sort(),
      [
        ["Private", "EPRIVATE", false],
        ["PublicSite", "EPUBLIC", true],
        ["Website", "EWEBSITE", false],
      ],
    );
    assert.match(live.find((finding) => finding.resource.logicalId === "Private")!.message, /bucket Assets.*no aws:SourceArn/);
    assert.equal(result.findings.length, live.length, "the template's only flaw is the one also found live");
  });
});

describe("CloudFrontReader against moto", () => {
  const moto = motoForTests();

  it("reads a distribution created through the CloudFront API and judges its S3 origin", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const client = new CloudFrontClient(motoClientConfig(server.endpoint));
    const created = await client.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: "stackwarden-test",
          Comment: "",
          Enabled: true,
          Origins: { Quantity: 1, Items: [{ Id: "media", DomainName: "moto-media.s3.us-east-1.amazonaws.com", S3OriginConfig: { OriginAccessIdentity: "" } }] },
          DefaultCacheBehavior: { TargetOriginId: "media", ViewerProtocolPolicy: "redirect-to-https", ForwardedValues: { QueryString: false, Cookies: { Forward: "none" } }, MinTTL: 0, TrustedSigners: { Enabled: false, Quantity: 0 } },
        },
      }),
    );
    const id = created.Distribution!.Id!;
    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const stack = handStack(session, [resource("Media", "AWS::CloudFront::Distribution", id), resource("Gone", "AWS::CloudFront::Distribution", "EDOESNOTEXIST")]);
    await session.reader(CloudFrontReader).load(stack.resources);
    const [view, ...others] = cloudFrontDistributionViews.fromLive!(stack);
    assert.equal(others.length, 0);
    assert.equal(view!.physicalId, id);
    assert.equal(view!.origins![0]!.kind, "s3");
    assert.equal(view!.origins![0]!.bucketName, "moto-media");
    assert.deepEqual(session.failures.map((failure) => [failure.kind, failure.target]), [["not-found", "EDOESNOTEXIST"]]);
    const findings = judgeLiveStack(stack, undefined, { rules: [cloudfrontS3OriginWithoutOac] }).findings;
    assert.deepEqual(findings.map((finding) => [finding.resource.logicalId, finding.source, finding.resource.physicalId]), [["Media", "live", id]]);
  });
});
