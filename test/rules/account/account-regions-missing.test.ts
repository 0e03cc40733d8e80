import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { DEFAULT_POLICY } from "../../../shared/config/policy.ts";
import { judgeLiveAccount, judgeLiveStack } from "../../../shared/judge-live.ts";
import { LiveSession } from "../../../shared/live/session.ts";
import accountRegionsMissing from "../../../shared/rules/account/account-regions-missing.ts";
import { scanTemplate } from "../../../shared/scan.ts";
import { parseTemplate } from "../../../shared/template/parse.ts";
import { fixture } from "../../helpers.ts";
import { handAccount, handStack } from "../../live/hand-stack.ts";

interface RecordedPass {
  region: string;
  requiredRegions?: string[];
  stackRegions: Record<string, string[]>;
  expect?: [string, string][];
}

const RULE = "account-regions-missing";

function passesOf(name: string): RecordedPass[] {
  return (JSON.parse(readFileSync(fixture(import.meta.url, name), "utf8")) as { passes: RecordedPass[] }).passes;
}

function judge(pass: RecordedPass) {
  const policy = { ...DEFAULT_POLICY, ...(pass.requiredRegions ? { requiredRegions: pass.requiredRegions } : {}) };
  return judgeLiveAccount(handAccount(new LiveSession({ region: pass.region }), pass.stackRegions), { rules: [accountRegionsMissing], policy }).findings;
}

describe(RULE, () => {
  it("reports each (stack, required region it is missing from) once, naming both", () => {
    for (const pass of passesOf(`${RULE}.fail.json`)) {
      const findings = judge(pass);
      assert.deepEqual(
        findings.map((finding) => [finding.resource.logicalId, finding.evidence.missingRegion]).sort(),
        [...pass.expect!].sort(),
        pass.region,
      );
      for (const finding of findings) {
        assert.equal(finding.severity, "high");
        assert.equal(finding.source, "live");
        assert.equal(finding.resource.type, "AWS::CloudFormation::Stack");
        assert.match(finding.message, new RegExp(`^Stack ${finding.resource.logicalId} does not exist in ${String(finding.evidence.missingRegion)}, which the policy's requiredRegions lists \\(found in `));
      }
      assert.equal(new Set(findings.map((finding) => finding.fingerprint)).size, findings.length);
    }
  });

  it("stays quiet when every required region has the stack, without requiredRegions, and in passes that do not own the stack", () => {
    for (const pass of passesOf(`${RULE}.pass.json`)) assert.deepEqual(judge(pass), [], `${pass.region} ${JSON.stringify(pass.stackRegions)}`);
  });

  it("over a multi-region scan, every missing pair is reported by exactly one region's pass", () => {
    const stackRegions = { payments: ["us-east-1", "us-west-2"], ledger: ["us-west-2"], audit: ["us-east-1", "us-west-2", "eu-central-1"] };
    const requiredRegions = ["us-east-1", "us-west-2", "eu-central-1"];
    const all = ["us-east-1", "us-west-2"].flatMap((region) => judge({ region, requiredRegions, stackRegions }));
    assert.deepEqual(all.map((finding) => `${finding.resource.logicalId}@${String(finding.evidence.missingRegion)} from ${finding.stack.region}`).sort(), [
      "ledger@eu-central-1 from us-west-2",
      "ledger@us-east-1 from us-west-2",
      "payments@eu-central-1 from us-east-1",
    ]);
  });

  it("runs only in the account pass, never on a stack or a template", () => {
    const policy = { ...DEFAULT_POLICY, requiredRegions: ["us-east-1", "eu-central-1"] };
    const session = new LiveSession({ region: "us-east-1" });
    const text = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n";
    assert.deepEqual(judgeLiveStack(handStack(session, []), parseTemplate(text), { rules: [accountRegionsMissing], policy }).findings, []);
    assert.deepEqual(scanTemplate(text, { rules: [accountRegionsMissing], policy }).findings, []);
  });
});
