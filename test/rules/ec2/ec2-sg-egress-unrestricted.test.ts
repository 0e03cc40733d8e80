import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-sg-egress-unrestricted";

test("flags explicit, implicit, parameter-default, !If-branch and separate-resource allow-all egress", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AllPortsViaParameter", "ClosedGroup", "ExplicitAllTraffic", "ImplicitEgress", "OpenOnlyInDev"]);
  const implicit = findings.find((finding) => finding.resource.logicalId === "ImplicitEgress")!;
  assert.match(implicit.message, /declares no egress/);
  const dev = findings.find((finding) => finding.resource.logicalId === "OpenOnlyInDev")!;
  assert.match(dev.message, /only when IsDev=true/);
  const separate = findings.find((finding) => finding.resource.logicalId === "ClosedGroup")!;
  assert.match(separate.message, /::\/0.*SeparateIpv6Egress/);
  assert.equal(separate.location?.line, 60);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongForm"]);
});

test("stays quiet on narrow egress and the loopback no-egress idiom", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
