import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { cloudTrailTrailViews } from "../../shared/views/cloudtrail-trail.ts";

const TEMPLATE = `
Parameters:
  BucketWithoutDefault:
    Type: String
Resources:
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "trail-\${AWS::AccountId}"
  Key:
    Type: AWS::KMS::Key
  Defaults:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: !Ref Logs
  Explicit:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: "false"
      IsMultiRegionTrail: true
      EnableLogFileValidation: "True"
      IsOrganizationTrail: false
      KMSKeyId: !GetAtt Key.Arn
      S3KeyPrefix: audit
      S3BucketName: trail-123456789012
  Outside:
    Type: AWS::CloudTrail::Trail
    Properties:
      IsLogging: true
      S3BucketName: !Ref BucketWithoutDefault
`;

test("applies CloudFormation's defaults, keeps what the template sets, and finds the delivery bucket by Ref or name", () => {
  const [resolved] = resolveTemplate(parseTemplate(TEMPLATE));
  const views = new Map(cloudTrailTrailViews.fromTemplate(resolved!).map((view) => [view.logicalId, view]));
  const defaults = views.get("Defaults")!;
  assert.equal(defaults.multiRegion, false);
  assert.equal(defaults.logFileValidation, false);
  assert.equal(defaults.kmsKeyId, undefined);
  assert.equal(defaults.logging, true);
  assert.deepEqual(defaults.defaulted, ["multiRegion", "logFileValidation", "organizationTrail"]);
  assert.equal(defaults.bucketLogicalId, "Logs");
  const explicit = views.get("Explicit")!;
  assert.equal(explicit.multiRegion, true);
  assert.equal(explicit.logFileValidation, true);
  assert.equal(explicit.logging, false);
  assert.equal(String(explicit.kmsKeyId), "${Key.Arn}");
  assert.equal(explicit.s3KeyPrefix, "audit");
  assert.deepEqual(explicit.defaulted, []);
  assert.equal(explicit.bucketLogicalId, "Logs");
  assert.deepEqual(explicit.paths.multiRegion, ["Resources", "Explicit", "Properties", "IsMultiRegionTrail"]);
  assert.equal(views.get("Outside")!.bucketLogicalId, undefined);
});
