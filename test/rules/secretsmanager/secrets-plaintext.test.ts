import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fixture, flagged, scanFixture } from "../../helpers.ts";

const RULE = "secrets-plaintext";
const SECRETS = [
  "Sup3rS3cret!Pass", "tok_live_1234567890", "Hunter2Hunter2", "DevPassw0rd!", "s3cr3t-value-1", "ak-9f8e7d6c5b4a",
  "PlainTextPassword9", "jwt-signing-secret-xyz", "AuthToken2024", "MappedTokenValue42", "SsmPlainPassword1", "InitialPassw0rd!",
  "LongFormPassw0rd",
];

test("flags literal secrets, secret parameters without NoEcho and secret defaults", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.yaml`), RULE);
  const summary = findings.map((finding) => `${finding.resource.logicalId} ${(finding.evidence.property as string | undefined) ?? ""}`.trim()).sort();
  assert.deepEqual(summary, [
    "AdminCredential",
    "ApiToken",
    "BranchDb MasterUserPassword",
    "DBPassword",
    "DBPassword",
    "DBPassword",
    "DeployKey",
    "DeployKey",
    "Function Environment.Variables.DB_PASSWORD",
    "LiteralDb MasterUserPassword",
    "LiteralSecret SecretString#password",
    "Mapped AuthToken",
    "PasswordParameter Value",
    "Predictable AuthToken",
    "Task ContainerDefinitions.0.Environment.0.Value",
    "TemplateSecret GenerateSecretString.SecretStringTemplate#api_key",
    "User LoginProfile.Password",
    "WebhookSecret",
  ]);
  const byDetail = (id: string, pattern: RegExp) => findings.find((finding) => finding.resource.logicalId === id && pattern.test(finding.message))!;
  assert.equal(byDetail("LiteralDb", /./).message, "LiteralDb holds a literal password in MasterUserPassword: Hu****** (14 chars)");
  assert.equal(byDetail("LiteralDb", /./).severity, "high");
  assert.match(byDetail("DBPassword", /NoEcho/).message, /feeds ParameterSecret\.SecretString#password but has no NoEcho: true/);
  assert.match(byDetail("DBPassword", /Default/).message, /Default value written in the template: Su\*{6} \(16 chars\)/);
  assert.match(byDetail("DBPassword", /output/).message, /output ConnectionString returns it: NoEcho does not mask outputs/);
  assert.match(byDetail("DeployKey", /output/).message, /secret access key of DeployKey is passed to output DeployKeySecret, where it is shown in clear/);
  assert.match(byDetail("DeployKey", /DeployKeyParameter/).message, /passed to DeployKeyParameter\.Value, where it is kept outside Secrets Manager/);
  assert.match(byDetail("AdminCredential", /./).message, /feeds ParameterDb\.MasterUserPassword but has no NoEcho/);
  assert.match(byDetail("ApiToken", /./).message, /feeds Function\.Environment\.Variables\.STRIPE_API_KEY and has a Default/);
  assert.equal(byDetail("WebhookSecret", /./).severity, "low");
  assert.match(byDetail("BranchDb", /./).message, /only when IsProd=false/);
  assert.match(byDetail("Task", /./).message, /literal secret in ContainerDefinitions\.0\.Environment\.0\.Value \(JWT_SECRET\)/);
  assert.equal(byDetail("Task", /./).location?.line, 91);
  // Evidence and messages show where and what kind, never the secret itself.
  const text = JSON.stringify(findings);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `finding text leaks ${secret}`);
});

test("flags the JSON long form: Fn::Join literal and a NoEcho \"false\" parameter through Fn::Sub variables", () => {
  const findings = scanFixture(fixture(import.meta.url, `${RULE}.fail.json`), RULE);
  assert.deepEqual(flagged(findings), ["LongFormDb", "MasterPassword"]);
  assert.match(findings.find((finding) => finding.resource.logicalId === "MasterPassword")!.message, /feeds LongFormSecret\.SecretString#password but has no NoEcho/);
  assert.ok(!JSON.stringify(findings).includes("LongFormPassw0rd"));
});

test("stays quiet on dynamic references, NoEcho parameters, generated and managed secrets and secret pointers", () => {
  assert.deepEqual(scanFixture(fixture(import.meta.url, `${RULE}.pass.yaml`), RULE), []);
  assert.ok(readFileSync(fixture(import.meta.url, `${RULE}.pass.yaml`), "utf8").includes("{{resolve:secretsmanager:"));
});
