import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ha-single-instance";

test("flags the lone workload instance (a bastion does not count as a second one)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["WebServer"]);
  assert.match(findings[0]!.message, /only EC2 instance and nothing scales or balances it/);
});

test("flags the branch of a condition where the instance stands alone (JSON)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["AppServer"]);
  assert.match(findings[0]!.message, /\(only when UseFleet=false, UseSingle=true\)$/);
});

test("stays quiet with two instances, or with an Auto Scaling group in the template", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.asg.pass.yaml`), RULE), []);
});
