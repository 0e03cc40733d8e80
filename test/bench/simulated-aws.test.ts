import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { installSimulatedAws, SIMULATED_CREDENTIALS, SimulatedAws } from "../../bench/simulated-aws.ts";
import { scanLive } from "../../shared/scan-live.ts";

/** A smoke test of the account-scale benchmark's simulated AWS (bench/account.ts measures; this only checks it runs). */
describe("the simulated account", () => {
  let uninstall: (() => void) | undefined;
  after(() => uninstall?.());

  it("serves the real scanner through the real SDK clients, throttling included", async () => {
    // CloudFormation's bucket is kept tiny so the SDK's retry really runs against throttling answers.
    const sim = new SimulatedAws({ stacks: 5, latencyMs: [1, 3], limits: { cloudformation: { bucket: 6, refill: 100, why: "test" } } });
    uninstall = installSimulatedAws(sim);
    const result = await scanLive({ regions: [sim.region], allStacks: true, credentials: SIMULATED_CREDENTIALS });

    assert.equal(result.stacks.length, 5);
    assert.ok(result.findings.length > 0, "the scan judged the stacks");
    const cfn = (operation: string) => result.calls[`${sim.region} cloudformation:${operation}`] ?? 0;
    // O(1) per stack: one listing page, then one template and one resource list per stack.
    assert.equal(cfn("DescribeStacks"), 1);
    assert.equal(cfn("GetTemplate"), 5);
    assert.equal(cfn("ListStackResources"), 5);
    assert.ok((sim.counts.throttles.get("cloudformation") ?? 0) > 0, "the bucket ran dry");
    const requests = [...sim.counts.requests].filter(([key]) => key.startsWith("cloudformation:")).reduce((sum, [, count]) => sum + count, 0);
    assert.ok(requests > 11, "throttled requests were retried");
    assert.ok(!result.errors.some((error) => /^cloudformation:/.test(error.message)), "no CloudFormation read failed after retries");
    // Every resource a stack lists has its template's logical id.
    for (const stack of sim.stacks) assert.ok(stack.resources.length > 0);
  });
});
