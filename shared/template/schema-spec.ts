/**
 * Resource schemas read from the spec database, @aws-cdk/aws-service-spec (loaded on first use): the source's
 * schema source, and what the build derives the bundles' compact data from. Bundles import
 * shared/template/schema-packaged.ts in its place (scripts/build.ts).
 */
import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type { SpecDatabase } from "@aws-cdk/service-spec-types";
import { createRequire } from "node:module";
import {
  SCHEMA_DATA_FORMAT,
  encodeProperties,
  encodeResource,
  referencedTypeIds,
  resourceSchemaFromSpec,
  typeDefinitionFromSpec,
  type SchemaData,
  type SchemaSource,
} from "./schema-data.ts";

let database: SpecDatabase | undefined;

function specDatabase(): SpecDatabase {
  database ??= loadAwsServiceSpecSync();
  return database;
}

export function openSchemaSource(): SchemaSource {
  return {
    resource(type) {
      const resource = specDatabase().lookup("resource", "cloudFormationType", "equals", type)[0];
      return resource && resourceSchemaFromSpec(resource);
    },
    typeDefinition(id) {
      let definition;
      try {
        definition = specDatabase().get("typeDefinition", id);
      } catch {
        return undefined;
      }
      return typeDefinitionFromSpec(definition);
    },
  };
}

export function specVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("@aws-cdk/aws-service-spec/package.json") as { version: string }).version;
}

/** Every resource type the spec defines, sorted. */
export function specResourceTypes(): string[] {
  return [...new Set(specDatabase().all("resource").map((resource) => resource.cloudFormationType))].sort();
}

/** Every resource type of the spec, and every type definition their properties reach, in the compact form. */
export function schemaDataFromSpec(): SchemaData {
  const source = openSchemaSource();
  const resources: SchemaData["resources"] = {};
  const typeDefinitions: SchemaData["typeDefinitions"] = {};
  const pending: string[] = [];
  const reach = (properties: ReturnType<typeof resourceSchemaFromSpec>["properties"]) => {
    for (const property of Object.values(properties)) {
      for (const type of [property.type, ...(property.previousTypes ?? [])]) pending.push(...referencedTypeIds(type));
    }
  };
  for (const type of specResourceTypes()) {
    const schema = source.resource(type)!;
    resources[type] = encodeResource(schema);
    reach(schema.properties);
  }
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (Object.hasOwn(typeDefinitions, id)) continue;
    const definition = source.typeDefinition(id);
    if (!definition) continue;
    typeDefinitions[id] = encodeProperties(definition.properties);
    reach(definition.properties);
  }
  return { format: SCHEMA_DATA_FORMAT, spec: specVersion(), resources, typeDefinitions };
}
