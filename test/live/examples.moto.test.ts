/**
 * The seed examples deployed on moto as real stacks, scanned live the way a user would (scanLive, and the CLI with
 * --endpoint-url), then changed out of band (port 22 opened to the world, MultiAZ turned off, a key policy replaced
 * by a public one) and scanned again.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { AuthorizeSecurityGroupIngressCommand, EC2Client } from "@aws-sdk/client-ec2";
import { KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { ModifyDBInstanceCommand, RDSClient } from "@aws-sdk/client-rds";
import type { Finding } from "../../shared/findings/finding.ts";
import type { ScanReport } from "../../shared/findings/report.ts";
import { scanLive, type LiveScanResult } from "../../shared/scan-live.ts";
import { deployExample, deployFixedExample, EXAMPLE_FILES, type DeployResult } from "../../cli/moto-examples.ts";
import { MOTO_REGION, motoClientConfig, motoForTests } from "./moto.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const moto = motoForTests();

const summary = (finding: Finding) => `${finding.source} ${finding.ruleId} ${finding.severity} ${finding.resource.logicalId}`;

function findingsOn(result: LiveScanResult, stack: string, logicalId: string): Finding[] {
  return result.findings.filter((finding) => finding.stack.name === stack && finding.resource.logicalId === logicalId);
}

/** API calls of one scan, summed over services, per stack judged. */
function callsPerStack(result: LiveScanResult): number {
  const total = Object.values(result.calls).reduce((sum, count) => sum + count, 0);
  return total / Math.max(1, result.stacks.length);
}

describe("live scans of the seed examples on moto", { concurrency: false }, () => {
  const deployed = new Map<string, DeployResult>();

  before(async () => {
    if (!moto.server) return;
    for (const file of EXAMPLE_FILES) deployed.set(file, await deployExample(moto.server.endpoint, file));
    deployed.set("fixed", await deployFixedExample(moto.server.endpoint, "nova-ebs-kms-web.yaml", { stackName: "webapp-fixed" }));
  });

  it("judges every deployed stack, live and template, and turns moto's odd answers into errors, never a crash", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const result = await scanLive({ regions: [MOTO_REGION], endpointUrl: server.endpoint, allStacks: true, accountChecks: true });
    const names = [...deployed.values()].map((deploy) => deploy.stackName).sort();
    assert.deepEqual(result.stacks.map((stack) => stack.name).sort(), names);
    for (const name of names) {
      assert.ok(result.findings.some((finding) => finding.stack.name === name && finding.source === "live"), `no live finding on ${name}`);
    }
    // moto lists API Gateway methods without a physical id (AWS never does); every other live finding names its resource.
    const live = result.findings.filter((finding) => finding.source === "live" && finding.stack.name !== "(account)" && finding.resource.type !== "AWS::ApiGateway::Method");
    assert.deepEqual(live.filter((finding) => !finding.resource.physicalId).map(summary), [], "every live finding names the physical resource");
    assert.ok(result.findings.some((finding) => finding.stack.name === "(account)" && finding.ruleId === "securityhub-disabled"), "account-level checks run once");
    assert.equal(result.findings.filter((finding) => finding.ruleId === "securityhub-disabled").length, 1);
    for (const error of result.errors) assert.match(error.message, /^[a-z0-9-]+:[A-Za-z]+ in us-east-1|deployed template|rule /, JSON.stringify(error));
    t.diagnostic(`${result.stacks.length} stacks, ${result.findings.length} findings, ${result.errors.length} errors, ${callsPerStack(result).toFixed(1)} API calls per stack`);
    t.diagnostic(`calls: ${JSON.stringify(result.calls)}`);
  });

  it("finds what was changed out of band: port 22 opened, MultiAZ turned off, a public key policy", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const fixed = deployed.get("fixed")!;
    const stack = fixed.stackName;
    const before = await scanLive({ regions: [MOTO_REGION], endpointUrl: server.endpoint, stacks: [stack] });
    const groupId = fixed.physicalIds.NovaModelWebSecurityGroup!;
    const dbId = fixed.physicalIds.NovaModelRDSInstance!;
    const keyId = fixed.physicalIds.NovaModelEBSKMSKey!;
    for (const [logicalId, ruleIds] of [
      ["NovaModelWebSecurityGroup", ["ec2-sg-ingress-open-admin-port", "drift-sg-rule-added"]],
      ["NovaModelRDSInstance", ["rds-single-az"]],
      ["NovaModelEBSKMSKey", ["kms-key-policy-public"]],
    ] as const) {
      const present = findingsOn(before, stack, logicalId).filter((finding) => (ruleIds as readonly string[]).includes(finding.ruleId));
      assert.deepEqual(present.map(summary), [], `before the changes, ${logicalId} is clean`);
    }

    const config = motoClientConfig(server.endpoint);
    await new EC2Client(config).send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
    await new RDSClient(config).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: dbId, MultiAZ: false, ApplyImmediately: true }));
    const publicPolicy = { Version: "2012-10-17", Statement: [{ Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }] };
    await new KMSClient(config).send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: JSON.stringify(publicPolicy) }));

    const after = await scanLive({ regions: [MOTO_REGION], endpointUrl: server.endpoint, stacks: [stack] });
    const group = findingsOn(after, stack, "NovaModelWebSecurityGroup");
    const opened = group.find((finding) => finding.ruleId === "ec2-sg-ingress-open-admin-port");
    assert.ok(opened, group.map(summary).join("\n"));
    assert.equal(opened.source, "live");
    assert.equal(opened.resource.physicalId, groupId);
    const added = group.find((finding) => finding.ruleId === "drift-sg-rule-added");
    assert.ok(added, group.map(summary).join("\n"));
    assert.equal(added.severity, "high");
    assert.equal(added.source, "drift");

    const database = findingsOn(after, stack, "NovaModelRDSInstance");
    const singleAz = database.find((finding) => finding.ruleId === "rds-single-az");
    assert.ok(singleAz && singleAz.source === "live", database.map(summary).join("\n"));
    const multiAzDrift = database.find((finding) => finding.ruleId === "drift-security-property" && finding.evidence.property === "MultiAZ");
    assert.ok(multiAzDrift, database.map(summary).join("\n"));
    assert.equal(multiAzDrift.severity, "high");
    assert.equal(multiAzDrift.evidence.template, true);
    assert.equal(multiAzDrift.evidence.live, false);

    const key = findingsOn(after, stack, "NovaModelEBSKMSKey");
    const publicKey = key.find((finding) => finding.ruleId === "kms-key-policy-public");
    assert.ok(publicKey && publicKey.source === "live" && publicKey.severity === "critical", key.map(summary).join("\n"));
    const policyDrift = key.find((finding) => finding.ruleId === "drift-security-property" && finding.evidence.rule === "kms-key-policy-public");
    assert.ok(policyDrift, key.map(summary).join("\n"));
    assert.equal(policyDrift.severity, "high");
  });

  it("scans a live stack from the CLI with --endpoint-url: one JSON document on stdout, exit code from the findings", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const stack = deployed.get("nova-ebs-kms-web.yaml")!.stackName;
    const run = await runCli(["--stack", stack, "--region", MOTO_REGION, "--endpoint-url", server.endpoint, "--format", "json", "--fail-on", "critical"]);
    const report = JSON.parse(run.stdout) as ScanReport;
    assert.equal(report.summary.stacks, 1);
    assert.ok((report.summary.apiCalls ?? 0) > 0);
    assert.ok(report.findings.some((finding) => finding.source === "live"));
    assert.ok(report.findings.some((finding) => finding.source === "template" || finding.evidence.alsoInTemplate === true));
    const expected = report.errors.length > 0 ? 2 : report.findings.some((finding) => finding.status === "OPEN" && finding.severity === "critical") ? 1 : 0;
    assert.equal(run.status, expected, run.stderr);
    assert.doesNotMatch(run.stderr, /internal error/);
  });
});

function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "cli", "stackwarden.ts"), ...args], { cwd: ROOT, env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
