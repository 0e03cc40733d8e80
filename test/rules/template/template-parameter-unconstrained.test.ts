import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "template-parameter-unconstrained";

test("flags unconstrained String parameters that reach CIDRs, passwords and IAM policies (Ref and Sub)", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AdminCidr", "BucketSuffix", "DatabasePassword"]);
  const admin = findings.find((finding) => finding.resource.logicalId === "AdminCidr")!;
  assert.match(admin.message, /sets AdminGroup\.SecurityGroupIngress/);
  assert.equal(admin.location?.line, 3);
  const suffix = findings.find((finding) => finding.resource.logicalId === "BucketSuffix")!;
  assert.match(suffix.message, /sets Reader\.Policies/);
});

test("stays quiet on constrained or typed parameters and ones that only name or tag things", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
