import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { findMotoCommand } from "../../cli/moto-server.ts";
import { MOTO_REQUIRED_MESSAGE, MOTO_SKIP_MESSAGE, motoRequired } from "../live/moto.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

test("npm run demo runs the pipeline on its own moto: findings stored, alerts published, a fix resolved", async (t) => {
  if (!findMotoCommand()) {
    if (motoRequired()) assert.fail(MOTO_REQUIRED_MESSAGE);
    t.skip(MOTO_SKIP_MESSAGE);
    return;
  }
  const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const env = { ...process.env };
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "TABLE_NAME", "TOPIC_ARN", "QUEUE_URL"]) delete env[name];
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "cli", "demo.ts")], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
  assert.equal(run.status, 0, run.stderr);
  const last = run.stdout.trim().split("\n").pop()!;
  const match = /^demo: (\d+) findings stored, (\d+) alerts published, (\d+) resolved after fix$/.exec(last);
  assert.ok(match, `last line: ${last}`);
  const [, stored, alerts, resolved] = match.map(Number);
  assert.ok(stored! > 50 && alerts! >= 5 && resolved! >= 2, last);
  assert.match(run.stdout, /RESOLVED ec2-sg-ingress-open-admin-port NovaModelWebSecurityGroup/);
  assert.match(run.stdout, /^Subject: StackWarden: \d+ new findings? .* in webapp, /m);
  assert.doesNotMatch(run.stdout, /"level":/, "the handlers' logs stay out of the demo's output");
  t.diagnostic(last);
});
