import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  type DBCluster,
  type DBInstance,
  type DescribeDBClustersCommandInput,
  type DescribeDBInstancesCommandInput,
} from "@aws-sdk/client-rds";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { judgeLiveStack } from "../../shared/judge-live.ts";
import { RdsReader } from "../../shared/live/rds.ts";
import { LiveSession, type StackResource } from "../../shared/live/session.ts";
import driftSecurityProperty from "../../shared/rules/drift/drift-security-property.ts";
import { RDS_RULES } from "../../shared/rules/rds/index.ts";
import { parseTemplate } from "../../shared/template/parse.ts";
import { dbInstanceViews, type DbInstanceView } from "../../shared/views/db-instance.ts";
import { awsError, handStack, resource } from "./hand-stack.ts";
import { motoClientConfig, motoForTests, MOTO_REGION } from "./moto.ts";

const REGION = "eu-west-1";
/** The mock pages smaller than a batch, so a batch of 100 identifiers takes several pages. */
const MOCK_PAGE = 40;

function instance(identifier: string, overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: identifier,
    Engine: "mysql",
    DBInstanceClass: "db.m6g.large",
    MultiAZ: true,
    StorageEncrypted: true,
    KmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1",
    PubliclyAccessible: false,
    DeletionProtection: true,
    BackupRetentionPeriod: 14,
    MonitoringInterval: 60,
    MonitoringRoleArn: "arn:aws:iam::111122223333:role/rds-monitoring",
    PerformanceInsightsEnabled: true,
    DBSubnetGroup: { DBSubnetGroupName: "private-group" },
    ...overrides,
  };
}

function cluster(identifier: string, members: string[], overrides: Partial<DBCluster> = {}): DBCluster {
  return {
    DBClusterIdentifier: identifier,
    Engine: "aurora-postgresql",
    EngineMode: "provisioned",
    StorageEncrypted: true,
    DeletionProtection: true,
    BackupRetentionPeriod: 14,
    MultiAZ: members.length > 1,
    PubliclyAccessible: false,
    DBSubnetGroup: "private-group",
    DBClusterMembers: members.map((member, index) => ({ DBInstanceIdentifier: member, IsClusterWriter: index === 0 })),
    ...overrides,
  };
}

/** Answers DescribeDBInstances / DescribeDBClusters from tables, honouring the identifier filter and paging by Marker. */
function serve(rds: AwsClientStub<RDSClient>, instances: DBInstance[], clusters: DBCluster[]): void {
  const page = <T>(items: T[], wanted: string[] | undefined, idOf: (item: T) => string | undefined, marker: string | undefined) => {
    assert.ok(wanted && wanted.length > 0 && wanted.length <= 100, "the reader filters by identifier, 100 at most");
    const matching = items.filter((item) => wanted.includes(idOf(item)!));
    const start = Number(marker ?? 0);
    return { items: matching.slice(start, start + MOCK_PAGE), next: start + MOCK_PAGE < matching.length ? String(start + MOCK_PAGE) : undefined };
  };
  rds.on(DescribeDBInstancesCommand).callsFake(async (input: DescribeDBInstancesCommandInput) => {
    const { items, next } = page(instances, input.Filters?.find((filter) => filter.Name === "db-instance-id")?.Values, (item) => item.DBInstanceIdentifier, input.Marker);
    return { DBInstances: items, ...(next ? { Marker: next } : {}) };
  });
  rds.on(DescribeDBClustersCommand).callsFake(async (input: DescribeDBClustersCommandInput) => {
    const { items, next } = page(clusters, input.Filters?.find((filter) => filter.Name === "db-cluster-id")?.Values, (item) => item.DBClusterIdentifier, input.Marker);
    return { DBClusters: items, ...(next ? { Marker: next } : {}) };
  });
}

function byLogicalId(views: DbInstanceView[]): Map<string, DbInstanceView> {
  return new Map(views.map((view) => [view.logicalId, view]));
}

describe("RdsReader against a mocked RDS", () => {
  let rds: AwsClientStub<RDSClient>;
  before(() => {
    rds = mockClient(RDSClient);
  });
  afterEach(() => rds.reset());
  after(() => rds.restore());

  it("reads 150 instances and 3 clusters of two stacks in batches of 100, every page, once per scan", async () => {
    const ids = Array.from({ length: 150 }, (_, index) => `db-${index}`);
    serve(rds, ids.map((id) => instance(id)), ["c-0", "c-1", "c-2"].map((id) => cluster(id, [])));
    const session = new LiveSession({ region: REGION });
    const first = ids.slice(0, 90).map((id, index) => resource(`Db${index}`, "AWS::RDS::DBInstance", id));
    const second = [...ids.slice(90).map((id, index) => resource(`Db${index}`, "AWS::RDS::DBInstance", id.toUpperCase())), ...["c-0", "c-1", "c-2"].map((id, index) => resource(`Cluster${index}`, "AWS::RDS::DBCluster", id))];
    const reader = session.reader(RdsReader);
    await reader.load([...first, ...second]);
    // 100 identifiers: 3 pages of 40; 50 identifiers: 2 pages. One cluster call.
    assert.equal(session.calls.get("rds:DescribeDBInstances"), 5);
    assert.equal(session.calls.get("rds:DescribeDBClusters"), 1);
    assert.deepEqual(session.failures, []);
    assert.equal(reader.instance("DB-149")?.DBInstanceIdentifier, "db-149", "identifiers compare case-insensitively");

    await reader.load([...first, ...second]);
    assert.equal(session.callCount("rds"), 6, "a second load asks for nothing already read");
    assert.equal(dbInstanceViews.fromLive!(handStack(session, second)).length, 63);
  });

  it("builds views in the template's shape: Aurora instances leave availability, encryption and backups to their cluster", async () => {
    serve(
      rds,
      [
        instance("writer", { Engine: "aurora-postgresql", DBClusterIdentifier: "orders", DBInstanceClass: "db.r6g.large", MultiAZ: false, PerformanceInsightsEnabled: false }),
        instance("reader", { Engine: "aurora-postgresql", DBClusterIdentifier: "orders", DBInstanceClass: "db.r6g.large", MultiAZ: false }),
        instance("legacy", { MultiAZ: false, StorageEncrypted: false, PubliclyAccessible: true, DeletionProtection: false, BackupRetentionPeriod: 1, MonitoringInterval: 0, MonitoringRoleArn: undefined, PerformanceInsightsEnabled: false }),
        instance("legacy-replica", { ReadReplicaSourceDBInstanceIdentifier: "legacy", BackupRetentionPeriod: 0, MultiAZ: false }),
        instance("tiny", { DBInstanceClass: "db.t3.micro", PerformanceInsightsEnabled: false }),
      ],
      [cluster("orders", ["writer", "reader"]), cluster("lonely", ["outside-instance"])],
    );
    const session = new LiveSession({ region: REGION });
    const resources = [
      resource("Orders", "AWS::RDS::DBCluster", "orders"),
      resource("Lonely", "AWS::RDS::DBCluster", "lonely"),
      resource("Writer", "AWS::RDS::DBInstance", "writer"),
      resource("Reader", "AWS::RDS::DBInstance", "reader"),
      resource("Legacy", "AWS::RDS::DBInstance", "legacy"),
      resource("Replica", "AWS::RDS::DBInstance", "legacy-replica"),
      resource("Tiny", "AWS::RDS::DBInstance", "tiny"),
      resource("Creating", "AWS::RDS::DBInstance"),
      resource("Subnets", "AWS::RDS::DBSubnetGroup", "private-group"),
    ];
    await session.reader(RdsReader).load(resources);
    const views = byLogicalId(dbInstanceViews.fromLive!(handStack(session, resources)));
    assert.deepEqual([...views.keys()], ["Orders", "Lonely", "Writer", "Reader", "Legacy", "Replica", "Tiny"]);

    const orders = views.get("Orders")!;
    assert.equal(orders.kind, "cluster");
    assert.equal(orders.physicalId, "orders");
    assert.equal(orders.at, undefined);
    assert.equal(orders.aurora, true);
    assert.deepEqual(orders.members, ["Writer", "Reader"]);
    assert.equal(orders.multiAz, true);
    assert.equal(orders.storageEncrypted, true);
    assert.equal(orders.subnetGroup, "Subnets");
    assert.equal(orders.performanceInsightsEnabled, undefined, "an Aurora cluster's instances carry Performance Insights");
    const lonely = views.get("Lonely")!;
    assert.deepEqual(lonely.members, ["outside-instance"]);
    assert.equal(lonely.multiAz, false);

    const writer = views.get("Writer")!;
    assert.equal(writer.clusterId, "Orders");
    assert.equal(writer.aurora, true);
    assert.equal(writer.multiAz, undefined);
    assert.equal(writer.storageEncrypted, undefined);
    assert.equal(writer.backupRetentionDays, undefined);
    assert.equal(writer.performanceInsightsEnabled, false);
    assert.equal(writer.monitoringInterval, 60);

    const legacy = views.get("Legacy")!;
    assert.deepEqual(
      [legacy.multiAz, legacy.storageEncrypted, legacy.publiclyAccessible, legacy.deletionProtection, legacy.backupRetentionDays, legacy.monitoringInterval, legacy.monitoringRoleArn, legacy.performanceInsightsEnabled],
      [false, false, true, false, 1, 0, undefined, false],
    );
    assert.deepEqual(legacy.defaulted, [], "live values are facts, never defaults");
    const replica = views.get("Replica")!;
    assert.equal(replica.replicaOf, "Legacy");
    assert.equal(replica.backupRetentionDays, undefined, "a replica without backups is not judged on retention, as in the template");
    assert.equal(views.get("Tiny")!.performanceInsightsEnabled, undefined, "micro classes do not support Performance Insights");

    const result = judgeLiveStack(handStack(session, resources), undefined, { rules: RDS_RULES });
    const flagged = result.findings.map((finding) => `${finding.ruleId} ${finding.resource.logicalId} ${finding.resource.physicalId}`).sort();
    assert.deepEqual(flagged, [
      "rds-backup-retention-short Legacy legacy",
      "rds-deletion-protection-off Legacy legacy",
      "rds-enhanced-monitoring-off Legacy legacy",
      "rds-performance-insights-off Legacy legacy",
      "rds-performance-insights-off Writer writer",
      "rds-publicly-accessible Legacy legacy",
      "rds-single-az Legacy legacy",
      "rds-single-az Lonely lonely",
      "rds-single-az Replica legacy-replica",
      "rds-storage-unencrypted Legacy legacy",
    ]);
    assert.ok(result.findings.every((finding) => finding.source === "live"));
    const publicFinding = result.findings.find((finding) => finding.ruleId === "rds-publicly-accessible")!;
    assert.equal(publicFinding.severity, "critical");
  });

  it("records access denied, throttling, missing fields and vanished databases, and reads the rest", async () => {
    serve(rds, [instance("fine"), instance("half", { BackupRetentionPeriod: undefined, PubliclyAccessible: undefined })], [cluster("orders", ["fine"])]);
    rds.on(DescribeDBClustersCommand).rejects(awsError("AccessDenied", 403, "User is not authorized to perform: rds:DescribeDBClusters"));
    const session = new LiveSession({ region: REGION });
    const resources = [resource("Fine", "AWS::RDS::DBInstance", "fine"), resource("Half", "AWS::RDS::DBInstance", "half"), resource("Gone", "AWS::RDS::DBInstance", "gone"), resource("Orders", "AWS::RDS::DBCluster", "orders")];
    await session.reader(RdsReader).load(resources);
    const summary = session.failures.map((failure) => `${failure.operation} ${failure.kind} ${failure.target ?? failure.targets?.join(",")}`).sort();
    assert.deepEqual(summary, ["DescribeDBClusters access-denied orders", "DescribeDBInstances malformed-response half", "DescribeDBInstances not-found gone"]);
    assert.match(session.failures.find((failure) => failure.target === "half")!.message, /without PubliclyAccessible, BackupRetentionPeriod/);

    const views = byLogicalId(dbInstanceViews.fromLive!(handStack(session, resources)));
    assert.deepEqual([...views.keys()], ["Fine", "Half"], "nothing is built for what could not be read");
    const half = views.get("Half")!;
    assert.equal(half.backupRetentionDays, undefined);
    assert.equal(half.publiclyAccessible, undefined);
    assert.equal(half.storageEncrypted, true);
    const result = judgeLiveStack(handStack(session, resources), undefined, { rules: RDS_RULES });
    assert.deepEqual(result.findings, [], "unread fields are not judged");
  });

  it("reports throttling that outlasts the retries as throttled, naming the batch", async () => {
    rds.on(DescribeDBInstancesCommand).rejects(awsError("ThrottlingException", 400, "Rate exceeded"));
    const session = new LiveSession({ region: REGION });
    await session.reader(RdsReader).load([resource("A", "AWS::RDS::DBInstance", "a"), resource("B", "AWS::RDS::DBInstance", "b")]);
    assert.equal(session.failures.length, 1);
    assert.equal(session.failures[0]!.kind, "throttled");
    assert.deepEqual(session.failures[0]!.targets, ["a", "b"]);
  });

  it("judges a deployed stack: live findings merge with the template's, drift names MultiAZ turned off, the twin stays quiet", async () => {
    const template = parseTemplate(`
Parameters:
  MonitoringRole:
    Type: String
    Default: arn:aws:iam::111122223333:role/rds-monitoring
Resources:
  Orders:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.m6g.large
      DBSubnetGroupName: private-group
      PubliclyAccessible: false
      MultiAZ: true
      StorageEncrypted: true
      DeletionProtection: true
      BackupRetentionPeriod: 14
      MonitoringInterval: 60
      MonitoringRoleArn: !Ref MonitoringRole
      EnablePerformanceInsights: true
  Twin:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.m6g.large
      DBSubnetGroupName: private-group
      PubliclyAccessible: false
      MultiAZ: true
      StorageEncrypted: true
      DeletionProtection: true
      BackupRetentionPeriod: 14
      MonitoringInterval: 60
      MonitoringRoleArn: !Ref MonitoringRole
      EnablePerformanceInsights: true
  Reports:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.m6g.large
      DBSubnetGroupName: private-group
      PubliclyAccessible: false
      MultiAZ: true
      StorageEncrypted: true
      DeletionProtection: true
      MonitoringInterval: 60
      MonitoringRoleArn: !Ref MonitoringRole
      EnablePerformanceInsights: true
`);
    serve(rds, [instance("orders", { Engine: "postgres", MultiAZ: false }), instance("twin", { Engine: "postgres" }), instance("reports", { Engine: "postgres", BackupRetentionPeriod: 1 })], []);
    const session = new LiveSession({ region: REGION });
    const resources = [resource("Orders", "AWS::RDS::DBInstance", "orders"), resource("Twin", "AWS::RDS::DBInstance", "twin"), resource("Reports", "AWS::RDS::DBInstance", "reports")];
    await session.reader(RdsReader).load(resources);
    const result = judgeLiveStack(handStack(session, resources), template, { rules: [...RDS_RULES, driftSecurityProperty] });
    const summary = result.findings.map((finding) => `${finding.source} ${finding.ruleId} ${finding.resource.logicalId} ${finding.severity}`).sort();
    assert.deepEqual(summary, [
      "drift drift-security-property Orders high",
      "live rds-backup-retention-short Reports medium",
      "live rds-single-az Orders high",
    ], "Reports keeps CloudFormation's default retention of 1 live: a flaw in both, no drift; Twin is quiet");
    const drift = result.findings.find((finding) => finding.ruleId === "drift-security-property")!;
    assert.deepEqual([drift.evidence.property, drift.evidence.template, drift.evidence.live], ["MultiAZ", true, false]);
    assert.equal(drift.resource.physicalId, "orders");
    const retention = result.findings.find((finding) => finding.ruleId === "rds-backup-retention-short")!;
    assert.equal(retention.evidence.alsoInTemplate, true);
    assert.equal(retention.resource.physicalId, "reports");
    assert.ok(retention.location!.line > 0);
  });
});

describe("RDS drift properties", () => {
  let rds: AwsClientStub<RDSClient>;
  before(() => {
    rds = mockClient(RDSClient);
  });
  afterEach(() => rds.reset());
  after(() => rds.restore());

  it("compare only what the template fixes: CloudFormation defaults are intent, AWS's guess about the VPC is not", async () => {
    const template = parseTemplate(`
Resources:
  Ledger:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-mysql
      StorageEncrypted: true
      DeletionProtection: true
      BackupRetentionPeriod: 7
  LedgerA:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: aurora-mysql
      DBClusterIdentifier: !Ref Ledger
      DBInstanceClass: db.r6g.large
      MonitoringInterval: 30
      MonitoringRoleArn: !GetAtt MonitoringRole.Arn
      EnablePerformanceInsights: true
  LedgerB:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: aurora-mysql
      DBClusterIdentifier: !Ref Ledger
      DBInstanceClass: db.r6g.large
      MonitoringInterval: 30
      MonitoringRoleArn: !GetAtt MonitoringRole.Arn
      EnablePerformanceInsights: true
  MonitoringRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: monitoring.rds.amazonaws.com }, Action: sts:AssumeRole }] }
  Scratch:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.m6g.large
      MultiAZ: true
      StorageEncrypted: true
      DeletionProtection: true
      MonitoringInterval: 30
      MonitoringRoleArn: !GetAtt MonitoringRole.Arn
      EnablePerformanceInsights: true
`);
    const aurora = { Engine: "aurora-mysql", DBClusterIdentifier: "ledger", DBInstanceClass: "db.r6g.large", MonitoringInterval: 30 };
    serve(
      rds,
      [instance("ledger-a", aurora), instance("ledger-b", aurora), instance("scratch", { Engine: "postgres", BackupRetentionPeriod: 1, MonitoringInterval: 30 })],
      [cluster("ledger", ["ledger-a", "ledger-b"], { Engine: "aurora-mysql", BackupRetentionPeriod: 7 })],
    );
    const session = new LiveSession({ region: REGION });
    const resources = [
      resource("Ledger", "AWS::RDS::DBCluster", "ledger"),
      resource("LedgerA", "AWS::RDS::DBInstance", "ledger-a"),
      resource("LedgerB", "AWS::RDS::DBInstance", "ledger-b"),
      resource("Scratch", "AWS::RDS::DBInstance", "scratch"),
    ];
    await session.reader(RdsReader).load(resources);
    const result = judgeLiveStack(handStack(session, resources), template, { rules: [...RDS_RULES, driftSecurityProperty] });
    const summary = result.findings.map((finding) => `${finding.source} ${finding.ruleId} ${finding.resource.logicalId}`).sort();
    // Scratch sets neither PubliclyAccessible nor a subnet group: the template side guesses "public" (default VPC);
    // live it is not public, which is no drift. Its retention of 1 is CloudFormation's default: a flaw both sides.
    assert.deepEqual(summary, ["live rds-backup-retention-short Scratch", "template rds-publicly-accessible Scratch"]);

    // The same stack with the second Aurora instance deleted out of band: the cluster has nothing to fail over to.
    const lost = new LiveSession({ region: REGION });
    rds.reset();
    serve(rds, [instance("ledger-a", aurora), instance("scratch", { Engine: "postgres", BackupRetentionPeriod: 1, MonitoringInterval: 30 })], [cluster("ledger", ["ledger-a"], { Engine: "aurora-mysql", BackupRetentionPeriod: 7 })]);
    await lost.reader(RdsReader).load(resources);
    const drifted = judgeLiveStack(handStack(lost, resources), template, { rules: [...RDS_RULES, driftSecurityProperty] });
    const drift = drifted.findings.filter((finding) => finding.source === "drift").map((finding) => `${finding.ruleId} ${finding.resource.logicalId} ${finding.severity} ${finding.evidence.property ?? ""}`).sort();
    assert.ok(drift.includes("drift-security-property Ledger high MultiAZ"), drift.join("\n"));
    assert.ok(drifted.findings.some((finding) => finding.source === "live" && finding.ruleId === "rds-single-az" && finding.resource.logicalId === "Ledger"));
  });
});

describe("RdsReader against moto", () => {
  const moto = motoForTests();

  it("reads instances and an Aurora cluster created through the API, and turns moto's missing fields into recorded failures", async (t) => {
    const server = moto.need(t);
    if (!server) return;
    await server.reset();
    const client = new RDSClient(motoClientConfig(server.endpoint));
    await client.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: "orders", Engine: "postgres", DBInstanceClass: "db.m6g.large", AllocatedStorage: 20, MasterUsername: "admin", MasterUserPassword: "password123", MultiAZ: true, StorageEncrypted: true, DeletionProtection: true, BackupRetentionPeriod: 14 }));
    await client.send(new CreateDBClusterCommand({ DBClusterIdentifier: "ledger", Engine: "aurora-postgresql", MasterUsername: "admin", MasterUserPassword: "password123", StorageEncrypted: true }));
    await client.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: "ledger-1", DBClusterIdentifier: "ledger", Engine: "aurora-postgresql", DBInstanceClass: "db.r6g.large" }));
    // Out of band: Multi-AZ turned off.
    await client.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "orders", MultiAZ: false, ApplyImmediately: true }));

    const session = new LiveSession({ region: MOTO_REGION, endpointUrl: server.endpoint });
    const resources: StackResource[] = [
      resource("Orders", "AWS::RDS::DBInstance", "orders"),
      resource("Ledger", "AWS::RDS::DBCluster", "ledger"),
      resource("LedgerWriter", "AWS::RDS::DBInstance", "ledger-1"),
      resource("Deleted", "AWS::RDS::DBInstance", "deleted-db"),
    ];
    await session.reader(RdsReader).load(resources);
    assert.equal(session.calls.get("rds:DescribeDBInstances"), 1);
    assert.equal(session.calls.get("rds:DescribeDBClusters"), 1);
    assert.ok(session.failures.some((failure) => failure.kind === "not-found" && failure.target === "deleted-db"));
    for (const failure of session.failures.filter((entry) => entry.kind === "malformed-response")) assert.match(failure.message, /AWS always sends/);

    const views = byLogicalId(dbInstanceViews.fromLive!(handStack(session, resources)));
    const orders = views.get("Orders")!;
    assert.equal(orders.multiAz, false);
    assert.equal(orders.storageEncrypted, true);
    assert.equal(orders.deletionProtection, true);
    const ledger = views.get("Ledger")!;
    assert.deepEqual(ledger.members, ["LedgerWriter"]);
    assert.equal(ledger.multiAz, false);
    assert.equal(views.get("LedgerWriter")!.clusterId, "Ledger");

    const result = judgeLiveStack(handStack(session, resources), undefined, { rules: RDS_RULES });
    const singleAz = result.findings.filter((finding) => finding.ruleId === "rds-single-az").map((finding) => finding.resource.physicalId).sort();
    assert.deepEqual(singleAz, ["ledger", "orders"]);
  });
});
