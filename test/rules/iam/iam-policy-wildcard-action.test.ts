import assert from "node:assert/strict";
import { test } from "node:test";
import type { Finding } from "../../../shared/findings/finding.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "iam-policy-wildcard-action";
const of = (findings: Finding[], logicalId: string) => findings.find((finding) => finding.resource.logicalId === logicalId)!;

test("flags Allow of *, service:* and NotAction in inline, managed and separate policies", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AdminRole", "DevWidePolicy", "NotActionPolicy", "ScopedStarRole", "ServiceStarUser"]);
  const admin = of(findings, "AdminRole");
  assert.equal(admin.severity, "critical");
  assert.match(admin.message, /AdminRole's inline policy FullAccess statement 1 allows Action "\*" on Resource "\*": full administrator access/);
  const scoped = of(findings, "ScopedStarRole");
  assert.equal(scoped.severity, "high");
  assert.match(scoped.message, /statement AllOnData allows Action "\*" on the resources it lists/);
  const service = of(findings, "ServiceStarUser");
  assert.equal(service.severity, "high");
  assert.match(service.message, /every action of s3:\*/);
  const notAction = of(findings, "NotActionPolicy");
  assert.equal(notAction.severity, "critical");
  assert.match(notAction.message, /every action except iam:\* \(NotAction in an Allow\).*attached to group Operators/);
  const dev = of(findings, "DevWidePolicy");
  assert.equal(dev.severity, "critical");
  assert.match(dev.message, /only when IsDev=true/);
});

test("flags the JSON long form: a policy given as JSON text, and a Fn::Sub service wildcard", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["JsonTextPolicy", "SubServicePolicy"]);
  assert.equal(of(findings, "JsonTextPolicy").severity, "critical");
  assert.equal(of(findings, "SubServicePolicy").severity, "high");
  assert.match(of(findings, "SubServicePolicy").message, /ec2:\*.*attached to role WorkerRole/);
});

test("stays quiet on scoped actions, Deny statements, trust policies, unknown actions and boundaries", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
