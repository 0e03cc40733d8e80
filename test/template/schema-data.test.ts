/**
 * shared/template/schema-data.ts: the fields of the spec kept for the engine, and the compact data file the bundles read.
 * (test/infra/build.test.ts compares the whole packaged data with the spec database, type by type.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Resource as SpecResource } from "@aws-cdk/service-spec-types";
import {
  SCHEMA_DATA_FORMAT,
  decodeType,
  encodeProperties,
  encodeResource,
  encodeType,
  resourceSchemaFromSpec,
  schemaSourceFromText,
  serializeSchemaData,
  type PropertyType,
  type SchemaData,
} from "../../shared/template/schema-data.ts";

const specResource = (fields: Partial<SpecResource>): SpecResource =>
  ({ $id: "1", name: "Thing", cloudFormationType: "AWS::Test::Thing", properties: {}, attributes: {}, ...fields }) as SpecResource;

describe("resourceSchemaFromSpec", () => {
  it("keeps what the rules read, and a property's documentation only when its name says it holds ARNs", () => {
    const schema = resourceSchemaFromSpec(
      specResource({
        cfnRefIdentifier: ["ThingName"],
        attributes: { Arn: { type: { type: "string" } } },
        isStateful: true,
        properties: {
          ThingName: { type: { type: "string" }, required: true, causesReplacement: "yes", documentation: "The name.", defaultValue: "x" },
          TargetArn: { type: { type: "string" }, required: false, documentation: "The ARN or name of the target.", relationshipRefs: [{ cloudFormationType: "AWS::SQS::Queue", propertyName: "Arn" }] },
          Tags: { type: { type: "array", element: { type: "tag" } }, previousTypes: [] },
        },
      }),
    );
    assert.deepEqual(schema, {
      type: "AWS::Test::Thing",
      refIdentifier: ["ThingName"],
      refKind: "name",
      attributes: new Set(["Arn"]),
      isStateful: true,
      properties: {
        ThingName: { type: { type: "string" }, required: true, causesReplacement: "yes" },
        TargetArn: { type: { type: "string" }, documentation: "The ARN or name of the target.", relationshipRefs: [{ cloudFormationType: "AWS::SQS::Queue", propertyName: "Arn" }] },
        Tags: { type: { type: "array", element: { type: "tag" } } },
      },
    });
  });

  it("reads Ref's kind from the identifier, the primary identifier when CloudFormation names none, and the ARN template for a bare Id", () => {
    assert.equal(resourceSchemaFromSpec(specResource({ primaryIdentifier: ["QueueUrl"] })).refKind, "url");
    assert.equal(resourceSchemaFromSpec(specResource({ primaryIdentifier: ["A", "B"] })).refKind, "compound");
    assert.equal(resourceSchemaFromSpec(specResource({ primaryIdentifier: ["Id"], arnTemplate: "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}" })).refKind, "arn");
    assert.equal(resourceSchemaFromSpec(specResource({ primaryIdentifier: ["Id"] })).refKind, "id");
    assert.deepEqual(resourceSchemaFromSpec(specResource({})).refIdentifier, []);
  });
});

describe("compact property types", () => {
  it("encodes every kind of type and decodes it back as it was", () => {
    const types: PropertyType[] = [
      { type: "string" },
      { type: "string", allowedValues: ["AES256", "aws:kms"] },
      { type: "string", allowedValues: [] },
      { type: "integer", allowedValues: [1, 3, 5] },
      { type: "number" },
      { type: "boolean" },
      { type: "json" },
      { type: "date-time" },
      { type: "null" },
      { type: "tag" },
      { type: "ref", reference: { $ref: "6902" } },
      { type: "array", element: { type: "map", element: { type: "ref", reference: { $ref: "12" } } } },
      { type: "union", types: [{ type: "string" }, { type: "array", element: { type: "string", allowedValues: ["a"] } }, { type: "ref", reference: { $ref: "7" } }] },
    ];
    for (const type of types) assert.deepEqual(decodeType(JSON.parse(JSON.stringify(encodeType(type)))), type, JSON.stringify(type));
  });

  it("refuses a type with a field it would lose, rather than drop it", () => {
    assert.throws(() => encodeType({ type: "string", pattern: "^a" } as unknown as PropertyType), /no encoding for the property type/);
    assert.throws(() => encodeType({ type: "decimal" } as unknown as PropertyType), /no encoding for the property type/);
  });
});

describe("the schema data file", () => {
  const bucket = resourceSchemaFromSpec(
    specResource({
      cloudFormationType: "AWS::S3::Bucket",
      cfnRefIdentifier: ["BucketName"],
      attributes: { Arn: { type: { type: "string" } }, DomainName: { type: { type: "string" } } },
      properties: { BucketEncryption: { type: { type: "ref", reference: { $ref: "40" } }, previousTypes: [{ type: "json" }] }, BucketName: { type: { type: "string" }, causesReplacement: "yes" } },
    }),
  );
  const encryption = { SSEAlgorithm: { type: { type: "string", allowedValues: ["AES256", "aws:kms"] }, required: true } } as const;
  const data: SchemaData = {
    format: SCHEMA_DATA_FORMAT,
    spec: "0.0.0",
    resources: { "AWS::S3::Bucket": encodeResource(bucket) },
    typeDefinitions: { "40": encodeProperties(encryption as never) },
  };

  it("answers a lookup as the schema it was written from, and undefined for what it does not hold", () => {
    const source = schemaSourceFromText(serializeSchemaData(data));
    assert.equal(source.spec, "0.0.0");
    assert.deepEqual(source.resource("AWS::S3::Bucket"), bucket);
    assert.deepEqual(source.typeDefinition("40"), { properties: encryption });
    assert.equal(source.resource("AWS::S3::Buckets"), undefined);
    assert.equal(source.resource("constructor"), undefined);
    assert.equal(source.typeDefinition("41"), undefined);
  });

  it("refuses a file of another format or with lines missing: the build must be run again", () => {
    const text = serializeSchemaData(data);
    assert.throws(() => schemaSourceFromText(serializeSchemaData({ ...data, format: SCHEMA_DATA_FORMAT + 1 })), /format/);
    assert.throws(() => schemaSourceFromText(text.slice(0, text.lastIndexOf("\n", text.length - 2) + 1)), /does not hold the lines its header lists/);
  });
});
