import assert from "node:assert/strict";
import { test } from "node:test";
import { isPlaceholder, isSecretName, mask } from "../../../shared/rules/secretsmanager/secret-values.ts";

test("names that hold secrets are told from names that describe them", () => {
  const holding = ["MasterUserPassword", "DBPassword", "DB_PASSWORD", "AuthToken", "OAuthToken", "api_key", "APIKey", "ClientSecret", "SecretString", "PrivateKey", "jwt_secret", "SecretAccessKey", "GitHubToken"];
  const describing = ["SecretArn", "PasswordLength", "DBPasswordSecretArn", "SecretStringTemplate", "TokenValidityUnits", "ApiKeySourceType", "ApiKeyRequired", "SecretsManagerSecretId", "KmsKeyId", "MasterUsername", "AccessKeyId", "ClientRequestToken", "TOKEN_TABLE", "KeyName", "PasswordPolicy"];
  for (const name of holding) assert.ok(isSecretName(name), `${name} should hold a secret`);
  for (const name of describing) assert.ok(!isSecretName(name), `${name} should not hold a secret`);
});

test("masks show at most two characters and the length", () => {
  assert.equal(mask("password1234"), "pa****** (12 chars)");
  assert.equal(mask("short"), "****** (5 chars)");
  assert.equal(mask(""), "****** (0 chars)");
});

test("placeholders are recognised", () => {
  for (const text of ["CHANGE_ME", "ChangeMe123!", "PLACEHOLDER_API_KEY", "<your-token>", "your-api-key-here", "xxxx"]) assert.ok(isPlaceholder(text), text);
  for (const text of ["Hunter2Hunter2", "s3cr3t-value-1", "tok_live_1234567890"]) assert.ok(!isPlaceholder(text), text);
});
