import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { CloudFrontClient, GetDistributionConfigCommand, type DistributionConfig } from "@aws-sdk/client-cloudfront";
import { GetBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { CloudFrontReader } from "../../shared/live/cloudfront.ts";
import { LiveSession } from "../../shared/live/session.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { cloudFrontDistributionViews, type CloudFrontDistributionView } from "../../shared/views/cloudfront-distribution.ts";
import { handStack, resource } from "../live/hand-stack.ts";

const WEB_ACL = "arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/1111";
const POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::app-assets/*",
      Condition: { StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1" } },
    },
  ],
};

const TEMPLATE = `
Resources:
  Assets:
    Type: AWS::S3::Bucket
    Properties: { BucketName: app-assets }
  AssetsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Assets
      PolicyDocument: ${JSON.stringify(POLICY)}
  Site:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        WebACLId: ${WEB_ACL}
        Origins:
          - Id: assets
            DomainName: app-assets.s3.eu-west-1.amazonaws.com
            OriginAccessControlId: OAC1
            S3OriginConfig: { OriginAccessIdentity: "" }
          - Id: api
            DomainName: api.example.com
            CustomOriginConfig: { OriginProtocolPolicy: https-only }
        DefaultCacheBehavior: { TargetOriginId: assets, ViewerProtocolPolicy: redirect-to-https }
`;

function comparable(view: CloudFrontDistributionView) {
  return {
    logicalId: view.logicalId,
    enabled: view.enabled,
    webAclId: view.webAclId,
    origins: view.origins?.map((origin) => ({
      id: origin.id,
      domainName: origin.domainName,
      kind: origin.kind,
      bucket: origin.bucket,
      originAccessControlId: origin.originAccessControlId,
      originAccessIdentity: origin.originAccessIdentity,
      grants: origin.cloudFrontReadGrants?.map((grant) => grant.limited),
    })),
  };
}

describe("CloudFront distribution views: template and live agree on an unchanged stack", () => {
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

  it("builds the same origins, OAC, Web ACL and bucket-policy grants from the template and from the API", async () => {
    cloudfront.on(GetDistributionConfigCommand).resolves({
      DistributionConfig: {
        CallerReference: "r",
        Comment: "",
        Enabled: true,
        WebACLId: WEB_ACL,
        Origins: {
          Quantity: 2,
          Items: [
            { Id: "assets", DomainName: "app-assets.s3.eu-west-1.amazonaws.com", OriginAccessControlId: "OAC1", S3OriginConfig: { OriginAccessIdentity: "" } },
            { Id: "api", DomainName: "api.example.com", OriginAccessControlId: "", CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only" } },
          ],
        },
      } as DistributionConfig,
    });
    s3.on(GetBucketPolicyCommand, { Bucket: "app-assets" }).resolves({ Policy: JSON.stringify(POLICY) });
    const session = new LiveSession({ region: "eu-west-1" });
    const stack = handStack(session, [resource("Assets", "AWS::S3::Bucket", "app-assets"), resource("AssetsPolicy", "AWS::S3::BucketPolicy", "app-assets"), resource("Site", "AWS::CloudFront::Distribution", "E1")]);
    await session.reader(CloudFrontReader).load(stack.resources);
    const [resolved] = resolveTemplate(parseTemplate(TEMPLATE));
    const [templateView] = cloudFrontDistributionViews.fromTemplate(resolved!);
    const [liveView] = cloudFrontDistributionViews.fromLive!(stack);
    // A literal domain in the template does not name the template's bucket; live, the stack's bucket of that name is found.
    assert.equal(templateView!.origins![0]!.bucket, undefined);
    assert.equal(liveView!.origins![0]!.bucket, "Assets");
    const withoutBucket = (view: CloudFrontDistributionView) => ({ ...comparable(view), origins: comparable(view).origins?.map((origin) => ({ ...origin, bucket: undefined, grants: undefined })) });
    assert.deepEqual(withoutBucket(liveView!), withoutBucket(templateView!));
    assert.deepEqual(comparable(liveView!).origins!.map((origin) => origin.grants), [[true], undefined]);
  });
});
