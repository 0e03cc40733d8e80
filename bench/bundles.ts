/**
 * `npm run bench:bundles [-- --runs 9 --before REF --no-write]`: what each Lambda function carries and how fast it starts.
 *
 * Builds every function (scripts/build.ts) into a temporary folder and reports, per function: the bundle's size, the
 * data files beside it, the code package zipped (each file deflated with node:zlib at the default level, the method and
 * level of a zip archive), and the import time of the bundle in a fresh Node process (the functions' runtime, Node 24,
 * when the `node` devDependency is installed), median and range of --runs processes. For scan-stack it also times the
 * first scan: a fresh process imports scan-stack's code with scanTemplate exported beside the handler, then scans a
 * small example template with every rule, which loads the resource schema data; and, for comparison, what reading the
 * spec database (@aws-cdk/aws-service-spec's db.json.gz, what the bundles carried before) costs in a fresh process.
 * With --before REF, the same figures for the functions as built at that commit (`git archive`, the repository's
 * node_modules), measured in the same run. The table is printed and written into docs/performance.md between the
 * bundles-bench markers.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import { deflateRawSync } from "node:zlib";
import { build } from "esbuild";
import { buildFunctions, bundleOptions, kilobytes } from "../scripts/build.ts";

const run = promisify(execFile);
const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUTPUT = join(REPO, "docs", "performance.md");
const START = "<!-- bundles-bench:start (written by bench/bundles.ts; edits between these markers are overwritten) -->";
const END = "<!-- bundles-bench:end -->";
/** The static section ends where the account bench's begins; the bundle table goes between them. */
const ACCOUNT_START = "<!-- account-bench:start";
const NODE_24 = join(REPO, "node_modules", "node", "bin", "node");
const NODE = existsSync(NODE_24) ? NODE_24 : process.execPath;
const SMALL_TEMPLATE = join(REPO, "examples", "nova-ebs-kms-web.yaml");

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "9" },
    before: { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});
const RUNS = Number(args.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs takes a positive whole number, not ${args.runs}`);

/** Environment a handler may read at import (the values the SAM template sets); nothing calls AWS at import. */
const IMPORT_ENV = {
  PATH: process.env.PATH ?? "",
  TABLE_NAME: "stackwarden-findings",
  TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:stackwarden-alerts",
  QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/stackwarden-scan",
  TARGET_REGIONS: "us-east-1",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
};

interface PackageFigures {
  name: string;
  bundleBytes: number;
  dataFiles: { name: string; bytes: number }[];
  zippedBytes: number;
  importMs: number[];
}

/** Runs a module script in a fresh Node and returns the JSON it prints last. */
async function measureInFreshNode<T>(script: string, env: Record<string, string> = {}): Promise<T> {
  const { stdout } = await run(NODE, ["--input-type=module", "-e", script], { cwd: tmpdir(), env: { ...IMPORT_ENV, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
  const line = stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(line) as T;
}

function importScript(bundle: string): string {
  return [
    "const started = performance.now();",
    `await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    "process.stdout.write('\\n' + JSON.stringify(performance.now() - started) + '\\n');",
  ].join("\n");
}

interface PackageFolder {
  name: string;
  label: string;
  folder: string;
  dataFiles: string[];
}

/** Sizes of each function folder, and import times: the runs alternate between the folders, so a burst of load touches each alike. */
async function measurePackages(folders: PackageFolder[]): Promise<PackageFigures[]> {
  const figures: PackageFigures[] = folders.map(({ name, label, folder, dataFiles: files }) => {
    const bundle = readFileSync(join(folder, "index.mjs"));
    const dataFiles = files.map((file) => ({ name: file, bytes: readFileSync(join(folder, file)).length }));
    const zippedBytes = [bundle, ...files.map((file) => readFileSync(join(folder, file))), readFileSync(join(folder, "package.json"))]
      .reduce((total, contents) => total + deflateRawSync(contents).length, 0);
    return { name: `${name}${label}`, bundleBytes: bundle.length, dataFiles, zippedBytes, importMs: [] };
  });
  for (let attempt = 0; attempt < RUNS; attempt += 1) {
    for (const [index, figure] of figures.entries()) figure.importMs.push(await measureInFreshNode<number>(importScript(join(folders[index]!.folder, "index.mjs"))));
  }
  return figures;
}

interface FirstScan {
  importMs: number;
  scanMs: number;
  findings: number;
  heapAfterImportMb: number;
  heapAfterScanMb: number;
  rssAfterScanMb: number;
}

/** scan-stack's code with scanTemplate exported too, in scan-stack's folder (beside its data): the first scan in a fresh Node. */
async function measureFirstScan(outdir: string): Promise<{ runs: FirstScan[]; probeBytes: number }> {
  const folder = join(outdir, "scan-stack");
  const probe = join(folder, "first-scan-probe.mjs");
  const options = bundleOptions(join(REPO, "functions", "scan-stack", "handler.ts"), probe);
  await build({
    ...options,
    entryPoints: undefined,
    stdin: {
      contents: 'export { handler } from "./functions/scan-stack/handler.ts";\nexport { scanTemplate } from "./shared/scan.ts";\n',
      resolveDir: REPO,
      sourcefile: "first-scan-probe.ts",
      loader: "ts",
    },
    metafile: false,
  });
  const script = [
    "const mb = (bytes) => bytes / 1024 / 1024;",
    "const started = performance.now();",
    `const { scanTemplate } = await import(${JSON.stringify(pathToFileURL(probe).href)});`,
    "const imported = performance.now();",
    "const heapAfterImportMb = mb(process.memoryUsage().heapUsed);",
    "const result = scanTemplate(process.env.TEMPLATE, { file: 'template.yaml' });",
    "const scanned = performance.now();",
    "const memory = process.memoryUsage();",
    "process.stdout.write('\\n' + JSON.stringify({ importMs: imported - started, scanMs: scanned - imported, findings: result.findings.length, heapAfterImportMb, heapAfterScanMb: mb(memory.heapUsed), rssAfterScanMb: mb(memory.rss) }) + '\\n');",
  ].join("\n");
  const template = readFileSync(SMALL_TEMPLATE, "utf8");
  const runs: FirstScan[] = [];
  for (let attempt = 0; attempt < RUNS; attempt += 1) runs.push(await measureInFreshNode<FirstScan>(script, { TEMPLATE: template }));
  const probeBytes = readFileSync(probe).length;
  rmSync(probe);
  return { runs, probeBytes };
}

interface SpecLoad {
  loadMs: number;
  heapMb: number;
  rssMb: number;
}

/** Reading the spec database as the bundles did before: gunzip and parse db.json.gz into the spec's indexed database. */
async function measureSpecLoad(): Promise<SpecLoad[]> {
  const loader = pathToFileURL(join(REPO, "node_modules", "@aws-cdk", "aws-service-spec", "lib", "index.js")).href;
  const script = [
    `const { loadAwsServiceSpecSync } = (await import(${JSON.stringify(loader)})).default;`,
    "const before = process.memoryUsage();",
    "const started = performance.now();",
    "const db = loadAwsServiceSpecSync();",
    "const loadMs = performance.now() - started;",
    "const after = process.memoryUsage();",
    "if (db.all('resource').length === 0) throw new Error('empty spec database');",
    "process.stdout.write('\\n' + JSON.stringify({ loadMs, heapMb: (after.heapUsed - before.heapUsed) / 1024 / 1024, rssMb: (after.rss - before.rss) / 1024 / 1024 }) + '\\n');",
  ].join("\n");
  const runs: SpecLoad[] = [];
  for (let attempt = 0; attempt < Math.min(RUNS, 5); attempt += 1) runs.push(await measureInFreshNode<SpecLoad>(script));
  return runs;
}

/** The functions as built at commit `ref`: its tree from `git archive`, this repository's node_modules. */
async function buildAt(ref: string, workdir: string): Promise<{ outdir: string; commit: string }> {
  const tree = join(workdir, "tree");
  mkdirSync(tree, { recursive: true });
  const commit = (await run("git", ["rev-parse", "--short", ref], { cwd: REPO })).stdout.trim();
  const archive = join(workdir, "tree.tar");
  await run("git", ["archive", "--format=tar", "-o", archive, ref], { cwd: REPO });
  await run("tar", ["-xf", archive, "-C", tree]);
  symlinkSync(join(REPO, "node_modules"), join(tree, "node_modules"));
  const outdir = join(workdir, "dist");
  await run(process.execPath, ["--import", "tsx", join(tree, "scripts", "build.ts"), "--outdir", outdir], { cwd: tree, maxBuffer: 16 * 1024 * 1024 });
  return { outdir, commit };
}

/** Files in a function folder other than the bundle and its manifest: what it reads at run time. */
function dataFilesIn(folder: string): string[] {
  return readdirSync(folder).filter((file) => file !== "index.mjs" && file !== "package.json").sort();
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const ms = (values: number[]) => `${median(values).toFixed(0)} ms (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
const mb = (values: number[]) => `${median(values).toFixed(1)} MB`;

function packageRows(figures: PackageFigures[]): string[] {
  return figures.map((figure) => {
    const data = figure.dataFiles.length === 0 ? "none" : figure.dataFiles.map((file) => `${file.name} ${kilobytes(file.bytes)}`).join(", ");
    const total = figure.bundleBytes + figure.dataFiles.reduce((sum, file) => sum + file.bytes, 0);
    return `| ${figure.name} | ${kilobytes(figure.bundleBytes)} | ${data} | ${kilobytes(total)} | ${kilobytes(figure.zippedBytes)} | ${ms(figure.importMs)} |`;
  });
}

const workdir = mkdtempSync(join(tmpdir(), "stackwarden-bundles-bench-"));
try {
  const outdir = join(workdir, "current");
  const bundles = await buildFunctions({ outdir });
  const names = bundles.map((bundle) => bundle.name);
  const before = args.before ? await buildAt(args.before, join(workdir, "before")) : undefined;
  const folders: PackageFolder[] = bundles.map((bundle) => ({ name: bundle.name, label: "", folder: join(outdir, bundle.name), dataFiles: bundle.dataFiles.map((file) => basename(file.path)) }));
  if (before) {
    for (const name of names.filter((name) => existsSync(join(before.outdir, name)))) {
      folders.push({ name, label: ` (at ${before.commit})`, folder: join(before.outdir, name), dataFiles: dataFilesIn(join(before.outdir, name)) });
    }
  }
  const packages = await measurePackages(folders);
  const firstScan = names.includes("scan-stack") ? await measureFirstScan(outdir) : undefined;
  const specLoad = await measureSpecLoad();

  const load = loadavg();
  const now = new Date().toISOString().slice(0, 16).replace("T", " ");
  const runtime = NODE === NODE_24 ? "Node 24 (the `node` devDependency, the functions' runtime)" : `Node ${process.version}`;
  const lines = [
    START,
    "## Lambda bundles (bench/bundles.ts)",
    "",
    `Generated by \`npm run bench:bundles${args.before ? ` -- --before ${args.before}` : ""}\` on ${now} UTC; ${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, imports on ${runtime}, load average ${load[0]!.toFixed(1)} when written.`,
    "",
    "A function's code package is its folder: the bundle (`index.mjs`), the data files it reads at run time and a `package.json`.",
    "*Zipped* is the package with each file deflated by node:zlib at the default level (what a zip archive does). *Import* is",
    `\`await import()\` of the bundle in a fresh Node process, median (range) of ${RUNS} processes, the runs of all the rows interleaved.`,
    "",
    ...(before ? [`Rows marked *(at ${before.commit})* are built from that commit's files (\`git archive\`), the others from the working tree.`, ""] : []),
    "| function | bundle | data files | bundle + data | zipped | import |",
    "|---|---:|---|---:|---:|---:|",
    ...packageRows(packages),
    "",
    "What each bundle is made of (output bytes per package, largest first; *(project)* is this repository's code):",
    "",
    ...bundles.map((bundle) => `- ${bundle.name}: ${bundle.largestInputs.map((input) => `${input.source} ${kilobytes(input.bytes)}`).join(", ")}`),
    "",
    "scan-stack's data file holds the fields of the CloudFormation resource schema the engine reads (shared/template/schema-data.ts),",
    "derived at build time from @aws-cdk/aws-service-spec for every resource type and the property types they reach, one JSON",
    "line per type, parsed when a scan first looks the type up. plan-scan looks up no schema and carries no data.",
    "",
  ];
  if (firstScan) {
    const runs = firstScan.runs;
    lines.push(
      `**First scan in scan-stack** (${RUNS} fresh processes): scan-stack's code with \`scanTemplate\` exported beside the handler`,
      `(${kilobytes(firstScan.probeBytes)}, in scan-stack's folder), imported, then one scan of \`examples/${basename(SMALL_TEMPLATE)}\``,
      `(${runs[0]!.findings} findings, every rule), which reads the resource schema data for the types the template holds.`,
      "",
      "| step | time | heap after |",
      "|---|---:|---:|",
      `| import | ${ms(runs.map((figure) => figure.importMs))} | ${mb(runs.map((figure) => figure.heapAfterImportMb))} |`,
      `| first scanTemplate | ${ms(runs.map((figure) => figure.scanMs))} | ${mb(runs.map((figure) => figure.heapAfterScanMb))} (RSS ${mb(runs.map((figure) => figure.rssAfterScanMb))}) |`,
      `| import + first scan | ${ms(runs.map((figure) => figure.importMs + figure.scanMs))} | |`,
      "",
    );
  }
  lines.push(
    `For comparison, reading the spec database the bundles carried before (db.json.gz, ${kilobytes(readFileSync(join(REPO, "node_modules", "@aws-cdk", "aws-service-spec", "db.json.gz")).length)})`,
    `in a fresh process: ${ms(specLoad.map((figure) => figure.loadMs))}, heap +${mb(specLoad.map((figure) => figure.heapMb))}, RSS +${mb(specLoad.map((figure) => figure.rssMb))} (median of ${specLoad.length}).`,
    "",
    "Reproduce: `npm run bench:bundles` (`--runs N` processes per figure, default 9; `--before REF` adds the functions as built",
    "at that commit; `--no-write` prints without writing this file).",
    "",
    END,
  );
  const section = lines.join("\n");
  process.stdout.write(`${section}\n`);
  if (!args["no-write"]) {
    const document = readFileSync(OUTPUT, "utf8");
    const start = document.indexOf(START.slice(0, START.indexOf(" (")));
    const end = document.indexOf(END);
    let updated: string;
    if (start !== -1 && end > start) updated = document.slice(0, start) + section + document.slice(end + END.length);
    else if (document.includes(ACCOUNT_START)) {
      const at = document.indexOf(ACCOUNT_START);
      updated = `${document.slice(0, at)}${section}\n\n${document.slice(at)}`;
    } else updated = `${document.trimEnd()}\n\n${section}\n`;
    writeFileSync(OUTPUT, updated);
  }
} finally {
  rmSync(workdir, { recursive: true, force: true });
}
