import assert from "node:assert/strict";
import { test } from "node:test";
import type { Finding } from "../../shared/findings/finding.ts";
import { Redactor, redactedError, redactReport, SHAPE_REDACTOR, templateSecrets } from "../../shared/findings/redact.ts";
import { parseTemplate } from "../../shared/template/parse.ts";

const text = (input: string) => SHAPE_REDACTOR.text(input);

test("secrets are recognised by shape and keep their kind and length, never their value", () => {
  assert.equal(text("key AKIAIOSFODNN7EXAMPLE here"), "key AKIA…(20 chars) here");
  assert.equal(text("session ASIAY34FZKBOKMUTVV7A"), "session ASIA…(20 chars)");
  assert.equal(text("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "<redacted secret key, 40 chars>");
  const pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACA=\n-----END OPENSSH PRIVATE KEY-----";
  assert.equal(text(`key: ${pem} done`), `key: <redacted private key, ${pem.length} chars> done`);
  assert.equal(text("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA"), "<redacted private key, 48 chars>", "a block cut short is still a key");
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
  assert.equal(text(`Bearer ${jwt}`), `Bearer <redacted JWT, ${jwt.length} chars>`);
  assert.equal(text("ghp_16C7e42F292c6912E7710c838347Ae178B4a"), "<redacted GitHub token, 40 chars>");
  assert.equal(text("xoxb-2637288-1234567890-AbCdEfGhIjKlMnOp"), "<redacted Slack token, 40 chars>");
  assert.equal(text("postgres://app:s3cr3t-Pa55@db.internal:5432/app"), "postgres://app:<redacted password, 11 chars>@db.internal:5432/app");
  assert.equal(text("DB_PASSWORD=hunter2hunter2 ./run"), "DB_PASSWORD=<redacted password, 14 chars> ./run");
  assert.equal(text('{"api_key": "k-123456789"}'), '{"api_key": "<redacted API key, 11 chars>"}');
  assert.equal(text("export AUTH_TOKEN='abc123def456'"), "export AUTH_TOKEN='<redacted token, 12 chars>'");
});

test("ordinary text is left alone: ARNs, digests, ids, settings about secrets, masked values", () => {
  for (const plain of [
    "arn:aws:iam::123456789012:role/app-role",
    "a digest 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    "vpc-0a1b2c3d4e5f67890 in eu-west-1, ami-0abcdef1234567890",
    "HttpTokens: optional",
    "ManageMasterUserPassword: true",
    '"MasterUserSecret":{"KmsKeyId":"alias/db"}',
    "PasswordLength: 32",
    "Password: {{resolve:secretsmanager:db:SecretString:password}}",
    "SecretArn: arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
    "Database holds a literal password in MasterUserPassword: pa****** (12 chars)",
    "admin port 22 is open to 0.0.0.0/0",
    "https://x-access-token@github.com/example/app.git",
  ]) {
    assert.equal(text(plain), plain);
  }
});

test("redaction is idempotent: a report redacted where built and again on output reads the same", () => {
  const once = text("AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY DB_PASSWORD=hunter2hunter2");
  assert.equal(text(once), once);
});

test("known secrets are replaced wherever they appear; short ones only as whole words", () => {
  const redactor = new Redactor([
    { value: "correct-horse-battery", kind: "password" },
    { value: "Zq9x7W", kind: "token" },
    { value: "abc", kind: "password" },
  ]);
  assert.equal(redactor.text("value is correct-horse-battery!"), "value is <redacted password, 21 chars>!");
  assert.equal(redactor.text("Zq9x7W and Zq9x7Wmore"), "<redacted token, 6 chars> and Zq9x7Wmore");
  assert.equal(redactor.text("abc stays: too short to tell from a word"), "abc stays: too short to tell from a word");
});

test("evidence: values under secret names are masked, names of secret resources are not, and the message loses them too", () => {
  const finding = {
    ruleId: "drift-cfn-reported",
    message: "Worker MODIFIED: /Environment/Variables/SIGNING_TOKEN old-value-123 -> new-value-456",
    evidence: {
      secret: "DbSecret",
      differences: [{ path: "/Environment/Variables/SIGNING_TOKEN", expected: "old-value-123", actual: "new-value-456", difference: "NOT_EQUAL" }],
      environment: { DB_PASSWORD: "pw-in-evidence", REGION: "eu-west-1" },
      value: "<parameter without default>",
    },
  } as unknown as Finding;
  const redacted = SHAPE_REDACTOR.finding(finding);
  assert.deepEqual(redacted.evidence, {
    secret: "DbSecret",
    differences: [{ path: "/Environment/Variables/SIGNING_TOKEN", expected: "<redacted token, 13 chars>", actual: "<redacted token, 13 chars>", difference: "NOT_EQUAL" }],
    environment: { DB_PASSWORD: "<redacted password, 14 chars>", REGION: "eu-west-1" },
    value: "<parameter without default>",
  });
  assert.equal(redacted.message, "Worker MODIFIED: /Environment/Variables/SIGNING_TOKEN <redacted token, 13 chars> -> <redacted token, 13 chars>");
  assert.equal(finding.message.includes("old-value-123"), true, "the finding given is not changed");
});

test("templateSecrets: literals under secret names, secret parameters' defaults and values; not names or references", () => {
  const parsed = parseTemplate(`
Parameters:
  AdminPassword: { Type: String, NoEcho: true, Default: default-admin-pw }
  Feed: { Type: String }
  Region: { Type: String, Default: eu-west-1 }
Conditions:
  IsProd: !Equals [!Ref Region, eu-west-1]
Resources:
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: prod/db
      SecretString: '{"username":"app","password":"json-held-pw"}'
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUserPassword: !If [IsProd, !Sub "prefix-\${Feed}-suffix", literal-db-pw]
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Environment:
            - { Name: API_TOKEN, Value: pair-held-token }
            - { Name: LOG_LEVEL, Value: debug-level }
  Reference:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          DB_PASSWORD: "{{resolve:secretsmanager:db:SecretString:password}}"
`);
  const values = templateSecrets(parsed.body, { Feed: "deployed-feed-value", Region: "us-east-1", AdminPassword: "deployed-admin-pw" })
    .map((secret) => `${secret.kind}:${secret.value}`)
    .sort();
  assert.deepEqual(values, [
    "password:-suffix",
    "password:default-admin-pw",
    "password:deployed-admin-pw",
    "password:deployed-feed-value",
    "password:json-held-pw",
    "password:literal-db-pw",
    "password:prefix-",
    "secret:{\"username\":\"app\",\"password\":\"json-held-pw\"}",
    "token:pair-held-token",
  ]);
});

test("redactReport and redactedError clear what leaves the process", () => {
  const report = redactReport({
    findings: [],
    errors: [{ target: "app", message: "AccessDenied for AKIAIOSFODNN7EXAMPLE" }],
    summary: { files: 0, templates: 0, skipped: 0, findings: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, byStatus: { OPEN: 0, SUPPRESSED: 0 }, suppressed: 0, errors: 1, durationMs: 0 },
    notes: ["token=abcdef123456"],
  });
  assert.equal(report.errors[0]!.message, "AccessDenied for AKIA…(20 chars)");
  assert.deepEqual(report.notes, ["token=<redacted token, 12 chars>"]);
  const error = redactedError(Object.assign(new Error("ValidationError: password=hunter2hunter2 is not valid"), { name: "ValidationError" }));
  assert.equal(error.name, "ValidationError");
  assert.equal(error.message, "ValidationError: password=<redacted password, 14 chars> is not valid");
  assert.ok(!error.stack?.includes("hunter2hunter2"));
});
