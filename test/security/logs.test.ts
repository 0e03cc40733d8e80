/**
 * Logs never carry a whole template or policy document at info level. The scan-stack handler scans a moto stack whose
 * template is large (a big Metadata block and many parameters) and holds a managed policy document; the test reads every
 * log line the plan-scan and scan-stack handlers write at INFO (the production level) and checks that none holds a
 * piece of the template or of the policy (markers random per run), and that no INFO line is longer than
 * MAX_INFO_LINE_BYTES.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { CloudFormationClient, CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { describe, it } from "node:test";
import { drain, serviceOnMoto, sqsEventOf } from "../functions/helpers.ts";
import { motoClientConfig, motoForTests } from "../live/moto.ts";

const moto = motoForTests();

/**
 * The longest legitimate INFO line is "stack scanned" or "scan planned": counts, the stack's account/region/name (a
 * stack name is at most 128 characters), the correlation id and, in Lambda, the function context (~400 bytes): under
 * 1.5 KB. 4 KB leaves room for that to grow, and is far below any template worth scanning or the policy document here
 * (each over 5 KB), so a line that carried one would break it.
 */
const MAX_INFO_LINE_BYTES = 4096;

const marker = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;

function largeTemplate(templateMarker: string, policyMarker: string): { body: string; policy: object } {
  const policy = {
    Version: "2012-10-17",
    Statement: Array.from({ length: 40 }, (_, index) => ({
      Sid: `${policyMarker}${index}`,
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: `arn:aws:s3:::data-bucket-${index}/${policyMarker}/*`,
    })),
  };
  const parameters = Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`Setting${index}`, { Type: "String", Default: `${templateMarker}-default-${index}`, Description: `setting ${index} of the application` }]));
  const template = {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `A large template (${templateMarker})`,
    Metadata: { Notes: Array.from({ length: 200 }, (_, index) => `${templateMarker} note ${index}: ${"lorem ipsum dolor sit amet ".repeat(4)}`) },
    Parameters: parameters,
    Resources: {
      DataPolicy: { Type: "AWS::IAM::ManagedPolicy", Properties: { Description: "data access", PolicyDocument: policy } },
      WebGroup: {
        Type: "AWS::EC2::SecurityGroup",
        Properties: { GroupDescription: `web (${templateMarker})`, SecurityGroupIngress: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIp: "0.0.0.0/0" }] },
      },
      ...Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`Setting${index}Parameter`, { Type: "AWS::SSM::Parameter", Properties: { Name: `/large/setting-${index}`, Type: "String", Value: { Ref: `Setting${index}` } } }])),
    },
  };
  return { body: JSON.stringify(template, null, 2), policy };
}

/** Runs fn with stdout and stderr captured as raw text (Powertools writes one JSON line per log entry). */
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

describe("logs", () => {
  it("at INFO, no line holds the template or the policy document, and none is longer than the bound", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const service = await serviceOnMoto(server.endpoint, "logs");
    Object.assign(process.env, service.env, { POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_METRICS_DISABLED: "true" });
    delete process.env.ORGANIZATION_MODE;
    delete process.env.SCAN_POLICY;
    const templateMarker = marker("template");
    const policyMarker = marker("policy");
    const { body, policy } = largeTemplate(templateMarker, policyMarker);
    assert.ok(body.length > 40_000 && JSON.stringify(policy).length > 5_000, `template ${body.length} chars, policy ${JSON.stringify(policy).length}`);
    await new CloudFormationClient({ ...motoClientConfig(server.endpoint), maxAttempts: 1 }).send(new CreateStackCommand({ StackName: "large", TemplateBody: body }));

    // The handlers build their logger when first imported: after the log level is set.
    const planScan = (await import("../../functions/plan-scan/handler.ts")).handler;
    const scanStack = (await import("../../functions/scan-stack/handler.ts")).handler;
    const planned = await captureOutput(() => planScan({ "detail-type": "Scheduled Event", source: "aws.events", time: new Date().toISOString(), detail: {} }));
    assert.ok(planned.value.ok, JSON.stringify(planned.value));
    const event = sqsEventOf(await drain(service.sqs, service.queueUrl), service.queueArn);
    const scanned = await captureOutput(() => scanStack(event));
    assert.deepEqual(scanned.value, { batchItemFailures: [] });

    const lines = `${planned.output}\n${scanned.output}`
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => ({ line, entry: JSON.parse(line) as Record<string, unknown> }))
      .filter(({ entry }) => entry.level !== undefined);
    assert.ok(lines.some(({ entry }) => entry.message === "stack scanned" && String(entry.stack).endsWith("/large")), `the large stack was scanned: ${lines.map(({ entry }) => entry.message).join(", ")}`);
    const info = lines.filter(({ entry }) => entry.level === "INFO");
    assert.ok(info.length >= 2, "plan-scan and scan-stack log at INFO");
    for (const { line } of info) {
      assert.ok(!line.includes(templateMarker), `an INFO line holds the template: ${line.slice(0, 300)}`);
      assert.ok(!line.includes(policyMarker), `an INFO line holds the policy document: ${line.slice(0, 300)}`);
      assert.ok(Buffer.byteLength(line) <= MAX_INFO_LINE_BYTES, `an INFO line of ${Buffer.byteLength(line)} bytes: ${line.slice(0, 300)}`);
    }
  });
});
