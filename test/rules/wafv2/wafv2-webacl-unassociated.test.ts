import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "wafv2-webacl-unassociated";

test("flags Web ACLs that nothing associates, including one associated only in one !If branch", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["EdgeAcl", "LoggedOnlyAcl", "OrphanAcl", "ProdOnlyAcl", "SharedAcl"]);
  const edge = findings.find((finding) => finding.resource.logicalId === "EdgeAcl")!;
  assert.match(edge.message, /CLOUDFRONT scope.*WebACLId/);
  const prodOnly = findings.find((finding) => finding.resource.logicalId === "ProdOnlyAcl")!;
  assert.match(prodOnly.message, /only when IsProd=false/);
  assert.equal(findings.find((finding) => finding.resource.logicalId === "OrphanAcl")!.severity, "high");
  const shared = findings.find((finding) => finding.resource.logicalId === "SharedAcl")!;
  assert.equal(shared.severity, "medium");
  assert.match(shared.message, /output SharedAclArn exports it, so another stack may associate it/);
});

test("flags the JSON long form and accepts Fn::GetAtt in JSON", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormAcl"]);
});

test("stays quiet on ACLs associated by GetAtt, Sub, Ref, literal ARN or CloudFront WebACLId", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
