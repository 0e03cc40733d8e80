import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_POLICY, type Policy } from "../../../shared/config/policy.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-sg-egress-outside-allowlist";
const POLICY: Policy = { ...DEFAULT_POLICY, allowedEgressCidrs: ["203.0.113.0/24", "2001:db8::/32"] };

test("flags egress outside the allowed CIDRs: the seed's VPC range, a wider block, IPv6, defaults, !If and separate rules", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE, POLICY);
  assert.deepEqual(flagged(findings), ["ClosedGroup", "ImplicitEgress", "Ipv6Outside", "OpenOnlyInDev", "PartnerViaParameter", "ProcessingInstanceSecurityGroup", "WiderThanAllowed"]);
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("ProcessingInstanceSecurityGroup")!.message, /10\.0\.0\.0\/16.*outside the allowed egress CIDRs 203\.0\.113\.0\/24, 2001:db8::\/32/);
  assert.equal(byId.get("ProcessingInstanceSecurityGroup")!.severity, "high");
  assert.match(byId.get("ImplicitEgress")!.message, /allow-all default/);
  assert.match(byId.get("PartnerViaParameter")!.message, /198\.51\.100\.0\/24/);
  assert.match(byId.get("OpenOnlyInDev")!.message, /0\.0\.0\.0\/0.*only when IsDev=true/);
  assert.match(byId.get("ClosedGroup")!.message, /192\.0\.2\.0\/24.*declared by SeparateEgress/);
  assert.equal(byId.get("ClosedGroup")!.location?.line, 89);
});

test("flags the JSON long form, Fn::Sub list form and the other branch of Fn::If", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE, POLICY);
  assert.deepEqual(flagged(findings), ["LongForm", "LongForm"]);
  assert.ok(findings.some((finding) => /192\.0\.2\.0\/24/.test(finding.message)));
  assert.ok(findings.some((finding) => /0\.0\.0\.0\/0.*only when IsProd=false/.test(finding.message)));
});

test("stays quiet inside the allowed blocks, on loopback, and on non-CIDR or unknown destinations", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE, POLICY), []);
});

test("judges nothing when the policy sets no allowedEgressCidrs", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE), []);
});
