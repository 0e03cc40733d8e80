import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ALL_READERS, readOnlyActions, readOnlyPolicyDocument } from "../shared/live/permissions.ts";
import type { ServiceReaderClass } from "../shared/live/session.ts";

export const IAM_POLICY_DOC_PATH = fileURLToPath(new URL("./iam-policy.md", import.meta.url));

/** docs/iam-policy.md: the read-only policy a live scan needs, generated from the readers' declared actions. */
export function iamPolicyMarkdown(readers: readonly ServiceReaderClass<object>[] = ALL_READERS): string {
  const lines = [
    "# The read-only IAM policy a live scan needs",
    "",
    "<!-- Generated from the `actions` each reader in shared/live declares, by `npm run docs`. Do not edit by hand. -->",
    "",
    "`npm run scan -- --stack NAME` and `--all-stacks` call only the actions below: Describe, List and Get calls,",
    "nothing that changes anything. Attach this policy to the user or role you scan with (or use AWS's",
    "`SecurityAudit` managed policy, which covers them). `sts:GetCallerIdentity` needs no permission.",
    "",
    `${readOnlyActions(readers).length} actions:`,
    "",
    "```json",
    JSON.stringify(readOnlyPolicyDocument(readers), null, 2),
    "```",
    "",
    "## What each reader calls, and for which resource types",
    "",
    "| reader | actions | resource types it reads |",
    "|---|---|---|",
  ];
  for (const reader of [...readers].sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name))) {
    lines.push(`| ${reader.name} | ${[...reader.actions].sort().join(", ")} | ${reader.resourceTypes.join(", ") || "(stacks, or account-level facts)"} |`);
  }
  lines.push(
    "",
    "An action missing from the role does not stop a scan: the call fails with AccessDenied, the scan records an",
    "error naming the action, reports what it could not judge as a finding (drift-resource-missing for a stack",
    "resource, live-read-failed for an account-level read), and goes on with the rest.",
  );
  return `${lines.join("\n")}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(IAM_POLICY_DOC_PATH, iamPolicyMarkdown());
  process.stdout.write(`wrote ${IAM_POLICY_DOC_PATH} (${readOnlyActions().length} actions)\n`);
}
