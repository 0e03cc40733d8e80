import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RULE_IDS } from "../../shared/rules/index.ts";
import { ConfigError, regionOfQueue, serviceConfigFromEnv } from "../../shared/service/config.ts";

const BASE = {
  TABLE_NAME: "stackwarden-findings",
  TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:stackwarden-alerts",
  QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/stackwarden-scan",
  TARGET_REGIONS: "eu-west-1, us-east-1,eu-west-1",
};

describe("serviceConfigFromEnv", () => {
  it("reads the names, the regions (trimmed, once each) and the default policy", () => {
    const config = serviceConfigFromEnv(BASE);
    assert.deepEqual(config, {
      tableName: "stackwarden-findings",
      topicArn: BASE.TOPIC_ARN,
      queueUrl: BASE.QUEUE_URL,
      regions: ["eu-west-1", "us-east-1"],
      policy: { alertMinSeverity: "high", suppressions: [], severityOverrides: {} },
    });
  });
  it("falls back to the function's region and takes an emulator endpoint", () => {
    const config = serviceConfigFromEnv({ ...BASE, TARGET_REGIONS: "", AWS_REGION: "ap-southeast-2", AWS_ENDPOINT_URL: "http://127.0.0.1:5000" });
    assert.deepEqual(config.regions, ["ap-southeast-2"]);
    assert.equal(config.endpointUrl, "http://127.0.0.1:5000");
  });
  it("parses SCAN_POLICY with the policy file's checks (rule ids known)", () => {
    const policy = { alertMinSeverity: "medium", suppressions: [{ ruleId: "ec2-sg-ingress-open-world", stack: "legacy-*", reason: "public web tier" }] };
    assert.deepEqual(serviceConfigFromEnv({ ...BASE, SCAN_POLICY: JSON.stringify(policy) }).policy, { ...policy, severityOverrides: {} });
    const unknownRule = { ...BASE, SCAN_POLICY: JSON.stringify({ severityOverrides: { "no-such-rule": "low" } }) };
    assert.throws(() => serviceConfigFromEnv(unknownRule, { knownRuleIds: RULE_IDS }), /SCAN_POLICY:[\s\S]*unknown rule id "no-such-rule"/);
    assert.throws(() => serviceConfigFromEnv({ ...BASE, SCAN_POLICY: "alertMinSeverity: urgent" }), /SCAN_POLICY:[\s\S]*alertMinSeverity must be one of/);
  });
  it("organization mode needs the member role name; member accounts are optional", () => {
    assert.deepEqual(serviceConfigFromEnv({ ...BASE, ORGANIZATION_MODE: "true", MEMBER_ROLE_NAME: "StackWardenMemberRead", MEMBER_ACCOUNTS: "111122223333,444455556666" }).organization, {
      memberRoleName: "StackWardenMemberRead",
      accounts: ["111122223333", "444455556666"],
    });
    assert.deepEqual(serviceConfigFromEnv({ ...BASE, ORGANIZATION_MODE: "TRUE", MEMBER_ROLE_NAME: "r" }).organization, { memberRoleName: "r" });
    assert.equal(serviceConfigFromEnv({ ...BASE, ORGANIZATION_MODE: "false", MEMBER_ROLE_NAME: "r" }).organization, undefined);
    assert.throws(() => serviceConfigFromEnv({ ...BASE, ORGANIZATION_MODE: "true" }), /needs MEMBER_ROLE_NAME/);
    assert.throws(() => serviceConfigFromEnv({ ...BASE, ORGANIZATION_MODE: "yes" }), /ORGANIZATION_MODE must be true or false/);
  });
  it("names every problem at once", () => {
    assert.throws(
      () => serviceConfigFromEnv({ TOPIC_ARN: "alerts", TARGET_REGIONS: "eu-west-1,Frankfurt", ORGANIZATION_MODE: "true", MEMBER_ROLE_NAME: "a role", MEMBER_ACCOUNTS: "12" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const part of ["TABLE_NAME is not set", "QUEUE_URL is not set", "TOPIC_ARN is not an SNS topic ARN", '"Frankfurt"', "MEMBER_ROLE_NAME is not an IAM role name", 'not an account id: "12"']) {
          assert.ok(error.message.includes(part), `${part} in ${error.message}`);
        }
        return true;
      },
    );
  });
  it("knows a queue's region from its URL (none for an emulator's)", () => {
    assert.equal(regionOfQueue("https://sqs.eu-central-1.amazonaws.com/123456789012/q"), "eu-central-1");
    assert.equal(regionOfQueue("https://us-west-2.queue.amazonaws.com/123456789012/q"), "us-west-2");
    assert.equal(regionOfQueue("http://127.0.0.1:5000/123456789012/q"), undefined);
  });
});
