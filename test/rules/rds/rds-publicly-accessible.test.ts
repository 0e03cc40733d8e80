import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "rds-publicly-accessible";

test("flags explicit public access (critical), AWS's public default (high) and public subnets under a private flag (medium)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["DefaultInPublicSubnets", "DefaultVpc", "ExplicitlyPublic", "PrivateFlagPublicSubnets", "PublicInDev"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.equal(byId.get("ExplicitlyPublic")!.severity, "critical");
  assert.equal(byId.get("PublicInDev")!.severity, "critical");
  assert.match(byId.get("PublicInDev")!.message, /only when IsDev=true/);
  assert.equal(byId.get("DefaultVpc")!.severity, "high");
  assert.match(byId.get("DefaultVpc")!.message, /default VPC/);
  assert.equal(byId.get("DefaultInPublicSubnets")!.severity, "high");
  assert.match(byId.get("DefaultInPublicSubnets")!.message, /PublicSubnetGroup holds public subnets PublicSubnetA/);
  assert.equal(byId.get("PrivateFlagPublicSubnets")!.severity, "medium");
});

test("flags the JSON long form: an Aurora instance made public through a parameter default", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["PublicAuroraInstance"]);
  assert.equal(findings[0]!.severity, "critical");
});

test("stays quiet on private databases, subnet groups outside the template and Aurora instances that inherit placement", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
