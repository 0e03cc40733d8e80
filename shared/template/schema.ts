import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type { Property, PropertyType, Resource, SpecDatabase, TypeDefinition } from "@aws-cdk/service-spec-types";

/** What a Ref or a GetAtt of a resource gives back, as far as ARN-building is concerned. */
export type ValueKind = "arn" | "name" | "id" | "url" | "compound" | "other";

export interface ResourceSchema {
  type: string;
  /** The identifier Ref returns, e.g. "BucketName" or "Arn"; several when Ref returns them joined with "|". */
  refIdentifier: string[];
  refKind: ValueKind;
  attributes: ReadonlySet<string>;
  isStateful: boolean;
  properties: Readonly<Record<string, Property>>;
}

let database: SpecDatabase | undefined;
const schemas = new Map<string, ResourceSchema | undefined>();

function db(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

/** The CloudFormation resource schema of `type`, or undefined for a type AWS does not define (custom resources, typos). */
export function resourceSchema(type: string): ResourceSchema | undefined {
  if (schemas.has(type)) return schemas.get(type);
  const resource = db().lookup("resource", "cloudFormationType", "equals", type)[0];
  const schema = resource ? toSchema(resource) : undefined;
  schemas.set(type, schema);
  return schema;
}

function toSchema(resource: Resource): ResourceSchema {
  const refIdentifier = resource.cfnRefIdentifier ?? resource.primaryIdentifier ?? [];
  return {
    type: resource.cloudFormationType,
    refIdentifier,
    refKind: refIdentifier.length > 1 ? "compound" : kindOfIdentifier(refIdentifier[0] ?? "", resource),
    attributes: new Set(Object.keys(resource.attributes)),
    isStateful: resource.isStateful === true,
    properties: resource.properties,
  };
}

/** The property type (a structure a property nests) that a property's `ref` type points at. */
export function typeDefinitionOf(type: Extract<PropertyType, { type: "ref" }>): TypeDefinition | undefined {
  try {
    return db().get("typeDefinition", type.reference);
  } catch {
    return undefined;
  }
}

/** Reads the kind of value from the identifier's name, as the schema names it (TopicArn, QueueUrl, BucketName, GroupId). */
export function kindOfIdentifier(identifier: string, resource?: Pick<Resource, "arnTemplate">): ValueKind {
  if (/Arn$/.test(identifier)) return "arn";
  if (/Url$|URL$/.test(identifier)) return "url";
  if (/Name$/.test(identifier)) return "name";
  if (/Id$/.test(identifier) || identifier === "Id") {
    // Some resources name their ARN "Id" in the schema (a Secrets Manager secret's Ref is its ARN).
    if (resource?.arnTemplate && identifier === "Id" && /\$\{(SecretId|Arn)\}$/.test(resource.arnTemplate)) return "arn";
    return "id";
  }
  return "other";
}

export function attributeKind(attribute: string): ValueKind {
  return kindOfIdentifier(attribute.split(".").pop() ?? attribute);
}

export type { Property, PropertyType, TypeDefinition };
