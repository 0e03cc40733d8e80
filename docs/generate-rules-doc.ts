import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ALL_RULES } from "../shared/rules/index.ts";
import type { Rule, RuleSource } from "../shared/rules/rule.ts";

export const RULES_DOC_PATH = fileURLToPath(new URL("./rules.md", import.meta.url));

const JUDGE_LETTER: Record<RuleSource, string> = { template: "T", live: "L", drift: "D" };

/** docs/rules.md, generated from the rules' own metadata so it cannot drift from the code. */
export function rulesMarkdown(rules: readonly Rule[] = ALL_RULES): string {
  const lines: string[] = [
    "# StackWarden rules",
    "",
    "<!-- Generated from the rule metadata in shared/rules by `npm run docs`. Do not edit by hand. -->",
    "",
    `${rules.length} ${rules.length === 1 ? "rule" : "rules"}. **Judges**: T the template, L the live resource, D drift between the two.`,
    "**Anchors** name the closest rule in other tools, to map findings and honour their suppressions",
    "(`cfn_nag.rules_to_suppress` and `checkov.skip` in a resource's Metadata).",
    "",
    "| id | title | severity | judges | anchors |",
    "|---|---|---|---|---|",
  ];
  for (const rule of rules) {
    lines.push(`| [${rule.id}](#${rule.id}) | ${cell(rule.title)} | ${rule.severity} | ${judges(rule)} | ${cell(rule.anchors.join(", ") || "none")} |`);
  }
  for (const rule of rules) {
    lines.push(
      "",
      `## ${rule.id}`,
      "",
      `**${rule.title}**`,
      "",
      `Severity: ${rule.severity}. Judges: ${judges(rule)}.`,
      "",
      rule.description,
      "",
      `**Remediation:** ${rule.remediation}`,
      "",
      `**Seeds:** ${rule.seeds.join(", ") || "none"}`,
      "",
      `**Anchors:** ${rule.anchors.join(", ") || "none"}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function judges(rule: Rule): string {
  return (["template", "live", "drift"] as const).map((source) => (rule.judges.includes(source) ? JUDGE_LETTER[source] : "-")).join(" ");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(RULES_DOC_PATH, rulesMarkdown());
  process.stdout.write(`wrote ${RULES_DOC_PATH} (${ALL_RULES.length} rules)\n`);
}
