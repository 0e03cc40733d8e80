/**
 * Resource schemas read from the compact data file the build writes beside a bundle (scripts/build.ts), in place of
 * shared/template/schema-spec.ts: the bundle carries neither the spec database nor the code that reads it.
 */
import { readFileSync } from "node:fs";
import { SCHEMA_DATA_FILE, schemaSourceFromText, type SchemaSource } from "./schema-data.ts";

export function openSchemaSource(file: string | URL = new URL(`./${SCHEMA_DATA_FILE}`, import.meta.url)): SchemaSource {
  return schemaSourceFromText(readFileSync(file, "utf8"));
}
