import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "template-unresolved-reference";

test("flags Ref, GetAtt, Sub, DependsOn, Condition, Fn::If, references to resources a condition leaves out and unknown types, once each", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  const messages = findings.map((finding) => finding.message);
  const expected = [
    /^Bucket: DependsOn names LoggingBucket, which is not a resource of this template$/,
    /^Bucket: condition IsProduction is not declared in Conditions$/,
    /^Bucket: \$\{Project\} in Fn::Sub names no parameter or resource of this template$/,
    /^Database: Ref DataKey names no parameter or resource/,
    /^Reader: Fn::GetAtt Table\.Arn names no resource of this template$/,
    /^Reader: \$\{Bucket\.BucketArn\} in Fn::Sub: AWS::S3::Bucket has no attribute BucketArn \(it has Arn, /,
    /^Reader: \$\{Suffix\} in Fn::Sub names no parameter or resource/,
    /^Reader: \$\{AWS::AccountID\} in Fn::Sub names no pseudo parameter/,
    /^Reader: condition UseLogs is not declared in Conditions$/,
    /^Conditions\.IsProdInEurope: condition InEurope is not declared in Conditions$/,
    /^Conditions\.UsesOldName: Ref Stage names no parameter or resource/,
    /^Outputs\.DatabaseAddress: Fn::GetAtt Database\.Endpoint\.Hostname: AWS::RDS::DBInstance has no attribute Endpoint\.Hostname/,
    /^Outputs\.BucketName: condition HasBucket is not declared in Conditions$/,
    /^RouteAssociation: resource type AWS::EC2::RouteTableAssociation does not exist in CloudFormation$/,
    /^Outputs\.ProdKeyArn: Fn::GetAtt ProdKey\.Arn names ProdKey, which is not created when its condition IsProd is false; guard/,
  ];
  for (const pattern of expected) assert.ok(messages.some((message) => pattern.test(message)), `no finding matches ${pattern}\n${messages.join("\n")}`);
  assert.equal(findings.length, expected.length, messages.join("\n"));
  const dependsOn = findings.find((finding) => finding.message.includes("DependsOn"))!;
  assert.equal(dependsOn.location?.line, 16);
});

test("flags the JSON long form and suggests the declared spelling", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["Alarm", "Topic", "Topic"]);
  assert.ok(findings.some((finding) => /Ref topic names no parameter or resource of this template; did you mean Topic\?/.test(finding.message)));
  assert.ok(findings.some((finding) => /Fn::GetAtt TopicKey\.Arn names no resource/.test(finding.message)));
  assert.ok(findings.some((finding) => /\$\{StackPrefix\}/.test(finding.message)));
});

test("stays quiet when every name resolves: pseudo parameters, Sub list form, ${!Literal}, custom resources, nested stacks", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});

test("knows the resources SAM generates", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.sam.pass.yaml`), RULE), []);
});

test("knows the resources Fn::ForEach generates", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.foreach.pass.yaml`), RULE), []);
});

test("says nothing when a macro (AWS::Include, Fn::Transform) may declare the names", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.macro.pass.yaml`), RULE), []);
});
