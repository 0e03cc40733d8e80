import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ALL_RULES } from "../../../shared/rules/index.ts";
import { scanTemplate } from "../../../shared/scan.ts";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "kms-key-policy-full-admin";

test("grades kms:* by principal: root alone medium, roles and users high, the console layout info", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  assert.deepEqual(flagged(findings), ["AdminInDevOnly", "ConsoleDefault", "NoKeyPolicy", "NotActionToRole", "RoleWithEverything", "RoleWithEverything", "RootOnly", "StarActionToUser"]);
  const severityOf = (logicalId: string) => findings.filter((finding) => finding.resource.logicalId === logicalId).map((finding) => finding.severity).sort();
  assert.deepEqual(severityOf("RootOnly"), ["medium"]);
  assert.deepEqual(severityOf("NoKeyPolicy"), ["medium"]);
  assert.deepEqual(severityOf("RoleWithEverything"), ["high", "medium"]);
  assert.deepEqual(severityOf("StarActionToUser"), ["high"]);
  assert.deepEqual(severityOf("NotActionToRole"), ["high"]);
  assert.deepEqual(severityOf("ConsoleDefault"), ["info"]);
  assert.deepEqual(severityOf("AdminInDevOnly"), ["high"]);
  const root = findings.find((finding) => finding.resource.logicalId === "RootOnly")!;
  assert.match(root.message, /kms:\* to the account root and no separate key-administrator or key-user statement: this delegates all control of the key to IAM/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "NoKeyPolicy")!.message, /declares no KeyPolicy, so AWS applies its default policy/);
  const role = findings.find((finding) => finding.resource.logicalId === "RoleWithEverything" && finding.severity === "high")!;
  assert.match(role.message, /statement "AppRoleAll" grants kms:\* to \$\{AppRole\.Arn\}/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "NotActionToRole")!.message, /every action except kms:Encrypt/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "ConsoleDefault")!.message, /AWS console's default layout/);
  assert.match(findings.find((finding) => finding.resource.logicalId === "AdminInDevOnly")!.message, /only when IsDev=true/);
});

test("flags the JSON long form", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongForm"]);
  assert.equal(findings[0]!.severity, "high");
});

test("the root of another account is high when the scan knows the stack's account", () => {
  const text = readFileSync(fixture(import.meta.url, `${RULE}.fail.yaml`), "utf8").replace('AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"', 'AWS: "arn:aws:iam::999988887777:root"');
  const rules = ALL_RULES.filter((rule) => rule.id === RULE);
  const live = scanTemplate(text, { rules, pseudo: { "AWS::AccountId": "111122223333" } }).findings.filter((finding) => finding.resource.logicalId === "RootOnly");
  assert.equal(live.length, 1);
  assert.equal(live[0]!.severity, "high");
  assert.match(live[0]!.message, /the root of another account \(999988887777\)/);
  const offline = scanTemplate(text, { rules }).findings.filter((finding) => finding.resource.logicalId === "RootOnly");
  assert.equal(offline[0]!.severity, "medium");
});

test("stays quiet on the documented key-administrator and key-user statements, Deny, and a policy the template does not fix", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
});
