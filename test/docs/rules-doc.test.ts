import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { rulesMarkdown, RULES_DOC_PATH } from "../../docs/generate-rules-doc.ts";
import { ALL_RULES } from "../../shared/rules/index.ts";
import type { Rule } from "../../shared/rules/rule.ts";

describe("docs/rules.md", () => {
  it("is up to date with the rules' metadata (run npm run docs)", () => {
    let written = "";
    try {
      written = readFileSync(RULES_DOC_PATH, "utf8");
    } catch {
      assert.fail("docs/rules.md is missing: run npm run docs");
    }
    assert.ok(written === rulesMarkdown(), "docs/rules.md is stale: run npm run docs");
  });

  it("has a table row and a section for every rule", () => {
    const markdown = rulesMarkdown();
    for (const rule of ALL_RULES) {
      assert.ok(markdown.includes(`| [${rule.id}](#${rule.id}) | `), `no table row for ${rule.id}`);
      assert.ok(markdown.includes(`\n## ${rule.id}\n`), `no section for ${rule.id}`);
    }
  });

  it("shows each rule's severity, judges, description, remediation, seeds and anchors", () => {
    const rule: Rule = {
      id: "demo-rule",
      title: "A demo | with a pipe",
      severity: "high",
      description: "What fails.",
      remediation: "What to change.",
      seeds: ["001 §2"],
      anchors: ["cfn_nag W9", "checkov CKV_AWS_24"],
      judges: ["template", "drift"],
      check: () => [],
    };
    const markdown = rulesMarkdown([rule]);
    assert.match(markdown, /^1 rule\. /m);
    assert.ok(markdown.includes("| [demo-rule](#demo-rule) | A demo \\| with a pipe | high | T - D | cfn_nag W9, checkov CKV_AWS_24 |"));
    for (const text of ["Severity: high. Judges: T - D.", "What fails.", "**Remediation:** What to change.", "**Seeds:** 001 §2", "**Anchors:** cfn_nag W9, checkov CKV_AWS_24"]) {
      assert.ok(markdown.includes(text), `missing ${text}`);
    }
  });
});
