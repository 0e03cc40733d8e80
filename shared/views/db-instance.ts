import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedResource, ResolvedTemplate } from "../template/resolve.ts";
import { booleanValue, Composite, display, isSymbolic, numberValue, ResourceAttribute, ResourceRef, stringValue, Unknown } from "../template/values.ts";
import type { DBCluster, DBInstance } from "@aws-sdk/client-rds";
import { NO_PERFORMANCE_INSIGHTS_CLASS, RdsReader } from "../live/rds.ts";
import type { LiveScope, LiveStack } from "../live/session.ts";
import { defineView, liveResourcesOfType, propertyPath, resourcesOfType, type ResourceView } from "./view.ts";

/** A value the source fixes, or `Unknown` when it does not (a parameter without default, a value inherited from a snapshot). */
export type Known<T> = T | Unknown;

/**
 * A DB instance or a DB cluster (Aurora, or a Multi-AZ DB cluster of RDS for MySQL/PostgreSQL).
 *
 * A field is `undefined` when the setting does not belong to this resource: an Aurora instance takes its storage
 * encryption, deletion protection and backup retention from its cluster, and an Aurora cluster's availability,
 * monitoring and Performance Insights live on its instances. Rules judge a field only where it is defined.
 */
export interface DbInstanceView extends ResourceView {
  kind: "instance" | "cluster";
  /** Lower case ("mysql", "aurora-postgresql"); undefined when inherited (a replica, a snapshot restore). */
  engine?: Known<string>;
  aurora: boolean;
  instanceClass?: Known<string>;
  /** Clusters: "provisioned", "serverless" (Aurora Serverless v1), ... */
  engineMode?: Known<string>;
  /** Instances: the cluster the instance belongs to (its logical id when the template defines it). */
  clusterId?: string;
  /** Clusters: the instances that belong to it (logical ids, or identifiers live). */
  members?: string[];
  /** A read replica's source instance, or a cluster restored from another cluster (logical id when in the template). */
  replicaOf?: string;
  /** Clusters: the global database the cluster belongs to. */
  globalClusterId?: string;
  /** The snapshot the resource is restored from. */
  snapshotId?: string;
  multiAz?: Known<boolean>;
  storageEncrypted?: Known<boolean>;
  kmsKeyId?: unknown;
  publiclyAccessible?: Known<boolean>;
  /** The DB subnet group (its logical id when the template defines it); an Aurora instance uses its cluster's. */
  subnetGroup?: string;
  /** Subnets of the subnet group whose route table sends 0.0.0.0/0 or ::/0 to an internet gateway; Unknown when the template cannot tell. */
  publicSubnets?: Known<string[]>;
  deletionProtection?: Known<boolean>;
  backupRetentionDays?: Known<number>;
  /** Enhanced monitoring interval in seconds; 0 is off. */
  monitoringInterval?: Known<number>;
  monitoringRoleArn?: unknown;
  performanceInsightsEnabled?: Known<boolean>;
  /** Fields whose value is AWS's default because the source leaves them out. */
  defaulted: DbField[];
  /** Fields whose value comes from another resource (a cluster, a replica's source), with that resource's id. */
  inherited: Partial<Record<DbField, string>>;
  /** Where each field is written; fields the template leaves out point at the resource. */
  paths: Partial<Record<DbField, TemplatePath>>;
}

export type DbField =
  | "multiAz"
  | "storageEncrypted"
  | "publiclyAccessible"
  | "deletionProtection"
  | "backupRetentionDays"
  | "monitoringInterval"
  | "monitoringRoleArn"
  | "performanceInsightsEnabled";

/** Where the field is written, or the resource itself when the template leaves it out. */
export function pathOf(view: DbInstanceView, field: DbField): TemplatePath {
  return view.paths[field] ?? view.at ?? ["Resources", view.logicalId];
}


const PROPERTY: Record<DbField, { instance?: string; cluster?: string }> = {
  multiAz: { instance: "MultiAZ" },
  storageEncrypted: { instance: "StorageEncrypted", cluster: "StorageEncrypted" },
  publiclyAccessible: { instance: "PubliclyAccessible", cluster: "PubliclyAccessible" },
  deletionProtection: { instance: "DeletionProtection", cluster: "DeletionProtection" },
  backupRetentionDays: { instance: "BackupRetentionPeriod", cluster: "BackupRetentionPeriod" },
  monitoringInterval: { instance: "MonitoringInterval", cluster: "MonitoringInterval" },
  monitoringRoleArn: { instance: "MonitoringRoleArn", cluster: "MonitoringRoleArn" },
  performanceInsightsEnabled: { instance: "EnablePerformanceInsights", cluster: "PerformanceInsightsEnabled" },
};

function knownBoolean(value: unknown): Known<boolean> {
  return booleanValue(value) ?? new Unknown(display(value));
}

function knownNumber(value: unknown): Known<number> {
  return numberValue(value) ?? new Unknown(display(value));
}

function knownString(value: unknown): Known<string> | undefined {
  if (value === undefined) return undefined;
  const text = stringValue(value);
  return text !== undefined ? text.toLowerCase() : new Unknown(display(value));
}

/** An identifier as text to compare: RDS identifiers are case-insensitive; symbolic values compare by their display. */
function identifierKey(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Composite || isSymbolic(value)) return `sym:${String(value)}`;
  const text = stringValue(value);
  return text === undefined ? undefined : text.toLowerCase();
}

/** The logical id of the template resource of one of `types` that `value` names (Ref, GetAtt, or its identifier). */
function resourceNamed(value: unknown, types: string[], byIdentifier: Map<string, string>): string | undefined {
  if ((value instanceof ResourceRef || value instanceof ResourceAttribute) && types.includes(value.type)) return value.logicalId;
  const key = identifierKey(value);
  if (key !== undefined && byIdentifier.has(key)) return byIdentifier.get(key);
  if (typeof value === "string" && value.startsWith("arn:")) {
    const name = value.split(":").pop()?.toLowerCase();
    if (name && byIdentifier.has(name)) return byIdentifier.get(name);
  }
  return undefined;
}

function nameOf(value: unknown, types: string[], byIdentifier: Map<string, string>): string {
  return resourceNamed(value, types, byIdentifier) ?? display(value);
}

class Builder {
  readonly view: DbInstanceView;
  constructor(
    readonly resource: ResolvedResource,
    kind: "instance" | "cluster",
  ) {
    this.view = { logicalId: resource.logicalId, type: resource.type, at: ["Resources", resource.logicalId], kind, aurora: false, defaulted: [], inherited: {}, paths: {} };
  }

  private propertyName(field: DbField): string | undefined {
    return PROPERTY[field][this.view.kind];
  }

  /** The property's value as written (undefined when absent), noting where it is written. */
  raw(field: DbField): unknown {
    const name = this.propertyName(field);
    if (name === undefined || !(name in this.resource.properties)) return undefined;
    this.view.paths[field] = propertyPath(this.resource.logicalId, name);
    return this.resource.properties[name];
  }

  boolean(field: DbField, fallback: boolean): Known<boolean> {
    const value = this.raw(field);
    if (value === undefined) {
      this.view.defaulted.push(field);
      return fallback;
    }
    return knownBoolean(value);
  }

  number(field: DbField, fallback: number): Known<number> {
    const value = this.raw(field);
    if (value === undefined) {
      this.view.defaulted.push(field);
      return fallback;
    }
    return knownNumber(value);
  }
}

function instanceView(resource: ResolvedResource, clusterIds: Map<string, string>, instanceIds: Map<string, string>): DbInstanceView {
  const builder = new Builder(resource, "instance");
  const { view } = builder;
  const properties = resource.properties;
  view.engine = knownString(properties.Engine);
  view.instanceClass = knownString(properties.DBInstanceClass);
  if (properties.DBClusterIdentifier !== undefined) view.clusterId = nameOf(properties.DBClusterIdentifier, ["AWS::RDS::DBCluster"], clusterIds);
  if (properties.SourceDBInstanceIdentifier !== undefined) view.replicaOf = nameOf(properties.SourceDBInstanceIdentifier, ["AWS::RDS::DBInstance"], instanceIds);
  if (properties.DBSnapshotIdentifier !== undefined) view.snapshotId = display(properties.DBSnapshotIdentifier);
  if (properties.KmsKeyId !== undefined) view.kmsKeyId = properties.KmsKeyId;
  const engine = typeof view.engine === "string" ? view.engine : "";
  view.aurora = engine.startsWith("aurora") || view.clusterId !== undefined;

  // An Aurora instance takes availability, encryption, deletion protection and backups from its cluster.
  if (!view.aurora) {
    view.multiAz = builder.boolean("multiAz", false);
    view.deletionProtection = builder.boolean("deletionProtection", false);
    view.storageEncrypted = instanceEncryption(builder);
    if (view.replicaOf === undefined) view.backupRetentionDays = builder.number("backupRetentionDays", 1);
    else {
      // A read replica keeps no automated backups unless told to; that is not a gap of the replica.
      const retention = builder.raw("backupRetentionDays");
      if (retention !== undefined) view.backupRetentionDays = knownNumber(retention);
    }
  }

  const publiclyAccessible = builder.raw("publiclyAccessible");
  if (publiclyAccessible !== undefined) view.publiclyAccessible = knownBoolean(publiclyAccessible);

  // RDS Custom (engines "custom-oracle-ee", "custom-sqlserver-se"...) supports neither enhanced monitoring nor Performance Insights.
  if (engine.startsWith("custom-")) return view;
  view.monitoringInterval = builder.number("monitoringInterval", 0);
  const role = builder.raw("monitoringRoleArn");
  if (role !== undefined) view.monitoringRoleArn = role;

  const instanceClass = typeof view.instanceClass === "string" ? view.instanceClass : "";
  if (!NO_PERFORMANCE_INSIGHTS_CLASS.test(instanceClass)) view.performanceInsightsEnabled = builder.boolean("performanceInsightsEnabled", false);
  return view;
}

function instanceEncryption(builder: Builder): Known<boolean> {
  const { view } = builder;
  const written = builder.raw("storageEncrypted");
  if (view.replicaOf !== undefined) {
    // A replica takes its source's encryption; a KmsKeyId (cross-region replica) encrypts it with that key.
    if (view.kmsKeyId !== undefined) return true;
    view.inherited.storageEncrypted = view.replicaOf;
    return new Unknown(`inherited from source instance ${view.replicaOf}`);
  }
  if (view.snapshotId !== undefined) return new Unknown(`inherited from snapshot ${view.snapshotId}`);
  if (written !== undefined) return knownBoolean(written);
  if (view.kmsKeyId !== undefined) return new Unknown("KmsKeyId given without StorageEncrypted");
  view.defaulted.push("storageEncrypted");
  return false;
}

function clusterView(resource: ResolvedResource, clusterIds: Map<string, string>): DbInstanceView {
  const builder = new Builder(resource, "cluster");
  const { view } = builder;
  const properties = resource.properties;
  view.engine = knownString(properties.Engine);
  view.engineMode = knownString(properties.EngineMode) ?? "provisioned";
  if (properties.DBClusterInstanceClass !== undefined) view.instanceClass = knownString(properties.DBClusterInstanceClass);
  if (properties.SourceDBClusterIdentifier !== undefined) view.replicaOf = nameOf(properties.SourceDBClusterIdentifier, ["AWS::RDS::DBCluster"], clusterIds);
  if (properties.SnapshotIdentifier !== undefined) view.snapshotId = display(properties.SnapshotIdentifier);
  if (properties.GlobalClusterIdentifier !== undefined) view.globalClusterId = display(properties.GlobalClusterIdentifier);
  if (properties.KmsKeyId !== undefined) view.kmsKeyId = properties.KmsKeyId;
  const engine = typeof view.engine === "string" ? view.engine : "";
  // A Multi-AZ DB cluster (RDS for MySQL/PostgreSQL) names its instance class on the cluster; Aurora does not.
  const multiAzCluster = view.instanceClass !== undefined && !engine.startsWith("aurora");
  view.aurora = !multiAzCluster;
  view.members = [];

  view.deletionProtection = builder.boolean("deletionProtection", false);
  view.backupRetentionDays = builder.number("backupRetentionDays", 1);
  view.storageEncrypted = clusterEncryption(builder);

  if (multiAzCluster) {
    // Aurora instances are made public one by one; only a Multi-AZ DB cluster is public as a whole.
    const publiclyAccessible = builder.raw("publiclyAccessible");
    if (publiclyAccessible !== undefined) view.publiclyAccessible = knownBoolean(publiclyAccessible);
    view.multiAz = true;
    view.monitoringInterval = builder.number("monitoringInterval", 0);
    const role = builder.raw("monitoringRoleArn");
    if (role !== undefined) view.monitoringRoleArn = role;
    view.performanceInsightsEnabled = builder.boolean("performanceInsightsEnabled", false);
  } else {
    // Aurora: monitoring and Performance Insights are per instance; a cluster-level setting is what its instances inherit.
    const interval = builder.raw("monitoringInterval");
    if (interval !== undefined) view.monitoringInterval = knownNumber(interval);
    const role = builder.raw("monitoringRoleArn");
    if (role !== undefined) view.monitoringRoleArn = role;
    const insights = builder.raw("performanceInsightsEnabled");
    if (insights !== undefined) view.performanceInsightsEnabled = knownBoolean(insights);
  }
  return view;
}

function clusterEncryption(builder: Builder): Known<boolean> {
  const { view } = builder;
  const written = builder.raw("storageEncrypted");
  if (view.engineMode === "serverless") return true; // Aurora Serverless v1 clusters are always encrypted.
  if (view.replicaOf !== undefined || view.snapshotId !== undefined) {
    if (view.kmsKeyId !== undefined) return true;
    const source = view.snapshotId !== undefined ? `snapshot ${view.snapshotId}` : `source cluster ${view.replicaOf}`;
    if (view.replicaOf !== undefined) view.inherited.storageEncrypted = view.replicaOf;
    return new Unknown(`inherited from ${source}`);
  }
  if (written !== undefined) return knownBoolean(written);
  if (view.kmsKeyId !== undefined) return new Unknown("KmsKeyId given without StorageEncrypted");
  if (view.globalClusterId !== undefined) return new Unknown("set by the global cluster");
  view.defaulted.push("storageEncrypted");
  return false;
}

/** Settings an Aurora instance takes from its cluster when it does not set them itself. */
function inheritFromCluster(instance: DbInstanceView, cluster: DbInstanceView): void {
  for (const field of ["monitoringInterval", "performanceInsightsEnabled"] as const) {
    if (!instance.defaulted.includes(field) || cluster[field] === undefined) continue;
    instance[field] = cluster[field] as never;
    instance.defaulted = instance.defaulted.filter((name) => name !== field);
    instance.inherited[field] = cluster.logicalId;
    instance.paths[field] = pathOf(cluster, field);
  }
  if (instance.monitoringRoleArn === undefined && cluster.monitoringRoleArn !== undefined) {
    instance.monitoringRoleArn = cluster.monitoringRoleArn;
    instance.inherited.monitoringRoleArn = cluster.logicalId;
  }
}

/** Subnets of the template with a default route (IPv4 or IPv6) to an internet gateway, by the route tables associated with them. */
function publicSubnetsOf(template: ResolvedTemplate): Set<string> {
  const tablesToInternet = new Set<string>();
  for (const route of resourcesOfType(template, "AWS::EC2::Route")) {
    const { RouteTableId: table, GatewayId: gateway, DestinationCidrBlock: v4, DestinationIpv6CidrBlock: v6 } = route.properties;
    const toWorld = stringValue(v4) === "0.0.0.0/0" || stringValue(v6) === "::/0";
    const viaInternetGateway = (gateway instanceof ResourceRef && gateway.type === "AWS::EC2::InternetGateway") || /^igw-/.test(stringValue(gateway) ?? "");
    if (toWorld && viaInternetGateway && table instanceof ResourceRef) tablesToInternet.add(table.logicalId);
  }
  const subnets = new Set<string>();
  for (const association of resourcesOfType(template, "AWS::EC2::SubnetRouteTableAssociation")) {
    const { SubnetId: subnet, RouteTableId: table } = association.properties;
    if (subnet instanceof ResourceRef && table instanceof ResourceRef && tablesToInternet.has(table.logicalId)) subnets.add(subnet.logicalId);
  }
  return subnets;
}

/**
 * AWS's default for an instance that does not set PubliclyAccessible: public when its VPC has an internet gateway. With no
 * subnet group a (non-Aurora) instance lands in the default VPC, which has one; with a subnet group, public subnets show one.
 */
function defaultPublicAccess(view: DbInstanceView): void {
  if (view.publiclyAccessible !== undefined || view.replicaOf !== undefined) return;
  const inDefaultVpc = view.subnetGroup === undefined && !view.aurora;
  const inPublicSubnets = Array.isArray(view.publicSubnets) && view.publicSubnets.length > 0;
  if (!inDefaultVpc && !inPublicSubnets) return;
  view.publiclyAccessible = true;
  view.defaulted.push("publiclyAccessible");
}

/** Places the view in its subnet group and names the group's public subnets, when the template shows them. */
function placeInSubnets(view: DbInstanceView, groupValue: unknown, template: ResolvedTemplate, publicSubnets: Set<string>): void {
  if (groupValue === undefined) return;
  const group = groupValue instanceof ResourceRef && groupValue.type === "AWS::RDS::DBSubnetGroup" ? template.resources.get(groupValue.logicalId) : undefined;
  view.subnetGroup = group ? group.logicalId : display(groupValue);
  const subnetIds = group?.properties.SubnetIds;
  if (!group || !Array.isArray(subnetIds)) {
    view.publicSubnets = new Unknown(`subnets of ${view.subnetGroup}`);
    return;
  }
  view.publicSubnets = subnetIds.filter((subnet): subnet is ResourceRef => subnet instanceof ResourceRef && publicSubnets.has(subnet.logicalId)).map((subnet) => subnet.logicalId);
}

function identifiers(resources: ResolvedResource[], property: string): Map<string, string> {
  const byIdentifier = new Map<string, string>();
  for (const resource of resources) {
    const key = identifierKey(resource.properties[property]);
    if (key !== undefined) byIdentifier.set(key, resource.logicalId);
  }
  return byIdentifier;
}

/** Stack logical ids by lower-cased physical id, for one resource type: live references name identifiers, views name logical ids. */
function logicalIdsByPhysicalId(stack: LiveStack, type: string): Map<string, string> {
  return new Map(liveResourcesOfType(stack, type).map((resource) => [resource.physicalId.toLowerCase(), resource.logicalId]));
}

/** A live identifier (or ARN) as a view names it: the stack's logical id when the stack owns the resource. */
function liveName(identifier: string | undefined, byPhysicalId: Map<string, string>): string | undefined {
  if (identifier === undefined) return undefined;
  const key = identifier.toLowerCase();
  return byPhysicalId.get(key) ?? byPhysicalId.get(key.split(":").pop()!) ?? identifier;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

interface LiveNames {
  instances: Map<string, string>;
  clusters: Map<string, string>;
  subnetGroups: Map<string, string>;
}

function liveBase(resource: { logicalId: string; type: string; physicalId: string }, kind: "instance" | "cluster"): DbInstanceView {
  return { logicalId: resource.logicalId, type: resource.type, physicalId: resource.physicalId, kind, aurora: false, defaulted: [], inherited: {}, paths: {} };
}

/** A DB instance as DescribeDBInstances gives it; the same split of fields between instance and cluster as fromTemplate. */
function liveInstanceView(resource: { logicalId: string; type: string; physicalId: string }, instance: DBInstance, names: LiveNames): DbInstanceView {
  const view = liveBase(resource, "instance");
  const engine = instance.Engine?.toLowerCase();
  if (engine !== undefined) view.engine = engine;
  if (instance.DBInstanceClass !== undefined) view.instanceClass = instance.DBInstanceClass.toLowerCase();
  const clusterId = liveName(instance.DBClusterIdentifier, names.clusters);
  if (clusterId !== undefined) view.clusterId = clusterId;
  const replicaOf = liveName(instance.ReadReplicaSourceDBInstanceIdentifier, names.instances);
  if (replicaOf !== undefined) view.replicaOf = replicaOf;
  if (instance.KmsKeyId !== undefined) view.kmsKeyId = instance.KmsKeyId;
  const subnetGroup = liveName(instance.DBSubnetGroup?.DBSubnetGroupName, names.subnetGroups);
  if (subnetGroup !== undefined) view.subnetGroup = subnetGroup;
  view.aurora = (engine ?? "").startsWith("aurora") || view.clusterId !== undefined;

  if (!view.aurora) {
    setIfDefined(view, "multiAz", bool(instance.MultiAZ));
    setIfDefined(view, "deletionProtection", bool(instance.DeletionProtection));
    setIfDefined(view, "storageEncrypted", bool(instance.StorageEncrypted));
    const retention = count(instance.BackupRetentionPeriod);
    // A read replica keeps no automated backups unless told to; that is not a gap of the replica (as fromTemplate).
    if (view.replicaOf === undefined || (retention ?? 0) > 0) setIfDefined(view, "backupRetentionDays", retention);
  }
  setIfDefined(view, "publiclyAccessible", bool(instance.PubliclyAccessible));

  if ((engine ?? "").startsWith("custom-")) return view;
  setIfDefined(view, "monitoringInterval", count(instance.MonitoringInterval));
  if (instance.MonitoringRoleArn) view.monitoringRoleArn = instance.MonitoringRoleArn;
  if (!NO_PERFORMANCE_INSIGHTS_CLASS.test(view.instanceClass as string ?? "")) setIfDefined(view, "performanceInsightsEnabled", bool(instance.PerformanceInsightsEnabled));
  return view;
}

/** A DB cluster as DescribeDBClusters gives it: Aurora availability is its instance count, as fromTemplate counts them. */
function liveClusterView(resource: { logicalId: string; type: string; physicalId: string }, cluster: DBCluster, names: LiveNames): DbInstanceView {
  const view = liveBase(resource, "cluster");
  const engine = cluster.Engine?.toLowerCase() ?? "";
  if (cluster.Engine !== undefined) view.engine = engine;
  view.engineMode = cluster.EngineMode?.toLowerCase() ?? "provisioned";
  if (cluster.DBClusterInstanceClass !== undefined) view.instanceClass = cluster.DBClusterInstanceClass.toLowerCase();
  const replicaOf = liveName(cluster.ReplicationSourceIdentifier, names.clusters);
  if (replicaOf !== undefined) view.replicaOf = replicaOf;
  if (cluster.GlobalClusterIdentifier) view.globalClusterId = cluster.GlobalClusterIdentifier;
  if (cluster.KmsKeyId !== undefined) view.kmsKeyId = cluster.KmsKeyId;
  const subnetGroup = liveName(cluster.DBSubnetGroup, names.subnetGroups);
  if (subnetGroup !== undefined) view.subnetGroup = subnetGroup;
  const multiAzCluster = view.instanceClass !== undefined && !engine.startsWith("aurora");
  view.aurora = !multiAzCluster;

  setIfDefined(view, "deletionProtection", bool(cluster.DeletionProtection));
  setIfDefined(view, "backupRetentionDays", count(cluster.BackupRetentionPeriod));
  setIfDefined(view, "storageEncrypted", bool(cluster.StorageEncrypted));
  const members = Array.isArray(cluster.DBClusterMembers)
    ? cluster.DBClusterMembers.flatMap((member) => (member.DBInstanceIdentifier ? [liveName(member.DBInstanceIdentifier, names.instances)!] : []))
    : undefined;
  if (members !== undefined) view.members = members;

  if (multiAzCluster) {
    setIfDefined(view, "publiclyAccessible", bool(cluster.PubliclyAccessible));
    view.multiAz = true;
    setIfDefined(view, "monitoringInterval", count(cluster.MonitoringInterval));
    if (cluster.MonitoringRoleArn) view.monitoringRoleArn = cluster.MonitoringRoleArn;
    setIfDefined(view, "performanceInsightsEnabled", bool(cluster.PerformanceInsightsEnabled));
  } else if (members !== undefined && view.engineMode !== "serverless") {
    // Aurora Serverless v1 places capacity itself: there are no instances to count.
    view.multiAz = members.length >= 2;
  }
  return view;
}

function setIfDefined<K extends DbField>(view: DbInstanceView, field: K, value: DbInstanceView[K]): void {
  if (value !== undefined) view[field] = value;
}

function fromLiveStack(scope: LiveScope): DbInstanceView[] {
  if (scope.scope !== "stack") return [];
  const reader = scope.session.reader(RdsReader);
  const names: LiveNames = {
    instances: logicalIdsByPhysicalId(scope, "AWS::RDS::DBInstance"),
    clusters: logicalIdsByPhysicalId(scope, "AWS::RDS::DBCluster"),
    subnetGroups: logicalIdsByPhysicalId(scope, "AWS::RDS::DBSubnetGroup"),
  };
  const views: DbInstanceView[] = [];
  for (const resource of liveResourcesOfType(scope, "AWS::RDS::DBInstance", "AWS::RDS::DBCluster")) {
    if (resource.type === "AWS::RDS::DBInstance") {
      const instance = reader.instance(resource.physicalId);
      if (instance) views.push(liveInstanceView(resource, instance, names));
    } else {
      const cluster = reader.cluster(resource.physicalId);
      if (cluster) views.push(liveClusterView(resource, cluster, names));
    }
  }
  return views;
}

export const dbInstanceViews = defineView<DbInstanceView>({
  name: "db-instance",
  fromTemplate(template: ResolvedTemplate) {
    const clusters = resourcesOfType(template, "AWS::RDS::DBCluster");
    const instances = resourcesOfType(template, "AWS::RDS::DBInstance");
    const clusterIds = identifiers(clusters, "DBClusterIdentifier");
    const instanceIds = identifiers(instances, "DBInstanceIdentifier");
    const clusterViews = new Map(clusters.map((resource) => [resource.logicalId, clusterView(resource, clusterIds)]));
    const instanceViews = new Map(instances.map((resource) => [resource.logicalId, instanceView(resource, clusterIds, instanceIds)]));
    const publicSubnets = publicSubnetsOf(template);
    for (const resource of [...clusters, ...instances]) {
      const view = clusterViews.get(resource.logicalId) ?? instanceViews.get(resource.logicalId)!;
      const cluster = view.clusterId !== undefined ? clusterViews.get(view.clusterId) : undefined;
      placeInSubnets(view, resource.properties.DBSubnetGroupName ?? (cluster ? clusters.find((item) => item.logicalId === cluster.logicalId)!.properties.DBSubnetGroupName : undefined), template, publicSubnets);
      if (view.kind === "instance") defaultPublicAccess(view);
    }

    for (const instance of instanceViews.values()) {
      const cluster = instance.clusterId !== undefined ? clusterViews.get(instance.clusterId) : undefined;
      if (cluster) {
        cluster.members!.push(instance.logicalId);
        inheritFromCluster(instance, cluster);
      }
      const source = instance.replicaOf !== undefined ? instanceViews.get(instance.replicaOf) : undefined;
      if (source && instance.storageEncrypted instanceof Unknown && instance.inherited.storageEncrypted === source.logicalId && typeof source.storageEncrypted === "boolean") {
        instance.storageEncrypted = source.storageEncrypted;
      }
    }
    for (const cluster of clusterViews.values()) {
      const source = cluster.replicaOf !== undefined ? clusterViews.get(cluster.replicaOf) : undefined;
      if (source && cluster.storageEncrypted instanceof Unknown && cluster.inherited.storageEncrypted === source.logicalId && typeof source.storageEncrypted === "boolean") {
        cluster.storageEncrypted = source.storageEncrypted;
      }
      // Aurora Serverless v1 places capacity itself: there are no instances to count.
      if (cluster.multiAz !== undefined || !cluster.aurora || cluster.engineMode === "serverless") continue;
      const count = cluster.members!.length;
      cluster.multiAz = count >= 2 ? true : count === 1 ? false : new Unknown("no DB instance of this template joins the cluster");
    }
    const order = [...template.resources.keys()];
    return [...clusterViews.values(), ...instanceViews.values()].sort((a, b) => order.indexOf(a.logicalId) - order.indexOf(b.logicalId));
  },
  fromLive: fromLiveStack,
});
