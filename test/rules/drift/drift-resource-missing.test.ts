import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { judgeLiveStack } from "../../../shared/judge-live.ts";
import type { StackResource } from "../../../shared/live/session.ts";
import { DRIFT_RULES } from "../../../shared/rules/drift/index.ts";
import rule from "../../../shared/rules/drift/drift-resource-missing.ts";
import { parseTemplate } from "../../../shared/template/parse.ts";
import { fixture } from "../../helpers.ts";
import { deployed, driftContext, liveStack, STACK_ID, summary } from "./drift-context.ts";

const failTemplate = readFileSync(fixture(import.meta.url, "drift-resource-missing.fail.yaml"), "utf8");

/** The fail fixture's stack as ListStackResources gives it, with what went wrong with each resource. */
function driftedResources(): StackResource[] {
  return [
    ...deployed(["Key", "AWS::KMS::Key"], ["Volume", "AWS::EC2::Volume"], ["Database", "AWS::RDS::DBInstance"], ["WebGroup", "AWS::EC2::SecurityGroup"], ["AppGroup", "AWS::EC2::SecurityGroup"]),
    { logicalId: "LogBucket", type: "AWS::S3::Bucket", physicalId: "logbucket-live", status: "DELETE_COMPLETE" },
    // AlertTopic: not listed at all.
  ];
}

function driftedStack(resources = driftedResources(), parameters: Record<string, string> = {}) {
  const stack = liveStack(resources, { parameters });
  const session = stack.session;
  // Each read as a reader records it through session.call / session.fail.
  session.failures.push({ service: "kms", operation: "DescribeKey", kind: "not-found", message: "not found (NotFoundException: Key 'key-live' does not exist)", target: "key-live" });
  session.failures.push({ service: "rds", operation: "DescribeDBInstances", kind: "access-denied", message: "access denied (AccessDenied: not authorized); grant rds:DescribeDBInstances to the scanning role", targets: ["database-live"] });
  session.failures.push({ service: "ec2", operation: "DescribeSecurityGroups", kind: "not-found", message: "not found (InvalidGroup.NotFound: one of the groups does not exist)", targets: ["webgroup-live", "appgroup-live"] });
  return stack;
}

test("reports resources gone (not listed, DELETE_COMPLETE, without physical id, not found) high and unreadable ones medium", () => {
  const resources = driftedResources();
  resources.push({ logicalId: "AlertTopic", type: "AWS::SNS::Topic", status: "CREATE_FAILED" });
  const hits = rule.check(driftContext({ template: failTemplate, stack: driftedStack(resources) }));
  assert.deepEqual(summary(hits), ["AlertTopic high gone", "AppGroup medium unreadable", "Database medium unreadable", "Key high gone", "LogBucket high gone", "WebGroup medium unreadable"]);
  const message = (logicalId: string) => hits.find((hit) => hit.resource.logicalId === logicalId)!.message;
  assert.match(message("AlertTopic"), /AlertTopic \(AWS::SNS::Topic\) is gone: CloudFormation lists it without a physical id \(status CREATE_FAILED\)/);
  assert.match(message("LogBucket"), /is gone: CloudFormation lists it as DELETE_COMPLETE/);
  assert.match(message("Key"), /is gone: kms:DescribeKey answered that key-live does not exist/);
  assert.match(message("Database"), /Database \(AWS::RDS::DBInstance database-live\) is unreadable: the rules could not judge what these reads cover: rds:DescribeDBInstances access-denied/);
  // A batch answering not-found does not say which of its groups is gone.
  assert.match(message("WebGroup"), /unreadable.*ec2:DescribeSecurityGroups not-found/);
  const database = hits.find((hit) => hit.resource.logicalId === "Database")!;
  assert.equal(database.resource.physicalId, "database-live");
  assert.deepEqual((database.evidence as { failures: { kind: string }[] }).failures.map((failure) => failure.kind), ["access-denied"]);
});

test("a settled resource listed without a physical id is unreadable, not gone", () => {
  const resources = driftedResources();
  resources.push({ logicalId: "AlertTopic", type: "AWS::SNS::Topic", status: "CREATE_COMPLETE" });
  const topic = rule.check(driftContext({ template: failTemplate, stack: driftedStack(resources) })).find((hit) => hit.resource.logicalId === "AlertTopic")!;
  assert.equal(topic.severity, "medium");
  assert.match(topic.message, /unreadable: .*cloudformation:ListStackResources malformed-response \(listed CREATE_COMPLETE without a physical id\)/);
});

test("a resource CloudFormation does not list is gone; a condition-false resource is not expected unless the stack's parameters make it true", () => {
  const dev = rule.check(driftContext({ template: failTemplate, stack: driftedStack() }));
  const topic = dev.find((hit) => hit.resource.logicalId === "AlertTopic")!;
  assert.match(topic.message, /is gone: CloudFormation does not list it among the stack's resources/);
  assert.ok(!dev.some((hit) => hit.resource.logicalId === "ProdReplica"));
  const prod = rule.check(driftContext({ template: failTemplate, stack: driftedStack(driftedResources(), { Environment: "prod" }) }));
  assert.ok(prod.some((hit) => hit.resource.logicalId === "ProdReplica" && hit.detail === "gone"));
});

test("when ListStackResources failed, every resource is unreadable rather than gone", () => {
  const stack = liveStack([]);
  stack.session.failures.push({ service: "cloudformation", operation: "ListStackResources", kind: "throttled", message: "still throttled after retries (Throttling: Rate exceeded)", target: STACK_ID });
  stack.session.failures.push({ service: "cloudformation", operation: "ListStackResources", kind: "throttled", message: "still throttled after retries (Throttling: Rate exceeded)", target: STACK_ID });
  const hits = rule.check(driftContext({ template: readFileSync(fixture(import.meta.url, "drift-resource-missing.pass.yaml"), "utf8"), stack }));
  assert.deepEqual(summary(hits), ["Key medium unreadable", "LogBucket medium unreadable"]);
  assert.match(hits[0]!.message, /cloudformation:ListStackResources throttled/);
  assert.equal(hits[0]!.message.match(/ListStackResources/g)?.length, 1, "the same failure is named once");
});

test("stays quiet when every deployed resource exists and reads", () => {
  const stack = liveStack(deployed(["Key", "AWS::KMS::Key"], ["LogBucket", "AWS::S3::Bucket"]));
  stack.session.failures.push({ service: "s3", operation: "GetBucketPolicy", kind: "access-denied", message: "access denied", target: "some-other-bucket" });
  assert.deepEqual(rule.check(driftContext({ template: readFileSync(fixture(import.meta.url, "drift-resource-missing.pass.yaml"), "utf8"), stack })), []);
});

test("judge-live reports it as drift findings located at the template line, with the physical id", () => {
  const result = judgeLiveStack(driftedStack(), parseTemplate(failTemplate), { rules: DRIFT_RULES });
  assert.deepEqual(result.errors, []);
  const findings = result.findings.filter((finding) => finding.ruleId === "drift-resource-missing");
  assert.deepEqual(findings.map((finding) => `${finding.resource.logicalId} ${finding.severity}`).sort(), [
    "AlertTopic high",
    "AppGroup medium",
    "Database medium",
    "Key high",
    "LogBucket high",
    "WebGroup medium",
  ]);
  const key = findings.find((finding) => finding.resource.logicalId === "Key")!;
  assert.equal(key.source, "drift");
  assert.equal(key.resource.physicalId, "key-live");
  assert.equal(key.location?.line, 10);
  assert.equal(key.stack.name, "shop");
  assert.equal(key.title, rule.title);
});

test("a resource whose condition reads a masked NoEcho parameter is not gone when CloudFormation does not list it", () => {
  const template = readFileSync(fixture(import.meta.url, "drift-resource-missing.masked-condition.yaml"), "utf8");
  const masked = (resources: StackResource[]) => {
    const stack = liveStack(resources, { parameters: { Environment: "prod" } });
    stack.stack.maskedParameters = ["GitHubToken"];
    return stack;
  };
  // Neither topic listed: the stack decided HasToken on the token it was given, the scan cannot; Alerts must be there.
  assert.deepEqual(summary(rule.check(driftContext({ template, stack: masked([]) }))), ["Alerts high gone"]);
  // Listed and deleted: gone whatever the condition.
  const deleted = masked([...deployed(["Alerts", "AWS::SNS::Topic"], ["Mirror", "AWS::SNS::Topic"]), { logicalId: "Webhook", type: "AWS::SNS::Topic", physicalId: "webhook-live", status: "DELETE_COMPLETE" }]);
  assert.deepEqual(summary(rule.check(driftContext({ template, stack: deleted }))), ["Webhook high gone"]);
  // The same token given in the clear (not NoEcho): the condition is known, and an unlisted resource is gone.
  const known = liveStack([], { parameters: { Environment: "prod", GitHubToken: "ghp_token" } });
  assert.deepEqual(summary(rule.check(driftContext({ template, stack: known }))), ["Alerts high gone", "Mirror high gone", "Webhook high gone"]);
});
