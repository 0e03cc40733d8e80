/**
 * scripts/build.ts: each function bundles into a self-contained folder that imports in a fresh Node and runs the real
 * pipeline on moto (plan-scan bundle -> queue -> scan-stack bundle -> table + topic); the resource schema data packaged
 * beside a bundle answers every lookup as the spec database does from source. Prints bundle sizes and import times
 * (median of 5 fresh processes); no timing is asserted (bench/bundles.ts measures them).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { buildFunctions, bundleOptions, functionEntryPoints, kilobytes, literalizeSchemaKeys, literalSdkSchemaKeys, type FunctionBundle } from "../../scripts/build.ts";
import { scanTemplate } from "../../shared/scan.ts";
import { SCHEMA_DATA_FILE, referencedTypeIds, type Property } from "../../shared/template/schema-data.ts";
import { openSchemaSource as openPackagedSchemas } from "../../shared/template/schema-packaged.ts";
import { openSchemaSource as openSpecSchemas, specResourceTypes } from "../../shared/template/schema-spec.ts";
import { FindingsStore } from "../../shared/findings/store.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoForTests } from "../live/moto.ts";
import { deployStack, drain, inboxAlerts, openAdminPortTemplate, serviceOnMoto, sqsEventOf } from "../functions/helpers.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const FUNCTIONS = functionEntryPoints();
const NO_FUNCTIONS = "no functions/*/handler.ts yet: nothing to bundle";
/** The Lambda runtime is nodejs24.x: import with Node 24 (the project's devDependency) when it is installed. */
const NODE_24 = join(ROOT, "node_modules", "node", "bin", "node");
const NODE = existsSync(NODE_24) ? NODE_24 : process.execPath;
/**
 * Size bounds, with about 20% over today's sizes for the code the team adds: plan-scan is 520 KB (the planner, YAML and
 * 3 SDK clients), scan-stack 1.6 MB (the scan engine and 18 SDK clients) beside 2.1 MB of schema data. What they catch:
 * the SDK schemas no longer tree-shaken (scan-stack 2.5 MB, see literalSdkSchemaKeys), a new dependency pulling in a
 * package's whole CommonJS build, the schema data keeping every property's documentation (6 MB more) or the spec
 * database itself (15 MB). keepNames alone (+6%) is within the margin.
 */
const BUNDLE_BUDGET_BYTES: Record<string, number> = { "plan-scan": 640 * 1024, "scan-stack": 1945 * 1024 };
const DATA_BUDGET_BYTES = 2600 * 1024;
/** Environment a handler module may read at import: the values the SAM template sets (no AWS is called at import). */
const IMPORT_ENV = {
  TABLE_NAME: "stackwarden-findings",
  TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:stackwarden-alerts",
  QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/stackwarden-scan",
  TARGET_REGIONS: "us-east-1",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
};

/** Runs `handler(event)` of a bundle in a fresh Node; returns what it answered and how long the import took. */
async function invokeBundle(bundle: string, event: unknown, env: Record<string, string>): Promise<{ result: unknown; importMs: number }> {
  const script = [
    "const started = performance.now();",
    `const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    "const importMs = performance.now() - started;",
    "if (typeof handler !== 'function') throw new Error('the bundle exports no handler function');",
    "const result = process.env.BUNDLE_EVENT === undefined ? null : await handler(JSON.parse(process.env.BUNDLE_EVENT));",
    "process.stdout.write('\\nBUNDLE_RESULT ' + JSON.stringify({ result: result ?? null, importMs }) + '\\n');",
  ].join("\n");
  const { stdout } = await run(NODE, ["--input-type=module", "-e", script], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? "", ...env, ...(event === undefined ? {} : { BUNDLE_EVENT: JSON.stringify(event) }) },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  const line = stdout.split("\n").find((text) => text.startsWith("BUNDLE_RESULT "));
  assert.ok(line, `the bundle printed no result:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice("BUNDLE_RESULT ".length)) as { result: unknown; importMs: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

describe("scripts/build.ts", () => {
  const moto = motoForTests();
  let outdir = "";
  let bundles: FunctionBundle[] = [];

  before(async () => {
    if (FUNCTIONS.length === 0) return;
    outdir = mkdtempSync(join(tmpdir(), "stackwarden-build-"));
    bundles = await buildFunctions({ outdir });
  });
  after(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  const bundleOf = (name: string) => bundles.find((bundle) => bundle.name === name);

  it("bundles every function into index.mjs with a manifest, the schema data beside the one that judges templates, within the size bounds", (t) => {
    if (FUNCTIONS.length === 0) return t.skip(NO_FUNCTIONS);
    assert.deepEqual(bundles.map((bundle) => bundle.name), FUNCTIONS.map((fn) => fn.name));
    for (const bundle of bundles) {
      const folder = join(outdir, bundle.name);
      assert.equal(bundle.outfile, join(folder, "index.mjs"));
      assert.equal(statSync(bundle.outfile).size, bundle.bytes);
      assert.deepEqual(readdirSync(folder).sort(), ["index.mjs", "package.json", ...bundle.dataFiles.map((file) => basename(file.path))].sort());
      assert.deepEqual(JSON.parse(readFileSync(join(folder, "package.json"), "utf8")), { name: `stackwarden-${bundle.name}`, private: true, type: "module" });
      const head = readFileSync(bundle.outfile, "utf8").slice(0, 400);
      assert.match(head, /createRequire/, "the banner gives CommonJS code a require");
      assert.ok(!bundle.largestInputs.some((input) => input.source === "@aws-cdk/aws-service-spec"), "the spec database's loader is not bundled");
      const data = bundle.dataFiles.map((file) => `${basename(file.path)} ${kilobytes(file.bytes)}`).join(", ") || "no data files";
      t.diagnostic(`${bundle.name}: ${kilobytes(bundle.bytes)}, ${data} (largest: ${bundle.largestInputs.map((input) => `${input.source} ${kilobytes(input.bytes)}`).join(", ")})`);
      const budget = BUNDLE_BUDGET_BYTES[bundle.name];
      if (budget !== undefined) assert.ok(bundle.bytes <= budget, `${bundle.name} is ${kilobytes(bundle.bytes)}, over its ${kilobytes(budget)} bound`);
      for (const file of bundle.dataFiles) assert.ok(file.bytes <= DATA_BUDGET_BYTES, `${file.path} is ${kilobytes(file.bytes)}, over the ${kilobytes(DATA_BUDGET_BYTES)} bound`);
    }
    const scanStack = bundleOf("scan-stack");
    if (scanStack) assert.deepEqual(scanStack.dataFiles.map((file) => basename(file.path)), [SCHEMA_DATA_FILE], "scan-stack judges templates: its schema data is beside it");
    const planScan = bundleOf("plan-scan");
    if (planScan) assert.deepEqual(planScan.dataFiles, [], "plan-scan looks up no schema: it carries no data");
  });

  it("packages schema data that answers every resource type and property type as the spec database does", (t) => {
    const scanStack = bundleOf("scan-stack");
    if (!scanStack) return t.skip("scan-stack has no handler yet");
    const packaged = openPackagedSchemas(join(outdir, "scan-stack", SCHEMA_DATA_FILE));
    const spec = openSpecSchemas();
    const types = specResourceTypes();
    assert.ok(types.length > 1000 && types.includes("AWS::S3::Bucket") && types.includes("AWS::EC2::SecurityGroup"), `every resource type of the spec (${types.length})`);
    const pending: string[] = [];
    const reach = (properties: Readonly<Record<string, Property>>) => {
      for (const property of Object.values(properties)) for (const type of [property.type, ...(property.previousTypes ?? [])]) pending.push(...referencedTypeIds(type));
    };
    for (const type of types) {
      const fromSpec = spec.resource(type);
      assert.ok(fromSpec, type);
      assert.deepEqual(packaged.resource(type), fromSpec, type);
      reach(fromSpec.properties);
    }
    const seen = new Set<string>();
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      const fromSpec = spec.typeDefinition(id);
      assert.deepEqual(packaged.typeDefinition(id), fromSpec, `type definition ${id}`);
      if (fromSpec) reach(fromSpec.properties);
    }
    assert.ok(seen.size > 5000, `the property types the resources reach (${seen.size})`);
    for (const type of ["Custom::Thing", "AWS::S3::Buckett", "__proto__", "constructor"]) {
      assert.equal(packaged.resource(type), undefined, type);
      assert.equal(spec.resource(type), undefined, type);
    }
    assert.equal(packaged.typeDefinition("no-such-id"), undefined);
  });

  it("judges a template from the scan-stack bundle's code and data as the source does", async (t) => {
    const scanStack = bundleOf("scan-stack");
    if (!scanStack) return t.skip("scan-stack has no handler yet");
    // The scan engine, bundled exactly as scan-stack is, beside scan-stack's data: the handler alone exports no scan.
    const probe = join(outdir, "scan-stack", "scan-probe.mjs");
    await build({
      ...bundleOptions(join(ROOT, "shared", "scan.ts"), probe),
      metafile: false,
    });
    const template = readFileSync(join(FIXTURES, "schema-lookups.yaml"), "utf8");
    const script = [
      `const { scanTemplate } = await import(${JSON.stringify(pathToFileURL(probe).href)});`,
      `const result = scanTemplate(process.env.TEMPLATE, { file: "schema-lookups.yaml" });`,
      "process.stdout.write(JSON.stringify(result.findings.map((finding) => [finding.ruleId, finding.fingerprint, finding.message])));",
    ].join("\n");
    let stdout: string;
    try {
      ({ stdout } = await run(NODE, ["--input-type=module", "-e", script], { cwd: tmpdir(), env: { PATH: process.env.PATH ?? "", TEMPLATE: template }, timeout: 60_000 }));
    } finally {
      rmSync(probe, { force: true });
    }
    const fromBundle = JSON.parse(stdout) as [string, string, string][];
    const fromSource = scanTemplate(template, { file: "schema-lookups.yaml" }).findings.map((finding) => [finding.ruleId, finding.fingerprint, finding.message]);
    assert.deepEqual(fromBundle, fromSource);
    const rules = new Set(fromSource.map(([ruleId]) => ruleId));
    for (const ruleId of ["template-invalid-property-value", "template-unresolved-reference", "template-stateful-no-deletion-policy", "template-invalid-arn-reference"]) {
      assert.ok(rules.has(ruleId), `the fixture makes ${ruleId} look up schemas (found: ${[...rules].join(", ")})`);
    }
  });

  it("imports each bundle in a fresh Node (median of 5) and answers an event it must reject without calling AWS", async (t) => {
    if (FUNCTIONS.length === 0) return t.skip(NO_FUNCTIONS);
    const rejected: Record<string, unknown> = {
      "plan-scan": JSON.parse(readFileSync(join(ROOT, "events", "plan-malformed.json"), "utf8")),
      "scan-stack": { not: "an SQS batch" },
    };
    for (const bundle of bundles) {
      const times: number[] = [];
      for (let attempt = 0; attempt < 5; attempt += 1) times.push((await invokeBundle(bundle.outfile, undefined, IMPORT_ENV)).importMs);
      t.diagnostic(`${bundle.name}: import ${median(times).toFixed(0)} ms median of 5 on ${NODE === NODE_24 ? "Node 24" : `Node ${process.version}`} (${times.map((ms) => ms.toFixed(0)).join(", ")})`);
      if (bundle.name in rejected) {
        const { result } = await invokeBundle(bundle.outfile, rejected[bundle.name], IMPORT_ENV);
        if (bundle.name === "plan-scan") assert.equal((result as { ok: boolean }).ok, false);
        else assert.deepEqual(result, { batchItemFailures: [] });
      }
    }
  });

  it("runs the pipeline from the bundles on moto: plan-scan queues the stack, scan-stack stores and alerts its findings", async (t) => {
    if (FUNCTIONS.length === 0) return t.skip(NO_FUNCTIONS);
    const planScan = bundleOf("plan-scan");
    const scanStack = bundleOf("scan-stack");
    if (!planScan || !scanStack) return t.skip("plan-scan or scan-stack has no handler yet");
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const service = await serviceOnMoto(server.endpoint, "bundle");
    await deployStack(service.cfn, "web", openAdminPortTemplate(22));
    const env = { ...IMPORT_ENV, ...service.env };

    const schedule = JSON.parse(readFileSync(join(ROOT, "events", "schedule.json"), "utf8")) as object;
    const planned = (await invokeBundle(planScan.outfile, schedule, env)).result as { ok: boolean; requests?: number };
    assert.equal(planned.ok, true, JSON.stringify(planned));
    const messages = await drain(service.sqs, service.queueUrl);
    assert.ok(messages.some((message) => message.Body?.includes('"stack":"web"')), "the planner bundle queued the stack");

    // The scan runs the template rules on the deployed template: they read the schema data beside the bundle.
    const scanned = (await invokeBundle(scanStack.outfile, sqsEventOf(messages, service.queueArn), env)).result;
    assert.deepEqual(scanned, { batchItemFailures: [] });
    const store = new FindingsStore({ tableName: service.tableName, target: { region: MOTO_REGION, endpointUrl: server.endpoint } });
    const web = { account: MOTO_ACCOUNT, region: MOTO_REGION, stack: "web" };
    const [scan] = await store.scans(web);
    assert.ok(scan, "the scan is recorded");
    assert.deepEqual(scan.errors, [], "every rule judged the stack (the template rules need the schema data)");
    const findings = await store.findings(web);
    assert.ok(findings.some((finding) => finding.ruleId === "ec2-sg-ingress-open-admin-port"), `stored: ${findings.map((finding) => finding.ruleId).join(", ")}`);
    const alerts = await inboxAlerts(service);
    assert.ok(alerts.some((alert) => alert.attributes.stack === "web" && /ec2-sg-ingress-open-admin-port/.test(alert.message)));
  });
});

describe("literal SDK schema keys (the tree-shaking fix)", () => {
  it("rewrites computed keys named by the file's own string constants, and nothing else", () => {
    const source = 'const _xN = "xmlName";\nconst _n = "name";\nexport var A$ = [3, n0, _n, 0, [_n], [[() => B$, { [_xN]: _n, [other]: 1 }]]];\n';
    assert.equal(
      literalizeSchemaKeys(source),
      'const _xN = "xmlName";\nconst _n = "name";\nexport var A$ = [3, n0, _n, 0, [_n], [[() => B$, { "xmlName": _n, [other]: 1 }]]];\n',
    );
  });

  it("leaves a real SDK schema module's exports unchanged", async () => {
    const schemas = join(ROOT, "node_modules", "@aws-sdk", "client-sqs", "dist-es", "schemas", "schemas_0.js");
    const folder = mkdtempSync(join(tmpdir(), "stackwarden-schemas-"));
    try {
      const shapes = async (plugins: typeof literalSdkSchemaKeys[], file: string) => {
        const entry = join(folder, `${file}-entry.mjs`);
        writeFileSync(entry, `export * from ${JSON.stringify(schemas)};\n`);
        const outfile = join(folder, `${file}.mjs`);
        await build({ entryPoints: [entry], outfile, bundle: true, format: "esm", platform: "node", plugins, logLevel: "error" });
        const module = (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
        const plain = Object.fromEntries(Object.entries(module).filter(([name]) => name.endsWith("$")));
        return JSON.stringify(plain, (_key, value: unknown) => (typeof value === "function" ? `function:${(value as () => unknown).toString()}` : value));
      };
      const original = await shapes([], "original");
      const literal = await shapes([literalSdkSchemaKeys], "literal");
      assert.ok(original.includes("xmlName") || original.includes("jsonName") || original.length > 10_000, "the module has keyed traits to compare");
      assert.equal(literal, original);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
