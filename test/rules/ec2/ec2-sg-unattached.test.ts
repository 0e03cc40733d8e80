import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-sg-unattached";

test("flags groups nothing uses: orphans, groups only other rules name, Output-only groups, users absent in a branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["ExportedOnly", "NovaModelWebSecurityGroup", "OnlyNamedByRules", "UsedOnlyInProd"]);
  assert.ok(findings.every((finding) => finding.severity === "low"));
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("OnlyNamedByRules")!.message, /only security-group rules mention it: DatabaseSecurityGroup, SeparateRule/);
  assert.match(byId.get("NovaModelWebSecurityGroup")!.message, /not attached to any resource/);
  assert.match(byId.get("UsedOnlyInProd")!.message, /only when IsProd=false/);
});

test("flags the JSON long form: a group only another group's egress names", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormOrphan"]);
});

test("stays quiet on groups worn by instances, launch templates, ENIs, load balancers, caches, services, mount targets, endpoints, nested stacks and literal names", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
