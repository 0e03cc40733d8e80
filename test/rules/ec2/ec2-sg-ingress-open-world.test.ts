import assert from "node:assert/strict";
import { test } from "node:test";
import type { Finding } from "../../../shared/findings/finding.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-sg-ingress-open-world";

function find(findings: Finding[], id: string, pattern: RegExp): Finding {
  const found = findings.find((finding) => finding.resource.logicalId === id && pattern.test(finding.message));
  assert.ok(found, `no finding on ${id} matching ${pattern}: ${JSON.stringify(findings.map((finding) => finding.message))}`);
  return found;
}

test("flags world ingress: low for 80/443 on load-balancer groups, medium elsewhere, none for admin ports", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AlbSecurityGroup", "AlbSecurityGroup", "AlbSecurityGroup", "AppViaParameter", "ClassicElbSecurityGroup", "PingInDev", "WebServerSecurityGroup"]);
  assert.equal(find(findings, "AlbSecurityGroup", /port 443 from 0\.0\.0\.0\/0.*load balancer Alb/).severity, "low");
  assert.equal(find(findings, "AlbSecurityGroup", /port 80 from ::\/0.*load balancer Alb/).severity, "low");
  assert.equal(find(findings, "AlbSecurityGroup", /port 8443/).severity, "medium");
  assert.equal(find(findings, "ClassicElbSecurityGroup", /port 80.*declared by ClassicHttp.*load balancer ClassicElb/).severity, "low");
  assert.equal(find(findings, "WebServerSecurityGroup", /port 443.*whole internet/).severity, "medium");
  assert.equal(find(findings, "AppViaParameter", /port 8080 from 0\.0\.0\.0\/0/).severity, "medium");
  assert.equal(find(findings, "PingInDev", /icmp.*only when IsDev=true/).severity, "medium");
});

test("flags the JSON long form with Fn::Join", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongForm"]);
  assert.match(findings[0]!.message, /udp port 500 from 0\.0\.0\.0\/0/);
});

test("stays quiet on admin-port rules (reported by ec2-sg-ingress-open-admin-port), narrow and unknown sources", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
