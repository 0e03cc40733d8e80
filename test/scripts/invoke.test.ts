import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { motoForTests } from "../live/moto.ts";
import { deployStack, drain, openAdminPortTemplate, serviceOnMoto } from "../functions/helpers.ts";

const moto = motoForTests();
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function invoke(args: string[], env: Record<string, string>): { status: number | null; response: unknown; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["--no-warnings", "--import", "tsx", "scripts/invoke.ts", ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
  // Logs are one JSON object per line; the response is printed last, indented.
  const start = run.stdout.lastIndexOf("\n{\n") >= 0 ? run.stdout.lastIndexOf("\n{\n") + 1 : run.stdout.startsWith("{\n") ? 0 : -1;
  return { status: run.status, response: start >= 0 ? JSON.parse(run.stdout.slice(start)) : undefined, stdout: run.stdout, stderr: run.stderr };
}

describe("npm run invoke", () => {
  it("runs plan-scan and scan-stack against AWS_ENDPOINT_URL with the events/ files", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const service = await serviceOnMoto(server.endpoint, "invoke");
    await deployStack(service.cfn, "stackwarden-demo-web", openAdminPortTemplate(22));

    const planned = invoke(["plan-scan", "events/schedule.json"], service.env);
    assert.equal(planned.status, 0, planned.stderr);
    assert.deepEqual({ ok: (planned.response as { ok: boolean }).ok, requests: (planned.response as { requests: number }).requests }, { ok: true, requests: 2 });
    assert.equal((await drain(service.sqs, service.queueUrl)).length, 2);

    // The events/ batch names stackwarden-demo-web (deployed), stackwarden-demo-data (not) and the account pass.
    const batch = invoke(["scan-stack", "events/sqs-scan-requests.json"], service.env);
    assert.equal(batch.status, 0, batch.stderr);
    assert.deepEqual(batch.response, { batchItemFailures: [{ itemIdentifier: "2e1424d4-f796-459a-8184-9c92662be6d1" }] });

    const malformed = invoke(["scan-stack", "events/malformed.json"], service.env);
    assert.deepEqual(malformed.response, { batchItemFailures: [] });
    // A bare EventBridge event is wrapped in a one-record batch, as the queue would deliver it.
    const deploy = invoke(["scan-stack", "events/stack-create-complete.json"], service.env);
    assert.deepEqual(deploy.response, { batchItemFailures: [] });
    assert.match(deploy.stdout, /"message":"scan already recorded|"message":"stack scanned"/);
  });

  it("usage errors exit 2 and name the functions", () => {
    const none = invoke([], {});
    assert.equal(none.status, 2);
    assert.match(none.stderr, /usage: npm run invoke -- <function> <event file>\n\s+functions: plan-scan, scan-stack/);
    const unknown = invoke(["nope", "events/schedule.json"], {});
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no function "nope"/);
    const missing = invoke(["plan-scan", "events/none.json"], {});
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read the event file events\/none.json/);
  });
});
