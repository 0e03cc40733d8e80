import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "vpc-nacl-permissive";

test("flags inbound allow-all entries (IPv4, IPv6, default ACL) and public/private tiers left on the default ACL", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["DefaultAclAllowAll", "PublicAcl", "PublicAcl", "TieredVpc"]);
  assert.ok(findings.every((finding) => finding.severity === "low"));
  const messages = findings.map((finding) => finding.message).join("\n");
  assert.match(messages, /network ACL PublicAcl allows all inbound traffic.*from 0\.0\.0\.0\/0 \(rule 100, declared by PublicAllowAllIn\)/);
  assert.match(messages, /network ACL PublicAcl allows all inbound traffic.*from ::\/0 \(rule 101/);
  assert.match(messages, /the VPC's default network ACL allows all inbound traffic.*rule 90/);
  assert.match(messages, /VPC TieredVpc separates public subnets \(PublicSubnet\) from private subnets \(PrivateSubnet, IsolatedSubnet\).*default network ACL/);
  const entry = findings.find((finding) => /rule 100/.test(finding.message))!;
  assert.equal(entry.location?.line, 17);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["Acl"]);
});

test("stays quiet on narrow inbound entries, outbound allow-all, deny entries, separated tiers and single-tier VPCs", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
