import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_POLICY, loadPolicyFile, parsePolicy, PolicyError } from "../../shared/config/policy.ts";
import { RULE_IDS } from "../../shared/rules/index.ts";

/** The problems a policy document has, one per entry, or [] when it is valid. */
function problemsOf(text: string): string[] {
  try {
    parsePolicy(text, "policy.yaml", RULE_IDS);
    return [];
  } catch (error) {
    assert.ok(error instanceof PolicyError, `expected a PolicyError, got ${String(error)}`);
    const [head, ...problems] = error.message.split("\n");
    assert.match(head!, /^policy\.yaml:/);
    return problems.length > 0 ? problems.map((line) => line.replace(/^\s*-\s*/, "")) : [head!.replace(/^policy\.yaml:\s*/, "")];
  }
}

describe("policy file", () => {
  it("reads a complete policy in YAML", () => {
    const policy = parsePolicy(
      [
        "allowedEgressCidrs: [10.0.0.0/8, 2001:db8::/32]",
        "requiredRegions: [eu-west-1, us-gov-west-1]",
        "alertMinSeverity: medium",
        "suppressions:",
        "  - ruleId: ec2-sg-egress-unrestricted",
        "    stack: prod-*",
        "    resource: Nat*",
        "    reason: NAT instances reach the internet by design",
        "    expires: 2030-01-31",
        "severityOverrides:",
        "  ec2-sg-egress-unrestricted: low",
      ].join("\n"),
      "policy.yaml",
      RULE_IDS,
    );
    assert.deepEqual(policy, {
      alertMinSeverity: "medium",
      allowedEgressCidrs: ["10.0.0.0/8", "2001:db8::/32"],
      requiredRegions: ["eu-west-1", "us-gov-west-1"],
      suppressions: [{ ruleId: "ec2-sg-egress-unrestricted", stack: "prod-*", resource: "Nat*", reason: "NAT instances reach the internet by design", expires: "2030-01-31" }],
      severityOverrides: { "ec2-sg-egress-unrestricted": "low" },
    });
  });

  it("reads JSON, and an empty document as the default policy", () => {
    assert.deepEqual(parsePolicy('{ "alertMinSeverity": "critical" }').alertMinSeverity, "critical");
    assert.deepEqual(parsePolicy(""), DEFAULT_POLICY);
  });

  it("rejects a document that is not a mapping, or not YAML at all", () => {
    assert.deepEqual(problemsOf("- a\n- b\n"), ["must be a mapping"]);
    assert.match(problemsOf("a: [1, 2\n")[0]!, /^not valid YAML or JSON/);
    assert.match(problemsOf("a: 1\na: 2\n")[0]!, /^not valid YAML or JSON/);
  });

  it("names every problem, field by field", () => {
    assert.deepEqual(
      problemsOf(
        [
          "allowedEgressCidrs: [10.0.0.0/8, everywhere]",
          "requiredRegions: eu-west-1",
          "alertMinSeverity: urgent",
          "suppresions: []",
        ].join("\n"),
      ),
      [
        'unknown key "suppresions" (expected one of allowedEgressCidrs, requiredRegions, alertMinSeverity, suppressions, severityOverrides)',
        'allowedEgressCidrs[1] is not a CIDR block: "everywhere"',
        "requiredRegions must be a list of an AWS region name",
        "alertMinSeverity must be one of critical, high, medium, low, info",
      ],
    );
  });

  it("checks each suppression: known rule id, a reason, patterns, a real expiry date and no stray keys", () => {
    assert.deepEqual(
      problemsOf(
        [
          "suppressions:",
          "  - ruleId: no-such-rule",
          "    reason: because",
          "  - ruleId: ec2-sg-egress-unrestricted",
          "    reason: '  '",
          "  - ruleId: ec2-sg-egress-unrestricted",
          "    reason: ok",
          "    stack: [a]",
          "    resource: 7",
          "    expires: next week",
          "    owner: me",
          "  - just a string",
        ].join("\n"),
      ),
      [
        'suppressions[0]: unknown rule id "no-such-rule"',
        "suppressions[1]: reason is required",
        'suppressions[2]: unknown key "owner"',
        "suppressions[2]: stack must be a pattern",
        "suppressions[2]: resource must be a pattern",
        "suppressions[2]: expires must be a date (YYYY-MM-DD)",
        "suppressions[3] must be a mapping",
      ],
    );
    assert.deepEqual(problemsOf("suppressions: {ruleId: x}"), ["suppressions must be a list"]);
  });

  it("checks severity overrides name known rules and real severities", () => {
    assert.deepEqual(problemsOf("severityOverrides:\n  ec2-sg-egress-unrestricted: severe\n  no-such-rule: high\n"), [
      "severityOverrides.ec2-sg-egress-unrestricted must be one of critical, high, medium, low, info",
      'severityOverrides.no-such-rule: unknown rule id "no-such-rule"',
    ]);
    assert.deepEqual(problemsOf("severityOverrides: [high]"), ["severityOverrides must map rule ids to severities"]);
  });

  it("accepts any rule id when no list of known ids is given", () => {
    assert.deepEqual(parsePolicy("severityOverrides:\n  future-rule: info\n").severityOverrides, { "future-rule": "info" });
  });

  it("loads a file, and says clearly when it cannot", () => {
    const folder = mkdtempSync(join(tmpdir(), "stackwarden-policy-"));
    try {
      const path = join(folder, "policy.json");
      writeFileSync(path, '{ "alertMinSeverity": "low" }');
      assert.equal(loadPolicyFile(path, RULE_IDS).alertMinSeverity, "low");
      assert.throws(() => loadPolicyFile(join(folder, "missing.yaml")), { name: "PolicyError", message: /^cannot read policy file .*missing\.yaml: ENOENT$/ });
      writeFileSync(path, "alertMinSeverity: loud");
      assert.throws(() => loadPolicyFile(path), { name: "PolicyError", message: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\n  - alertMinSeverity must be`) });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
