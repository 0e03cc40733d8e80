import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "vpc-flow-logs-missing";

test("flags VPCs with no VPC flow log: none at all, only a subnet flow log, or a flow log that a condition removes", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["ConditionalVpc", "SubnetOnlyVpc", "Vpc"]);
  assert.ok(findings.every((finding) => finding.severity === "medium"));
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("Vpc")!.message, /VPC Vpc has no flow log/);
  assert.match(byId.get("ConditionalVpc")!.message, /only when FlowLogsOn=false/);
  assert.equal(byId.get("Vpc")!.location?.line, 11);
});

test("flags the JSON long form when the only flow log is for an imported VPC", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormVpc"]);
});

test("stays quiet when a flow log names the VPC by Ref, GetAtt VpcId or Sub, with ResourceType from a parameter default", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
