/**
 * Alerts: one SNS message per stack scan that found new or regressed findings (the caller passes only those at or
 * above the policy's alertMinSeverity). The message is a plain-text email a person reads: findings grouped by
 * severity, most severe first, each with its rule, resource, what is wrong, how to fix it and a console link. It stays
 * under SNS's 256 KB (subject, body and attributes counted in bytes) by leaving out the least severe findings and
 * saying how many. Evidence is never printed: it can hold values read from the account (parameters, policies).
 *
 * publishAlert never throws: a failed publish comes back as { error }, and the caller leaves the findings
 * un-notified so the next scan sends them again.
 */
import { createHash } from "node:crypto";
import { PublishCommand, SNSClient, type PublishCommandInput } from "@aws-sdk/client-sns";
import { awsClient, type AwsTarget } from "../live/clients.ts";
import { SEVERITIES, severityRank, type Severity } from "./finding.ts";
import { SHAPE_REDACTOR } from "./redact.ts";
import type { StackKey, StoredFinding } from "./store.ts";

export interface Alert {
  subject: string;
  body: string;
  attributes: Record<string, { DataType: "String"; StringValue: string }>;
}

/** SNS's limit for one message: body, subject and message attributes together (262,144 bytes). */
export const SNS_MAX_BYTES = 256 * 1024;
/** SNS subjects must be shorter than 100 characters. */
export const SUBJECT_MAX_CHARS = 99;
/** The comma list of rule ids goes into the `ruleIds` attribute only when it is at most this long. */
export const RULE_IDS_MAX_CHARS = 1024;
/** A shortened stack name in the subject keeps at least this many characters. */
const MIN_STACK_CHARS = 16;

/** Caps on one finding's free-text fields, so a single huge message cannot push every other finding out. */
const FIELD_MAX_CHARS = { id: 512, title: 300, text: 2000 } as const;

/**
 * The CloudFormation console page of a stack in its region (the stack id, an ARN, opens exactly that stack even when
 * a newer stack has the same name; a name opens the current one).
 */
export function stackConsoleUrl(region: string, stackIdOrName: string): string {
  const host = region.startsWith("cn-")
    ? `${region}.console.amazonaws.cn`
    : region.startsWith("us-gov-")
      ? "console.amazonaws-us-gov.com"
      : `${region}.console.aws.amazon.com`;
  const r = encodeURIComponent(region);
  return `https://${host}/cloudformation/home?region=${r}#/stacks/stackinfo?stackId=${encodeURIComponent(stackIdOrName)}`;
}

/** Bytes SNS counts for a message: the subject, the body and every attribute's name, type and value. */
export function alertBytes(alert: Alert): number {
  let bytes = utf8Bytes(alert.subject) + utf8Bytes(alert.body);
  for (const [name, value] of Object.entries(alert.attributes)) bytes += utf8Bytes(name) + utf8Bytes(value.DataType) + utf8Bytes(value.StringValue);
  return bytes;
}

/**
 * The alert for the new and regressed findings of one stack scan. Throws on an empty list (no message when nothing
 * is new) and when maxBytes cannot hold even the subject and attributes.
 */
export function buildAlert(key: StackKey, findings: StoredFinding[], options: { maxBytes?: number } = {}): Alert {
  if (findings.length === 0) throw new RangeError("buildAlert: no findings, so no alert (nothing is new)");
  const maxBytes = options.maxBytes ?? SNS_MAX_BYTES;
  // The last line of defence: the findings were redacted when built, and an alert leaves the account by email.
  const sorted = sortForAlert(findings.map((finding) => SHAPE_REDACTOR.finding(finding)));
  const subject = buildSubject(key, sorted);
  const attributes = buildAttributes(key, sorted);

  let budget = maxBytes - alertBytes({ subject, body: "", attributes });
  if (budget < 0 && attributes.ruleIds) {
    delete attributes.ruleIds;
    budget = maxBytes - alertBytes({ subject, body: "", attributes });
  }
  if (budget < 0) throw new RangeError(`buildAlert: maxBytes ${maxBytes} cannot hold the subject and attributes (${maxBytes - budget} bytes)`);

  const stackId = sorted.find((finding) => finding.stack?.id)?.stack.id ?? key.stack;
  const link = stackConsoleUrl(key.region, stackId);
  const body = fitBody(key, sorted, link, budget);
  return { subject, body, attributes };
}

/**
 * Publishes the alert for one stack scan. Returns the SNS message id, or { error } with a sentence that says what
 * failed and why; never throws.
 */
export async function publishAlert(
  key: StackKey,
  findings: StoredFinding[],
  options: { topicArn: string; target: AwsTarget },
): Promise<{ messageId: string } | { error: string }> {
  const topicArn = options?.topicArn ?? "";
  try {
    if (!topicArn) return { error: "no alert published: no topic ARN configured (TOPIC_ARN); the findings stay un-notified" };
    if (!Array.isArray(findings) || findings.length === 0) return { error: "no alert published: no new or regressed findings to send" };
    const alert = buildAlert(key, findings);
    const input: PublishCommandInput = {
      TopicArn: topicArn,
      Subject: alert.subject,
      Message: alert.body,
      MessageAttributes: alert.attributes,
    };
    if (topicArn.endsWith(".fifo")) {
      // FIFO topics need a group; the dedup id makes a redelivered scan's publish a no-op within SNS's 5 minutes.
      input.MessageGroupId = `${key.account}-${key.region}-${key.stack}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 128);
      input.MessageDeduplicationId = createHash("sha256")
        .update([key.account, key.region, key.stack, ...findings.map((finding) => finding.fingerprint).sort()].join("\u001f"))
        .digest("hex");
    }
    const sns = awsClient(SNSClient, topicTarget(options.target, topicArn));
    const output = await sns.send(new PublishCommand(input));
    if (!output.MessageId) return { error: `SNS Publish to ${topicArn} answered without a MessageId; the findings stay un-notified` };
    return { messageId: output.MessageId };
  } catch (error) {
    return { error: describePublishError(error, topicArn) };
  }
}

/** SNS takes a Publish only in the topic's own region: a topic ARN's region wins over the target's. */
function topicTarget(target: AwsTarget, topicArn: string): AwsTarget {
  const region = /^arn:[\w-]+:sns:([a-z0-9-]+):/.exec(topicArn)?.[1];
  return region && region !== target.region ? { ...target, region } : target;
}

function describePublishError(error: unknown, topicArn: string): string {
  const name = (error as { name?: unknown })?.name;
  const code = typeof name === "string" && name !== "Error" ? name : "";
  const message = error instanceof Error ? error.message : String(error);
  const what = `${code ? `${code}: ` : ""}${message}`.trim() || "unknown error";
  let hint = "";
  if (/^KMS/.test(code)) hint = "; the topic's KMS key refused: grant kms:GenerateDataKey and kms:Decrypt on it to the publisher";
  else if (/NotFound/i.test(code) || /does not exist|not found/i.test(message)) hint = "; check TOPIC_ARN names an existing topic in its region";
  else if (/AuthorizationError|AccessDenied|Forbidden/i.test(code) || /not authorized/i.test(message)) hint = "; grant sns:Publish on the topic to the publisher";
  return `SNS Publish to ${topicArn} failed (${what})${hint}; the findings stay un-notified and the next scan sends them`;
}

// ---------- ordering, subject, attributes ----------

function sortForAlert(findings: readonly StoredFinding[]): StoredFinding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      compare(a.ruleId, b.ruleId) ||
      compare(a.resource?.logicalId ?? "", b.resource?.logicalId ?? "") ||
      compare(a.fingerprint, b.fingerprint),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function countBySeverity(findings: readonly StoredFinding[]): Map<Severity, number> {
  const counts = new Map<Severity, number>();
  for (const finding of findings) counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  return counts;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Subjects are ASCII, printable, one line (SNS). */
function subjectText(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "?");
}

/**
 * e.g. "StackWarden: 3 new findings (1 critical, 1 regressed) in prod-api, 123456789012 eu-west-1". When that is too
 * long (stack names run to 128 characters) the stack name is shortened, then the regressed count, the region and the
 * account give way, in that order, so the stack keeps at least MIN_STACK_CHARS characters.
 */
function buildSubject(key: StackKey, sorted: readonly StoredFinding[]): string {
  const top = sorted[0]!.severity;
  const topCount = sorted.filter((finding) => finding.severity === top).length;
  const regressed = sorted.filter((finding) => finding.regressed).length;
  const head = (withRegressed: boolean) =>
    `StackWarden: ${plural(sorted.length, "new finding")} (${topCount} ${top}${withRegressed && regressed ? `, ${regressed} regressed` : ""}) in `;
  const stack = subjectText(key.stack);
  const account = subjectText(key.account);
  const region = subjectText(key.region);
  const choices: [string, string][] = [
    [head(true), `, ${account} ${region}`],
    [head(false), `, ${account} ${region}`],
    [head(false), `, ${account}`],
    [head(false), ""],
  ];
  for (const [start, where] of choices) {
    if (start.length + stack.length + where.length <= SUBJECT_MAX_CHARS) return `${start}${stack}${where}`;
    const room = SUBJECT_MAX_CHARS - start.length - where.length;
    if (room >= MIN_STACK_CHARS + 3) return `${start}${stack.slice(0, room - 3)}...${where}`;
  }
  const subject = `${head(false)}${stack}`;
  return `${subject.slice(0, SUBJECT_MAX_CHARS - 3)}...`;
}

function buildAttributes(key: StackKey, sorted: readonly StoredFinding[]): Alert["attributes"] {
  const value = (text: string) => ({ DataType: "String" as const, StringValue: text.length > 0 ? text : "unknown" });
  const ruleIds = [...new Set(sorted.map((finding) => finding.ruleId))];
  const attributes: Alert["attributes"] = {
    severity: value(sorted[0]!.severity),
    ruleId: value(sorted[0]!.ruleId),
    account: value(key.account),
    stack: value(key.stack),
  };
  const list = ruleIds.join(",");
  if (list.length <= RULE_IDS_MAX_CHARS) attributes.ruleIds = value(list);
  return attributes;
}

// ---------- body ----------

/** Valid text for SNS: no control characters but tab and newline, no lone surrogates. */
function clean(value: unknown, max: number): string {
  let text = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  text = text
    .replace(/\r\n?/g, "\n")
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f\ufffe\uffff]/g, "")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")
    .trim();
  if (text.length > max) text = `${text.slice(0, max - 3).replace(/[\ud800-\udbff]$/, "")}...`;
  return text;
}

/** Continuation lines of a multi-line field line up under its first line. */
function field(label: string, value: string): string {
  const pad = "   ";
  const head = `${pad}${label.padEnd(14)}`;
  return `${head}${value.split("\n").join(`\n${" ".repeat(head.length)}`)}`;
}

function findingBlock(finding: StoredFinding, index: number, link: string): string {
  const resource = finding.resource ?? { logicalId: "", type: "" };
  const logical = clean(resource.logicalId, FIELD_MAX_CHARS.id) || "(unknown logical id)";
  const type = clean(resource.type, FIELD_MAX_CHARS.id);
  const physical = clean(resource.physicalId, FIELD_MAX_CHARS.id);
  const lines = [
    `${index}. [${finding.severity.toUpperCase()}] ${clean(finding.ruleId, FIELD_MAX_CHARS.id)}: ${clean(finding.title, FIELD_MAX_CHARS.title)}${finding.regressed ? "  (regressed: it was resolved and came back)" : ""}`,
    field("Resource:", `${logical}${type ? ` (${type})` : ""}${physical ? `, physical id ${physical}` : ", not created yet or no physical id"}`),
    field("What's wrong:", clean(finding.message, FIELD_MAX_CHARS.text) || "(no message)"),
    field("How to fix:", clean(finding.remediation, FIELD_MAX_CHARS.text) || "(no remediation recorded)"),
    field("Console:", link),
    field("Found by:", `${finding.source ?? "scan"} scan, first seen ${finding.firstSeen ?? "now"}, fingerprint ${finding.fingerprint}`),
  ];
  return `${lines.join("\n")}\n`;
}

function severityHeader(severity: Severity, total: number, shown: number): string {
  const title = `${severity.toUpperCase()}: ${plural(total, "finding")}${shown < total ? ` (the first ${shown} shown)` : ""}`;
  return `${title}\n${"=".repeat(title.length)}\n`;
}

function moreLine(count: number): string {
  return `... and ${plural(count, "more finding")} (see the findings table)\n`;
}

/** The body with as many findings as fit in `budget` bytes, least severe ones left out first. */
function fitBody(key: StackKey, sorted: readonly StoredFinding[], link: string, budget: number): string {
  const intro = introText(key, sorted, link);
  const footer = footerText(key);
  const blocks = sorted.map((finding, index) => findingBlock(finding, index + 1, link));
  const totals = countBySeverity(sorted);

  const render = (shown: number): string => {
    const parts = [intro];
    let current: Severity | undefined;
    const shownBySeverity = countBySeverity(sorted.slice(0, shown));
    for (let index = 0; index < shown; index++) {
      const severity = sorted[index]!.severity;
      if (severity !== current) {
        current = severity;
        parts.push(severityHeader(severity, totals.get(severity)!, shownBySeverity.get(severity)!), "\n");
      }
      parts.push(blocks[index]!, "\n");
    }
    if (shown < sorted.length) {
      const hidden = [...totals].map(([severity, total]) => [severity, total - (shownBySeverity.get(severity) ?? 0)] as const).filter(([, n]) => n > 0);
      parts.push(`Not shown here, to stay within SNS's message size limit: ${hidden.map(([severity, n]) => `${n} ${severity}`).join(", ")}.\n`);
      parts.push(moreLine(sorted.length - shown), "\n");
    }
    parts.push(footer);
    return parts.join("");
  };

  // The body grows with every finding shown (a block is far longer than any header or count it changes), so the
  // largest count that fits is found by bisection.
  let body = render(sorted.length);
  if (utf8Bytes(body) <= budget) return body;
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (utf8Bytes(render(mid)) <= budget) low = mid;
    else high = mid - 1;
  }
  body = render(low);
  // A budget too small even for the summary: keep the start of the text and the count line, whole characters only.
  if (utf8Bytes(body) > budget) {
    const tail = `\n${moreLine(sorted.length)}`;
    body = `${cutToBytes(body, Math.max(0, budget - utf8Bytes(tail)))}${tail}`;
    if (utf8Bytes(body) > budget) body = cutToBytes(body, budget);
  }
  return body;
}

function introText(key: StackKey, sorted: readonly StoredFinding[], link: string): string {
  const counts = countBySeverity(sorted);
  const bySeverity = SEVERITIES.filter((severity) => counts.has(severity)).map((severity) => `${counts.get(severity)} ${severity}`);
  const regressed = sorted.filter((finding) => finding.regressed).length;
  const stack = clean(key.stack, FIELD_MAX_CHARS.id);
  const lines = [
    `StackWarden found ${plural(sorted.length, "new finding")} in stack ${stack} (account ${clean(key.account, FIELD_MAX_CHARS.id)}, region ${clean(key.region, FIELD_MAX_CHARS.id)}): ${bySeverity.join(", ")}.`,
  ];
  if (regressed > 0) lines.push(`${regressed === 1 ? "1 of them regressed: it was" : `${regressed} of them regressed: they were`} resolved and came back.`);
  lines.push("", `Stack ${stack} in the CloudFormation console:`, link, "", "");
  return lines.join("\n");
}

function footerText(key: StackKey): string {
  return [
    "--",
    "Sent by StackWarden. Every finding of this stack, with its history, is in the findings table under",
    `pk STACK#${clean(key.account, FIELD_MAX_CHARS.id)}#${clean(key.region, FIELD_MAX_CHARS.id)}#${clean(key.stack, FIELD_MAX_CHARS.id)}.`,
    "",
  ].join("\n");
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** The longest prefix of `text` of at most `bytes` UTF-8 bytes that ends on a whole character. */
function cutToBytes(text: string, bytes: number): string {
  const buffer = Buffer.from(text, "utf8");
  if (buffer.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && (buffer[end]! & 0xc0) === 0x80) end--;
  return buffer.subarray(0, end).toString("utf8");
}
