/**
 * The part of the CloudFormation resource schema the engine reads, and its compact form for the Lambda bundles.
 *
 * The spec database (@aws-cdk/aws-service-spec) is 2.5 MB gzipped and half a second to load; the engine reads a few
 * fields of it. `resourceSchemaFromSpec` and `typeDefinitionFromSpec` keep those fields; from source they are applied
 * to the spec on each lookup (shared/template/schema-spec.ts), and at build time to every resource type and the
 * property types they reach, written in the compact form below (scripts/build.ts, shared/template/schema-packaged.ts).
 * Both give the same objects. A field not kept here is undefined everywhere: keep it here before reading it.
 */
import type {
  Deprecation,
  PropertyType,
  RelationshipRef,
  Resource as SpecResource,
  Property as SpecProperty,
  TypeDefinition as SpecTypeDefinition,
} from "@aws-cdk/service-spec-types";

/** What a Ref or a GetAtt of a resource gives back, as far as ARN-building is concerned. */
export type ValueKind = "arn" | "name" | "id" | "url" | "compound" | "other";

/** A property as the engine reads it. */
export interface Property {
  type: PropertyType;
  previousTypes?: PropertyType[];
  required?: boolean;
  deprecated?: Deprecation;
  causesReplacement?: "yes" | "no" | "maybe";
  relationshipRefs?: RelationshipRef[];
  /** Only for properties named as holding ARNs (`...Arn`, `...ARNs`): whether the text says a name is accepted too. */
  documentation?: string;
}

/** A property type (a structure a property nests), as the engine reads it. */
export interface TypeDefinition {
  properties: Readonly<Record<string, Property>>;
}

export interface ResourceSchema {
  type: string;
  /** The identifier Ref returns, e.g. "BucketName" or "Arn"; several when Ref returns them joined with "|". */
  refIdentifier: string[];
  refKind: ValueKind;
  attributes: ReadonlySet<string>;
  isStateful: boolean;
  properties: Readonly<Record<string, Property>>;
}

/** Where resource schemas come from: the spec database (source) or the compact data beside a bundle. */
export interface SchemaSource {
  resource(type: string): ResourceSchema | undefined;
  typeDefinition(id: string): TypeDefinition | undefined;
}

export type { PropertyType };

/** Reads the kind of value from the identifier's name, as the schema names it (TopicArn, QueueUrl, BucketName, GroupId). */
export function kindOfIdentifier(identifier: string, resource?: Pick<SpecResource, "arnTemplate">): ValueKind {
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

const ARN_PROPERTY_NAME = /(Arn|ARN)s?$/;

export function resourceSchemaFromSpec(resource: SpecResource): ResourceSchema {
  const refIdentifier = resource.cfnRefIdentifier ?? resource.primaryIdentifier ?? [];
  return {
    type: resource.cloudFormationType,
    refIdentifier: [...refIdentifier],
    refKind: refIdentifier.length > 1 ? "compound" : kindOfIdentifier(refIdentifier[0] ?? "", resource),
    attributes: new Set(Object.keys(resource.attributes)),
    isStateful: resource.isStateful === true,
    properties: propertiesFromSpec(resource.properties),
  };
}

export function typeDefinitionFromSpec(definition: SpecTypeDefinition): TypeDefinition {
  return { properties: propertiesFromSpec(definition.properties) };
}

function propertiesFromSpec(properties: Record<string, SpecProperty>): Record<string, Property> {
  const kept: Record<string, Property> = {};
  for (const [name, property] of Object.entries(properties)) kept[name] = propertyFromSpec(name, property);
  return kept;
}

/** Absent, false and empty read the same to the engine (`required`, `?? []`, `?.length`): they are left out. */
function propertyFromSpec(name: string, property: SpecProperty): Property {
  const kept: Property = { type: property.type };
  if (property.previousTypes?.length) kept.previousTypes = property.previousTypes;
  if (property.required) kept.required = true;
  if (property.deprecated !== undefined) kept.deprecated = property.deprecated;
  if (property.causesReplacement !== undefined) kept.causesReplacement = property.causesReplacement;
  if (property.relationshipRefs?.length) {
    kept.relationshipRefs = property.relationshipRefs.map(({ cloudFormationType, propertyName }) => ({ cloudFormationType, propertyName }));
  }
  if (property.documentation !== undefined && ARN_PROPERTY_NAME.test(name)) kept.documentation = property.documentation;
  return kept;
}

/** The ids of the type definitions a property type refers to, directly or through arrays, maps and unions. */
export function referencedTypeIds(type: PropertyType, into: string[] = []): string[] {
  if (type.type === "ref") into.push(type.reference.$ref);
  else if (type.type === "array" || type.type === "map") referencedTypeIds(type.element, into);
  else if (type.type === "union") for (const member of type.types) referencedTypeIds(member, into);
  return into;
}

// ---- the compact form ----
//
// A type is its name ("string", "boolean", "tag"...), "#<id>" for a reference to a type definition, or a list:
// ["array", T], ["map", T], ["union", T...], ["string", allowed...], ["integer", allowed...].
// A property is its encoded type when it has nothing else, otherwise an object with short keys (EncodedPropertyObject).

export const SCHEMA_DATA_FORMAT = 1;
/** The file beside a bundle that holds the compact schema data. */
export const SCHEMA_DATA_FILE = "resource-schemas.json";

type EncodedType = string | [string, ...unknown[]];
type EncodedProperty = EncodedType | EncodedPropertyObject;
interface EncodedPropertyObject {
  t: EncodedType;
  p?: EncodedType[];
  r?: 1;
  d?: Deprecation;
  c?: Property["causesReplacement"];
  x?: [string, string][];
  doc?: string;
}
export interface EncodedResource {
  /** Ref identifier(s), Ref kind, attribute names, stateful (1 or 0), properties. */
  i: string[];
  k: ValueKind;
  a: string[];
  s: 0 | 1;
  p: Record<string, EncodedProperty>;
}
export interface SchemaData {
  format: number;
  /** The @aws-cdk/aws-service-spec version the data was derived from. */
  spec: string;
  resources: Record<string, EncodedResource>;
  typeDefinitions: Record<string, Record<string, EncodedProperty>>;
}

/** The fields each kind of property type has; a field the encoding does not know would be lost, so it stops the build. */
const TYPE_FIELDS: Record<string, readonly string[]> = {
  string: ["type", "allowedValues"],
  integer: ["type", "allowedValues"],
  number: ["type"],
  boolean: ["type"],
  json: ["type"],
  "date-time": ["type"],
  null: ["type"],
  tag: ["type"],
  ref: ["type", "reference"],
  array: ["type", "element"],
  map: ["type", "element"],
  union: ["type", "types"],
};

export function encodeType(type: PropertyType): EncodedType {
  const fields = TYPE_FIELDS[type.type];
  if (!fields || Object.keys(type).some((field) => !fields.includes(field))) throw new Error(`schema data: no encoding for the property type ${JSON.stringify(type)}`);
  switch (type.type) {
    case "ref":
      return `#${type.reference.$ref}`;
    case "array":
    case "map":
      return [type.type, encodeType(type.element)];
    case "union":
      return ["union", ...type.types.map(encodeType)];
    case "string":
    case "integer":
      return type.allowedValues ? [type.type, ...type.allowedValues] : type.type;
    default:
      return type.type;
  }
}

export function decodeType(encoded: EncodedType): PropertyType {
  if (typeof encoded === "string") {
    if (encoded.startsWith("#")) return { type: "ref", reference: { $ref: encoded.slice(1) } };
    return { type: encoded } as PropertyType;
  }
  const [kind, ...rest] = encoded;
  switch (kind) {
    case "array":
    case "map":
      return { type: kind, element: decodeType(rest[0] as EncodedType) };
    case "union":
      return { type: "union", types: (rest as EncodedType[]).map(decodeType) };
    case "string":
      return { type: "string", allowedValues: rest as string[] };
    case "integer":
      return { type: "integer", allowedValues: rest as number[] };
    default:
      throw new Error(`schema data: unknown encoded type ${JSON.stringify(encoded)}`);
  }
}

function encodeProperty(property: Property): EncodedProperty {
  const type = encodeType(property.type);
  const encoded: EncodedPropertyObject = { t: type };
  if (property.previousTypes) encoded.p = property.previousTypes.map(encodeType);
  if (property.required) encoded.r = 1;
  if (property.deprecated !== undefined) encoded.d = property.deprecated;
  if (property.causesReplacement !== undefined) encoded.c = property.causesReplacement;
  if (property.relationshipRefs) encoded.x = property.relationshipRefs.map((ref) => [ref.cloudFormationType, ref.propertyName]);
  if (property.documentation !== undefined) encoded.doc = property.documentation;
  return Object.keys(encoded).length === 1 ? type : encoded;
}

function decodeProperty(encoded: EncodedProperty): Property {
  if (typeof encoded === "string" || Array.isArray(encoded)) return { type: decodeType(encoded) };
  const property: Property = { type: decodeType(encoded.t) };
  if (encoded.p) property.previousTypes = encoded.p.map(decodeType);
  if (encoded.r) property.required = true;
  if (encoded.d !== undefined) property.deprecated = encoded.d;
  if (encoded.c !== undefined) property.causesReplacement = encoded.c;
  if (encoded.x) property.relationshipRefs = encoded.x.map(([cloudFormationType, propertyName]) => ({ cloudFormationType, propertyName }));
  if (encoded.doc !== undefined) property.documentation = encoded.doc;
  return property;
}

export function encodeProperties(properties: Readonly<Record<string, Property>>): Record<string, EncodedProperty> {
  const encoded: Record<string, EncodedProperty> = {};
  for (const [name, property] of Object.entries(properties)) encoded[name] = encodeProperty(property);
  return encoded;
}

export function decodeProperties(encoded: Record<string, EncodedProperty>): Record<string, Property> {
  const properties: Record<string, Property> = {};
  for (const [name, property] of Object.entries(encoded)) properties[name] = decodeProperty(property);
  return properties;
}

export function encodeResource(schema: ResourceSchema): EncodedResource {
  return { i: schema.refIdentifier, k: schema.refKind, a: [...schema.attributes], s: schema.isStateful ? 1 : 0, p: encodeProperties(schema.properties) };
}

export function decodeResource(type: string, encoded: EncodedResource): ResourceSchema {
  return { type, refIdentifier: encoded.i, refKind: encoded.k, attributes: new Set(encoded.a), isStateful: encoded.s === 1, properties: decodeProperties(encoded.p) };
}

/**
 * The data file: a header line (format, spec version, the resource types and type-definition ids in the order of
 * the lines that follow), then one line per resource type and one per type definition, each a JSON value. A lookup
 * parses only its own line: the first scan of a small template reads a few dozen of the 11,000 lines.
 */
export function serializeSchemaData(data: SchemaData): string {
  const resourceTypes = Object.keys(data.resources);
  const definitionIds = Object.keys(data.typeDefinitions);
  const header = { format: data.format, spec: data.spec, resources: resourceTypes, typeDefinitions: definitionIds };
  return [header, ...resourceTypes.map((type) => data.resources[type]), ...definitionIds.map((id) => data.typeDefinitions[id])]
    .map((value) => JSON.stringify(value))
    .join("\n")
    .concat("\n");
}

interface SchemaDataHeader {
  format: number;
  spec: string;
  resources: string[];
  typeDefinitions: string[];
}

/** Looks up resources and type definitions in a data file's text, parsing what is asked for (shared/template/schema.ts caches). */
export function schemaSourceFromText(text: string): SchemaSource & { spec: string } {
  const lineStarts = [0];
  for (let at = text.indexOf("\n"); at !== -1 && at < text.length - 1; at = text.indexOf("\n", at + 1)) lineStarts.push(at + 1);
  const line = (index: number): unknown => JSON.parse(text.slice(lineStarts[index], lineStarts[index + 1]));
  const header = line(0) as SchemaDataHeader;
  if (header.format !== SCHEMA_DATA_FORMAT) throw new Error(`schema data: format ${header.format}, expected ${SCHEMA_DATA_FORMAT}: rebuild`);
  if (lineStarts.length !== 1 + header.resources.length + header.typeDefinitions.length) throw new Error("schema data: the file does not hold the lines its header lists: rebuild");
  const resourceLines = new Map(header.resources.map((type, index) => [type, 1 + index]));
  const definitionLines = new Map(header.typeDefinitions.map((id, index) => [id, 1 + header.resources.length + index]));
  return {
    spec: header.spec,
    resource(type) {
      const index = resourceLines.get(type);
      return index === undefined ? undefined : decodeResource(type, line(index) as EncodedResource);
    },
    typeDefinition(id) {
      const index = definitionLines.get(id);
      return index === undefined ? undefined : { properties: decodeProperties(line(index) as Record<string, EncodedProperty>) };
    },
  };
}
