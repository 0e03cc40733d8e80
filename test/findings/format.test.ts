import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Finding, ScanError, Severity } from "../../shared/findings/finding.ts";
import { formatJson } from "../../shared/findings/format-json.ts";
import { artifactUri, SARIF_LEVEL, SECURITY_SEVERITY, toSarif } from "../../shared/findings/format-sarif.ts";
import { formatText, useColor } from "../../shared/findings/format-text.ts";
import { exitCodeOf, summarize, type ScanReport } from "../../shared/findings/report.ts";
import { ALL_RULES } from "../../shared/rules/index.ts";
import { sarifProblems } from "./sarif-shape.ts";

function finding(overrides: Partial<Finding> & { ruleId: string; severity: Severity; logicalId: string; file?: string; line: number }): Finding {
  const { logicalId, file = "stacks/app.yaml", line, ...rest } = overrides;
  return {
    title: `title of ${overrides.ruleId}`,
    message: `${logicalId} is flawed (${overrides.ruleId})`,
    source: "template",
    resource: { logicalId, type: "AWS::EC2::SecurityGroup" },
    stack: { name: file },
    location: { file, line, column: 5 },
    evidence: {},
    remediation: `remediate ${overrides.ruleId}`,
    fingerprint: `${logicalId}-${overrides.ruleId}-fp`,
    status: "OPEN",
    ...rest,
  };
}

function report(findings: Finding[], errors: ScanError[] = []): ScanReport {
  return { findings, errors, summary: summarize(findings, errors, { files: 3, templates: 2, skipped: 0, durationMs: 12.4 }) };
}

const EGRESS = ALL_RULES.find((rule) => rule.id === "ec2-sg-egress-unrestricted")!;

const SAMPLE = report(
  [
    finding({ ruleId: "rule-medium", severity: "medium", logicalId: "Early", line: 3 }),
    finding({ ruleId: "rule-critical", severity: "critical", logicalId: "Late", line: 40 }),
    finding({ ruleId: "rule-low", severity: "low", logicalId: "Other", file: "stacks/b/other.json", line: 7 }),
    finding({
      ruleId: EGRESS.id,
      severity: "medium",
      logicalId: "Quiet",
      line: 20,
      status: "SUPPRESSED",
      suppression: { reason: "NAT instance", by: "template" },
    }),
    finding({
      ruleId: EGRESS.id,
      severity: "high",
      logicalId: "Waived",
      line: 25,
      status: "SUPPRESSED",
      suppression: { reason: "ticket SEC-1", by: "policy", expires: "2030-01-01" },
    }),
  ],
  [{ target: "stacks/broken.yaml", message: "duplicate key \"Type\" (line 4, column 3)", location: { line: 4, column: 3 } }],
);

describe("summary", () => {
  it("counts open findings by severity, every finding by status, and errors", () => {
    assert.deepEqual(SAMPLE.summary, {
      files: 3,
      templates: 2,
      skipped: 0,
      findings: 5,
      bySeverity: { critical: 1, high: 0, medium: 1, low: 1, info: 0 },
      byStatus: { OPEN: 3, SUPPRESSED: 2 },
      suppressed: 2,
      errors: 1,
      durationMs: 12,
    });
  });
});

describe("exit code", () => {
  it("is 2 on any error, else 1 for an open finding at or above the threshold; suppressed findings never count", () => {
    const highSuppressed = finding({ ruleId: "r", severity: "high", logicalId: "A", line: 1, status: "SUPPRESSED", suppression: { reason: "x", by: "policy" } });
    const mediumOpen = finding({ ruleId: "r", severity: "medium", logicalId: "B", line: 2 });
    assert.equal(exitCodeOf({ findings: [highSuppressed, mediumOpen], errors: [] }, "high"), 0);
    assert.equal(exitCodeOf({ findings: [highSuppressed, mediumOpen], errors: [] }, "medium"), 1);
    assert.equal(exitCodeOf({ findings: [highSuppressed, mediumOpen], errors: [] }, "info"), 1);
    assert.equal(exitCodeOf({ findings: [highSuppressed, mediumOpen], errors: [] }, "none"), 0);
    assert.equal(exitCodeOf({ findings: [], errors: [{ target: "a.yaml", message: "bad" }] }, "none"), 2);
  });
});

describe("text format", () => {
  const text = formatText(SAMPLE);

  it("groups open findings by file, most severe first, with rule, resource, line, message and remediation", () => {
    const lines = text.split("\n");
    assert.deepEqual(lines.slice(0, 8), [
      "stacks/app.yaml",
      "  CRITICAL rule-critical  Late  line 40",
      "           Late is flawed (rule-critical)",
      "           Fix: remediate rule-critical",
      "  MEDIUM   rule-medium  Early  line 3",
      "           Early is flawed (rule-medium)",
      "           Fix: remediate rule-medium",
      "",
    ]);
    assert.equal(lines[8], "stacks/b/other.json");
    assert.match(lines[9]!, /^ {2}LOW +rule-low {2}Other {2}line 7$/);
  });

  it("lists suppressed findings apart, with who suppressed them and why", () => {
    const section = text.slice(text.indexOf("Suppressed (2)"));
    assert.match(section, /Quiet {2}stacks\/app\.yaml:20 {2}\(template: NAT instance\)/);
    assert.match(section, /Waived {2}stacks\/app\.yaml:25 {2}\(policy: ticket SEC-1, until 2030-01-01\)/);
    assert.ok(text.indexOf("Suppressed (2)") > text.indexOf("rule-low"), "suppressed findings come after the open ones");
  });

  it("lists errors with their position once, and ends with a summary line", () => {
    assert.match(text, /Errors \(1\)\n {2}stacks\/broken\.yaml:4:3: duplicate key "Type"\n/);
    assert.match(text, /\n2 templates scanned, 3 open findings \(1 critical, 1 medium, 1 low\), 2 suppressed, 1 error in 12 ms\n$/);
  });

  it("uses ANSI colour only when asked", () => {
    assert.doesNotMatch(text, /\u001b\[/);
    const coloured = formatText(SAMPLE, { color: true });
    assert.match(coloured, /\u001b\[1;31mCRITICAL/);
    assert.equal(coloured.replace(/\u001b\[[0-9;]*m/g, ""), text);
  });

  it("turns colour on only for a terminal with NO_COLOR unset or empty", () => {
    assert.equal(useColor({ isTTY: true }, {}), true);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: "" }), true);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: "1" }), false);
    assert.equal(useColor({ isTTY: false }, {}), false);
    assert.equal(useColor({}, {}), false);
  });

  it("says so when there is nothing to report", () => {
    assert.equal(formatText(report([])), "2 templates scanned, 0 open findings, 0 suppressed, 0 errors in 12 ms\n");
  });
});

describe("JSON format", () => {
  it("is one document with findings, errors and summary", () => {
    const document = JSON.parse(formatJson(SAMPLE));
    assert.deepEqual(Object.keys(document), ["findings", "errors", "summary"]);
    assert.deepEqual(document, JSON.parse(JSON.stringify(SAMPLE)));
  });
});

describe("SARIF format", () => {
  const log = toSarif(SAMPLE, { baseDir: "/repo", version: "1.2.3" });
  const [run] = log.runs;

  it("is structurally valid SARIF 2.1.0", () => {
    assert.deepEqual(sarifProblems(log), []);
    assert.equal(log.version, "2.1.0");
    assert.equal(run!.tool.driver.name, "StackWarden");
    assert.equal(run!.tool.driver.semanticVersion, "1.2.3");
  });

  it("describes every rule with help, default level and GitHub security-severity", () => {
    assert.equal(run!.tool.driver.rules.length, ALL_RULES.length);
    ALL_RULES.forEach((rule, index) => {
      const descriptor = run!.tool.driver.rules[index]!;
      assert.equal(descriptor.id, rule.id);
      assert.equal(descriptor.shortDescription.text, rule.title);
      assert.equal(descriptor.fullDescription.text, rule.description);
      assert.ok(descriptor.help.text.includes(rule.remediation));
      assert.ok(descriptor.help.markdown.includes(`**Remediation:** ${rule.remediation}`));
      assert.equal(descriptor.defaultConfiguration.level, SARIF_LEVEL[rule.severity]);
      assert.equal(descriptor.properties["security-severity"], SECURITY_SEVERITY[rule.severity]);
      assert.ok(descriptor.properties.tags.includes("security"));
    });
    const egress = run!.tool.driver.rules.find((descriptor) => descriptor.id === EGRESS.id)!;
    assert.equal(egress.name, "Ec2SgEgressUnrestricted");
    assert.equal(egress.defaultConfiguration.level, "warning");
    assert.equal(egress.properties["security-severity"], "5.5");
  });

  it("maps severities to levels and scores as GitHub reads them", () => {
    assert.deepEqual(SARIF_LEVEL, { critical: "error", high: "error", medium: "warning", low: "note", info: "note" });
    assert.deepEqual(SECURITY_SEVERITY, { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "1.0" });
  });

  it("gives each result its rule, level, location, fingerprint and, when suppressed, the suppression", () => {
    const critical = run!.results.find((result) => result.ruleId === "rule-critical")!;
    assert.equal(critical.level, "error");
    assert.equal(critical.ruleIndex, undefined, "a rule StackWarden does not have gets no index");
    assert.deepEqual(critical.locations[0]!.physicalLocation, { artifactLocation: { uri: "stacks/app.yaml" }, region: { startLine: 40, startColumn: 5 } });
    assert.deepEqual(critical.partialFingerprints, { "stackwarden/v1": "Late-rule-critical-fp" });
    assert.equal(critical.suppressions, undefined);

    const quiet = run!.results.find((result) => result.message.text.startsWith("Quiet"))!;
    assert.equal(quiet.ruleIndex, ALL_RULES.indexOf(EGRESS));
    assert.deepEqual(quiet.suppressions, [{ kind: "inSource", justification: "NAT instance" }]);
    const waived = run!.results.find((result) => result.message.text.startsWith("Waived"))!;
    assert.equal(waived.level, "error", "the level follows the finding's own severity");
    assert.deepEqual(waived.suppressions, [{ kind: "external", justification: "ticket SEC-1" }]);
  });

  it("reports scan errors as tool execution notifications", () => {
    assert.equal(run!.invocations[0]!.executionSuccessful, false);
    assert.deepEqual(run!.invocations[0]!.toolExecutionNotifications[0]!.locations![0]!.physicalLocation, {
      artifactLocation: { uri: "stacks/broken.yaml" },
      region: { startLine: 4, startColumn: 3 },
    });
  });

  it("writes artifact URIs relative to the base folder with forward slashes, and file: URIs outside it", () => {
    assert.equal(artifactUri(join("/repo", "infra", "my stack.yaml"), "/repo"), "infra/my%20stack.yaml");
    assert.equal(artifactUri("./infra/app.yaml", "/repo"), "infra/app.yaml");
    assert.equal(artifactUri("/elsewhere/app.yaml", "/repo"), "file:///elsewhere/app.yaml");
    assert.equal(artifactUri("../sibling/app.yaml", "/repo"), "file:///sibling/app.yaml");
  });

  it("the structural check catches a malformed log", () => {
    const broken = JSON.parse(JSON.stringify(log));
    delete broken.runs[0].tool.driver.name;
    broken.runs[0].results[0].level = "fatal";
    broken.runs[0].results[0].locations = [];
    broken.runs[0].results[1].ruleIndex = 999;
    broken.runs[0].results[3].suppressions = [{ kind: "maybe" }];
    broken.runs[0].tool.driver.rules[0].properties["security-severity"] = 9.5;
    const problems = sarifProblems(broken);
    for (const expected of [/driver\.name/, /results\[0\]\.level/, /results\[0\]\.locations/, /results\[1\]\.ruleIndex/, /results\[3\]\.suppressions\[0\]\.kind/, /security-severity/]) {
      assert.ok(problems.some((problem) => expected.test(problem)), `expected a problem matching ${expected}: ${problems.join("; ")}`);
    }
  });
});
