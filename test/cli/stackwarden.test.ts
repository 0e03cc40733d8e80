import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Finding } from "../../shared/findings/finding.ts";
import type { ScanReport } from "../../shared/findings/report.ts";
import { ALL_RULES } from "../../shared/rules/index.ts";
import { sarifProblems } from "../findings/sarif-shape.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "cli", "stackwarden.ts");
const FIXTURES = relative(ROOT, fileURLToPath(new URL("./fixtures/", import.meta.url)));
const at = (name: string) => join(FIXTURES, name);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The fixtures exercise one finished rule, so other rules, still being written, cannot change what these tests see. */
const ONLY_EGRESS_RULE = ["--rule", "ec2-sg-egress-unrestricted"];

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runWithRules([...args, ...ONLY_EGRESS_RULE], env);
}

function runWithRules(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCommand(process.execPath, ["--import", "tsx", CLI, ...args], env);
}

function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "", FORCE_COLOR: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function json(args: string[]): Promise<Run & { report: ScanReport }> {
  const result = await run([...args, "--format", "json"]);
  return { ...result, report: JSON.parse(result.stdout) as ScanReport };
}

const byResource = (report: ScanReport, logicalId: string): Finding => {
  const finding = report.findings.find((candidate) => candidate.resource.logicalId === logicalId && candidate.ruleId === "ec2-sg-egress-unrestricted");
  assert.ok(finding, `no finding on ${logicalId} in ${JSON.stringify(report.findings.map((f) => f.resource.logicalId))}`);
  return finding;
};

describe("stackwarden CLI: exit codes", { concurrency: true }, () => {
  it("exits 0 on a clean template and says there is nothing open", async () => {
    const result = await run([at("clean.yaml")]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /1 template scanned, 0 open findings, 0 suppressed, 0 errors/);
  });

  it("exits 0 for a medium finding under the default --fail-on high, and 1 once --fail-on reaches it", async () => {
    const runs = await Promise.all(
      [[], ["--fail-on", "medium"], ["--fail-on", "low"], ["--fail-on", "critical"], ["--fail-on", "none"]].map((flags) => run([at("open-egress.yaml"), ...flags])),
    );
    assert.deepEqual(runs.map((result) => result.status), [0, 1, 1, 0, 0]);
  });

  it("exits 1 when a severity override lifts a finding above --fail-on", async () => {
    const result = await json([at("open-egress.yaml"), "--policy", at("policy-override.yaml")]);
    assert.equal(result.status, 1);
    assert.equal(byResource(result.report, "AppGroup").severity, "critical");
    assert.equal(result.report.summary.bySeverity.critical, 1);
  });

  it("rejects an unknown option with exit 2 and one line on stderr", async () => {
    const result = await run(["--stacks", "x", at("clean.yaml")]);
    assert.equal(result.status, 2);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^stackwarden: Unknown option '--stacks'/);
  });

  it("rejects live flags used wrongly with exit 2 and a line that says why", async () => {
    const cases: [string[], RegExp][] = [
      [["--region", "eu-west-1", at("clean.yaml")], /--region needs --stack NAME or --all-stacks/],
      [["--stack", "app", at("clean.yaml"), "--region", "eu-west-1"], /template files or --stack\/--all-stacks, not both/],
      [["--stack", "app", "--all-stacks", "--region", "eu-west-1"], /--stack or --all-stacks, not both/],
      [["--stack", "app", "--region", "Ireland"], /--region "Ireland" is not a region name/],
      [["--stack", "app", "--region", "eu-west-1", "--endpoint-url", "localhost:5000"], /--endpoint-url must be an http\(s\) URL/],
      [["--stack", "app"], /no region: pass --region R/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args, { AWS_REGION: "", AWS_DEFAULT_REGION: "" })));
    for (const [index, [args, message]] of cases.entries()) {
      const result = results[index]!;
      assert.equal(result.status, 2, args.join(" "));
      assert.equal(result.stdout, "");
      assert.match(result.stderr, message, args.join(" "));
    }
  });

  it("rejects a bad --format, a bad --fail-on and a missing path with exit 2", async () => {
    const format = await run([at("clean.yaml"), "--format", "xml"]);
    assert.equal(format.status, 2);
    assert.match(format.stderr, /--format must be one of text, json, sarif/);
    const failOn = await run([at("clean.yaml"), "--fail-on", "urgent"]);
    assert.equal(failOn.status, 2);
    assert.match(failOn.stderr, /--fail-on must be one of critical, high, medium, low, info, none/);
    const nothing = await run([]);
    assert.equal(nothing.status, 2);
    assert.match(nothing.stderr, /no template files or folders given/);
  });

  it("rejects an unknown --rule id with exit 2", async () => {
    const result = await runWithRules([at("clean.yaml"), "--rule", "ec2-sg-egress-unrestricted,no-such-rule"]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^stackwarden: unknown rule id "no-such-rule"/);
  });

  it("runs every rule unless --rule narrows them", async () => {
    const result = await runWithRules([at("open-egress.yaml"), "--format", "json"]);
    const report = JSON.parse(result.stdout) as ScanReport;
    assert.ok(report.findings.some((finding) => finding.ruleId === "ec2-sg-egress-unrestricted" && finding.resource.logicalId === "AppGroup"));
  });

  it("prints usage with --help and exits 0", async () => {
    const result = await run(["--help"]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /Usage: npm run scan --/);
    assert.match(result.stdout, /--fail-on SEVERITY/);
  });
});

describe("stackwarden CLI: reports", { concurrency: true }, () => {
  it("--format json prints exactly one JSON document with findings, errors and summary", async () => {
    const result = await json([at("open-egress.yaml"), at("clean.yaml")]);
    assert.equal(result.status, 0);
    assert.deepEqual(Object.keys(result.report), ["findings", "errors", "summary"]);
    assert.equal(result.stdout.trim().startsWith("{"), true);
    const finding = byResource(result.report, "AppGroup");
    assert.equal(finding.ruleId, "ec2-sg-egress-unrestricted");
    assert.equal(finding.status, "OPEN");
    assert.deepEqual(finding.location, { file: at("open-egress.yaml"), line: 9, column: 11 });
    assert.match(finding.fingerprint, /^[0-9a-f]{32}$/);
    const { summary } = result.report;
    assert.equal(summary.files, 2);
    assert.equal(summary.templates, 2);
    assert.equal(summary.findings, 1);
    assert.deepEqual(summary.bySeverity, { critical: 0, high: 0, medium: 1, low: 0, info: 0 });
    assert.deepEqual(summary.byStatus, { OPEN: 1, SUPPRESSED: 0 });
    assert.equal(summary.errors, 0);
    assert.equal(typeof summary.durationMs, "number");
  });

  it("through `npm run scan --`, as the README shows, stdout still holds only the JSON document", async () => {
    const npm = await runCommand("npm", ["run", "scan", "--", at("open-egress.yaml"), "--format", "json", ...ONLY_EGRESS_RULE]);
    assert.equal(npm.status, 0, npm.stderr);
    const report = JSON.parse(npm.stdout) as ScanReport;
    assert.equal(report.findings.length, 1);
  });

  it("--format sarif prints a well-formed SARIF 2.1.0 log that lists every rule", async () => {
    const result = await run([at("open-egress.yaml"), at("metadata-suppressions.yaml"), "--format", "sarif"]);
    assert.equal(result.status, 0, result.stderr);
    const log = JSON.parse(result.stdout);
    assert.deepEqual(sarifProblems(log), []);
    const [sarifRun] = log.runs;
    assert.equal(sarifRun.tool.driver.name, "StackWarden");
    assert.deepEqual(sarifRun.tool.driver.rules.map((rule: { id: string }) => rule.id), ALL_RULES.map((rule) => rule.id));
    const app = sarifRun.results.find((result: { message: { text: string } }) => result.message.text.startsWith("AppGroup"));
    assert.equal(app.physicalLocation, undefined);
    assert.equal(app.locations[0].physicalLocation.artifactLocation.uri, "test/cli/fixtures/open-egress.yaml");
    assert.deepEqual(app.locations[0].physicalLocation.region, { startLine: 9, startColumn: 11 });
    assert.equal(app.level, "warning");
    const suppressed = sarifRun.results.filter((result: { suppressions?: unknown[] }) => result.suppressions);
    assert.equal(suppressed.length, 2);
    assert.ok(suppressed.every((result: { suppressions: { kind: string }[] }) => result.suppressions[0]!.kind === "inSource"));
  });

  it("text output groups findings by file, names rule, resource and line, and carries no colour when piped", async () => {
    const result = await run([at("open-egress.yaml"), "--fail-on", "none"]);
    assert.equal(result.status, 0);
    assert.doesNotMatch(result.stdout, /\u001b\[/);
    const lines = result.stdout.split("\n");
    assert.equal(lines[0], at("open-egress.yaml"));
    assert.match(lines[1]!, /^\s+MEDIUM\s+ec2-sg-egress-unrestricted\s+AppGroup\s+line 9$/);
    assert.match(lines[2]!, /AppGroup allows egress of all traffic to 0\.0\.0\.0\/0/);
    assert.match(lines[3]!, /Fix: Declare SecurityGroupEgress explicitly/);
  });

  it("--output writes the report to a file and leaves stdout empty", async () => {
    const folder = mkdtempSync(join(tmpdir(), "stackwarden-cli-"));
    try {
      const output = join(folder, "report.sarif");
      const result = await run([at("open-egress.yaml"), "--format", "sarif", "--output", output]);
      assert.equal(result.status, 0);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /wrote sarif report to .*report\.sarif: 1 open, 0 suppressed, 0 errors/);
      assert.deepEqual(sarifProblems(JSON.parse(readFileSync(output, "utf8"))), []);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("stackwarden CLI: input errors", { concurrency: true }, () => {
  it("scans the good files of a folder, reports the broken one as an error with its line, and exits 2", async () => {
    const result = await json([at("mixed")]);
    assert.equal(result.status, 2);
    assert.deepEqual(result.report.findings.map((finding) => finding.resource.logicalId), ["GoodYamlGroup", "GoodJsonGroup"]);
    assert.equal(result.report.errors.length, 1);
    const [error] = result.report.errors;
    assert.equal(error!.target, join(FIXTURES, "mixed", "b-broken.yaml"));
    assert.match(error!.message, /quote/);
    assert.equal(typeof error!.location?.line, "number");
    assert.equal(result.report.summary.files, 3);
    assert.equal(result.report.summary.templates, 2);
    assert.equal(result.report.summary.skipped, 1, "the workflow file does not look like CloudFormation");
    assert.match(result.stderr, /b-broken\.yaml: Missing closing/);
  });

  it("reports a missing file among good ones as an error, scans the others, and exits 2", async () => {
    const result = await json([at("open-egress.yaml"), at("no-such-template.yaml"), at("clean.yaml")]);
    assert.equal(result.status, 2);
    assert.deepEqual(result.report.errors, [{ target: at("no-such-template.yaml"), message: "cannot read: no such file or folder" }]);
    assert.equal(result.report.summary.templates, 2);
    assert.equal(byResource(result.report, "AppGroup").status, "OPEN");
  });

  it("exits 2 before scanning when the policy file is invalid, with one clear line on stderr", async () => {
    const bad = await run([at("open-egress.yaml"), "--policy", at("policy-bad.yaml")]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, "");
    const [line, hint, rest] = bad.stderr.split("\n");
    assert.match(line!, /^stackwarden: invalid policy file .*policy-bad\.yaml: /);
    assert.match(line!, /unknown key "suppresions"/);
    assert.match(line!, /alertMinSeverity must be one of critical, high, medium, low, info/);
    assert.equal(hint, "Run with --help for usage.");
    assert.equal(rest, "");

    const unknownRule = await run([at("open-egress.yaml"), "--policy", at("policy-unknown-rule.json")]);
    assert.equal(unknownRule.status, 2);
    assert.match(unknownRule.stderr, /unknown rule id "no-such-rule"/);

    const missing = await run([at("open-egress.yaml"), "--policy", at("no-such-policy.yaml")]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^stackwarden: cannot read policy file .*no-such-policy\.yaml: ENOENT/);
  });

  describe("folder search", { concurrency: false }, () => {
    const folder = mkdtempSync(join(tmpdir(), "stackwarden-tree-"));
    after(() => rmSync(folder, { recursive: true, force: true }));
    const broken = readFileSync(at("mixed/b-broken.yaml"), "utf8");
    mkdirSync(join(folder, "stacks", "nested"), { recursive: true });
    mkdirSync(join(folder, "node_modules", "pkg"), { recursive: true });
    mkdirSync(join(folder, ".aws-sam"), { recursive: true });
    copyFileSync(at("open-egress.yaml"), join(folder, "stacks", "nested", "app.template"));
    writeFileSync(join(folder, "node_modules", "pkg", "template.yaml"), broken);
    writeFileSync(join(folder, ".aws-sam", "template.yaml"), broken);
    copyFileSync(at("open-egress.yaml"), join(folder, "explicit.txt"));

    it("searches sub-folders, skips node_modules and dot-folders, and scans explicitly named files whatever their extension", async () => {
      const result = await json([folder, join(folder, "explicit.txt")]);
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(result.report.errors, []);
      assert.deepEqual(result.report.findings.map((finding) => finding.location?.file).sort(), [join(folder, "explicit.txt"), join(folder, "stacks", "nested", "app.template")]);
    });

    it("reports a template-named file it cannot read as an error", async () => {
      const dangling = join(folder, "stacks", "gone.yaml");
      symlinkSync(join(folder, "does-not-exist.yaml"), dangling);
      try {
        const result = await json([folder]);
        assert.equal(result.status, 2);
        assert.deepEqual(result.report.errors, [{ target: dangling, message: "cannot read file: no such file or folder" }]);
        assert.equal(result.report.findings.length, 1);
      } finally {
        rmSync(dangling);
      }
    });
  });
});

describe("stackwarden CLI: suppressions", { concurrency: true }, () => {
  it("reports Metadata suppressions (stackwarden.suppress, cfn_nag W5) as SUPPRESSED with their reason and keeps unrelated checkov skips open", async () => {
    const result = await json([at("metadata-suppressions.yaml"), "--fail-on", "medium"]);
    const own = byResource(result.report, "SuppressedByStackWarden");
    assert.equal(own.status, "SUPPRESSED");
    assert.deepEqual(own.suppression, { reason: "NAT instance must reach the internet", by: "template" });
    const cfnNag = byResource(result.report, "SuppressedByCfnNag");
    assert.equal(cfnNag.status, "SUPPRESSED");
    assert.deepEqual(cfnNag.suppression, { reason: "proxy fleet egress is filtered upstream (cfn_nag W5)", by: "template" });
    assert.equal(byResource(result.report, "CheckovSkipOfAnotherCheck").status, "OPEN");
    assert.equal(result.report.summary.suppressed, 2);
    assert.equal(result.status, 1, "the open finding still fails at medium");
  });

  it("applies the policy file's suppressions: the finding is SUPPRESSED, shown apart with its reason, and no longer fails the scan", async () => {
    const jsonRun = await json([at("open-egress.yaml"), "--policy", at("policy-suppress.yaml"), "--fail-on", "medium"]);
    assert.equal(jsonRun.status, 0);
    const finding = byResource(jsonRun.report, "AppGroup");
    assert.equal(finding.status, "SUPPRESSED");
    assert.deepEqual(finding.suppression, { reason: "egress filtered by the central firewall (SEC-1234)", by: "policy", expires: "2999-12-31" });

    const text = await run([at("open-egress.yaml"), "--policy", at("policy-suppress.yaml")]);
    assert.match(text.stdout, /^Suppressed \(1\)$/m);
    assert.match(text.stdout, /AppGroup .*open-egress\.yaml:9 +\(policy: egress filtered by the central firewall \(SEC-1234\), until 2999-12-31/);
    assert.doesNotMatch(text.stdout, /MEDIUM/);
  });
});
