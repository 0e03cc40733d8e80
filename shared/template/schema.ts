/**
 * The CloudFormation resource schema, as the engine reads it (the fields kept by shared/template/schema-data.ts).
 * From source it comes from the spec database (shared/template/schema-spec.ts); a Lambda bundle imports
 * shared/template/schema-packaged.ts in its place, which reads the compact data the build derived (scripts/build.ts).
 */
import { openSchemaSource } from "./schema-spec.ts";
import { kindOfIdentifier, type Property, type PropertyType, type ResourceSchema, type SchemaSource, type TypeDefinition, type ValueKind } from "./schema-data.ts";

let source: SchemaSource | undefined;
const schemas = new Map<string, ResourceSchema | undefined>();
const definitions = new Map<string, TypeDefinition | undefined>();

function schemaSource(): SchemaSource {
  source ??= openSchemaSource();
  return source;
}

/** The CloudFormation resource schema of `type`, or undefined for a type AWS does not define (custom resources, typos). */
export function resourceSchema(type: string): ResourceSchema | undefined {
  if (schemas.has(type)) return schemas.get(type);
  const schema = schemaSource().resource(type);
  schemas.set(type, schema);
  return schema;
}

/** The property type (a structure a property nests) that a property's `ref` type points at. */
export function typeDefinitionOf(type: Extract<PropertyType, { type: "ref" }>): TypeDefinition | undefined {
  const id = type.reference.$ref;
  if (definitions.has(id)) return definitions.get(id);
  const definition = schemaSource().typeDefinition(id);
  definitions.set(id, definition);
  return definition;
}

export function attributeKind(attribute: string): ValueKind {
  return kindOfIdentifier(attribute.split(".").pop() ?? attribute);
}

export { kindOfIdentifier };
export type { Property, PropertyType, ResourceSchema, TypeDefinition, ValueKind };
