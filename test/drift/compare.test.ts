import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containsUnknown, describeValue, driftEqual, withPhysicalIds } from "../../shared/drift/compare.ts";
import { Composite, ResourceAttribute, ResourceRef, Unknown } from "../../shared/template/values.ts";

const keyRef = new ResourceRef("Key", "AWS::KMS::Key", "id");
const keyArn = new ResourceAttribute("Key", "AWS::KMS::Key", "Arn", "arn");
const physicalIdOf = (logicalId: string) => ({ Key: "1234abcd-live", Bucket: "logs-bucket-live" })[logicalId];

describe("containsUnknown", () => {
  it("finds an Unknown anywhere: alone, in a Sub, deep in lists and records", () => {
    assert.equal(containsUnknown(new Unknown("parameter without default")), true);
    assert.equal(containsUnknown(new Composite(["arn:aws:s3:::", new Unknown("import")])), true);
    assert.equal(containsUnknown({ Statement: [{ Principal: { AWS: [new Unknown("parameter without default")] } }] }), true);
  });
  it("a reference to a stack resource is fixed, and so is plain data", () => {
    assert.equal(containsUnknown(keyRef), false);
    assert.equal(containsUnknown(new Composite(["arn:aws:kms:us-east-1:123456789012:key/", keyRef])), false);
    assert.equal(containsUnknown({ a: [1, "x", true, null, undefined] }), false);
  });
});

describe("withPhysicalIds", () => {
  it("replaces each Ref of a stack resource by its physical id and joins Subs that become text", () => {
    assert.deepEqual(withPhysicalIds({ KmsKeyId: keyRef, Resource: [new Composite(["arn:aws:s3:::", new ResourceRef("Bucket", "AWS::S3::Bucket", "name"), "/*"])] }, physicalIdOf), {
      KmsKeyId: "1234abcd-live",
      Resource: ["arn:aws:s3:::logs-bucket-live/*"],
    });
  });
  it("leaves GetAtt and Refs of resources the stack does not hold symbolic", () => {
    const outside = new ResourceRef("Imported", "AWS::SNS::Topic", "arn");
    assert.equal(withPhysicalIds(keyArn, physicalIdOf), keyArn);
    assert.equal(withPhysicalIds(outside, physicalIdOf), outside);
    const partial = withPhysicalIds(new Composite([keyArn, "/", keyRef]), physicalIdOf);
    assert.ok(partial instanceof Composite);
    assert.deepEqual(partial.parts, [keyArn, "/", "1234abcd-live"]);
  });
});

describe("withPhysicalIds and driftEqual on lists the views sorted by symbol names", () => {
  const bucketRef = new ResourceRef("Bucket", "AWS::S3::Bucket", "name");
  // As a view sorts a policy's resources: "arn:aws:s3:::${Bucket}/*" before "arn:aws:s3:::artifacts/*" ('$' < 'a').
  const statements = [{ effect: "Allow", actions: ["s3:getobject"], resources: [new Composite(["arn:aws:s3:::", bucketRef, "/*"]), "arn:aws:s3:::artifacts/*"] }];
  it("the physical ids may sort elsewhere: the list matches the live one in any order", () => {
    const comparable = withPhysicalIds(statements, physicalIdOf);
    assert.equal(driftEqual(comparable, [{ effect: "Allow", actions: ["s3:getobject"], resources: ["arn:aws:s3:::artifacts/*", "arn:aws:s3:::logs-bucket-live/*"] }]), true);
  });
  it("still finds a changed item, and plain lists keep their order", () => {
    const comparable = withPhysicalIds(statements, physicalIdOf);
    assert.equal(driftEqual(comparable, [{ effect: "Allow", actions: ["s3:getobject"], resources: ["arn:aws:s3:::artifacts/*", "arn:aws:s3:::other-bucket/*"] }]), false);
    assert.equal(driftEqual(comparable, [{ effect: "Allow", actions: ["s3:*"], resources: ["arn:aws:s3:::artifacts/*", "arn:aws:s3:::logs-bucket-live/*"] }]), false);
    assert.equal(driftEqual(withPhysicalIds(["b", "a"], physicalIdOf), ["a", "b"]), false);
  });
});

describe("driftEqual", () => {
  it("compares plain data deeply; undefined equals an absent key and null", () => {
    assert.equal(driftEqual({ a: 1, b: [1, 2], c: undefined }, { a: 1, b: [1, 2] }), true);
    assert.equal(driftEqual(undefined, undefined), true);
    assert.equal(driftEqual(undefined, null), true);
    assert.equal(driftEqual({ a: 1 }, { a: 1, b: 2 }), false);
    assert.equal(driftEqual([1, 2], [2, 1]), false, "plain lists keep their order: properties sort what is a set");
    assert.equal(driftEqual([1, 2], [1, 2, 3]), false);
    assert.equal(driftEqual(true, undefined), false);
    assert.equal(driftEqual({ a: { b: "x" } }, { a: "x" }), false);
  });
  it("a number or boolean equals the string CloudFormation makes of it", () => {
    assert.equal(driftEqual(7, "7"), true);
    assert.equal(driftEqual("7", 7), true);
    assert.equal(driftEqual(true, "true"), true);
    assert.equal(driftEqual("True", true), true);
    assert.equal(driftEqual(7, "07x"), false);
    assert.equal(driftEqual(0, ""), false);
    assert.equal(driftEqual(false, "true"), false);
  });
  it("a GetAtt matches any live value in its place, not a missing one", () => {
    assert.equal(driftEqual({ Principal: keyArn }, { Principal: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-live" }), true);
    assert.equal(driftEqual({ Principal: keyArn }, {}), false);
    assert.equal(driftEqual(new ResourceAttribute("Key", "AWS::KMS::Key", "KeyId", "id"), "1234abcd-live"), true);
  });
  it("a GetAtt or Ref that returns an ARN matches only an ARN: a principal replaced by \"*\" is drift", () => {
    assert.equal(driftEqual({ Principal: { AWS: [keyArn] } }, { Principal: { AWS: ["*"] } }), false);
    assert.equal(driftEqual(new ResourceRef("Topic", "AWS::SNS::Topic", "arn"), "alerts"), false);
    assert.equal(driftEqual(new ResourceRef("Topic", "AWS::SNS::Topic", "arn"), "arn:aws:sns:us-east-1:123456789012:alerts"), true);
  });
  it("a Sub with symbolic parts matches the strings its literal parts allow", () => {
    const resource = new Composite(["arn:aws:s3:::", new ResourceAttribute("Bucket", "AWS::S3::Bucket", "Arn", "arn"), "/AWSLogs/*"]);
    assert.equal(driftEqual(resource, "arn:aws:s3:::arn:aws:s3:::logs/AWSLogs/*"), true);
    assert.equal(driftEqual(resource, "arn:aws:s3:::logs/*"), false);
    assert.equal(driftEqual(new Composite(["a.b(", keyArn, ")"]), "a.b(x)"), true, "regex characters in literal parts are literal");
    assert.equal(driftEqual(new Composite(["a.b(", keyArn, ")"]), "aXb(x)"), false);
  });
  it("a list holding symbolic values matches a live list in any order, one to one", () => {
    const template = [keyArn, "arn:aws:iam::123456789012:root"];
    assert.equal(driftEqual(template, ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/admin"]), true);
    assert.equal(driftEqual(template, ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"]), false);
    assert.equal(driftEqual([keyArn, keyArn], ["arn:aws:kms:us-east-1:123456789012:key/x", "arn:aws:kms:us-east-1:123456789012:key/y"]), true);
    assert.equal(driftEqual([keyArn, "root"], ["root", "root", "x"]), false);
  });
  it("an Unknown is never a difference", () => {
    assert.equal(driftEqual(new Unknown("import"), "anything"), true);
  });
});

describe("describeValue", () => {
  it("names unset values and prints symbols and data", () => {
    assert.equal(describeValue(undefined), "(not set)");
    assert.equal(describeValue(null), "(not set)");
    assert.equal(describeValue(keyArn), "${Key.Arn}");
    assert.equal(describeValue({ a: [1] }), '{"a":[1]}');
    assert.equal(describeValue(false), "false");
  });
});
