import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parsePolicy } from "../shared/config/policy.ts";
import { ALL_RULES } from "../shared/rules/index.ts";
import { findTemplateFiles, looksLikeCloudFormation, scanFiles } from "../shared/scan-files.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CLI_FIXTURES = relative(process.cwd(), join(ROOT, "test", "cli", "fixtures"));
const FINDINGS_FIXTURES = relative(process.cwd(), join(ROOT, "test", "findings", "fixtures"));
const EGRESS = ALL_RULES.find((rule) => rule.id === "ec2-sg-egress-unrestricted")!;

describe("looksLikeCloudFormation", () => {
  it("recognises templates by a top-level Resources or AWSTemplateFormatVersion key", () => {
    assert.equal(looksLikeCloudFormation("Resources:\n  A:\n    Type: AWS::SNS::Topic\n"), true);
    assert.equal(looksLikeCloudFormation("\uFEFFAWSTemplateFormatVersion: '2010-09-09'\n"), true);
    assert.equal(looksLikeCloudFormation("Parameters: {}\n\"Resources\" :\n  A: {}\n"), true);
    assert.equal(looksLikeCloudFormation('{\n  "Resources": { "A": { "Type": "AWS::SNS::Topic" } }\n}'), true);
  });

  it("passes over other YAML and JSON", () => {
    assert.equal(looksLikeCloudFormation("service: app\nresources:\n  Resources:\n    A: {}\n"), false);
    assert.equal(looksLikeCloudFormation("name: ci\non: [push]\n"), false);
    assert.equal(looksLikeCloudFormation('{ "Version": "2012-10-17", "Statement": [{ "Resource": "*" }] }'), false);
  });
});

describe("findTemplateFiles", () => {
  it("lists CloudFormation files in a folder in name order, counts the others as skipped, and lists a path once", () => {
    const mixed = join(CLI_FIXTURES, "mixed");
    const listed = findTemplateFiles([mixed, join(mixed, "a-good.yaml")]);
    assert.deepEqual(listed.files, [join(mixed, "a-good.yaml"), join(mixed, "b-broken.yaml"), join(mixed, "c-good.json")]);
    assert.equal(listed.skipped, 1);
    assert.deepEqual(listed.errors, []);
  });
});

describe("scanFiles", () => {
  it("scans every template, keeps going past a broken one, and reports progress", () => {
    const progress: string[] = [];
    const report = scanFiles([join(CLI_FIXTURES, "mixed")], { rules: [EGRESS], onProgress: (done, total, file) => progress.push(`${done}/${total} ${file}`) });
    assert.deepEqual(report.findings.map((finding) => finding.resource.logicalId), ["GoodYamlGroup", "GoodJsonGroup"]);
    assert.equal(report.errors.length, 1);
    assert.equal(report.errors[0]!.target, join(CLI_FIXTURES, "mixed", "b-broken.yaml"));
    assert.equal(report.summary.templates, 2);
    assert.equal(report.summary.errors, 1);
    assert.deepEqual(progress, [
      `0/3 ${join(CLI_FIXTURES, "mixed", "a-good.yaml")}`,
      `1/3 ${join(CLI_FIXTURES, "mixed", "b-broken.yaml")}`,
      `2/3 ${join(CLI_FIXTURES, "mixed", "c-good.json")}`,
      "3/3 ",
    ]);
  });

  it("honours checkov.skip of an id the rule anchors, with the comment as the reason", () => {
    const anchoredToCheckov = { ...EGRESS, anchors: [...EGRESS.anchors, "checkov CKV_AWS_382"] };
    const report = scanFiles([join(FINDINGS_FIXTURES, "checkov-skip.yaml")], { rules: [anchoredToCheckov] });
    assert.deepEqual(
      report.findings.map((finding) => [finding.resource.logicalId, finding.status, finding.suppression?.reason]),
      [
        ["SkippedByCheckov", "SUPPRESSED", "build agents download from the internet (checkov CKV_AWS_382)"],
        ["SkippedWithoutComment", "SUPPRESSED", "no reason given (checkov CKV_AWS_382)"],
      ],
    );
    const unanchored = scanFiles([join(FINDINGS_FIXTURES, "checkov-skip.yaml")], { rules: [{ ...EGRESS, anchors: [] }] });
    assert.deepEqual(unanchored.findings.map((finding) => finding.status), ["OPEN", "OPEN"]);
  });

  it("applies policy suppressions until they expire, and severity overrides", () => {
    const policy = parsePolicy(
      [
        "suppressions:",
        "  - ruleId: ec2-sg-egress-unrestricted",
        "    resource: AppGroup",
        "    reason: accepted risk",
        "    expires: 2030-06-30",
        "severityOverrides:",
        "  ec2-sg-egress-unrestricted: high",
      ].join("\n"),
    );
    const file = join(CLI_FIXTURES, "open-egress.yaml");
    const before = scanFiles([file], { rules: [EGRESS], policy, now: new Date("2030-06-01T00:00:00Z") });
    assert.equal(before.findings[0]!.status, "SUPPRESSED");
    assert.deepEqual(before.findings[0]!.suppression, { reason: "accepted risk", by: "policy", expires: "2030-06-30" });
    const after = scanFiles([file], { rules: [EGRESS], policy, now: new Date("2030-07-02T00:00:00Z") });
    assert.equal(after.findings[0]!.status, "OPEN");
    assert.equal(after.findings[0]!.severity, "high");
    assert.deepEqual(after.summary.bySeverity, { critical: 0, high: 1, medium: 0, low: 0, info: 0 });
  });
});
