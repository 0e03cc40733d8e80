/**
 * `npm run bench [-- --runs 3 --lint-every 8 --lint-runs 1 --no-profile]`: templates per second over the failure
 * corpus (../shared/corpus/cfn, every template the manifest says parses, read into memory first) for
 *   (a) a bare YAML parse (the `yaml` package's parse()),
 *   (b) a full StackWarden scan (scanTemplate with every rule),
 *   (c) cfn-lint over the same files in one process (on every Nth file: cfn-lint is two orders slower),
 * then profiles one full-scan pass and writes docs/performance.md.
 *
 * CPU time (user + system) is the headline figure: wall time is reported too but depends on what else the
 * machine runs. Process startup (module loading and the AWS service spec, loaded once per process) is
 * measured apart, never spread over templates.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { parse as parseYaml } from "yaml";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const CORPUS = join(REPO, "..", "shared", "corpus", "cfn");
const OUTPUT = join(REPO, "docs", "performance.md");
const execFileAsync = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    "lint-every": { type: "string", default: "8" },
    "lint-runs": { type: "string", default: "1" },
    "no-profile": { type: "boolean", default: false },
    "no-lint": { type: "boolean", default: false },
    /** Only the first N templates: a quick check of the script itself. */
    limit: { type: "string" },
  },
});
const RUNS = Number(args.runs);
const LINT_EVERY = Number(args["lint-every"]);
const LINT_RUNS = Number(args["lint-runs"]);

interface Sample {
  cpuMs: number;
  wallMs: number;
}

const cpuNow = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Times `work` in CPU and wall milliseconds. */
function measure(work: () => void): Sample {
  const cpu = cpuNow();
  const wall = performance.now();
  work();
  return { cpuMs: cpuNow() - cpu, wallMs: performance.now() - wall };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const fmt = (value: number, digits = 1) => value.toFixed(digits);
const range = (values: number[], digits = 1) => (values.length > 1 ? `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}` : "single run");

// ---- startup: module loading, then the AWS service spec on first use ----
const startupCpu = cpuNow();
const startupWall = performance.now();
const { scanTemplate } = await import("../shared/scan.ts");
const { parseTemplate } = await import("../shared/template/parse.ts");
const { resourceSchema } = await import("../shared/template/schema.ts");
const { ALL_RULES } = await import("../shared/rules/index.ts");
const modulesLoaded = { cpuMs: cpuNow() - startupCpu, wallMs: performance.now() - startupWall };
const specLoaded = measure(() => resourceSchema("AWS::S3::Bucket"));

// ---- the corpus, in memory ----
interface ManifestTask {
  id: string;
  model: string;
  ideal: string;
  model_parses: boolean;
  ideal_parses: boolean;
}
interface Template {
  name: string;
  text: string;
}
const manifest = JSON.parse(readFileSync(join(CORPUS, "manifest.json"), "utf8")) as ManifestTask[];
const listed: Template[] = manifest.flatMap((task) =>
  (["model", "ideal"] as const).filter((side) => task[`${side}_parses`]).map((side) => ({ name: task[side], text: readFileSync(join(CORPUS, task[side]), "utf8") })),
);
// Our parser rejects a few templates the manifest says parse (duplicate keys, a truncated file: see
// test/corpus/corpus.test.ts); they are left out so all three tools see the same files.
const templates = listed
  .filter((template) => {
    try {
      parseTemplate(template.text);
      return true;
    } catch {
      return false;
    }
  })
  .slice(0, args.limit === undefined ? undefined : Number(args.limit));
const bytes = templates.reduce((sum, template) => sum + Buffer.byteLength(template.text), 0);
const lintSample = new Set(templates.filter((_, index) => index % LINT_EVERY === 0).map((template) => template.name));

// ---- (a) bare parse and (b) full scan, several runs; per-file CPU kept for the cfn-lint sample ----
function runPass(work: (template: Template) => void): Sample & { sampleCpuMs: number } {
  let sampleCpuMs = 0;
  const total = measure(() => {
    for (const template of templates) {
      const before = cpuNow();
      work(template);
      if (lintSample.has(template.name)) sampleCpuMs += cpuNow() - before;
    }
  });
  return { ...total, sampleCpuMs };
}
const bareParse = (template: Template) => void parseYaml(template.text, { logLevel: "silent", uniqueKeys: false });
const fullScan = (template: Template) => void scanTemplate(template.text, { file: template.name });

process.stderr.write(`${templates.length} templates (${(bytes / 1048576).toFixed(1)} MiB); warming up\n`);
for (const template of templates.slice(0, 100)) {
  bareParse(template);
  fullScan(template);
}
const parseRuns: ReturnType<typeof runPass>[] = [];
const scanRuns: ReturnType<typeof runPass>[] = [];
for (let run = 1; run <= RUNS; run++) {
  parseRuns.push(runPass(bareParse));
  scanRuns.push(runPass(fullScan));
  process.stderr.write(`run ${run}/${RUNS}: parse ${fmt(parseRuns.at(-1)!.cpuMs / 1000)} s CPU, scan ${fmt(scanRuns.at(-1)!.cpuMs / 1000)} s CPU\n`);
}

// ---- (c) cfn-lint, one process per run over the sample, plus its startup on a one-resource template ----
interface LintRun {
  wallS: number;
  cpuS: number;
}
async function timeCfnLint(files: string[]): Promise<LintRun> {
  // /usr/bin/time reports the child's own CPU time; cfn-lint exits non-zero whenever it finds anything.
  const result = await execFileAsync("/usr/bin/time", ["-f", "TIME %e %U %S", "cfn-lint", "--format", "parseable", ...files], { maxBuffer: 256 * 1024 * 1024 }).then(
    (done) => done.stderr,
    (failed: { stderr?: string }) => failed.stderr ?? "",
  );
  const match = /TIME ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(result);
  if (!match) throw new Error(`could not time cfn-lint: ${result.slice(-500)}`);
  return { wallS: Number(match[1]), cpuS: Number(match[2]) + Number(match[3]) };
}
let lint: { version: string; startup: LintRun; runs: LintRun[]; files: number } | undefined;
if (!args["no-lint"]) {
  const version = await execFileAsync("cfn-lint", ["--version"]).then(
    (result) => result.stdout.trim(),
    () => undefined,
  );
  if (version) {
    const folder = mkdtempSync(join(tmpdir(), "stackwarden-bench-"));
    try {
      const files = templates
        .filter((template) => lintSample.has(template.name))
        .map((template) => {
          const file = join(folder, template.name.replace(/[\\/]/g, "__"));
          writeFileSync(file, template.text);
          return file;
        });
      const tiny = join(folder, "startup.yaml");
      writeFileSync(tiny, "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n");
      const startup = await timeCfnLint([tiny]);
      const runs: LintRun[] = [];
      for (let run = 1; run <= LINT_RUNS; run++) {
        process.stderr.write(`cfn-lint run ${run}/${LINT_RUNS} over ${files.length} templates\n`);
        runs.push(await timeCfnLint(files));
      }
      lint = { version, startup, runs, files: files.length };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
}

// ---- profile one full-scan pass ----
interface Hotspot {
  name: string;
  selfMs: number;
  share: number;
}
let hotspots: Hotspot[] = [];
let inclusiveByFile: { file: string; share: number }[] = [];
if (!args["no-profile"]) {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  for (const template of templates) fullScan(template);
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // Frames with no script are the profiler's own work (dispatch, idle, program), except the garbage collector.
  const counts = (id: number) => {
    const frame = nodes.get(id)!.callFrame;
    return frame.url !== "" || frame.functionName === "(garbage collector)";
  };
  const selfTime = new Map<number, number>();
  profile.samples!.forEach((id, index) => {
    if (counts(id)) selfTime.set(id, (selfTime.get(id) ?? 0) + profile.timeDeltas![index]!);
  });
  const total = [...selfTime.values()].reduce((sum, time) => sum + time, 0);
  const shortUrl = (url: string) => {
    if (url.includes("/node_modules/")) return url.slice(url.indexOf("/node_modules/") + 14);
    if (url.startsWith("file:")) return relative(REPO, fileURLToPath(url));
    return url.startsWith("/") ? relative(REPO, url) : url;
  };
  const bySelf = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, time] of selfTime) {
    const frame = nodes.get(id)!.callFrame;
    const key = frame.url ? `${frame.functionName || "(anonymous)"} (${shortUrl(frame.url)})` : frame.functionName;
    bySelf.set(key, (bySelf.get(key) ?? 0) + time);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
      const url = nodes.get(current)!.callFrame.url;
      if (!url || seen.has(url) || !(url.includes("/shared/") || url.includes("/node_modules/yaml/"))) continue;
      const file = url.includes("/node_modules/yaml/") ? "yaml (package)" : shortUrl(url);
      if (seen.has(file)) continue;
      seen.add(url);
      seen.add(file);
      byFile.set(file, (byFile.get(file) ?? 0) + time);
    }
  }
  hotspots = [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([name, time]) => ({ name, selfMs: time / 1000, share: time / total }));
  inclusiveByFile = [...byFile].filter(([file]) => file !== "shared/scan.ts").sort((a, b) => b[1] - a[1]).slice(0, 15).map(([file, time]) => ({ file, share: time / total }));
}

// ---- report ----
const perTemplate = (ms: number) => ms / templates.length;
const parseCpu = parseRuns.map((run) => run.cpuMs);
const scanCpu = scanRuns.map((run) => run.cpuMs);
const parseWall = parseRuns.map((run) => run.wallMs);
const scanWall = scanRuns.map((run) => run.wallMs);
const scanOverParse = scanCpu.map((cpu, index) => cpu / parseCpu[index]!);
const sampleScanMs = median(scanRuns.map((run) => run.sampleCpuMs)) / lintSample.size;
const lintPerTemplateMs = lint ? (median(lint.runs.map((run) => run.cpuS)) - lint.startup.cpuS) * 1000 / lint.files : undefined;
const cpuModel = cpus()[0]?.model ?? "unknown CPU";
const [load1, load5] = loadavg();
const rate = (ms: number) => `${fmt(1000 / ms, 0)}`;

const lines = [
  "# StackWarden performance",
  "",
  "The static scan first (the corpus against a bare YAML parse and cfn-lint), then the Lambda bundles, an account of",
  "thousands of stacks against the AWS rate limits, and the serverless path, each section written by its bench.",
  "",
  `Static scan: generated by \`npm run bench\` (bench/static.ts) on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`,
  "",
  "## Machine",
  "",
  `- ${cpus().length} × ${cpuModel}, ${(totalmem() / 1073741824).toFixed(0)} GiB memory; Node ${process.version} (TypeScript run through tsx); ${lint?.version ?? "cfn-lint not measured"}.`,
  `- Load average when the report was written: ${fmt(load1!, 1)} (1 min), ${fmt(load5!, 1)} (5 min). Other work on the machine inflates wall time; CPU time (user + system of this process) is the figure to compare.`,
  "",
  "## How to reproduce",
  "",
  "```sh",
  "npm run bench                               # 3 runs; cfn-lint on every 8th template, 1 run; profile",
  "npm run bench -- --runs 5 --lint-every 1 --lint-runs 3   # the whole corpus through cfn-lint (slow: tens of minutes)",
  "npm run bench -- --no-lint --no-profile     # only the two in-process figures",
  "npm run bench -- --limit 50 --runs 1       # a quick check of the script",
  "```",
  "",
  `Input: every template of ../shared/corpus/cfn that the manifest says parses and StackWarden reads (${templates.length} of ${listed.length}; ` +
    `the ${listed.length - templates.length} left out are invalid CloudFormation, see test/corpus/corpus.test.ts), ${(bytes / 1048576).toFixed(1)} MiB, read into memory before timing. ` +
    `One warm-up pass over 100 templates precedes the timed runs.`,
  "",
  "## Figures",
  "",
  `Medians of ${RUNS} run${RUNS === 1 ? "" : "s"} (range in brackets).`,
  "",
  "| what | CPU per run | per template (CPU) | templates/s (CPU) | wall per run |",
  "|---|---:|---:|---:|---:|",
  `| (a) bare YAML parse (\`yaml\` parse()) | ${fmt(median(parseCpu) / 1000, 2)} s (${range(parseCpu.map((ms) => ms / 1000), 2)}) | ${fmt(perTemplate(median(parseCpu)), 2)} ms | ${rate(perTemplate(median(parseCpu)))} | ${fmt(median(parseWall) / 1000, 2)} s (${range(parseWall.map((ms) => ms / 1000), 2)}) |`,
  `| (b) full scan (scanTemplate, all ${ALL_RULES.length} rules) | ${fmt(median(scanCpu) / 1000, 2)} s (${range(scanCpu.map((ms) => ms / 1000), 2)}) | ${fmt(perTemplate(median(scanCpu)), 2)} ms | ${rate(perTemplate(median(scanCpu)))} | ${fmt(median(scanWall) / 1000, 2)} s (${range(scanWall.map((ms) => ms / 1000), 2)}) |`,
  ...(lint && lintPerTemplateMs !== undefined
    ? [
        `| (c) cfn-lint, one process, ${lint.files} templates (every ${LINT_EVERY}th) | ${fmt(median(lint.runs.map((run) => run.cpuS)), 1)} s (${range(lint.runs.map((run) => run.cpuS))}) | ${fmt(lintPerTemplateMs, 0)} ms | ${fmt(1000 / lintPerTemplateMs, 1)} | ${fmt(median(lint.runs.map((run) => run.wallS)), 1)} s (${range(lint.runs.map((run) => run.wallS))}) |`,
      ]
    : ["| (c) cfn-lint | not measured (not installed, or --no-lint) | | | |"]),
  "",
  "Startup, once per process and not included above:",
  "",
  `- loading StackWarden's modules (through tsx): ${fmt(modulesLoaded.cpuMs, 0)} ms CPU, ${fmt(modulesLoaded.wallMs, 0)} ms wall;`,
  `- loading the AWS service spec (shared/template/schema.ts, on first use): ${fmt(specLoaded.cpuMs, 0)} ms CPU, ${fmt(specLoaded.wallMs, 0)} ms wall;`,
  ...(lint ? [`- cfn-lint on a one-resource template (its own startup, subtracted from its per-template figure): ${fmt(lint.startup.cpuS, 2)} s CPU, ${fmt(lint.startup.wallS, 2)} s wall.`] : []),
  "",
  "## Ratios",
  "",
  `- Full scan / bare parse (CPU): **${fmt(median(scanOverParse), 2)}×** (range ${range(scanOverParse, 2)}; aim ≤ 1.5).`,
  ...(lintPerTemplateMs !== undefined
    ? [
        `- cfn-lint / full scan (CPU per template, on the same ${lint!.files} templates; StackWarden ${fmt(sampleScanMs, 2)} ms each there): **${fmt(lintPerTemplateMs / sampleScanMs, 0)}×** (aim ≥ 50).`,
      ]
    : []),
  "",
];
if (hotspots.length > 0) {
  lines.push(
    "## Where a full scan spends its time",
    "",
    "One full-scan pass under the V8 sampling profiler (node:inspector). Self time by function:",
    "",
    "| function (file) | self time | share |",
    "|---|---:|---:|",
    ...hotspots.map((spot) => `| ${spot.name.replace(/\|/g, "\\|")} | ${fmt(spot.selfMs, 0)} ms | ${fmt(spot.share * 100)}% |`),
    "",
    "Inclusive share by source file (time in the file and in what it calls):",
    "",
    "| file | share |",
    "|---|---:|",
    ...inclusiveByFile.map((entry) => `| ${entry.file} | ${fmt(entry.share * 100)}% |`),
    "",
  );
}
// A hand-written account of what changed (with its before/after figures) is kept across runs.
const KEPT_SECTION = "## What was changed to reach them";
const previous = existsSync(OUTPUT) ? readFileSync(OUTPUT, "utf8") : "";
const kept = previous.indexOf(KEPT_SECTION);
if (kept >= 0) lines.push(previous.slice(kept).trimEnd(), "");
mkdirSync(dirname(OUTPUT), { recursive: true });
writeFileSync(OUTPUT, lines.join("\n"));
console.log(`wrote ${relative(process.cwd(), OUTPUT)}`);
console.log(
  `parse ${fmt(perTemplate(median(parseCpu)), 2)} ms/template, scan ${fmt(perTemplate(median(scanCpu)), 2)} ms/template (CPU), scan/parse ${fmt(median(scanOverParse), 2)}x` +
    (lintPerTemplateMs !== undefined ? `, cfn-lint ${fmt(lintPerTemplateMs, 0)} ms/template, cfn-lint/scan ${fmt(lintPerTemplateMs / sampleScanMs, 0)}x` : ""),
);

