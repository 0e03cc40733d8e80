import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { handler } from "../../functions/plan-scan/handler.ts";
import { parseQueueMessage } from "../../shared/service/messages.ts";
import { MOTO_ACCOUNT, motoClientConfig, motoForTests } from "../live/moto.ts";
import { captureStdout, deployStack, drain, openAdminPortTemplate, serviceOnMoto } from "./helpers.ts";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";

const moto = motoForTests();
const event = (name: string) => JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), "utf8")) as unknown;

describe("plan-scan handler on moto", () => {
  it("a scheduled event plans every target region; a manual override plans the regions it names", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const service = await serviceOnMoto(server.endpoint, "plan");
    Object.assign(process.env, service.env, { TARGET_REGIONS: "us-east-1,eu-west-1" });
    await deployStack(service.cfn, "east-app", openAdminPortTemplate(22));
    await deployStack(new CloudFormationClient({ ...motoClientConfig(server.endpoint), region: "eu-west-1" }), "west-app", openAdminPortTemplate(22));

    const { value: scheduled, lines } = await captureStdout(() => handler(event("schedule.json")));
    assert.ok(scheduled.ok, JSON.stringify(scheduled));
    assert.equal(scheduled.requests, 4);
    const planned = lines.find((line) => line.message === "scan planned");
    assert.ok(planned, "logged");
    assert.equal(planned.correlation_id, "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "the scheduled event's id correlates the plan");
    const metrics = lines.find((line) => "StacksPlanned" in line);
    assert.equal(metrics?.StacksPlanned, 2);
    const requests = (await drain(service.sqs, service.queueUrl)).map((message) => parseQueueMessage(message.Body!));
    assert.deepEqual(requests.map((request) => `${request.kind} ${request.region} ${request.kind === "stack" ? request.stack : ""} ${request.reason}`).sort(), [
      "account eu-west-1  schedule",
      "account us-east-1  schedule",
      "stack eu-west-1 west-app schedule",
      "stack us-east-1 east-app schedule",
    ]);

    const { value: manual } = await captureStdout(() => handler({ regions: ["eu-west-1"] }));
    assert.ok(manual.ok);
    const manualRequests = (await drain(service.sqs, service.queueUrl)).map((message) => parseQueueMessage(message.Body!));
    assert.deepEqual(manualRequests.map((request) => `${request.kind} ${request.account} ${request.region} ${request.reason}`).sort(), [
      `account ${MOTO_ACCOUNT} eu-west-1 manual`,
      `stack ${MOTO_ACCOUNT} eu-west-1 manual`,
    ]);
  });

  it("a malformed event is answered with the reason, not thrown (no retry), and plans nothing", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const service = await serviceOnMoto(server.endpoint, "planbad");
    Object.assign(process.env, service.env);
    await deployStack(service.cfn, "app", openAdminPortTemplate(22));
    for (const bad of [event("plan-malformed.json"), event("stack-create-complete.json"), { regions: ["nowhere"] }, "schedule"]) {
      const { value, lines } = await captureStdout(() => handler(bad));
      assert.equal(value.ok, false);
      assert.ok(!value.ok && value.error.length > 10);
      assert.ok(lines.some((line) => line.level === "ERROR" && line.message === "event rejected" && line.reason === (value as { error: string }).error));
    }
    assert.deepEqual(await drain(service.sqs, service.queueUrl), []);
  });
});
