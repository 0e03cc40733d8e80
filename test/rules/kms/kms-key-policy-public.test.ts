import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "kms-key-policy-public";

test("flags wildcard principals that no condition pins, however written", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["EveryoneButOne", "PrincipalFromParameter", "PublicOnlyInDev", "StarPrincipal", "ViaServiceOnly", "WildcardAccountCondition"]);
  assert.ok(findings.every((finding) => finding.severity === "critical"));
  const star = findings.find((finding) => finding.resource.logicalId === "StarPrincipal")!;
  assert.match(star.message, /statement "Open to the world" allows any principal \("\*"\) to call kms:Decrypt, kms:GenerateDataKey with no condition/);
  assert.equal(star.location?.line, 26);
  const viaService = findings.find((finding) => finding.resource.logicalId === "ViaServiceOnly")!;
  assert.match(viaService.message, /conditions \(kms:ViaService\) that do not pin/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "EveryoneButOne")!.message, /every principal except those in NotPrincipal/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "WildcardAccountCondition")!.message, /aws:PrincipalAccount, aws:SourceArn/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "PublicOnlyInDev")!.message, /only when IsDev=true/);
});

test("flags the JSON long form, a negated account condition and a key policy given as JSON text", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["JsonStringPolicy", "LongFormPublic"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "LongFormPublic")!.message, /statement "Anyone".*aws:PrincipalAccount/);
});

test("stays quiet on Deny, on wildcards pinned to the account, org, VPC endpoint or source ARN, and on a policy the template does not fix", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
