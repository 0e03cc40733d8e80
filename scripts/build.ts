/**
 * Bundles each Lambda handler (functions/<name>/handler.ts) into a self-contained folder, dist/<name>/:
 * index.mjs (one ESM bundle: module-first main fields, Node 24, minified, no source map, with the `require`,
 * `__filename` and `__dirname` that bundled CommonJS code calls), resource-schemas.json when the function looks up
 * resource schemas (the fields of the CloudFormation resource schema the engine reads, derived from
 * @aws-cdk/aws-service-spec at build time) and a package.json. infra/template.yaml deploys these folders.
 * Prints each bundle's size and its data files'.
 *
 *   npm run build                  every function into dist/
 *   npm run build -- --outdir DIR  somewhere else
 */
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SCHEMA_DATA_FILE, serializeSchemaData } from "../shared/template/schema-data.ts";
import { schemaDataFromSpec } from "../shared/template/schema-spec.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_OUTDIR = join(ROOT, "dist");
const FUNCTIONS_DIR = join(ROOT, "functions");

/** ESM has no `require`, `__filename` or `__dirname`; CommonJS code inside the bundle still uses them. */
export const BUNDLE_BANNER = [
  "import { createRequire as __swCreateRequire } from 'node:module';",
  "import { fileURLToPath as __swFileURLToPath } from 'node:url';",
  "import { dirname as __swDirname } from 'node:path';",
  "const require = __swCreateRequire(import.meta.url);",
  "const __filename = __swFileURLToPath(import.meta.url);",
  "const __dirname = __swDirname(__filename);",
].join(" ");

const SCHEMA_MODULE = join(ROOT, "shared", "template", "schema.ts");
const PACKAGED_SCHEMA_MODULE = join(ROOT, "shared", "template", "schema-packaged.ts");

/**
 * shared/template/schema.ts reads resource schemas through shared/template/schema-spec.ts (the spec database, 2.5 MB
 * gzipped, and the code that loads it); a bundle imports shared/template/schema-packaged.ts in its place, which reads
 * the compact data written beside the bundle (SCHEMA_DATA_FILE).
 */
export const packagedResourceSchemas: Plugin = {
  name: "packaged-resource-schemas",
  setup(builder) {
    builder.onResolve({ filter: /^\.\/schema-spec\.ts$/ }, (args) =>
      args.importer === SCHEMA_MODULE ? { path: PACKAGED_SCHEMA_MODULE } : undefined,
    );
  },
};

/**
 * The AWS SDK's schema modules (dist-es/schemas/schemas_N.js) key their trait objects with computed names
 * (`{ [_xN]: _m4 }`, where `const _xN = "xmlName"`). esbuild must assume a computed key can run code, so it keeps every
 * shape of a client once one is used: all of EC2's 1.3 MB for one DescribeSecurityGroups. Writing those keys as the
 * string literals they are lets unused shapes be dropped. Only names declared in the same file as a string constant
 * are replaced.
 */
export const literalSdkSchemaKeys: Plugin = {
  name: "literal-sdk-schema-keys",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, (args) => ({
      contents: literalizeSchemaKeys(readFileSync(args.path, "utf8")),
      loader: "js",
    }));
  },
};

export function literalizeSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const match of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) constants.set(match[1]!, match[2]!);
  return source.replace(/\[(_\w+)\]:/g, (whole, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? whole : `${literal}:`;
  });
}

export interface FunctionBundle {
  name: string;
  entryPoint: string;
  outfile: string;
  bytes: number;
  /** Files written beside the bundle that it reads at run time (the resource schema data), with their sizes. */
  dataFiles: { path: string; bytes: number }[];
  /** Output bytes per package ("(project)" for this repository's code), largest first: what the bundle is made of. */
  largestInputs: { source: string; bytes: number }[];
}

/** The functions that have a handler: functions/<name>/handler.ts. */
export function functionEntryPoints(functionsDir: string = FUNCTIONS_DIR): { name: string; entryPoint: string }[] {
  if (!existsSync(functionsDir)) return [];
  return readdirSync(functionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(functionsDir, entry.name, "handler.ts")))
    .map((entry) => ({ name: entry.name, entryPoint: join(functionsDir, entry.name, "handler.ts") }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The esbuild options of every function bundle. Identifiers are minified and `keepNames` is off: keeping function and
 * class names readable in stack traces costs about 100 KB (6%) of the scan-stack bundle; a trace's line and column
 * point into the bundle, which `npm run build` rebuilds identically from the same commit.
 */
export function bundleOptions(entryPoint: string, outfile: string): BuildOptions & { metafile: true } {
  return {
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node24",
    mainFields: ["module", "main"],
    minify: true,
    sourcemap: false,
    legalComments: "none",
    banner: { js: BUNDLE_BANNER },
    plugins: [packagedResourceSchemas, literalSdkSchemaKeys],
    metafile: true,
    logLevel: "warning",
  };
}

export async function buildFunctions(options: { outdir?: string; functionsDir?: string } = {}): Promise<FunctionBundle[]> {
  const outdir = resolve(options.outdir ?? DEFAULT_OUTDIR);
  let schemaData: string | undefined;
  const bundles: FunctionBundle[] = [];
  for (const { name, entryPoint } of functionEntryPoints(options.functionsDir)) {
    const folder = join(outdir, name);
    const outfile = join(folder, "index.mjs");
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    const result = await build(bundleOptions(entryPoint, outfile));
    const dataFiles: FunctionBundle["dataFiles"] = [];
    if (readsResourceSchemas(result.metafile, name)) {
      schemaData ??= serializeSchemaData(schemaDataFromSpec());
      const path = join(folder, SCHEMA_DATA_FILE);
      writeFileSync(path, schemaData);
      dataFiles.push({ path, bytes: statSync(path).size });
    }
    // `sam build` packs a Node.js function folder with npm: a manifest without dependencies makes that a plain copy.
    writeFileSync(join(folder, "package.json"), `${JSON.stringify({ name: `stackwarden-${name}`, private: true, type: "module" }, null, 2)}\n`);
    bundles.push({ name, entryPoint, outfile, bytes: statSync(outfile).size, dataFiles, largestInputs: largestInputs(result.metafile) });
  }
  return bundles;
}

/** Whether the bundle looks up resource schemas; it must do so through the packaged data, never the spec database. */
function readsResourceSchemas(metafile: Metafile, name: string): boolean {
  const inputs = Object.keys(metafile.inputs).map((path) => resolve(ROOT, path));
  if (inputs.some((path) => /[\\/]@aws-cdk[\\/]aws-service-spec[\\/]/.test(path))) {
    throw new Error(`build: ${name} bundles @aws-cdk/aws-service-spec; schema lookups must go through shared/template/schema.ts (see packagedResourceSchemas)`);
  }
  return inputs.includes(PACKAGED_SCHEMA_MODULE);
}

function largestInputs(metafile: Metafile, count = 5): { source: string; bytes: number }[] {
  const bySource = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const source = match ? match[1]! : "(project)";
      bySource.set(source, (bySource.get(source) ?? 0) + input.bytesInOutput);
    }
  }
  return [...bySource.entries()]
    .map(([source, bytes]) => ({ source, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

export function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--outdir");
  const outdir = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !outdir) {
    process.stderr.write("build: --outdir needs a folder\n");
    process.exit(2);
  }
  const bundles = await buildFunctions(outdir ? { outdir } : {});
  if (bundles.length === 0) {
    process.stderr.write(`build: no functions/*/handler.ts under ${ROOT}\n`);
    process.exit(1);
  }
  for (const bundle of bundles) {
    const parts = bundle.largestInputs.map((input) => `${input.source} ${kilobytes(input.bytes)}`).join(", ");
    const data = bundle.dataFiles.map((file) => `, ${relative(process.cwd(), file.path)} ${kilobytes(file.bytes)}`).join("");
    process.stdout.write(`${relative(process.cwd(), bundle.outfile)}  ${kilobytes(bundle.bytes)}${data}  (largest: ${parts})\n`);
  }
}
