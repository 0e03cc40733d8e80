import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient, type DBCluster, type DBInstance } from "@aws-sdk/client-rds";
import { batches, type LiveSession, type ServiceReader, type StackResource } from "./session.ts";

/** Identifiers per Filters value list; RDS accepts up to 100 values in one filter. */
const IDS_PER_CALL = 100;
/** DescribeDBInstances / DescribeDBClusters take MaxRecords up to 100. */
const PAGE_SIZE = 100;

/** Burstable classes Performance Insights does not support (RDS for MySQL/MariaDB and Aurora MySQL say so outright). */
export const NO_PERFORMANCE_INSIGHTS_CLASS = /^db\.(t1|t2|t3|t4g)\.(micro|small)$/i;

const INSTANCE_TYPE = "AWS::RDS::DBInstance";
const CLUSTER_TYPE = "AWS::RDS::DBCluster";

/** RDS identifiers are case-insensitive and stored in lower case; the stack's physical id may not be. */
function idKey(identifier: string): string {
  return identifier.toLowerCase();
}

/**
 * Reads DB instances and DB clusters (DescribeDBInstances, DescribeDBClusters) filtered by the stacks' identifiers,
 * 100 per call, every page. The physical id of AWS::RDS::DBInstance is the DB instance identifier, of
 * AWS::RDS::DBCluster the cluster identifier.
 */
export class RdsReader implements ServiceReader {
  static readonly service = "rds";
  static readonly actions = ["rds:DescribeDBInstances", "rds:DescribeDBClusters"] as const;
  static readonly resourceTypes = [INSTANCE_TYPE, CLUSTER_TYPE];

  private readonly instances = new Map<string, DBInstance>();
  private readonly clusters = new Map<string, DBCluster>();
  /** Identifiers asked for already (found, missing or failed): never asked twice in one scan. */
  private readonly requestedInstances = new Set<string>();
  private readonly requestedClusters = new Set<string>();

  constructor(private readonly session: LiveSession) {}

  async load(resources: readonly StackResource[]): Promise<void> {
    const wanted = (type: string, requested: Set<string>) => {
      const ids = new Map<string, string>();
      for (const resource of resources) {
        if (resource.type !== type || resource.physicalId === undefined || resource.status === "DELETE_COMPLETE") continue;
        const key = idKey(resource.physicalId);
        if (!requested.has(key) && !ids.has(key)) ids.set(key, resource.physicalId);
      }
      for (const key of ids.keys()) requested.add(key);
      return [...ids.values()];
    };
    const instanceIds = wanted(INSTANCE_TYPE, this.requestedInstances);
    const clusterIds = wanted(CLUSTER_TYPE, this.requestedClusters);
    await Promise.all([
      ...batches(instanceIds, IDS_PER_CALL).map((batch) => this.loadInstances(batch)),
      ...batches(clusterIds, IDS_PER_CALL).map((batch) => this.loadClusters(batch)),
    ]);
  }

  /** The DB instance as DescribeDBInstances gave it; undefined when it does not exist or could not be read. */
  instance(identifier: string): DBInstance | undefined {
    return this.instances.get(idKey(identifier));
  }

  cluster(identifier: string): DBCluster | undefined {
    return this.clusters.get(idKey(identifier));
  }

  private client(): RDSClient {
    return this.session.client(RDSClient);
  }

  /** Records the fields AWS always sends that this response lacks (or sends in another type): they are not judged. */
  private checkShape(operation: string, what: string, target: string, record: object, fields: Record<string, "boolean" | "number" | "array">): void {
    const values = record as Record<string, unknown>;
    const wrong = Object.entries(fields).filter(([field, kind]) => (kind === "array" ? !Array.isArray(values[field]) : typeof values[field] !== kind)).map(([field]) => field);
    if (wrong.length === 0) return;
    this.session.fail("rds", operation, "malformed-response", `${operation} returned ${what} without ${wrong.join(", ")} (AWS always sends ${wrong.length === 1 ? "it" : "them"}): ${wrong.length === 1 ? "that setting is" : "those settings are"} not judged`, target);
  }

  private async loadInstances(ids: string[]): Promise<void> {
    const pages = await this.session.paginate(
      "rds",
      "DescribeDBInstances",
      (marker) => this.client().send(new DescribeDBInstancesCommand({ Filters: [{ Name: "db-instance-id", Values: ids.map(idKey) }], MaxRecords: PAGE_SIZE, ...(marker ? { Marker: marker } : {}) })),
      (page) => page.Marker,
      { targets: ids },
    );
    if (!pages) return;
    for (const page of pages) {
      const list: unknown = page.DBInstances;
      if (!Array.isArray(list) || list.some((instance) => typeof instance?.DBInstanceIdentifier !== "string")) {
        // Which instance an unnamed entry is cannot be told: none of the batch is judged, none is called gone.
        this.session.fail("rds", "DescribeDBInstances", "malformed-response", Array.isArray(list) ? "DescribeDBInstances returned a DB instance without DBInstanceIdentifier" : "DescribeDBInstances returned no DBInstances list").targets = [...ids];
        for (const id of ids) this.instances.delete(idKey(id));
        return;
      }
      for (const instance of list as (DBInstance & { DBInstanceIdentifier: string })[]) {
        this.instances.set(idKey(instance.DBInstanceIdentifier), instance);
        this.checkShape("DescribeDBInstances", `DB instance ${instance.DBInstanceIdentifier}`, requestedId(ids, instance.DBInstanceIdentifier), instance, instanceFields(instance));
      }
    }
    for (const id of ids) {
      if (!this.instances.has(idKey(id))) this.session.fail("rds", "DescribeDBInstances", "not-found", `DB instance ${id} no longer exists (DescribeDBInstances does not return it)`, id);
    }
  }

  private async loadClusters(ids: string[]): Promise<void> {
    const pages = await this.session.paginate(
      "rds",
      "DescribeDBClusters",
      (marker) => this.client().send(new DescribeDBClustersCommand({ Filters: [{ Name: "db-cluster-id", Values: ids.map(idKey) }], MaxRecords: PAGE_SIZE, ...(marker ? { Marker: marker } : {}) })),
      (page) => page.Marker,
      { targets: ids },
    );
    if (!pages) return;
    for (const page of pages) {
      const list: unknown = page.DBClusters;
      if (!Array.isArray(list) || list.some((cluster) => typeof cluster?.DBClusterIdentifier !== "string")) {
        // Which cluster an unnamed entry is cannot be told: none of the batch is judged, none is called gone.
        this.session.fail("rds", "DescribeDBClusters", "malformed-response", Array.isArray(list) ? "DescribeDBClusters returned a DB cluster without DBClusterIdentifier" : "DescribeDBClusters returned no DBClusters list").targets = [...ids];
        for (const id of ids) this.clusters.delete(idKey(id));
        return;
      }
      for (const cluster of list as (DBCluster & { DBClusterIdentifier: string })[]) {
        this.clusters.set(idKey(cluster.DBClusterIdentifier), cluster);
        this.checkShape("DescribeDBClusters", `DB cluster ${cluster.DBClusterIdentifier}`, requestedId(ids, cluster.DBClusterIdentifier), cluster, clusterFields(cluster));
      }
    }
    for (const id of ids) {
      if (!this.clusters.has(idKey(id))) this.session.fail("rds", "DescribeDBClusters", "not-found", `DB cluster ${id} no longer exists (DescribeDBClusters does not return it)`, id);
    }
  }
}

/** The physical id as the stack spells it, so a failure names the stack's resource. */
function requestedId(ids: readonly string[], identifier: string): string {
  return ids.find((id) => idKey(id) === idKey(identifier)) ?? identifier;
}

/** The fields of a DB instance AWS always returns and the view reads. */
function instanceFields(instance: DBInstance): Record<string, "boolean" | "number"> {
  const fields: Record<string, "boolean" | "number"> = { PubliclyAccessible: "boolean" };
  if (instance.DBClusterIdentifier === undefined) {
    Object.assign(fields, { MultiAZ: "boolean", StorageEncrypted: "boolean", DeletionProtection: "boolean", BackupRetentionPeriod: "number" });
  }
  // RDS Custom supports neither enhanced monitoring nor Performance Insights; micro and small burstable classes no Performance Insights.
  if ((instance.Engine ?? "").toLowerCase().startsWith("custom-")) return fields;
  fields.MonitoringInterval = "number";
  if (!NO_PERFORMANCE_INSIGHTS_CLASS.test(instance.DBInstanceClass ?? "")) fields.PerformanceInsightsEnabled = "boolean";
  return fields;
}

/** The fields of a DB cluster AWS always returns and the view reads; Multi-AZ DB clusters (an instance class) also own availability and monitoring. */
function clusterFields(cluster: DBCluster): Record<string, "boolean" | "number" | "array"> {
  const fields: Record<string, "boolean" | "number" | "array"> = { StorageEncrypted: "boolean", DeletionProtection: "boolean", BackupRetentionPeriod: "number", DBClusterMembers: "array" };
  if (cluster.DBClusterInstanceClass !== undefined && !(cluster.Engine ?? "").toLowerCase().startsWith("aurora")) {
    Object.assign(fields, { PubliclyAccessible: "boolean", MonitoringInterval: "number", PerformanceInsightsEnabled: "boolean" });
  }
  return fields;
}
