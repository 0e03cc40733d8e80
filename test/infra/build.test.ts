/**
 * scripts/build.ts: each function bundles into a self-contained folder that imports in a fresh Node and runs the real
 * pipeline on moto (plan-scan bundle -> queue -> scan-stack bundle -> table + topic). Prints bundle sizes and import
 * times (median of 5 fresh processes); no timing is asserted.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { buildFunctions, functionEntryPoints, kilobytes, literalizeSchemaKeys, literalSdkSchemaKeys, type FunctionBundle } from "../../scripts/build.ts";
import { FindingsStore } from "../../shared/findings/store.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoForTests } from "../live/moto.ts";
import { deployStack, drain, inboxAlerts, openAdminPortTemplate, serviceOnMoto, sqsEventOf } from "../functions/helpers.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FUNCTIONS = functionEntryPoints();
const NO_FUNCTIONS = "no functions/*/handler.ts yet: nothing to bundle";
/** The Lambda runtime is nodejs24.x: import with Node 24 (the project's devDependency) when it is installed. */
const NODE_24 = join(ROOT, "node_modules", "node", "bin", "node");
const NODE = existsSync(NODE_24) ? NODE_24 : process.execPath;
/**
 * Today's bundles are about 1.6 MB: the scan engine (rules, views, readers, YAML) and 18 AWS SDK clients. A bundle
 * past this budget means something large came in (2.5 MB when the SDK schemas stop being tree-shaken).
 */
const BUNDLE_BUDGET_BYTES = 2 * 1024 * 1024;
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

  it("bundles every function into index.mjs with the schema database and a manifest, within the size budget", (t) => {
    if (FUNCTIONS.length === 0) return t.skip(NO_FUNCTIONS);
    assert.deepEqual(bundles.map((bundle) => bundle.name), FUNCTIONS.map((fn) => fn.name));
    for (const bundle of bundles) {
      const folder = join(outdir, bundle.name);
      assert.equal(bundle.outfile, join(folder, "index.mjs"));
      assert.equal(statSync(bundle.outfile).size, bundle.bytes);
      assert.ok(statSync(join(folder, "db.json.gz")).size > 1_000_000, `${bundle.name}: the CloudFormation schema database is beside the bundle`);
      assert.deepEqual(JSON.parse(readFileSync(join(folder, "package.json"), "utf8")), { name: `stackwarden-${bundle.name}`, private: true, type: "module" });
      const head = readFileSync(bundle.outfile, "utf8").slice(0, 400);
      assert.match(head, /createRequire/, "the banner gives CommonJS code a require");
      t.diagnostic(`${bundle.name}: ${kilobytes(bundle.bytes)} (largest: ${bundle.largestInputs.map((input) => `${input.source} ${kilobytes(input.bytes)}`).join(", ")})`);
      assert.ok(bundle.bytes <= BUNDLE_BUDGET_BYTES, `${bundle.name} is ${kilobytes(bundle.bytes)}, over the ${kilobytes(BUNDLE_BUDGET_BYTES)} budget`);
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

    // The scan runs the template rules on the deployed template: they read db.json.gz beside the bundle.
    const scanned = (await invokeBundle(scanStack.outfile, sqsEventOf(messages, service.queueArn), env)).result;
    assert.deepEqual(scanned, { batchItemFailures: [] });
    const store = new FindingsStore({ tableName: service.tableName, target: { region: MOTO_REGION, endpointUrl: server.endpoint } });
    const web = { account: MOTO_ACCOUNT, region: MOTO_REGION, stack: "web" };
    const [scan] = await store.scans(web);
    assert.ok(scan, "the scan is recorded");
    assert.deepEqual(scan.errors, [], "every rule judged the stack (the template rules need db.json.gz)");
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
