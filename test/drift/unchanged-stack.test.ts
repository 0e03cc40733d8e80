/**
 * A stack nobody changed, deployed on the simulated account (bench/simulated-aws.ts: AWS's defaults, NoEcho values
 * masked) and scanned live end to end: drift must report nothing.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { installSimulatedAws, SIMULATED_CREDENTIALS, SimulatedAws } from "../../bench/simulated-aws.ts";
import { scanLive } from "../../shared/scan-live.ts";
import { fixture } from "../helpers.ts";

test("a stack deployed as written has no drift finding", async () => {
  const template = { name: "unchanged-stack.yaml", text: readFileSync(fixture(import.meta.url, "unchanged-stack.yaml"), "utf8") };
  const sim = new SimulatedAws({ stacks: 1, latencyMs: [0, 0], throttling: false, templates: [template] });
  const uninstall = installSimulatedAws(sim);
  const result = await scanLive({ regions: [sim.region], allStacks: true, credentials: SIMULATED_CREDENTIALS }).finally(uninstall);
  assert.deepEqual(sim.stacks[0]!.resources.map((resource) => resource.logicalId).sort(), ["Artifacts", "Events", "Logs", "Notifier", "Worker"]);
  assert.ok(result.findings.some((finding) => finding.source !== "drift"), "the stack was judged");
  const drift = result.findings.filter((finding) => finding.source === "drift");
  assert.deepEqual(drift.map((finding) => `${finding.ruleId} ${finding.resource.logicalId}: ${finding.message}`), []);
});
