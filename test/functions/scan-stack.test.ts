import assert from "node:assert/strict";
import { CloudFormationClient, UpdateStackCommand } from "@aws-sdk/client-cloudformation";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DeleteTopicCommand } from "@aws-sdk/client-sns";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSEvent } from "aws-lambda";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { handler as planScanHandler } from "../../functions/plan-scan/handler.ts";
import { handler } from "../../functions/scan-stack/handler.ts";
import { FindingsStore, type StackKey } from "../../shared/findings/store.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoClientConfig, motoForTests } from "../live/moto.ts";
import { captureStdout, createTopicWithInbox, deployStack, drain, inboxAlerts, openAdminPortTemplate, quietly, serviceOnMoto, sqsEventOf, sqsRecordOf, type ServiceOnMoto } from "./helpers.ts";

const moto = motoForTests();
const SCHEDULE = JSON.parse(readFileSync(new URL("../../events/schedule.json", import.meta.url), "utf8")) as object;
const STATUS_EVENT = JSON.parse(readFileSync(new URL("../../events/stack-update-complete.json", import.meta.url), "utf8")) as Record<string, unknown>;

async function setUp(endpoint: string, prefix: string): Promise<{ service: ServiceOnMoto; store: FindingsStore }> {
  const service = await serviceOnMoto(endpoint, prefix);
  Object.assign(process.env, service.env);
  delete process.env.ORGANIZATION_MODE;
  delete process.env.SCAN_POLICY;
  return { service, store: new FindingsStore({ tableName: service.tableName, target: { region: MOTO_REGION, endpointUrl: endpoint } }) };
}

const keyOf = (stack: string): StackKey => ({ account: MOTO_ACCOUNT, region: MOTO_REGION, stack });

/** An SQS record as the queue would deliver it, for a body sent by hand. */
function record(messageId: string, body: unknown, queueArn: string) {
  return sqsRecordOf({ MessageId: messageId, ReceiptHandle: `rh-${messageId}`, Body: typeof body === "string" ? body : JSON.stringify(body), MD5OfBody: "" }, queueArn);
}

function statusEvent(stackId: string, status: string): object {
  return { ...STATUS_EVENT, resources: [stackId], detail: { "stack-id": stackId, "status-details": { status, "status-reason": "" }, "client-request-token": "" } };
}

describe("scan-stack handler end to end on moto", () => {
  it("schedule -> queue -> scan -> table -> topic; a redelivery changes nothing and alerts once", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const { service, store } = await setUp(server.endpoint, "e2e");
    await deployStack(service.cfn, "web", openAdminPortTemplate(22));

    const planned = await quietly(() => planScanHandler(SCHEDULE));
    assert.ok(planned.ok, JSON.stringify(planned));
    assert.equal(planned.requests, 2, "the stack and the account pass");
    const messages = await drain(service.sqs, service.queueUrl);
    assert.equal(messages.length, 2);
    const event = sqsEventOf(messages, service.queueArn);

    const { value: response, lines } = await captureStdout(() => handler(event));
    assert.deepEqual(response, { batchItemFailures: [] });

    const findings = await store.findings(keyOf("web"));
    const open = findings.find((finding) => finding.ruleId === "ec2-sg-ingress-open-admin-port");
    assert.ok(open, `the open SSH port is stored: ${findings.map((finding) => finding.ruleId).join(", ")}`);
    assert.equal(open.status, "NEW");
    assert.equal(open.severity, "high");
    assert.equal(open.notified, true);
    assert.ok(findings.every((finding) => finding.status === "NEW"));
    assert.ok(findings.filter((finding) => finding.severity !== "high" && finding.severity !== "critical").every((finding) => !finding.notified), "below alertMinSeverity: no alert");
    assert.equal((await store.scans(keyOf("web"))).length, 1);
    const accountFindings = await store.findings(keyOf("(account)"));
    assert.ok(accountFindings.length > 0, "the account pass stored its findings under (account)");

    const alerts = await inboxAlerts(service);
    const webAlerts = alerts.filter((alert) => alert.attributes.stack === "web");
    assert.equal(webAlerts.length, 1, `one alert for web: ${alerts.map((alert) => alert.subject).join(" | ")}`);
    assert.match(webAlerts[0]!.message, /ec2-sg-ingress-open-admin-port/);
    assert.equal(webAlerts[0]!.attributes.severity, "high");
    assert.equal(open.messageId !== undefined, true);
    assert.equal(alerts.length, 1 + (accountFindings.some((finding) => finding.notified) ? 1 : 0), "at most one alert per scanned scope");

    // Logs: structured, correlated with the SQS message and the stack; metrics: FindingsNew per severity, duration, API errors.
    const webMessageId = event.Records.find((item) => item.body.includes('"stack":"web"'))!.messageId;
    const scanned = lines.find((line) => line.message === "stack scanned" && line.correlation_id === webMessageId);
    assert.ok(scanned, "a structured 'stack scanned' line carries the message id as correlation id");
    assert.equal(scanned.stack, `${MOTO_ACCOUNT}/${MOTO_REGION}/web`);
    assert.equal(scanned.service, "stackwarden");
    const emf = lines.filter((line) => line._aws);
    const findingsNew = emf.filter((line) => "FindingsNew" in line);
    assert.ok(findingsNew.some((line) => line.Severity === "high" && (line.FindingsNew as number) >= 1), JSON.stringify(findingsNew));
    const namespaces = emf.flatMap((line) => (line._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics.map((entry) => entry.Namespace));
    assert.ok(namespaces.every((namespace) => namespace === "StackWarden"));
    const flushed = emf.find((line) => "ScanDurationMs" in line);
    assert.ok(flushed && "ApiErrors" in flushed, "ScanDurationMs and ApiErrors are flushed with the invocation");

    // The same messages again (SQS redelivers after a timeout): nothing changes, no second alert.
    const again = await quietly(() => handler(event));
    assert.deepEqual(again, { batchItemFailures: [] });
    assert.deepEqual(await store.findings(keyOf("web")), findings);
    assert.equal((await store.scans(keyOf("web"))).length, 1);
    assert.deepEqual(await inboxAlerts(service), []);
  });

  it("deploy events: a completed update scans the stack, a deletion is acknowledged and ignored", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const { service, store } = await setUp(server.endpoint, "deploy");
    const stackId = await deployStack(service.cfn, "api", openAdminPortTemplate(3389));
    const event: SQSEvent = {
      Records: [record("deploy-1", statusEvent(stackId, "UPDATE_COMPLETE"), service.queueArn), record("deploy-2", statusEvent(stackId.replace("/api/", "/old/"), "DELETE_COMPLETE"), service.queueArn)],
    };
    const { value: response, lines } = await captureStdout(() => handler(event));
    assert.deepEqual(response, { batchItemFailures: [] });
    const stored = await store.findings(keyOf("api"));
    assert.ok(stored.some((finding) => finding.ruleId === "ec2-sg-ingress-open-admin-port" && finding.status === "NEW"));
    const ignored = lines.find((line) => line.message === "event ignored");
    assert.ok(ignored && /old .* is DELETE_COMPLETE/.test(String(ignored.reason)), JSON.stringify(ignored));
    assert.equal(ignored.correlation_id, "deploy-2");
    assert.equal((await inboxAlerts(service)).length, 1);

    // The flaw is fixed by a stack update: the update's event scans again and the finding is RESOLVED, with no alert.
    const fixed = { Resources: { AdminGroup: { Type: "AWS::EC2::SecurityGroup", Properties: { GroupDescription: "admin access", SecurityGroupIngress: [{ IpProtocol: "tcp", FromPort: 3389, ToPort: 3389, CidrIp: "10.20.0.0/16" }] } } } };
    await service.cfn.send(new UpdateStackCommand({ StackName: "api", TemplateBody: JSON.stringify(fixed) }));
    assert.deepEqual(await quietly(() => handler({ Records: [record("deploy-3", statusEvent(stackId, "UPDATE_COMPLETE"), service.queueArn)] })), { batchItemFailures: [] });
    const after = await store.findings(keyOf("api"));
    const resolved = after.find((finding) => finding.ruleId === "ec2-sg-ingress-open-admin-port");
    assert.equal(resolved?.status, "RESOLVED");
    assert.ok(resolved?.resolvedAt);
    assert.deepEqual(await inboxAlerts(service), []);
  });

  it("partial batch failure: a missing stack and a failed table write are retried, malformed messages are not", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const { service, store } = await setUp(server.endpoint, "partial");
    await deployStack(service.cfn, "good", openAdminPortTemplate(22));
    const request = (stack: string) => ({ kind: "stack", account: MOTO_ACCOUNT, region: MOTO_REGION, stack, reason: "manual" });
    const malformed = JSON.parse(readFileSync(new URL("../../events/malformed.json", import.meta.url), "utf8")) as SQSEvent;
    const event: SQSEvent = {
      Records: [record("m-good", request("good"), service.queueArn), record("m-ghost", request("ghost"), service.queueArn), ...malformed.Records, record("m-other-account", { ...request("good"), account: "999999999999" }, service.queueArn)],
    };
    const { value: response, lines } = await captureStdout(() => handler(event));
    assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: "m-ghost" }] });
    assert.ok((await store.findings(keyOf("good"))).length > 0, "the good record was scanned and stored");
    const failed = lines.find((line) => line.message === "scan failed; SQS will deliver the message again");
    assert.ok(failed && /ghost/.test(JSON.stringify(failed.error)), JSON.stringify(failed));
    const rejected = lines.filter((line) => String(line.message).startsWith("message rejected") || String(line.message).startsWith("request rejected"));
    assert.equal(rejected.length, malformed.Records.length + 1, "each malformed message and the foreign account are logged with their reason");
    assert.ok(rejected.some((line) => /account 999999999999 is not this account/.test(String(line.reason))));

    // The table is gone: the write fails, the message comes back.
    await new DynamoDBClient(motoClientConfig(server.endpoint)).send(new DeleteTableCommand({ TableName: service.tableName }));
    const broken = await quietly(() => handler({ Records: [record("m-table", request("good"), service.queueArn), malformed.Records[0]!] }));
    assert.deepEqual(broken, { batchItemFailures: [{ itemIdentifier: "m-table" }] });
  });

  it("a broken environment fails the whole invocation (every message comes back); a non-SQS event is rejected", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const { service } = await setUp(server.endpoint, "env");
    const event: SQSEvent = { Records: [record("m-1", { kind: "account", account: MOTO_ACCOUNT, region: MOTO_REGION, reason: "manual" }, service.queueArn)] };
    const saved = process.env.TABLE_NAME;
    delete process.env.TABLE_NAME;
    try {
      await assert.rejects(captureStdout(() => handler(event)), /TABLE_NAME is not set/);
    } finally {
      process.env.TABLE_NAME = saved;
    }
    const { value, lines } = await captureStdout(() => handler({ detail: {} }));
    assert.deepEqual(value, { batchItemFailures: [] });
    assert.ok(lines.some((line) => line.message === "event rejected" && /takes an SQS event/.test(String(line.reason))));
  });

  it("SNS failure, then recovery: the pending alert goes out with the next scan, once", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const { service, store } = await setUp(server.endpoint, "sns");
    await deployStack(service.cfn, "db", openAdminPortTemplate(3389));
    const request = { kind: "stack", account: MOTO_ACCOUNT, region: MOTO_REGION, stack: "db", reason: "schedule" };

    await service.sns.send(new DeleteTopicCommand({ TopicArn: service.topicArn }));
    const { value: first, lines } = await captureStdout(() => handler({ Records: [record("scan-1", request, service.queueArn)] }));
    assert.deepEqual(first, { batchItemFailures: [] }, "a failed publish does not fail the scan: the findings are recorded and stay pending");
    assert.ok(lines.some((line) => String(line.message).startsWith("alert not published") && /SNS Publish .* failed/.test(String(line.alertError))));
    assert.ok(lines.some((line) => "AlertPublishFailures" in line));
    const pending = await store.findings(keyOf("db"));
    const high = pending.filter((finding) => finding.severity === "high");
    assert.ok(high.length > 0 && high.every((finding) => !finding.notified), "still un-notified");
    assert.deepEqual(await inboxAlerts(service), []);

    const topicArn = await createTopicWithInbox(service.sns, "sns-alerts", service.inboxArn);
    assert.equal(topicArn, service.topicArn, "the topic is back under its ARN");
    assert.deepEqual(await quietly(() => handler({ Records: [record("scan-2", request, service.queueArn)] })), { batchItemFailures: [] });
    const alerts = await inboxAlerts(service);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.attributes.stack, "db");
    for (const finding of high) assert.ok(alerts[0]!.message.includes(finding.ruleId));
    const after = await store.findings(keyOf("db"));
    assert.ok(after.filter((finding) => finding.severity === "high").every((finding) => finding.notified && finding.status === "OPEN"));

    // Nothing new on the next scan: no message.
    assert.deepEqual(await quietly(() => handler({ Records: [record("scan-3", request, service.queueArn)] })), { batchItemFailures: [] });
    assert.deepEqual(await inboxAlerts(service), []);
  });

  it("organization mode: a member account's stack is read through its role and filed under that account", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const service = await serviceOnMoto(server.endpoint, "org");
    Object.assign(process.env, service.env, { ORGANIZATION_MODE: "true", MEMBER_ROLE_NAME: "StackWardenMemberRead" });
    t.after(() => {
      delete process.env.ORGANIZATION_MODE;
      delete process.env.MEMBER_ROLE_NAME;
    });
    const roleArn = "arn:aws:iam::111111111111:role/StackWardenMemberRead";
    const c = (await new STSClient(motoClientConfig(server.endpoint)).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "s" }))).Credentials!;
    await deployStack(new CloudFormationClient({ ...motoClientConfig(server.endpoint), credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } }), "member-web", openAdminPortTemplate(22));
    const body = JSON.stringify({ kind: "stack", account: "111111111111", region: MOTO_REGION, stack: "member-web", reason: "schedule" });
    const r = await quietly(() => handler({ Records: [sqsRecordOf({ MessageId: "org-1", ReceiptHandle: "x", Body: body }, service.queueArn)] }));
    assert.deepEqual(r, { batchItemFailures: [] });
    const store = new FindingsStore({ tableName: service.tableName, target: { region: MOTO_REGION, endpointUrl: server.endpoint } });
    const f = await store.findings({ account: "111111111111", region: MOTO_REGION, stack: "member-web" });
    assert.ok(f.some((x) => x.ruleId === "ec2-sg-ingress-open-admin-port" && x.stack.account === "111111111111"), JSON.stringify(f.map((x) => x.ruleId)));
    assert.equal((await inboxAlerts(service)).length, 1);
    // The same stack name in the home account does not exist: the member's was read, not the home's.
    const home = JSON.stringify({ kind: "stack", account: "123456789012", region: MOTO_REGION, stack: "member-web", reason: "schedule" });
    assert.deepEqual(await quietly(() => handler({ Records: [sqsRecordOf({ MessageId: "org-2", ReceiptHandle: "x", Body: home }, service.queueArn)] })), { batchItemFailures: [{ itemIdentifier: "org-2" }] });
  });
});
