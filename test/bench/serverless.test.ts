import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { recommendedConcurrency, serverlessBench, deployedSettings, type ConcurrencyRun } from "../../bench/serverless.ts";
import { motoForTests } from "../live/moto.ts";

const moto = motoForTests();

/** A smoke run of the serverless benchmark (bench/serverless.ts measures; this checks its figures add up). */
describe("the serverless benchmark", () => {
  it("plans a small account, scans every planned stack once at C=2 and records each scan", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    const memoryMb = deployedSettings().scanStackMb;
    const figures = await serverlessBench({ motoEndpoint: server.endpoint, stacks: 5, concurrency: [2], batchSize: 5, memoryMb, latencyMs: [1, 3], seed: 1, prefix: "smoke" });

    assert.equal(figures.plan.stacks, 5);
    // One message per stack and one account request, in one SendMessageBatch call.
    assert.equal(figures.plan.requests, 6);
    assert.equal(figures.plan.sendMessageBatchCalls, 1);
    assert.deepEqual(figures.plan.errors, []);
    assert.equal(figures.messages, 6);

    const [run] = figures.runs;
    assert.ok(run);
    assert.deepEqual(run.invocationErrors, []);
    assert.equal(run.scanned, 6, "every planned message was scanned");
    assert.equal(run.scannedTwice, 0);
    assert.equal(run.failedDeliveries, 0);
    assert.equal(run.tableScans, 6, "every scan was recorded in the findings table");
    // Batches of five: one full batch and the one message left.
    assert.equal(run.invocations, 2);
    // Each one-stack scan reads its stack, template and resources from CloudFormation.
    assert.ok((run.requests.cloudformation ?? 0) >= 15, `CloudFormation requests: ${run.requests.cloudformation}`);
    assert.ok(run.apiCalls >= 15);
    assert.ok(run.durationMs.p95 >= run.durationMs.p50 && run.durationMs.max >= run.durationMs.p95);
    assert.ok(Math.abs(run.gbSeconds - (run.durationMs.mean * run.invocations * memoryMb) / 1024 / 1000) < 1e-6, "GB-s is the invocations' time times the memory");
    assert.ok(Math.abs(run.stacksPerS - run.scanned / run.wallS) < 1e-9);
  });

  it("recommends the highest concurrency without failures after retries and with CloudFormation throttles under 1%", () => {
    const run = (concurrency: number, throttles: number, failed: number) => ({ concurrency, throttledAfterRetries: failed, deadLettered: 0, requests: { cloudformation: 1000 }, throttles: { cloudformation: throttles } }) as unknown as ConcurrencyRun;
    assert.equal(recommendedConcurrency([run(2, 0, 0), run(4, 9, 0), run(8, 10, 0), run(16, 0, 3)])?.concurrency, 4);
    assert.equal(recommendedConcurrency([run(2, 50, 0)]), undefined);
  });
});
