/**
 * `npm run accuracy`: scans every model and ideal template of the failure corpus (../shared/corpus/cfn) with
 * every rule and writes docs/accuracy.md: hits per rule, recall per corpus label, and the false-alarm rate of
 * the deploy-breaker rules on the corrected ("ideal") templates, with every such hit listed for review.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Finding } from "../shared/findings/finding.ts";
import { ALL_RULES } from "../shared/rules/index.ts";

/** Rules that judge templates: live-only and drift rules have nothing to say about a file. */
const TEMPLATE_RULES = ALL_RULES.filter((rule) => rule.judges.includes("template"));
import { scanTemplate } from "../shared/scan.ts";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const CORPUS = join(REPO, "..", "shared", "corpus", "cfn");
const OUTPUT = join(REPO, "docs", "accuracy.md");

/** Corpus labels (../shared/corpus/README.md) and the catalogue rules that find them in a template. */
const COVERED: Record<string, readonly string[]> = {
  KMS_POLICY_BROAD: ["kms-key-policy-public", "kms-key-policy-full-admin"],
  KMS_SERVICE_NO_CONDITION: ["kms-key-service-principal-unconditioned"],
  KMS_ROTATION_OFF: ["kms-key-rotation-disabled"],
  ORPHAN_RESOURCE: ["kms-key-unused", "ec2-sg-unattached", "wafv2-webacl-unassociated"],
  SG_EGRESS_OPEN: ["ec2-sg-egress-unrestricted"],
  SG_INGRESS_OPEN: ["ec2-sg-ingress-open-admin-port", "ec2-sg-ingress-open-world"],
  // The allowlist rule needs each task's allowed CIDRs in a policy, which the corpus does not give; only the
  // all-ports/all-protocols part of this label can fire here.
  SG_EGRESS_BEYOND_ALLOWED: ["ec2-sg-egress-outside-allowlist", "ec2-sg-egress-unrestricted"],
  RDS_SINGLE_AZ: ["rds-single-az"],
  RDS_BACKUP: ["rds-backup-retention-short"],
  RDS_PUBLIC: ["rds-publicly-accessible"],
  RDS_UNENCRYPTED: ["rds-storage-unencrypted"],
  RDS_NO_DELETION_PROTECTION: ["rds-deletion-protection-off"],
  RDS_MONITORING: ["rds-enhanced-monitoring-off", "rds-performance-insights-off"],
  INVALID_ARN_REF: ["template-invalid-arn-reference"],
  UNRESOLVED_REF: ["template-unresolved-reference"],
  INVALID_PROPERTY_VALUE: ["template-invalid-property-value"],
  IAM_WILDCARD: ["iam-policy-wildcard-action", "iam-policy-wildcard-resource", "iam-role-broad-managed-policy"],
  IAM_MFA_POLICY: ["iam-mfa-policy-weak"],
  IAM_PERMISSION_BOUNDARY: ["iam-permission-boundary-weak"],
  CLOUDTRAIL_SINGLE_REGION: ["cloudtrail-single-region"],
  CLOUDTRAIL_NO_VALIDATION: ["cloudtrail-log-validation-off"],
  CLOUDTRAIL_NO_KMS: ["cloudtrail-not-kms-encrypted"],
  CLOUDTRAIL_BUCKET_POLICY: ["cloudtrail-bucket-policy-missing"],
  S3_NO_ENCRYPTION: ["s3-not-kms-encrypted"],
  S3_PUBLIC_ACCESS: ["s3-public-access-not-blocked"],
  S3_NO_TLS_POLICY: ["s3-tls-not-enforced"],
  WAF_UNASSOCIATED: ["wafv2-webacl-unassociated"],
  WAF_NO_RATE_LIMIT: ["wafv2-webacl-no-rate-limit"],
  EC2_IMDSV1: ["ec2-imdsv1-allowed"],
  EBS_UNENCRYPTED: ["ec2-ebs-unencrypted"],
  ALB_TLS: ["elb-listener-not-https"],
  APIGW_LOGGING: ["apigw-stage-logging-off"],
  APIGW_CONFIG: ["apigw-config-weak"],
  LAMBDA_DLQ: ["lambda-async-no-failure-destination"],
  SECRETS_ROTATION: ["secrets-rotation-missing"],
  SECRETS_HARDCODED: ["secrets-plaintext"],
  HARDCODED_VALUES: ["template-hardcoded-values"],
  MISSING_DELETION_POLICY: ["template-stateful-no-deletion-policy"],
  PARAMETER_CONSTRAINTS: ["template-parameter-unconstrained"],
  MISSING_MONITORING: ["cloudwatch-alarms-missing", "vpc-flow-logs-missing", "config-recorder-missing", "apigw-stage-logging-off"],
};

/** Labels a rule covers only in part; their recall is shown but kept out of the overall figure. */
const PARTLY_COVERED: Record<string, { rules: readonly string[]; gap: string }> = {
  DEPENDENCY_ERROR: { rules: ["template-unresolved-reference"], gap: "only a DependsOn naming a missing resource; circular dependencies and creation order are not judged" },
  HIGH_AVAILABILITY: { rules: ["ha-single-instance", "rds-single-az"], gap: "a lone instance and single-AZ databases only; single NAT gateways, one-AZ subnets and ASG minimums are not judged" },
};

const NOT_COVERED: Record<string, string> = {
  MULTI_REGION: "account-regions-missing judges live stacks only",
  COST: "no cost rules in the catalogue",
  OTHER: "claims that fit no category",
};

/** Labels the corpus README calls lower-noise: narrow and checked structurally against the model template. */
const LOW_NOISE = [
  "CLOUDTRAIL_SINGLE_REGION", "CLOUDTRAIL_NO_VALIDATION", "CLOUDTRAIL_NO_KMS", "CLOUDTRAIL_BUCKET_POLICY", "RDS_SINGLE_AZ",
  "SG_EGRESS_OPEN", "KMS_POLICY_BROAD", "KMS_SERVICE_NO_CONDITION", "KMS_ROTATION_OFF", "WAF_UNASSOCIATED", "INVALID_ARN_REF",
];

/** Deploy-breakers: on a template that deployed, any hit is a false alarm until shown otherwise. */
const DEPLOY_BREAKERS = ["template-invalid-arn-reference", "template-unresolved-reference", "template-invalid-property-value"];

interface ManifestTask {
  id: string;
  model: string;
  ideal: string;
  labels: string[];
  hand_checked: boolean;
  model_parses: boolean;
  ideal_parses: boolean;
}

interface TemplateResult {
  task: string;
  parsed: boolean;
  findings: Pick<Finding, "ruleId" | "severity" | "message" | "resource">[];
  ruleErrors: string[];
}

const pct = (part: number, whole: number) => (whole === 0 ? "n/a" : `${((100 * part) / whole).toFixed(1)}%`);
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ");

function scanSide(task: ManifestTask, side: "model" | "ideal"): TemplateResult {
  const text = readFileSync(join(CORPUS, task[side]), "utf8");
  const result = scanTemplate(text, { file: task[side] });
  const ruleErrors = result.errors.filter((error) => /^rule \S+ could not judge/.test(error.message)).map((error) => error.message);
  const parsed = result.errors.length === ruleErrors.length;
  return {
    task: task.id,
    parsed,
    findings: result.findings.map(({ ruleId, severity, message, resource }) => ({ ruleId, severity, message, resource })),
    ruleErrors,
  };
}

function main(): void {
  if (!existsSync(join(CORPUS, "manifest.json"))) {
    console.error(`corpus not found at ${CORPUS} (it sits beside the repo as ../shared/corpus); nothing to measure`);
    process.exit(1);
  }
  const manifest = JSON.parse(readFileSync(join(CORPUS, "manifest.json"), "utf8")) as ManifestTask[];
  const started = performance.now();
  const model = new Map<string, TemplateResult>();
  const ideal = new Map<string, TemplateResult>();
  manifest.forEach((task, index) => {
    model.set(task.id, scanSide(task, "model"));
    ideal.set(task.id, scanSide(task, "ideal"));
    if ((index + 1) % 100 === 0) process.stderr.write(`scanned ${index + 1}/${manifest.length} tasks\n`);
  });
  const seconds = (performance.now() - started) / 1000;

  const parsedModels = [...model.values()].filter((result) => result.parsed);
  const parsedIdeals = [...ideal.values()].filter((result) => result.parsed);
  const fired = (result: TemplateResult | undefined, rules: readonly string[]) => result?.findings.some((finding) => rules.includes(finding.ruleId)) ?? false;

  const lines: string[] = [];
  const push = (...text: string[]) => lines.push(...text);
  const ruleErrors = [...model.values(), ...ideal.values()].flatMap((result) => result.ruleErrors.map((error) => `${result.task}: ${error}`));

  // Recall per label, over tasks whose model template parses.
  interface LabelRow {
    label: string;
    rules: readonly string[];
    labelled: number;
    unparsed: number;
    hit: number;
    missed: string[];
  }
  const labelRow = (label: string, rules: readonly string[], among: ManifestTask[] = manifest): LabelRow => {
    const tasks = among.filter((task) => task.labels.includes(label));
    const parsed = tasks.filter((task) => model.get(task.id)!.parsed);
    const missed = parsed.filter((task) => !fired(model.get(task.id), rules)).map((task) => task.id);
    return { label, rules, labelled: parsed.length, unparsed: tasks.length - parsed.length, hit: parsed.length - missed.length, missed };
  };
  const covered = Object.entries(COVERED).map(([label, rules]) => labelRow(label, rules));
  const partly = Object.entries(PARTLY_COVERED).map(([label, { rules }]) => labelRow(label, rules));
  const pairs = covered.reduce((sum, row) => sum + row.labelled, 0);
  const pairHits = covered.reduce((sum, row) => sum + row.hit, 0);
  const withTasks = covered.filter((row) => row.labelled > 0);
  const macro = withTasks.reduce((sum, row) => sum + row.hit / row.labelled, 0) / withTasks.length;
  const pooled = (rows: LabelRow[]) => ({ hit: rows.reduce((sum, row) => sum + row.hit, 0), labelled: rows.reduce((sum, row) => sum + row.labelled, 0) });
  const lowNoise = pooled(covered.filter((row) => LOW_NOISE.includes(row.label)));
  const handChecked = manifest.filter((task) => task.hand_checked);
  const hand = pooled(Object.entries(COVERED).map(([label, rules]) => labelRow(label, rules, handChecked)));

  const breakerHits = parsedIdeals.flatMap((result) =>
    result.findings.filter((finding) => DEPLOY_BREAKERS.includes(finding.ruleId)).map((finding) => ({ task: result.task, finding })),
  );

  push(
    "# StackWarden accuracy on the failure corpus",
    "",
    `Generated by \`npm run accuracy\` (bench/accuracy.ts) on ${new Date().toISOString().slice(0, 10)}: ${manifest.length} tasks of ../shared/corpus/cfn, ` +
      `each a flawed **model** template and its corrected, deployed **ideal** template, scanned with all ${TEMPLATE_RULES.length} rules that judge templates and the default policy ` +
      `(no allowedEgressCidrs, so ec2-sg-egress-outside-allowlist cannot fire). ${parsedModels.length} model and ${parsedIdeals.length} ideal templates parse; ` +
      `the rest are counted nowhere below. Scan took ${seconds.toFixed(0)} s.`,
    "",
    "Labels are \"documented in the failures doc and visible in the model\" (corpus README): roughly 10-20% noise, more for the broad labels " +
      "(INVALID_PROPERTY_VALUE, HARDCODED_VALUES, MISSING_MONITORING). Ideal templates are corrected for their task's documented flaws, not flawless, " +
      "so most rules legitimately fire on some of them; only the deploy-breaker rules should stay silent on a template that deployed.",
    "",
    "## Summary",
    "",
    `- Recall on the ${covered.length} covered labels: **${pct(pairHits, pairs)}** of ${pairs} labelled (task, label) pairs had a matching rule fire on the model template ` +
      `(macro average over labels: ${pct(macro, 1)}).`,
    `- On the ${handChecked.length} hand-checked tasks (labels read by a person): **${pct(hand.hit, hand.labelled)}** of ${hand.labelled} pairs.`,
    `- On the lower-noise labels the corpus README names (${LOW_NOISE.join(", ")}): **${pct(lowNoise.hit, lowNoise.labelled)}** of ${lowNoise.labelled} pairs.`,
    ...DEPLOY_BREAKERS.map((ruleId) => {
      const tasks = new Set(breakerHits.filter((hit) => hit.finding.ruleId === ruleId).map((hit) => hit.task));
      return `- ${ruleId}: fires on **${pct(tasks.size, parsedIdeals.length)}** of ideal templates (${tasks.size} of ${parsedIdeals.length}).`;
    }),
    `- Rule errors (a rule that threw): ${ruleErrors.length}.`,
    "",
    "## Recall per label",
    "",
    "A task counts as found when any rule of its label fires anywhere in the model template.",
    "",
    "| label | rules | labelled tasks | found | recall |",
    "|---|---|---:|---:|---:|",
    ...covered.map((row) => `| ${row.label} | ${row.rules.join(", ")} | ${row.labelled}${row.unparsed ? ` (+${row.unparsed} unparsed)` : ""} | ${row.hit} | ${pct(row.hit, row.labelled)} |`),
    "",
    "### Partly covered (not in the overall recall)",
    "",
    "| label | rules | what is not judged | labelled tasks | found | recall |",
    "|---|---|---|---:|---:|---:|",
    ...partly.map((row) => `| ${row.label} | ${row.rules.join(", ")} | ${PARTLY_COVERED[row.label]!.gap} | ${row.labelled} | ${row.hit} | ${pct(row.hit, row.labelled)} |`),
    "",
    "### Not covered",
    "",
    ...Object.entries(NOT_COVERED).map(([label, why]) => `- ${label} (${manifest.filter((task) => task.labels.includes(label)).length} tasks): ${why}.`),
    "",
    "### Missed tasks per label",
    "",
    "For review: a miss is a wrong label as often as a blind spot of a rule.",
    "",
    ...covered
      .filter((row) => row.missed.length > 0)
      .map((row) => `- ${row.label} (${row.missed.length}): ${row.missed.slice(0, 40).join(", ")}${row.missed.length > 40 ? `, ... ${row.missed.length - 40} more` : ""}`),
    "",
    "## Hits per rule",
    "",
    "Templates with at least one finding of the rule (share of parsed templates), and findings in all.",
    "",
    "| rule | severity | model templates | ideal templates | findings on model | findings on ideal |",
    "|---|---|---:|---:|---:|---:|",
    ...TEMPLATE_RULES.map((rule) => {
      const templatesHit = (results: TemplateResult[]) => results.filter((result) => result.findings.some((finding) => finding.ruleId === rule.id)).length;
      const count = (results: TemplateResult[]) => results.reduce((sum, result) => sum + result.findings.filter((finding) => finding.ruleId === rule.id).length, 0);
      const onModel = templatesHit(parsedModels);
      const onIdeal = templatesHit(parsedIdeals);
      return `| ${rule.id} | ${rule.severity} | ${onModel} (${pct(onModel, parsedModels.length)}) | ${onIdeal} (${pct(onIdeal, parsedIdeals.length)}) | ${count(parsedModels)} | ${count(parsedIdeals)} |`;
    }),
    "",
    "## Deploy-breaker hits on ideal templates",
    "",
    `Every finding of ${DEPLOY_BREAKERS.join(", ")} on an ideal template, for review: each is a false alarm unless the ideal template really is broken.`,
    "",
  );
  if (breakerHits.length === 0) push("None.");
  else {
    push("| task | rule | resource | message |", "|---|---|---|---|");
    for (const { task, finding } of breakerHits) push(`| ${task} | ${finding.ruleId} | ${finding.resource.logicalId} | ${cell(finding.message)} |`);
  }
  if (ruleErrors.length > 0) push("", "## Rule errors", "", ...ruleErrors.map((error) => `- ${cell(error)}`));
  push("");

  writeFileSync(OUTPUT, lines.join("\n"));
  console.log(`wrote ${relative(process.cwd(), OUTPUT)}`);
  console.log(`recall on covered labels ${pct(pairHits, pairs)} (${pairHits}/${pairs} pairs); macro ${pct(macro, 1)}; hand-checked tasks ${pct(hand.hit, hand.labelled)}; lower-noise labels ${pct(lowNoise.hit, lowNoise.labelled)}`);
  for (const ruleId of DEPLOY_BREAKERS) {
    const tasks = new Set(breakerHits.filter((hit) => hit.finding.ruleId === ruleId).map((hit) => hit.task));
    console.log(`${ruleId} on ideal templates: ${pct(tasks.size, parsedIdeals.length)} (${tasks.size}/${parsedIdeals.length})`);
  }
  if (ruleErrors.length > 0) console.log(`${ruleErrors.length} rule errors (listed in the report)`);
}

main();
