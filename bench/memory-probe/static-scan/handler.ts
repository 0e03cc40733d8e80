/**
 * The static engine as a Lambda bundle, for bench/lambda-memory.ts: built by scripts/build.ts exactly as the service's
 * functions are (same esbuild options, the resource schema database beside the bundle), it scans the template text it
 * is given with every rule, so the memory of the engine itself is measured without the live side or a TypeScript loader.
 */
import { scanTemplate } from "../../../shared/scan.ts";

export const handler = async (event: { template: string; file?: string }): Promise<{ findings: number; errors: number }> => {
  const result = scanTemplate(event.template, { file: event.file ?? "template" });
  return { findings: result.findings.length, errors: result.errors.length };
};
