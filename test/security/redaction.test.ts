/**
 * Secrets found by the scan never leave it: 13 distinct secrets, random per run, are planted in a template (literal
 * password, NoEcho parameter Default, Lambda environment token, access key id, secret key, private key, JWT, GitHub
 * token and connection-string password in user data), in a live stack's parameters (unmasked, as moto's
 * DescribeStacks returns them) and in CloudFormation's drift report. Every output is searched for each secret and each
 * 8-character piece of it: the CLI (text, JSON, SARIF; stdout and stderr), scanLive's result, the findings table read
 * back raw, the SNS alerts read from a subscribed queue, the formatted reports of drift findings, and the handlers'
 * logs at debug level. Each secret's finding is there, naming where and what kind.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CloudFormationClient, CreateStackCommand, DescribeStackDriftDetectionStatusCommand, DescribeStackResourceDriftsCommand, DetectStackDriftCommand } from "@aws-sdk/client-cloudformation";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { after, describe, it } from "node:test";
import type { Finding } from "../../shared/findings/finding.ts";
import { formatJson } from "../../shared/findings/format-json.ts";
import { formatSarif } from "../../shared/findings/format-sarif.ts";
import { formatText } from "../../shared/findings/format-text.ts";
import { buildAlert } from "../../shared/findings/notify.ts";
import { summarize } from "../../shared/findings/report.ts";
import type { StoredFinding } from "../../shared/findings/store.ts";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { CloudFormationDriftReader } from "../../shared/live/cloudformation-drift.ts";
import { scanLive } from "../../shared/scan-live.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { deployed, liveStack, STACK_ID } from "../rules/drift/drift-context.ts";
import { drain, inboxAlerts, serviceOnMoto, sqsEventOf } from "../functions/helpers.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoClientConfig, motoForTests } from "../live/moto.ts";
import { leaksIn, plantedTemplate, plantSecrets, type PlantedSecret } from "./planted.ts";

const moto = motoForTests();
const run = promisify(execFile);
const CLI = new URL("../../cli/stackwarden.ts", import.meta.url).pathname;

const secrets = plantSecrets();
const template = plantedTemplate(secrets);
const workDir = mkdtempSync(join(tmpdir(), "stackwarden-redaction-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

const STACK = "planted";
const DEPLOY_PARAMETERS = [
  { ParameterKey: "ApiToken", ParameterValue: secrets.LIVE_API_TOKEN!.value },
  { ParameterKey: "ReplicaPassword", ParameterValue: secrets.LIVE_NOECHO_PASSWORD!.value },
];

/** Where each secret's finding is, and what it shows instead of the secret (the kind and length, or the key id's prefix). */
interface Expected {
  ruleId: string;
  logicalId: string;
  shows: string;
}

function expectedFor(planted: Record<string, PlantedSecret>): Record<string, Expected> {
  const length = (name: string) => [...planted[name]!.value].length;
  return {
    NOECHO_DEFAULT: { ruleId: "secrets-plaintext", logicalId: "DbPassword", shows: `(${length("NOECHO_DEFAULT")} chars)` },
    RDS_PASSWORD: { ruleId: "secrets-plaintext", logicalId: "Database", shows: `literal password in MasterUserPassword` },
    LAMBDA_TOKEN: { ruleId: "secrets-plaintext", logicalId: "Worker", shows: `literal token in Environment.Variables.DEPLOY_TOKEN` },
    ACCESS_KEY_ID: { ruleId: "template-hardcoded-values", logicalId: "BuildHost", shows: "aws_access_key_id AKIA…(20 chars)" },
    SECRET_ACCESS_KEY: { ruleId: "template-hardcoded-values", logicalId: "BuildHost", shows: "aws_secret_access_key <redacted secret key, 40 chars>" },
    PRIVATE_KEY: { ruleId: "template-hardcoded-values", logicalId: "BuildHost", shows: `<redacted private key, ${length("PRIVATE_KEY")} chars>` },
    JWT: { ruleId: "template-hardcoded-values", logicalId: "BuildHost", shows: `Bearer <redacted JWT, ${length("JWT")} chars>` },
    GITHUB_TOKEN: { ruleId: "template-hardcoded-values", logicalId: "BuildHost", shows: `<redacted GitHub token, ${length("GITHUB_TOKEN")} chars>` },
    CONNECTION_PASSWORD: { ruleId: "template-hardcoded-values", logicalId: "BuildHost", shows: `postgres://app:<redacted password, ${length("CONNECTION_PASSWORD")} chars>@db.internal` },
    LIVE_API_TOKEN: { ruleId: "template-invalid-property-value", logicalId: "Worker", shows: `"LEGACY_TOKEN":"<redacted token, ${length("LIVE_API_TOKEN")} chars>"` },
    LIVE_NOECHO_PASSWORD: { ruleId: "template-invalid-property-value", logicalId: "Database", shows: `<redacted password, ${length("LIVE_NOECHO_PASSWORD")} chars>` },
    DRIFT_EXPECTED_TOKEN: { ruleId: "drift-cfn-reported", logicalId: "Worker", shows: `"expected":"<redacted token, ${length("DRIFT_EXPECTED_TOKEN")} chars>"` },
    DRIFT_ACTUAL_TOKEN: { ruleId: "drift-cfn-reported", logicalId: "Worker", shows: `"actual":"<redacted token, ${length("DRIFT_ACTUAL_TOKEN")} chars>"` },
  };
}
const EXPECTED = expectedFor(secrets);

/** Asserts the named secrets each have their finding, showing the masked form (a finding as built, stored or printed). */
function assertFindingsShow(findings: readonly Pick<Finding, "ruleId" | "resource" | "message" | "evidence">[], names: string[], where: string): void {
  for (const name of names) {
    const expected = EXPECTED[name]!;
    const candidates = findings.filter((finding) => finding.ruleId === expected.ruleId && finding.resource.logicalId === expected.logicalId);
    assert.ok(
      candidates.some((finding) => JSON.stringify([finding.message, finding.evidence]).includes(expected.shows)),
      `${where}: the finding for ${name} (${expected.ruleId} on ${expected.logicalId}) shows ${expected.shows}; found: ${candidates.map((finding) => JSON.stringify([finding.message, finding.evidence])).join(" | ").slice(0, 2000)}`,
    );
  }
}

function assertNoLeak(places: Record<string, string>): void {
  const leaks = leaksIn(places, secrets);
  assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join("\n")}`);
}

const TEMPLATE_SECRETS = ["NOECHO_DEFAULT", "RDS_PASSWORD", "LAMBDA_TOKEN", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "PRIVATE_KEY", "JWT", "GITHUB_TOKEN", "CONNECTION_PASSWORD"];
const LIVE_SECRETS = ["LIVE_API_TOKEN", "LIVE_NOECHO_PASSWORD"];

async function deployPlanted(endpoint: string): Promise<string> {
  const cfn = new CloudFormationClient(motoClientConfig(endpoint));
  const { StackId } = await cfn.send(new CreateStackCommand({ StackName: STACK, TemplateBody: template, Parameters: DEPLOY_PARAMETERS }));
  return StackId!;
}

/** Runs fn with everything written to stdout and stderr captured (Powertools logs go there), as raw text. */
async function captureOutput<T>(fn: () => Promise<T>): Promise<{ value: T; output: string }> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    }) as typeof stream.write;
  }
  try {
    return { value: await fn(), output: chunks.join("") };
  } finally {
    streams.forEach((stream, index) => (stream.write = writes[index]!));
  }
}

describe("redaction: no planted secret leaves the scanner", () => {
  it("the CLI on the template: text, JSON and SARIF, stdout and stderr", async () => {
    const file = join(workDir, "planted.yaml");
    writeFileSync(file, template);
    const places: Record<string, string> = {};
    const formats = ["text", "json", "sarif"];
    const outputs = await Promise.all(formats.map((format) => run(process.execPath, ["--import", "tsx", CLI, file, "--format", format, "--fail-on", "none"], { maxBuffer: 64 * 1024 * 1024 })));
    outputs.forEach(({ stdout, stderr }, index) => {
      places[`cli ${formats[index]} stdout`] = stdout;
      places[`cli ${formats[index]} stderr`] = stderr;
    });
    assertNoLeak(places);
    assertFindingsShow((JSON.parse(places["cli json stdout"]!) as { findings: Finding[] }).findings, TEMPLATE_SECRETS, "CLI JSON");
    assert.match(places["cli text stdout"]!, /literal password in MasterUserPassword/);
  });

  it("scanLive on a moto stack whose parameters DescribeStacks returns unmasked", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    await deployPlanted(server.endpoint);
    const result = await scanLive({ regions: [MOTO_REGION], endpointUrl: server.endpoint, stacks: [STACK] });
    assert.ok(result.stacks.some((stack) => stack.name === STACK), JSON.stringify(result.errors));
    assertNoLeak({ "scanLive result": JSON.stringify(result) });
    assertFindingsShow(result.findings, [...TEMPLATE_SECRETS, ...LIVE_SECRETS], "scanLive");
  });

  it("the service on moto: table items read back raw, SNS alerts from a subscribed inbox, the handlers' logs", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const service = await serviceOnMoto(server.endpoint, "redaction");
    Object.assign(process.env, service.env, { POWERTOOLS_LOG_LEVEL: "DEBUG", POWERTOOLS_METRICS_DISABLED: "true" });
    delete process.env.ORGANIZATION_MODE;
    delete process.env.SCAN_POLICY;
    await deployPlanted(server.endpoint);
    // The handlers build their logger when first imported: after the log level is set.
    const planScan = (await import("../../functions/plan-scan/handler.ts")).handler;
    const scanStack = (await import("../../functions/scan-stack/handler.ts")).handler;

    const planned = await captureOutput(() => planScan({ "detail-type": "Scheduled Event", source: "aws.events", time: new Date().toISOString(), detail: {} }));
    assert.ok(planned.value.ok, JSON.stringify(planned.value));
    const messages = await drain(service.sqs, service.queueUrl);
    assert.ok(messages.some((message) => message.Body!.includes(`"stack":"${STACK}"`)), "the planted stack is planned");
    const scanned = await captureOutput(() => scanStack(sqsEventOf(messages, service.queueArn)));
    assert.deepEqual(scanned.value, { batchItemFailures: [] });

    const items = (await new DynamoDBClient(motoClientConfig(server.endpoint)).send(new ScanCommand({ TableName: service.tableName }))).Items ?? [];
    const alerts = await inboxAlerts(service);
    assert.ok(items.length > 0 && alerts.length > 0, `items ${items.length}, alerts ${alerts.length}`);
    assertNoLeak({
      "table items": JSON.stringify(items),
      "SNS alerts": JSON.stringify(alerts),
      "plan-scan logs": planned.output,
      "scan-stack logs": scanned.output,
    });

    const stored = items
      .filter((item) => item.type?.S === "FINDING" && item.pk?.S === `STACK#${MOTO_ACCOUNT}#${MOTO_REGION}#${STACK}`)
      .map((item) => ({ ruleId: item.ruleId!.S!, resource: { logicalId: item.resource!.M!.logicalId!.S!, type: "" }, message: item.message!.S!, evidence: JSON.parse(item.evidence!.S!) as Record<string, unknown> }));
    assertFindingsShow(stored, [...TEMPLATE_SECRETS, ...LIVE_SECRETS], "table");
    const alert = alerts.find((candidate) => candidate.attributes.stack === STACK);
    assert.ok(alert, "the planted stack's alert");
    assert.match(alert.message, /literal password in MasterUserPassword: \S\S\*{6} \(\d+ chars\)/);
    assert.match(scanned.output, /"message":"stack scanned"/, "the logs were captured");
  });

  it("drift: both values of a changed secret property, in the finding and every format and alert built from it", async () => {
    const cloudformation = mockClient(CloudFormationClient);
    try {
      cloudformation.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: "detect-1" });
      cloudformation.on(DescribeStackDriftDetectionStatusCommand).resolves({ StackId: STACK_ID, StackDriftDetectionId: "detect-1", DetectionStatus: "DETECTION_COMPLETE", StackDriftStatus: "DRIFTED", Timestamp: new Date() });
      cloudformation.on(DescribeStackResourceDriftsCommand).resolves({
        StackResourceDrifts: [
          {
            StackId: STACK_ID,
            LogicalResourceId: "Worker",
            PhysicalResourceId: "worker-live",
            ResourceType: "AWS::Lambda::Function",
            StackResourceDriftStatus: "MODIFIED",
            Timestamp: new Date(),
            PropertyDifferences: [
              { PropertyPath: "/Environment/Variables/SIGNING_TOKEN", ExpectedValue: secrets.DRIFT_EXPECTED_TOKEN!.value, ActualValue: secrets.DRIFT_ACTUAL_TOKEN!.value, DifferenceType: "NOT_EQUAL" },
            ],
          },
        ],
      });
      const stack = liveStack(deployed(["Worker", "AWS::Lambda::Function"], ["Database", "AWS::RDS::DBInstance"], ["BuildHost", "AWS::EC2::LaunchTemplate"]), {
        parameters: { ApiToken: secrets.LIVE_API_TOKEN!.value, ReplicaPassword: secrets.LIVE_NOECHO_PASSWORD!.value },
      });
      await stack.session.reader(CloudFormationDriftReader).detect([stack.stack.id], 1_000, 10);
      const result = judgeLiveStack(stack, parseTemplate(template));
      const report = { ...result, summary: summarize(result.findings, result.errors, { files: 0, templates: 1, skipped: 0, durationMs: 0 }) };
      const alerted = result.findings.map((finding): StoredFinding => ({ ...finding, status: "NEW", firstSeen: "", lastSeen: "", notified: false }));
      const alert = buildAlert({ account: MOTO_ACCOUNT, region: MOTO_REGION, stack: "shop" }, alerted);
      assertNoLeak({
        "drift findings": JSON.stringify(result),
        "text report": formatText(report, { color: false }),
        "JSON report": formatJson(report),
        "SARIF report": formatSarif(report, { version: "test" }),
        "alert": JSON.stringify(alert),
      });
      assertFindingsShow(result.findings, ["DRIFT_EXPECTED_TOKEN", "DRIFT_ACTUAL_TOKEN", ...TEMPLATE_SECRETS, ...LIVE_SECRETS], "drift");
    } finally {
      cloudformation.restore();
    }
  });
});
