import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-sg-ingress-open-admin-port";

test("flags SSH, RDP over IPv6, all traffic, ranges over a database port, defaults, !If branches and separate rules", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AllTraffic", "CacheGroup", "CacheGroup", "DatabaseRange", "PostgresInDev", "RdpIpv6", "SshOpen", "SshViaParameter"]);
  assert.ok(findings.every((finding) => finding.severity === "high"));
  const message = (id: string) => findings.filter((finding) => finding.resource.logicalId === id).map((finding) => finding.message).join(" | ");
  assert.match(message("SshOpen"), /tcp port 22 from 0\.0\.0\.0\/0.*22 \(SSH\)/);
  assert.match(message("RdpIpv6"), /::\/0.*3389 \(RDP\)/);
  assert.match(message("AllTraffic"), /all traffic from 0\.0\.0\.0\/0.*22 \(SSH\).*and \d+ more/);
  assert.match(message("DatabaseRange"), /ports 3000-3400.*3306 \(MySQL/);
  assert.match(message("PostgresInDev"), /5432 \(PostgreSQL.*only when IsDev=true/);
  assert.match(message("CacheGroup"), /declared by RedisByRef.*6379 \(Redis/);
  assert.match(message("CacheGroup"), /declared by MemcachedByName.*11211 \(Memcached\)/);
});

test("flags the JSON long form with Fn::If and the Fn::Sub list form", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongForm", "LongForm"]);
  assert.ok(findings.some((finding) => /27017 \(MongoDB/.test(finding.message)));
  assert.ok(findings.some((finding) => /1433 \(SQL Server\)/.test(finding.message)));
});

test("stays quiet on narrow sources, unknown sources and world rules that miss every admin port", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
