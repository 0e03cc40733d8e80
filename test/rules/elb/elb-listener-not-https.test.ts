import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "elb-listener-not-https";

test("flags HTTP listeners that serve content and HTTPS/TLS listeners that accept TLS 1.0/1.1", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), [
    "Classic",
    "Classic",
    "HttpFixedPage",
    "HttpForward",
    "HttpRedirectKeepsProtocol",
    "HttpWithForwardingRule",
    "HttpsDefaultPolicy",
    "HttpsOldPolicyParameter",
    "InternalHttp",
    "NlbTls",
    "SwitchingListener",
  ]);
  const byId = (id: string) => findings.filter((finding) => finding.resource.logicalId === id);
  assert.match(byId("HttpForward")[0]!.message, /forwards plain HTTP instead of redirecting to HTTPS/);
  assert.match(byId("HttpRedirectKeepsProtocol")[0]!.message, /keeps protocol #\{protocol\}/);
  assert.match(byId("HttpWithForwardingRule")[0]!.message, /listener rule ApiRule/);
  assert.match(byId("HttpFixedPage")[0]!.message, /200 fixed response/);
  assert.equal(byId("InternalHttp")[0]!.severity, "medium");
  assert.equal(byId("HttpForward")[0]!.severity, "high");
  assert.match(byId("HttpsDefaultPolicy")[0]!.message, /no SslPolicy, so ELB applies ELBSecurityPolicy-2016-08, which accepts TLS 1\.0/);
  assert.match(byId("HttpsOldPolicyParameter")[0]!.message, /ELBSecurityPolicy-TLS-1-1-2017-01, which accepts TLS 1\.1/);
  assert.match(byId("SwitchingListener")[0]!.message, /uses HTTP.*only when HasCertificate=false/);
  assert.match(byId("NlbTls")[0]!.message, /TLS with SslPolicy ELBSecurityPolicy-FS-2018-06/);
  assert.deepEqual(byId("Classic").map((finding) => finding.message).sort(), [
    "Classic listener on port 443 uses HTTPS with SslPolicy ELBSecurityPolicy-2016-08, which accepts TLS 1.0",
    "Classic listener on port 80 uses HTTP: a Classic Load Balancer listener forwards plain HTTP and cannot redirect to HTTPS",
  ]);
});

test("flags the JSON long form, Fn::Join included", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormHttp", "LongFormHttps"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "LongFormHttps")!.message, /TLS13-1-1-2021-06, which accepts TLS 1\.1/);
});

test("stays quiet on redirects to HTTPS, error responses, TLS 1.2+ policies, unknown policies and TCP", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
