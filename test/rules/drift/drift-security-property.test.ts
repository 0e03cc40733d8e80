import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { LiveBucket } from "../../../shared/live/s3.ts";
import rule from "../../../shared/rules/drift/drift-security-property.ts";
import type { DriftProperty, Hit, RuleMetadata } from "../../../shared/rules/rule.ts";
import s3PublicAccessRule from "../../../shared/rules/s3/s3-public-access-not-blocked.ts";
import { booleanValue, isSymbolic, numberValue } from "../../../shared/template/values.ts";
import { liveBucketView, s3BucketViews } from "../../../shared/views/s3-bucket.ts";
import { defineView, resourcesOfType, type ResourceView } from "../../../shared/views/view.ts";
import { fixture } from "../../helpers.ts";
import { deployed, driftContext, liveStack, summary } from "./drift-context.ts";

interface TestDbView extends ResourceView {
  multiAz?: unknown;
  backupRetentionDays?: number;
  kmsKeyId?: unknown;
}

const testDbViews = defineView<TestDbView>({
  name: "test-db",
  fromTemplate: (template) =>
    resourcesOfType(template, "AWS::RDS::DBInstance").map(({ logicalId, type, properties }) => ({
      logicalId,
      type,
      at: ["Resources", logicalId],
      multiAz: isSymbolic(properties.MultiAZ) ? properties.MultiAZ : booleanValue(properties.MultiAZ),
      backupRetentionDays: numberValue(properties.BackupRetentionPeriod) ?? 1,
      kmsKeyId: properties.KmsKeyId,
    })),
});

function owner(id: string): RuleMetadata {
  return { id, title: id, severity: "medium", description: id, remediation: id, seeds: ["000 §4"], anchors: [], judges: ["template", "live", "drift"] };
}

const singleAz = owner("test-rds-single-az");
const backups = owner("test-rds-backup-retention-short");
const encryption = owner("test-rds-encryption");
const PROPERTIES: { rule: RuleMetadata; property: DriftProperty }[] = [
  { rule: singleAz, property: { view: testDbViews, property: "MultiAZ", value: (view) => (view as TestDbView).multiAz } },
  { rule: backups, property: { view: testDbViews, property: "BackupRetentionPeriod", value: (view) => (view as TestDbView).backupRetentionDays } },
  { rule: encryption, property: { view: testDbViews, property: "KmsKeyId", value: (view) => (view as TestDbView).kmsKeyId } },
];

const RESOURCES = deployed(["Key", "AWS::KMS::Key"], ["Database", "AWS::RDS::DBInstance"], ["ReportingDatabase", "AWS::RDS::DBInstance"], ["UnfixedDatabase", "AWS::RDS::DBInstance"]);

function liveDb(logicalId: string, fields: Omit<TestDbView, "logicalId" | "type" | "physicalId">): TestDbView {
  return { logicalId, type: "AWS::RDS::DBInstance", physicalId: `${logicalId.toLowerCase()}-live`, ...fields };
}

function singleAzHit(logicalId: string, severity?: Hit["severity"]): Hit {
  return { resource: { logicalId, type: "AWS::RDS::DBInstance" }, message: `${logicalId} runs in a single Availability Zone`, ...(severity ? { severity } : {}) };
}

const failTemplate = readFileSync(fixture(import.meta.url, "drift-security-property.fail.yaml"), "utf8");
const failLive = [
  liveDb("Database", { multiAz: false, backupRetentionDays: 7, kmsKeyId: "key-live" }),
  liveDb("ReportingDatabase", { multiAz: true, backupRetentionDays: 1, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/key-live" }),
  liveDb("UnfixedDatabase", { multiAz: false, backupRetentionDays: 1, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/someone-elses-key" }),
];

test("reports each declared property that differs: high when the owning rule fires only live, low otherwise", () => {
  const context = driftContext({
    template: failTemplate,
    stack: liveStack(RESOURCES),
    live: [[testDbViews, failLive]],
    properties: PROPERTIES,
    hits: { template: { [singleAz.id]: [singleAzHit("ReportingDatabase")] }, live: { [singleAz.id]: [singleAzHit("Database")] } },
  });
  const hits = rule.check(context);
  assert.deepEqual(summary(hits), [
    "Database high test-rds-single-az/MultiAZ",
    "ReportingDatabase low test-rds-single-az/MultiAZ",
    "UnfixedDatabase low test-rds-encryption/KmsKeyId",
  ]);
  const database = hits.find((hit) => hit.resource.logicalId === "Database")!;
  assert.match(database.message, /MultiAZ is false live but true in the template; the live value is the less secure one: /);
  assert.match(database.message, /test-rds-single-az fires on the live resource and not on the template/);
  assert.deepEqual(database.evidence, { rule: "test-rds-single-az", property: "MultiAZ", template: true, live: false });
  assert.equal(database.resource.physicalId, "database-live");
  assert.deepEqual(database.path, ["Resources", "Database"]);
  const reporting = hits.find((hit) => hit.resource.logicalId === "ReportingDatabase")!;
  assert.match(reporting.message, /the live value is the more secure one: test-rds-single-az fires on the template and not on the live resource/);
  const unfixed = hits.find((hit) => hit.resource.logicalId === "UnfixedDatabase")!;
  assert.match(unfixed.message, /someone-elses-key live but arn:aws:kms:us-east-1:123456789012:key\/key-live \(arn:aws:kms:us-east-1:123456789012:key\/\$\{Key\}\) in the template/);
});

test("a live hit at a higher severity than the template's on the same detail makes the live value the less secure one", () => {
  const context = driftContext({
    template: failTemplate,
    stack: liveStack(RESOURCES),
    live: [[testDbViews, failLive]],
    properties: PROPERTIES,
    hits: { template: { [singleAz.id]: [singleAzHit("Database", "low")] }, live: { [singleAz.id]: [singleAzHit("Database", "high")] } },
  });
  const database = rule.check(context).find((hit) => hit.resource.logicalId === "Database")!;
  assert.equal(database.severity, "high");
  assert.match(database.message, /more severely than the template \(high: Database runs/);
});

test("a live field left unset by a failed read is not drift; unset without a failure is", () => {
  const live = [liveDb("Database", { multiAz: true, backupRetentionDays: 7 })];
  const stack = liveStack(RESOURCES);
  const quiet = rule.check(driftContext({ template: failTemplate, stack, live: [[testDbViews, live]], properties: PROPERTIES }));
  assert.deepEqual(summary(quiet), ["Database low test-rds-encryption/KmsKeyId"]);
  assert.match(quiet[0]!.message, /KmsKeyId is \(not set\) live but key-live \(\$\{Key\}\) in the template; the live value is not the less secure one: test-rds-encryption judges both sides alike/);
  assert.deepEqual(quiet[0]!.evidence, { rule: "test-rds-encryption", property: "KmsKeyId", template: "key-live", live: null });

  stack.session.fail("rds", "DescribeDBInstances", "malformed-response", "no KmsKeyId field", "database-live");
  assert.deepEqual(rule.check(driftContext({ template: failTemplate, stack, live: [[testDbViews, live]], properties: PROPERTIES })), []);
});

test("a resource without a live view (gone, unreadable) is left to drift-resource-missing", () => {
  const context = driftContext({ template: failTemplate, stack: liveStack(RESOURCES), live: [[testDbViews, failLive.slice(1, 2)]], properties: PROPERTIES });
  assert.deepEqual(summary(rule.check(context)), ["ReportingDatabase low test-rds-single-az/MultiAZ"]);
});

test("stays quiet when live matches the template: defaults, \"true\" for true, Ref and Sub of the key as its physical id", () => {
  const context = driftContext({
    template: readFileSync(fixture(import.meta.url, "drift-security-property.pass.yaml"), "utf8"),
    stack: liveStack(RESOURCES),
    live: [
      [
        testDbViews,
        [
          liveDb("Database", { multiAz: true, backupRetentionDays: 1, kmsKeyId: "key-live" }),
          liveDb("ReportingDatabase", { backupRetentionDays: 1, kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/key-live" }),
        ],
      ],
    ],
    properties: PROPERTIES,
  });
  assert.deepEqual(rule.check(context), []);
});

test("says nothing outside a drift context", () => {
  assert.equal(rule.judges.join(), "drift");
  const context = driftContext({ template: failTemplate, stack: liveStack(RESOURCES), live: [[testDbViews, failLive]], properties: PROPERTIES });
  assert.deepEqual(rule.check({ ...context, drift: undefined }), []);
});

interface TestSettingView extends ResourceView {
  key: string;
  setting?: unknown;
}

/** Several views per resource, told apart by `key` (as a principal's policy documents are). */
const testSettingViews = defineView<TestSettingView>({
  name: "test-db-setting",
  fromTemplate: (template) =>
    resourcesOfType(template, "AWS::RDS::DBInstance").flatMap(({ logicalId, type, properties }) =>
      ["MultiAZ", "StorageEncrypted"].map((key) => ({ logicalId, type, at: ["Resources", logicalId, "Properties", key], key, setting: properties[key] })),
    ),
});

test("a resource with several views of a kind is compared part by part, and the finding names the part", () => {
  const settings = owner("test-db-settings");
  const live = (key: string, setting: unknown): TestSettingView => ({ logicalId: "Database", type: "AWS::RDS::DBInstance", physicalId: "database-live", key, setting });
  const context = driftContext({
    template: failTemplate,
    stack: liveStack(RESOURCES),
    live: [[testSettingViews, [live("StorageEncrypted", undefined), live("MultiAZ", false)]]],
    properties: [{ rule: settings, property: { view: testSettingViews, property: "Setting", value: (view) => (view as TestSettingView).setting } }],
  });
  const hits = rule.check(context);
  assert.deepEqual(summary(hits), ["Database low test-db-settings/Setting/MultiAZ"]);
  assert.match(hits[0]!.message, /^Database \(MultiAZ\): Setting is false live but true in the template/);
  assert.deepEqual(hits[0]!.path, ["Resources", "Database", "Properties", "MultiAZ"]);
});

const bucketProperties = s3PublicAccessRule.drift!.map((property) => ({ rule: s3PublicAccessRule, property }));
const allBlocked = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

function bucketDrift(defaultBucket: LiveBucket, partialBucket: LiveBucket, liveHits: Hit[] = []) {
  return rule.check(
    driftContext({
      template: readFileSync(fixture(import.meta.url, "drift-security-property.aws-default.yaml"), "utf8"),
      stack: liveStack(deployed(["DefaultBucket", "AWS::S3::Bucket"], ["PartialBucket", "AWS::S3::Bucket"])),
      live: [[s3BucketViews, [liveBucketView(defaultBucket, "DefaultBucket", []), liveBucketView(partialBucket, "PartialBucket", [])]]],
      properties: bucketProperties,
      // The S3 rule fires on the template for both buckets: one declares no block, the other leaves three flags out.
      hits: {
        template: { [s3PublicAccessRule.id]: ["DefaultBucket", "PartialBucket"].map((logicalId) => ({ resource: { logicalId, type: "AWS::S3::Bucket" }, message: `${logicalId} does not block public access` })) },
        live: { [s3PublicAccessRule.id]: liveHits },
      },
    }),
  );
}

test("a bucket the template gives no public access block is meant to block it all, as S3 does by default", () => {
  const partialAsDeployed: LiveBucket = { name: "partialbucket-live", publicAccessBlock: { ...allBlocked, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false } };
  assert.deepEqual(bucketDrift({ name: "defaultbucket-live", publicAccessBlock: allBlocked }, partialAsDeployed), []);
});

test("a deleted default block is drift, high when the S3 rule fires live; a declared block's omitted flags stay off", () => {
  const deletedHit: Hit = { resource: { logicalId: "DefaultBucket", type: "AWS::S3::Bucket" }, message: "DefaultBucket has no public access block configuration" };
  const hits = bucketDrift({ name: "defaultbucket-live", publicAccessBlock: null }, { name: "partialbucket-live", publicAccessBlock: allBlocked }, [deletedHit]);
  assert.deepEqual(summary(hits), [
    ...["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"].map((flag) => `DefaultBucket high s3-public-access-not-blocked/PublicAccessBlockConfiguration.${flag}`),
    ...["BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"].map((flag) => `PartialBucket low s3-public-access-not-blocked/PublicAccessBlockConfiguration.${flag}`),
  ]);
  const deleted = hits.find((hit) => hit.resource.logicalId === "DefaultBucket")!;
  assert.match(deleted.message, /is false live but true by AWS's default \(the template does not set it; S3 blocks all public access on a bucket created since April 2023/);
  assert.match(deleted.message, /s3-public-access-not-blocked fires on the live resource and not on AWS's default/);
  assert.equal(deleted.evidence?.template, true);
});

test("a value Fn::If chose on a condition that reads a masked NoEcho parameter is not drift; chosen on a known value it is", () => {
  const template = readFileSync(fixture(import.meta.url, "drift-security-property.masked-condition.yaml"), "utf8");
  const live: [typeof testDbViews, TestDbView[]][] = [[testDbViews, [liveDb("Database", { multiAz: false, backupRetentionDays: 7 })]]];
  const masked = liveStack(deployed(["Database", "AWS::RDS::DBInstance"]));
  masked.stack.maskedParameters = ["ReplicationPassword"];
  assert.deepEqual(rule.check(driftContext({ template, stack: masked, live, properties: PROPERTIES })), []);
  const known = liveStack(deployed(["Database", "AWS::RDS::DBInstance"]), { parameters: { ReplicationPassword: "hunter2" } });
  assert.deepEqual(summary(rule.check(driftContext({ template, stack: known, live, properties: PROPERTIES }))), ["Database low test-rds-single-az/MultiAZ"]);
});
