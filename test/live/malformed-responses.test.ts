/**
 * Every reader x every operation it sends x every malformation (test/live/malformations.ts), through scanLive with
 * aws-sdk-client-mock: the scan resolves, names the broken operation among its errors whenever the answer cost it
 * something, keeps the other readers' findings, and reports nothing that only the garbage says.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import type { Finding } from "../../shared/findings/finding.ts";
import { CloudFormationReader } from "../../shared/live/cloudformation.ts";
import type { ServiceReaderClass } from "../../shared/live/session.ts";
import { SnsReader } from "../../shared/live/sns.ts";
import { scanLive, type LiveScanResult } from "../../shared/scan-live.ts";
import { awsError } from "./hand-stack.ts";
import { MALFORMATIONS, type Malformation } from "./malformations.ts";
import { cloudFormationOperations, CONTROL, CONTROL_TOPIC, REGION, STACK, WORLDS, type Operation, type World } from "./malformed-worlds.ts";

const NOW = new Date("2026-06-01T00:00:00Z");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStub = AwsClientStub<any>;

/** Every operation the world's scan sends, the world's own last (so they win where a command repeats). */
function operationsOf(world: World): Operation[] {
  const byCommand = new Map<unknown, Operation>();
  for (const operation of [...cloudFormationOfWorld.get(world)!, CONTROL.operation, ...world.operations]) byCommand.set(operation.command, operation);
  return [...byCommand.values()];
}

const cloudFormationOfWorld = new Map(WORLDS.map((world) => [world, cloudFormationOperations(world)]));

/** The operations broken in the world's cases: its reader's own (CloudFormation's three in its world). */
function brokenOperationsOf(world: World): Operation[] {
  return world.Reader === CloudFormationReader ? cloudFormationOfWorld.get(world)! : world.operations;
}

function reportedName(world: World, operation: Operation): string {
  return operation.reportedAs ?? `${world.Reader.service}:${operation.command.name.replace(/Command$/, "")}`;
}

/** A reader other than the broken one still judges: the control topic's finding must be in every result. */
function hasControl(world: World): boolean {
  return world.Reader !== CloudFormationReader && world.Reader !== SnsReader;
}

const stubs = new Map<unknown, AnyStub>();

function stubFor(client: Operation["client"]): AnyStub {
  let stub = stubs.get(client);
  if (!stub) {
    stub = mockClient(client);
    stubs.set(client, stub);
  }
  return stub;
}

/** Serves the world well, except `broken` answered through `malformation`. */
function serve(world: World, broken?: { operation: Operation; malformation: Malformation }): void {
  for (const stub of stubs.values()) {
    stub.reset();
    stub.onAnyCommand().rejects(awsError("UnknownOperation", 400, "not part of this world"));
  }
  for (const operation of operationsOf(world)) {
    let calls = 0;
    stubFor(operation.client)
      .on(operation.command)
      .callsFake(async (input: Record<string, unknown>) => {
        const good = operation.answer(input);
        if (broken?.operation.command !== operation.command) return good;
        const malformed = broken.malformation.apply(good, { call: calls++, ...(operation.tokenKey ? { tokenKey: operation.tokenKey } : {}) });
        if (!malformed) return good;
        if ("rejects" in malformed) throw malformed.rejects;
        return malformed.resolves;
      });
  }
}

async function scan(world: World): Promise<LiveScanResult> {
  const readers: ServiceReaderClass<object>[] = [CloudFormationReader, world.Reader, SnsReader].filter((Reader, index, all) => all.indexOf(Reader) === index);
  return scanLive({ regions: [REGION], stacks: [STACK], readers, maxAttempts: 1, now: NOW, ...(world.accountChecks ? { accountChecks: true } : {}) });
}

/** What could not be read is reported as such (a resource "is unreadable", an account fact "could not judge"), never judged. */
const reportsUnreadable = (finding: Finding) => (finding.ruleId === "drift-resource-missing" && finding.message.includes(" is unreadable")) || finding.ruleId === "live-read-failed";
/** The 10,000-entry pages copy real entries under new ids: a copy is a resource of its own and judged as such. */
const isOversizedCopy = (finding: Finding) => /-copy\d+/.test(`${finding.resource.logicalId} ${finding.resource.physicalId ?? ""}`);
const fingerprints = (findings: Finding[]) => new Set(findings.map((finding) => finding.fingerprint));
const describeFinding = (finding: Finding) => `${finding.ruleId} (${finding.source}) on ${finding.resource.logicalId}: ${finding.message}`;

/** The cases: reader x operation x malformation, for every malformation that changes the operation's answer. */
const CASES = WORLDS.flatMap((world) =>
  brokenOperationsOf(world).flatMap((operation) =>
    MALFORMATIONS.filter((malformation) => malformation.apply(operation.answer({}), { call: 0, ...(operation.tokenKey ? { tokenKey: operation.tokenKey } : {}) }) !== undefined).map((malformation) => ({ world, operation, malformation })),
  ),
);

describe(`malformed AWS answers: ${CASES.length} cases (reader x operation x malformation) through scanLive`, () => {
  const baselines = new Map<World, LiveScanResult>();

  before(async () => {
    for (const world of WORLDS) for (const operation of operationsOf(world)) stubFor(operation.client);
    stubFor(STSClient);
    for (const world of WORLDS) {
      serve(world);
      baselines.set(world, await scan(world));
    }
  });
  after(() => {
    for (const stub of stubs.values()) stub.restore();
  });

  it("every world scans cleanly when well answered, with a finding from its reader and the control's", () => {
    for (const world of WORLDS) {
      const baseline = baselines.get(world)!;
      assert.deepEqual(baseline.errors, [], `${world.Reader.name}: a well-answered scan has no errors`);
      assert.ok(baseline.findings.some((finding) => finding.resource.physicalId === CONTROL_TOPIC), `${world.Reader.name}: the control topic's finding`);
      if (hasControl(world)) {
        const own = baseline.findings.filter((finding) => finding.resource.physicalId !== CONTROL_TOPIC);
        assert.ok(own.length > 0, `${world.Reader.name}: the world holds a flaw its reader reports`);
      }
    }
  });

  it("breaks every operation each reader sent in its well-answered scan", () => {
    assert.equal(new Set(WORLDS.map((world) => world.Reader)).size, WORLDS.length, "one world per reader");
    for (const world of WORLDS) {
      const broken = new Set(brokenOperationsOf(world).filter((operation) => CASES.some((entry) => entry.operation === operation)).map((operation) => reportedName(world, operation)));
      const services = new Set([world.Reader.service, ...brokenOperationsOf(world).map((operation) => reportedName(world, operation).split(":")[0])]);
      const sent = Object.keys(baselines.get(world)!.calls)
        .map((call) => call.split(" ")[1]!)
        .filter((call) => services.has(call.split(":")[0]!) && !(world.Reader !== SnsReader && call === "sns:GetTopicAttributes"));
      for (const call of sent) assert.ok(broken.has(call), `${world.Reader.name} sent ${call}, which no case breaks`);
    }
  });

  for (const { world, operation, malformation } of CASES) {
    const name = reportedName(world, operation);
    it(`${name}: ${malformation.name}`, async () => {
      serve(world, { operation, malformation });
      const result = await scan(world);
      const baseline = baselines.get(world)!;
      const context = () => `errors:\n  ${result.errors.map((error) => error.message.slice(0, 300)).join("\n  ")}\nfindings:\n  ${result.findings.map(describeFinding).join("\n  ")}`;

      const bugs = result.errors.filter((error) => /StackWarden bug|could not judge/.test(error.message));
      assert.deepEqual(bugs, [], `nothing threw while reading or judging\n${context()}`);

      const known = fingerprints(baseline.findings);
      const invented = result.findings.filter((finding) => !known.has(finding.fingerprint) && !reportsUnreadable(finding) && !isOversizedCopy(finding));
      assert.deepEqual(invented.map(describeFinding), [], `no finding is judged from the broken answer\n${context()}`);

      if (hasControl(world)) assert.ok(result.findings.some((finding) => finding.resource.physicalId === CONTROL_TOPIC), `the other reader's finding is still there\n${context()}`);

      const kept = fingerprints(result.findings);
      const lost = baseline.findings.some((finding) => !kept.has(finding.fingerprint));
      const sent = Object.keys(result.calls).includes(`${REGION} ${name}`);
      if (lost || (malformation.alwaysReported && sent)) {
        assert.ok(
          result.errors.some((error) => error.message.includes(`${name} in ${REGION}`)),
          `${lost ? "findings were lost, so" : "this answer can never be used, so"} the errors name ${name}\n${context()}`,
        );
      }
    });
  }
});
