/**
 * Every world (test/live/malformed-worlds.ts: one per reader, or one per way a reader reads) x every operation its reader
 * sends there x every malformation (test/live/malformations.ts), through scanLive with
 * aws-sdk-client-mock: the scan resolves, names the broken operation among its errors whenever the answer cost it
 * something, keeps the other readers' findings, and reports nothing that only the garbage says.
 */
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
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

/** Every operation the world's scan may send, the world's own last (so they win where a command repeats). */
function operationsOf(world: World): Operation[] {
  const byCommand = new Map<unknown, Operation>();
  for (const operation of [...cloudFormationOfWorld.get(world)!, CONTROL.operation, ...(world.fallbackOperations ?? []), ...world.operations]) byCommand.set(operation.command, operation);
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

/** What the mocked clients answer within one case: the world's operations, one of them broken. */
interface Scenario {
  byCommand: Map<unknown, Operation>;
  broken?: { operation: Operation; malformation: Malformation };
  calls: Map<Operation, number>;
}

/**
 * aws-sdk-client-mock stubs a client class process-wide; each case's scan runs inside its own scenario (async local
 * storage), so the one dispatcher below answers every case's calls from that case's world and cases can overlap.
 */
const scenario = new AsyncLocalStorage<Scenario>();
const stubs: AnyStub[] = [];

interface SentCommand {
  constructor: unknown;
  input: Record<string, unknown>;
}

async function answer(command: SentCommand): Promise<unknown> {
  const current = scenario.getStore();
  const operation = current?.byCommand.get(command.constructor);
  if (!current || !operation) throw awsError("UnknownOperation", 400, "not part of this world");
  const good = operation.answer(command.input);
  const broken = current.broken;
  if (broken?.operation.command !== operation.command) return good;
  const call = current.calls.get(operation) ?? 0;
  current.calls.set(operation, call + 1);
  const malformed = broken.malformation.apply(good, { call, ...(operation.tokenKey ? { tokenKey: operation.tokenKey } : {}) });
  if (!malformed) return good;
  if ("rejects" in malformed) throw malformed.rejects;
  return malformed.resolves;
}

function mockClients(): void {
  const clients = new Set<Operation["client"]>([STSClient, ...WORLDS.flatMap((world) => operationsOf(world).map((operation) => operation.client))]);
  for (const client of clients) {
    const stub: AnyStub = mockClient(client);
    // One fake for every command: sinon's per-command matching and its call records cost more than the scans.
    stub.send.callsFake(async (command) => (await answer(command as unknown as SentCommand)) as never);
    stubs.push(stub);
  }
}

/** Scans the world well answered, or with `broken` answered through its malformation. */
function scan(world: World, broken?: Scenario["broken"]): Promise<LiveScanResult> {
  const byCommand = new Map(operationsOf(world).map((operation) => [operation.command as unknown, operation]));
  const readers: ServiceReaderClass<object>[] = [CloudFormationReader, world.Reader, SnsReader].filter((Reader, index, all) => all.indexOf(Reader) === index);
  return scenario.run({ byCommand, calls: new Map(), ...(broken ? { broken } : {}) }, () =>
    scanLive({ regions: [REGION], stacks: [STACK], readers, maxAttempts: 1, now: NOW, ...(world.accountChecks ? { accountChecks: true } : {}) }),
  );
}

/** What could not be read is reported as such (a resource "is unreadable", an account fact "could not judge"), never judged. */
const reportsUnreadable = (finding: Finding) => (finding.ruleId === "drift-resource-missing" && finding.message.includes(" is unreadable")) || finding.ruleId === "live-read-failed";
/** The oversized pages copy real entries under new ids: a copy is a resource of its own, judged as such (an attached policy's copies too). */
const isOversizedCopy = (finding: Finding) => /-copy\d+/.test(`${finding.resource.logicalId} ${finding.resource.physicalId ?? ""} ${finding.message}`);
/** A finding and how it was judged: a live flaw that only the template still shows is a live judgement lost. */
const judgement = (finding: Finding) => `${finding.fingerprint} ${finding.source}`;
const describeFinding = (finding: Finding) => `${finding.ruleId} (${finding.source}) on ${finding.resource.logicalId}: ${finding.message}`;

/** The cases: world x operation x malformation, for every malformation that changes the operation's answer. */
const CASES = WORLDS.flatMap((world) =>
  brokenOperationsOf(world).flatMap((operation) =>
    MALFORMATIONS.filter((malformation) => malformation.apply(operation.answer({}), { call: 0, ...(operation.tokenKey ? { tokenKey: operation.tokenKey } : {}) }) !== undefined).map((malformation) => ({ world, operation, malformation })),
  ),
);

describe(`malformed AWS answers: ${CASES.length} cases (world x operation x malformation) through scanLive`, { concurrency: 4 }, () => {
  const baselines = new Map<World, LiveScanResult>();

  before(async () => {
    mockClients();
    await Promise.all(WORLDS.map(async (world) => baselines.set(world, await scan(world))));
  });
  after(() => {
    for (const stub of stubs) stub.restore();
  });

  it("every world scans cleanly when well answered, with a live finding from its reader and the control's", () => {
    for (const world of WORLDS) {
      const baseline = baselines.get(world)!;
      assert.deepEqual(baseline.errors, [], `${world.name}: a well-answered scan has no errors`);
      assert.ok(baseline.findings.some((finding) => finding.resource.physicalId === CONTROL_TOPIC), `${world.name}: the control topic's finding`);
      if (hasControl(world)) {
        const own = baseline.findings.filter((finding) => finding.resource.physicalId !== CONTROL_TOPIC && finding.source === "live");
        assert.ok(own.length > 0, `${world.name}: the world holds a flaw its reader reports live`);
      }
    }
  });

  it("breaks, in each world, every operation its reader sent in the world's well-answered scan", () => {
    assert.equal(new Set(WORLDS.map((world) => world.name)).size, WORLDS.length, "every world has a name of its own");
    for (const world of WORLDS) {
      const broken = new Set(brokenOperationsOf(world).filter((operation) => CASES.some((entry) => entry.world === world && entry.operation === operation)).map((operation) => reportedName(world, operation)));
      const services = new Set([world.Reader.service, ...brokenOperationsOf(world).map((operation) => reportedName(world, operation).split(":")[0])]);
      const sent = Object.keys(baselines.get(world)!.calls)
        .map((call) => call.split(" ")[1]!)
        .filter((call) => services.has(call.split(":")[0]!) && !(world.Reader !== SnsReader && call === "sns:GetTopicAttributes"));
      for (const call of sent) assert.ok(broken.has(call), `the ${world.name} world's scan sent ${call}, which no case of that world breaks`);
    }
  });

  for (const { world, operation, malformation } of CASES) {
    const name = reportedName(world, operation);
    it(`${world.name} world, ${name}${operation.label ? ` (${operation.label})` : ""}: ${malformation.name}`, async () => {
      const result = await scan(world, { operation, malformation });
      // The fakes' call records hold every answer (megabyte documents, thousands of entries): no case needs them.
      for (const stub of stubs) stub.send.resetHistory();
      const baseline = baselines.get(world)!;
      const context = () => `errors:\n  ${result.errors.map((error) => error.message.slice(0, 300)).join("\n  ")}\nfindings:\n  ${result.findings.map(describeFinding).join("\n  ")}`;

      const bugs = result.errors.filter((error) => /StackWarden bug|could not judge/.test(error.message));
      assert.deepEqual(bugs, [], `nothing threw while reading or judging\n${context()}`);

      const known = new Set(baseline.findings.map((finding) => finding.fingerprint));
      const invented = result.findings.filter((finding) => !known.has(finding.fingerprint) && !reportsUnreadable(finding) && !isOversizedCopy(finding));
      assert.deepEqual(invented.map(describeFinding), [], `no finding is judged from the broken answer\n${context()}`);

      if (hasControl(world)) assert.ok(result.findings.some((finding) => finding.resource.physicalId === CONTROL_TOPIC), `the other reader's finding is still there\n${context()}`);

      const kept = new Set(result.findings.map(judgement));
      const lost = baseline.findings.some((finding) => !kept.has(judgement(finding)));
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
