import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "ec2-imdsv1-allowed";

test("flags instances, launch templates and launch configurations that do not require tokens", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), [
    "InstanceOptional",
    "InstanceOverridingGoodTemplate",
    "InstanceWithoutOptions",
    "LegacyLaunchConfiguration",
    "TemplateOptionalInDev",
    "TemplateViaParameter",
    "WeakTemplate",
  ]);
  assert.ok(findings.every((finding) => finding.severity === "high"));
  const byId = new Map(findings.map((finding) => [finding.resource.logicalId, finding]));
  assert.match(byId.get("InstanceWithoutOptions")!.message, /instance InstanceWithoutOptions does not set MetadataOptions\.HttpTokens/);
  assert.match(byId.get("InstanceOptional")!.message, /HttpTokens to optional/);
  assert.match(byId.get("WeakTemplate")!.message, /launch template WeakTemplate does not set/);
  assert.match(byId.get("TemplateOptionalInDev")!.message, /optional.*only when IsDev=true/);
  assert.match(byId.get("LegacyLaunchConfiguration")!.message, /launch configuration/);
  // The instance that inherits the weak template is judged through it, not reported twice.
  assert.ok(!byId.has("InstanceFromWeakTemplate"));
  assert.equal(byId.get("InstanceOptional")!.location?.line, 23);
});

test("flags the JSON long form", () => {
  assert.deepEqual(flagged(scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE)), ["LongFormConfiguration", "LongFormTemplate"]);
});

test("stays quiet on required tokens (own or inherited), a disabled endpoint, and values the template does not fix", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
