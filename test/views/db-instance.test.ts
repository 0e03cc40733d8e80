import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTemplate } from "../../shared/template/parse.ts";
import { resolveTemplate } from "../../shared/template/resolve.ts";
import { isUnknown } from "../../shared/template/values.ts";
import { dbInstanceViews, pathOf } from "../../shared/views/db-instance.ts";

const TEMPLATE = `
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      StorageEncrypted: true
      BackupRetentionPeriod: 14
      PerformanceInsightsEnabled: true
  Writer:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: aurora-postgresql
      DBClusterIdentifier: !Ref Cluster
      DBInstanceClass: db.r6g.large
  Standalone:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: MySQL
      DBInstanceClass: db.m6g.large
      DBSubnetGroupName: external-group
      MultiAZ: "true"
  Restored:
    Type: AWS::RDS::DBInstance
    Properties:
      DBSnapshotIdentifier: orders-final
      DBInstanceClass: db.m6g.large
`;

function views() {
  const [resolved] = resolveTemplate(parseTemplate(TEMPLATE));
  return new Map(dbInstanceViews.fromTemplate(resolved!).map((view) => [view.logicalId, view]));
}

test("an Aurora cluster owns encryption, backups and availability; its instance owns monitoring and inherits Performance Insights", () => {
  const byId = views();
  const cluster = byId.get("Cluster")!;
  assert.equal(cluster.kind, "cluster");
  assert.deepEqual(cluster.members, ["Writer"]);
  assert.equal(cluster.multiAz, false);
  assert.equal(cluster.storageEncrypted, true);
  assert.equal(cluster.backupRetentionDays, 14);
  assert.equal(cluster.deletionProtection, false);
  assert.ok(cluster.defaulted.includes("deletionProtection"));

  const writer = byId.get("Writer")!;
  assert.equal(writer.clusterId, "Cluster");
  assert.equal(writer.aurora, true);
  assert.equal(writer.storageEncrypted, undefined);
  assert.equal(writer.backupRetentionDays, undefined);
  assert.equal(writer.multiAz, undefined);
  assert.equal(writer.monitoringInterval, 0);
  assert.equal(writer.performanceInsightsEnabled, true);
  assert.equal(writer.inherited.performanceInsightsEnabled, "Cluster");
  assert.deepEqual(pathOf(writer, "performanceInsightsEnabled"), ["Resources", "Cluster", "Properties", "PerformanceInsightsEnabled"]);
});

test("a standalone instance gets CloudFormation's defaults; a snapshot restore leaves encryption unknown", () => {
  const byId = views();
  const standalone = byId.get("Standalone")!;
  assert.equal(standalone.engine, "mysql");
  assert.equal(standalone.multiAz, true);
  assert.equal(standalone.backupRetentionDays, 1);
  assert.equal(standalone.storageEncrypted, false);
  assert.deepEqual(standalone.defaulted.sort(), ["backupRetentionDays", "deletionProtection", "monitoringInterval", "performanceInsightsEnabled", "storageEncrypted"]);
  assert.equal(standalone.subnetGroup, "external-group");
  assert.ok(isUnknown(standalone.publicSubnets));
  assert.equal(standalone.publiclyAccessible, undefined);
  assert.deepEqual(pathOf(standalone, "multiAz"), ["Resources", "Standalone", "Properties", "MultiAZ"]);
  assert.deepEqual(pathOf(standalone, "storageEncrypted"), ["Resources", "Standalone"]);

  const restored = byId.get("Restored")!;
  assert.ok(isUnknown(restored.storageEncrypted));
  assert.match(String(restored.storageEncrypted), /snapshot orders-final/);
  assert.equal(restored.publiclyAccessible, true);
  assert.ok(restored.defaulted.includes("publiclyAccessible"));
});
