/**
 * The fault matrix, through the real SDK clients: a stack deployed on moto, scanned as the service scans it (the stack
 * pass and the account pass) through a proxy that answers one service's calls with throttling (then success, or
 * forever), access denied, no answer, or a 5xx. The services are the ones the fault-free scan called, so a new reader
 * joins the matrix by itself. Each scan finishes, keeps every finding the other services give, names what it could not
 * read; recorded in the findings store after a clean scan, it resolves what was fixed and was read, and nothing else.
 *
 * What moto's CloudFormation cannot give a live finding to lose (so those services are in the matrix only when the
 * scan calls them, with nothing of theirs to lose): WAFv2 Web ACLs, Secrets Manager secrets, CloudFront distributions
 * and trails come back from ListStackResources without a logical id (never read); API Gateway methods, deployments and
 * stages cannot be created, so the RestApi is read but judged clean. CloudTrail's finding is the account pass's.
 */
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, ListStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { AuthorizeSecurityGroupIngressCommand, EC2Client, EnableEbsEncryptionByDefaultCommand, RevokeSecurityGroupIngressCommand } from "@aws-sdk/client-ec2";
import { KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import type { Finding } from "../../shared/findings/finding.ts";
import { createFindingsTable, FindingsStore, type ScanOutcome, type StackKey } from "../../shared/findings/store.ts";
import { ACCOUNT_SCOPE_NAME } from "../../shared/judge-live.ts";
import { LIVE_READERS } from "../../shared/live/readers.ts";
import { inParallel } from "../../shared/live/session.ts";
import { scanLive, type LiveScanResult } from "../../shared/scan-live.ts";
import type { ScanRequest } from "../../shared/service/messages.ts";
import { outcomeOf, ScanFailedError } from "../../shared/service/scan-request.ts";
import { startFaultProxy, type Fault, type FaultProxy, type FaultRule } from "./fault-proxy.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoClientConfig, motoForTests } from "./moto.ts";

const moto = motoForTests();
const STACK = "fault-matrix";
/** Cases scanned at once (each through its own proxy, so its own clients): they mostly wait on retries and timeouts. */
const CASE_CONCURRENCY = 8;
/** Outcomes recorded at once (moto's DynamoDB answers one request at a time). */
const STORE_CONCURRENCY = 4;

const PUBLIC_KEY_POLICY = {
  Version: "2012-10-17",
  Statement: [
    { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
    { Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" },
  ],
};

const TRUST = (service: string) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

/** One resource (at least) per service the stack pass reads, each with a live finding to lose. */
const TEMPLATE = {
  AWSTemplateFormatVersion: "2010-09-09",
  Resources: {
    OpenGroup: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: { GroupDescription: "ssh from anywhere", SecurityGroupIngress: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIp: "0.0.0.0/0" }] },
    },
    PublicKey: { Type: "AWS::KMS::Key", Properties: { EnableKeyRotation: true, KeyPolicy: PUBLIC_KEY_POLICY } },
    OpenBucket: { Type: "AWS::S3::Bucket", Properties: { BucketName: "fault-matrix-open-bucket" } },
    SingleAzDb: {
      Type: "AWS::RDS::DBInstance",
      Properties: { Engine: "postgres", DBInstanceClass: "db.t3.micro", AllocatedStorage: "20", MasterUsername: "app", MasterUserPassword: "not-a-real-secret-1", MultiAZ: false, StorageEncrypted: true },
    },
    AppRole: { Type: "AWS::IAM::Role", Properties: { AssumeRolePolicyDocument: TRUST("ec2.amazonaws.com") } },
    AdminPolicy: {
      Type: "AWS::IAM::ManagedPolicy",
      Properties: { Roles: [{ Ref: "AppRole" }], PolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } },
    },
    Network: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: "10.0.0.0/16" } },
    SubnetA: { Type: "AWS::EC2::Subnet", Properties: { VpcId: { Ref: "Network" }, CidrBlock: "10.0.1.0/24", AvailabilityZone: `${MOTO_REGION}a` } },
    SubnetB: { Type: "AWS::EC2::Subnet", Properties: { VpcId: { Ref: "Network" }, CidrBlock: "10.0.2.0/24", AvailabilityZone: `${MOTO_REGION}b` } },
    Balancer: { Type: "AWS::ElasticLoadBalancingV2::LoadBalancer", Properties: { Scheme: "internet-facing", Subnets: [{ Ref: "SubnetA" }, { Ref: "SubnetB" }] } },
    Targets: { Type: "AWS::ElasticLoadBalancingV2::TargetGroup", Properties: { Port: 80, Protocol: "HTTP", VpcId: { Ref: "Network" } } },
    HttpListener: {
      Type: "AWS::ElasticLoadBalancingV2::Listener",
      Properties: { LoadBalancerArn: { Ref: "Balancer" }, Port: 80, Protocol: "HTTP", DefaultActions: [{ Type: "forward", TargetGroupArn: { Ref: "Targets" } }] },
    },
    Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "fault-matrix-api" } },
    FunctionRole: { Type: "AWS::IAM::Role", Properties: { AssumeRolePolicyDocument: TRUST("lambda.amazonaws.com") } },
    Handler: {
      Type: "AWS::Lambda::Function",
      Properties: { Runtime: "python3.12", Handler: "index.handler", Role: { "Fn::GetAtt": ["FunctionRole", "Arn"] }, Code: { ZipFile: "def handler(event, context):\n    return None\n" } },
    },
    Alerts: { Type: "AWS::SNS::Topic", Properties: { TopicName: "fault-matrix-alerts" } },
    HandlerInvokedByAlerts: {
      Type: "AWS::Lambda::Permission",
      Properties: { FunctionName: { Ref: "Handler" }, Action: "lambda:InvokeFunction", Principal: "sns.amazonaws.com", SourceArn: { Ref: "Alerts" } },
    },
  },
};

/** The services the scan must reach on this stack at least (a floor: the matrix itself comes from the calls made). */
const SERVICES_AT_LEAST = ["cloudformation", "ec2", "kms", "rds", "s3", "iam", "elasticloadbalancing", "apigateway", "lambda", "sns", "cloudtrail", "securityhub", "config"];

interface FaultCase {
  fault: Fault | "throttle-then-succeed";
  /** The proxy's rule for one service. */
  rule(service: string): FaultRule;
  limits: { requestTimeoutMs?: number; maxAttempts?: number };
}

/** Short timeouts and few attempts: a case that cannot succeed must end quickly. The slowest (retry backoff) first. */
const FAULTS: FaultCase[] = [
  { fault: "throttle-then-succeed", rule: (service) => ({ service, fault: "throttle", attempts: 1 }), limits: { maxAttempts: 3 } },
  { fault: "throttle", rule: (service) => ({ service, fault: "throttle" }), limits: { maxAttempts: 2 } },
  { fault: "timeout", rule: (service) => ({ service, fault: "timeout" }), limits: { requestTimeoutMs: 3_000, maxAttempts: 2 } },
  { fault: "access-denied", rule: (service) => ({ service, fault: "access-denied" }), limits: { maxAttempts: 2 } },
  { fault: "server-error", rule: (service) => ({ service, fault: "server-error" }), limits: { maxAttempts: 2 } },
];

const ERROR_WORDS: Record<Fault, RegExp> = {
  throttle: /still throttled after retries/,
  "access-denied": /access denied .*grant \S+:\w+ to the scanning role/,
  timeout: /timed out/,
  "server-error": /server error 5\d\d/,
  malformed: /could not be read/,
};

/** What the service does for one stack: the stack pass, and the account pass of the region. */
type Scans = Record<Pass, LiveScanResult>;

const STACK_REQUEST: ScanRequest = { kind: "stack", account: MOTO_ACCOUNT, region: MOTO_REGION, stack: STACK, reason: "schedule" };
const ACCOUNT_REQUEST: ScanRequest = { kind: "account", account: MOTO_ACCOUNT, region: MOTO_REGION, reason: "schedule" };
const STACK_KEY: StackKey = { account: MOTO_ACCOUNT, region: MOTO_REGION, stack: STACK };
const ACCOUNT_KEY: StackKey = { account: MOTO_ACCOUNT, region: MOTO_REGION, stack: ACCOUNT_SCOPE_NAME };

const PASSES = ["stack", "account"] as const;
type Pass = (typeof PASSES)[number];

function scanThrough(proxy: FaultProxy, pass: Pass, limits: FaultCase["limits"] = {}): Promise<LiveScanResult> {
  const common = { regions: [MOTO_REGION], endpointUrl: proxy.endpoint, maxAttempts: 3, ...limits };
  return scanLive(pass === "stack" ? { ...common, stacks: [STACK], accountChecks: false } : { ...common, stacks: [], accountChecks: true });
}

/** The service a finding's live side comes from: the reader serving its resource type, else the type's namespace (account facts). */
function serviceOf(finding: Finding): string {
  const reader = LIVE_READERS.find((Reader) => Reader.resourceTypes.includes(finding.resource.type));
  return reader?.service ?? finding.resource.type.split("::")[1]!.toLowerCase();
}

const byFingerprint = (findings: readonly Finding[]) => new Map(findings.map((finding) => [finding.fingerprint, finding]));
const describeFinding = (finding: Finding) => `${finding.ruleId} ${finding.resource.logicalId} (${finding.source})`;
const unjudgedIds = (result: LiveScanResult) => new Set(result.errors.flatMap((error) => (error.resource ?? "").split(",").map((id) => id.trim()).filter((id) => id !== "")));

describe("fault matrix: one service failing never costs the others' findings, and never resolves what it could not read", { concurrency: false }, () => {
  let cfn: CloudFormationClient;
  let ec2: EC2Client;
  let groupId: string;
  /** Fault-free scans before the out-of-band fixes (the clean scan the store records first) and after them. */
  let beforeFix: Scans;
  let clean: Scans;
  /** The services each pass called without faults: the matrix's rows. */
  const servicesOf: Record<Pass, Set<string>> = { stack: new Set(), account: new Set() };
  let services: string[] = [];
  const proxies: FaultProxy[] = [];
  let tables = 0;
  let stackNotScanned = 0;
  /**
   * The fault scans' outcomes, to record after the matrix (so the store's writes do not slow the scans into their
   * timeouts). The store sees only the outcome (complete, unjudged ids, findings), and most faults of one service give
   * the same one, so each distinct outcome is recorded once (on moto each costs seconds), named by every case that gave it.
   */
  const outcomes = new Map<string, { pass: Pass; request: ScanRequest; key: StackKey; outcome: ScanOutcome; cases: string[] }>();

  async function newProxy(): Promise<FaultProxy> {
    const proxy = await startFaultProxy(moto.server!.endpoint);
    proxies.push(proxy);
    return proxy;
  }

  async function newStore(): Promise<FindingsStore> {
    const target = { region: MOTO_REGION, endpointUrl: moto.server!.endpoint };
    const tableName = `fault-matrix-${++tables}`;
    await createFindingsTable(target, tableName);
    return new FindingsStore({ tableName, target });
  }

  /** The findings that were there before the fixes and are gone after: what a scan that read them must resolve. */
  function fixed(pass: Pass): Finding[] {
    const now = byFingerprint(clean[pass].findings);
    return beforeFix[pass].findings.filter((finding) => !now.has(finding.fingerprint));
  }

  /** Errors this scan has that the fault-free scan did not. */
  function newErrors(result: LiveScanResult, pass: Pass): string[] {
    const known = new Set(clean[pass].errors.map((error) => error.message));
    return result.errors.map((error) => error.message).filter((message) => !known.has(message));
  }

  /** The outcome the service would record for this scan; a stack scan that judged no stack records nothing (SQS delivers it again). */
  function collectOutcome(pass: Pass, result: LiveScanResult, label: string): void {
    const [request, key] = pass === "stack" ? [STACK_REQUEST, STACK_KEY] : [ACCOUNT_REQUEST, ACCOUNT_KEY];
    let outcome: ScanOutcome;
    try {
      outcome = outcomeOf(request, key, result, { scanId: `fault-${label}`, startedAt: "2026-11-23T11:00:00.000Z", durationMs: 1 });
    } catch (error) {
      assert.ok(error instanceof ScanFailedError && request.kind === "stack", `${label}: ${(error as Error).message}`);
      stackNotScanned += 1;
      return;
    }
    const signature = JSON.stringify([pass, outcome.complete, outcome.unjudged, outcome.findings.map((finding) => `${finding.fingerprint} ${finding.status}`).sort()]);
    const known = outcomes.get(signature);
    if (known) known.cases.push(label);
    else outcomes.set(signature, { pass, request, key, outcome, cases: [label] });
  }

  before(async () => {
    if (!moto.server) return;
    const config = motoClientConfig(moto.server.endpoint);
    cfn = new CloudFormationClient(config);
    ec2 = new EC2Client(config);
    await cfn.send(new CreateStackCommand({ StackName: STACK, TemplateBody: JSON.stringify(TEMPLATE), Capabilities: ["CAPABILITY_IAM"] }));
    const status = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0]?.StackStatus;
    assert.equal(status, "CREATE_COMPLETE");
    // moto's CloudFormation keeps a key policy as an object (AWS keeps text); put it back as AWS would hold it.
    const resources = (await cfn.send(new ListStackResourcesCommand({ StackName: STACK }))).StackResourceSummaries ?? [];
    const physicalId = (logicalId: string) => resources.find((resource) => resource.LogicalResourceId === logicalId)!.PhysicalResourceId!;
    await new KMSClient(config).send(new PutKeyPolicyCommand({ KeyId: physicalId("PublicKey"), PolicyName: "default", Policy: JSON.stringify(PUBLIC_KEY_POLICY) }));
    groupId = physicalId("OpenGroup");
  });

  after(async () => {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  });

  it("without faults: every service's live finding is there; fixed out of band, they are gone", async (t) => {
    if (!moto.need(t)) return;
    // Out of band, then fixed: RDP opened to the world on the group (the stack pass) and EBS encryption by default (the account pass).
    const rdp = { GroupId: groupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(rdp));
    const proxies = { stack: await newProxy(), account: await newProxy() };
    const scanBoth = async (): Promise<Scans> => {
      const [stack, account] = await Promise.all(PASSES.map((pass) => scanThrough(proxies[pass], pass)));
      return { stack: stack!, account: account! };
    };
    beforeFix = await scanBoth();
    await ec2.send(new RevokeSecurityGroupIngressCommand(rdp));
    await ec2.send(new EnableEbsEncryptionByDefaultCommand({}));
    clean = await scanBoth();

    for (const pass of PASSES) for (const call of proxies[pass].requests.keys()) servicesOf[pass].add(call.split(":")[0]!);
    services = [...new Set([...servicesOf.stack, ...servicesOf.account])].sort();
    for (const service of SERVICES_AT_LEAST) assert.ok(services.includes(service), `the scan calls ${service}: ${services.join(", ")}`);
    const live = [...clean.stack.findings, ...clean.account.findings].filter((finding) => finding.source === "live");
    const withFinding = new Set(live.map(serviceOf));
    for (const service of services.filter((name) => name !== "cloudformation" && name !== "apigateway")) {
      assert.ok(withFinding.has(service), `${service} gives a live finding to lose: ${live.map(describeFinding).join(", ")}`);
    }
    assert.deepEqual(fixed("stack").map((finding) => `${finding.ruleId} ${finding.resource.logicalId}`).sort(), ["drift-sg-rule-added OpenGroup", "ec2-sg-ingress-open-admin-port OpenGroup"]);
    assert.deepEqual(fixed("account").map((finding) => finding.ruleId), ["ec2-ebs-default-encryption-off"]);
    const calls = (pass: Pass) => [...proxies[pass].requests.values()].reduce((sum, count) => sum + count, 0);
    t.diagnostic(`services: stack pass ${[...servicesOf.stack].sort().join(", ")}; account pass ${[...servicesOf.account].sort().join(", ")}`);
    t.diagnostic(`live findings: ${live.length}; calls of both fault-free scans: ${calls("stack")} (stack passes), ${calls("account")} (account passes)`);
  });

  it("every service x every fault: the scan ends, keeps the others' findings, names the failure, resolves only what it read", { concurrency: CASE_CONCURRENCY }, async (t) => {
    if (!moto.need(t)) return;
    assert.ok(services.length > 0, "the fault-free scan ran first");
    const cases = FAULTS.flatMap((fault) => services.map((service) => ({ service, fault })));
    await Promise.all(cases.map(({ service, fault }) => t.test(`${service} ${fault.fault}`, (sub) => runCase(sub, service, fault))));
    t.diagnostic(`${services.length} services x ${FAULTS.length} faults = ${cases.length} cases; stack pass without the stack (nothing recorded, redelivered) ${stackNotScanned} times`);
  });

  async function runCase(t: TestContext, service: string, fault: FaultCase): Promise<void> {
    const label = `${service}-${fault.fault}`;
    // A pass that never called the service cannot meet its fault: its fault-free result stands.
    const passes = PASSES.filter((pass) => servicesOf[pass].has(service));
    const proxy = await newProxy();
    proxy.setRules([fault.rule(service)]);
    const scans: Scans = { ...clean };
    await Promise.all(passes.map(async (pass) => (scans[pass] = await scanThrough(proxy, pass, fault.limits))));
    assert.ok([...proxy.injected.keys()].some((call) => call.startsWith(`${service}:`)), `${label}: the fault was injected`);
    const errors = passes.flatMap((pass) => newErrors(scans[pass], pass));

    if (fault.fault === "throttle-then-succeed") {
      for (const pass of passes) {
        assert.deepEqual([...byFingerprint(scans[pass].findings).keys()].sort(), [...byFingerprint(clean[pass].findings).keys()].sort(), `${label} ${pass}: nothing changes`);
      }
      assert.deepEqual(errors, [], `${label}: no error`);
    } else {
      assert.ok(errors.length > 0, `${label}: the failure is recorded`);
      for (const message of errors) {
        assert.match(message, new RegExp(`^${service}:\\w+ in ${MOTO_REGION}`), `${label}: each new error names ${service}:operation`);
      }
      assert.ok(errors.some((message) => ERROR_WORDS[fault.fault as Fault].test(message)), `${label}: says why (${ERROR_WORDS[fault.fault as Fault]}): ${errors.join(" | ")}`);
      for (const pass of passes) {
        const found = byFingerprint(scans[pass].findings);
        const unread = unjudgedIds(scans[pass]);
        for (const finding of clean[pass].findings) {
          const kept = found.get(finding.fingerprint);
          const ownService = serviceOf(finding) === service || (service === "cloudformation" && pass === "stack");
          if (!ownService) {
            assert.ok(kept, `${label}: ${describeFinding(finding)} (from ${serviceOf(finding)}) is kept`);
            if (finding.source === "live") assert.equal(kept.source, "live", `${label}: ${describeFinding(finding)} is still judged live`);
          } else if (!kept && pass === "stack" && scans.stack.stacks.length > 0) {
            assert.ok(unread.has(finding.resource.logicalId), `${label}: ${describeFinding(finding)} is gone, and its resource is named unreadable`);
          }
        }
        if (pass === "account" && newErrors(scans.account, "account").length > 0) {
          assert.ok(scans.account.findings.some((finding) => finding.ruleId === "live-read-failed"), `${label}: the account pass says what it could not judge`);
        }
      }
    }
    for (const pass of passes) collectOutcome(pass, scans[pass], label);
    t.diagnostic(`${label}: ${errors.length} new errors${errors[0] ? `, e.g. ${errors[0]}` : ""}`);
  }

  it("CloudFormation's template or resource list unreadable: the stack pass is incomplete and resolves nothing", async (t) => {
    if (!moto.need(t)) return;
    for (const operation of ["GetTemplate", "ListStackResources"]) {
      const proxy = await newProxy();
      proxy.setRules([{ service: "cloudformation", operation, fault: "access-denied" }]);
      const stack = await scanThrough(proxy, "stack", { maxAttempts: 2 });
      assert.ok(stack.errors.some((error) => error.message.startsWith(`cloudformation:${operation} in ${MOTO_REGION}`)), `${operation}: ${stack.errors.map((error) => error.message).join(" | ")}`);
      const outcome = outcomeOf(STACK_REQUEST, STACK_KEY, stack, { scanId: operation, startedAt: "2026-11-23T11:00:00.000Z", durationMs: 1 });
      assert.equal(outcome.complete, false, operation);
      collectOutcome("stack", stack, `cloudformation-${operation}`);
    }
  });

  it("recorded after a clean scan, each fault scan resolves what was fixed and read, and nothing it could not read", async (t) => {
    if (!moto.need(t)) return;
    assert.ok(outcomes.size > 0, "the matrix ran first");
    const tally = { resolved: { stack: 0, account: 0 }, keptUnread: 0 };
    await inParallel([...outcomes.values()], STORE_CONCURRENCY, async ({ pass, request, key, outcome, cases }) => {
      const label = cases.join(", ");
      const store = await newStore();
      await store.recordScan(key, outcomeOf(request, key, beforeFix[pass], { scanId: "clean", startedAt: "2026-11-23T10:00:00.000Z", durationMs: 1 }));
      const recorded = await store.recordScan(key, outcome);
      const unread = new Set(outcome.unjudged);
      const expected = outcome.complete ? fixed(pass).filter((finding) => !unread.has(finding.resource.logicalId)) : [];
      assert.deepEqual(recorded.resolved.map((finding) => finding.fingerprint).sort(), expected.map((finding) => finding.fingerprint).sort(), `${label}: resolved (complete ${outcome.complete}, unread ${[...unread].join(", ")})`);
      tally.resolved[pass] += expected.length;
      for (const stored of await store.findings(key)) {
        if (outcome.complete && !unread.has(stored.resource.logicalId)) continue;
        assert.notEqual(stored.status, "RESOLVED", `${label}: ${stored.ruleId} ${stored.resource.logicalId} could not be read (or the scan was incomplete), so it is not resolved`);
        if (fixed(pass).some((finding) => finding.fingerprint === stored.fingerprint)) tally.keptUnread += 1;
      }
    });
    assert.ok(tally.resolved.stack > 0 && tally.resolved.account > 0, `what was fixed and read resolves: ${JSON.stringify(tally)}`);
    assert.ok(tally.keptUnread > 0, "what was fixed but could not be read stays open");
    t.diagnostic(`${outcomes.size} distinct outcomes recorded after a clean scan; fixed findings resolved ${tally.resolved.stack + tally.resolved.account} times, kept open while unread or incomplete ${tally.keptUnread} times`);
  });
});
