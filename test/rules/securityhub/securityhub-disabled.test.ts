import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { DescribeHubCommand, GetEnabledStandardsCommand, SecurityHubClient, type GetEnabledStandardsCommandOutput } from "@aws-sdk/client-securityhub";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import type { Finding } from "../../../shared/findings/finding.ts";
import { judgeLiveAccount } from "../../../shared/judge-live.ts";
import { SecurityHubReader } from "../../../shared/live/securityhub.ts";
import { LiveSession } from "../../../shared/live/session.ts";
import securityhubDisabled from "../../../shared/rules/securityhub/securityhub-disabled.ts";
import { scanTemplate } from "../../../shared/scan.ts";
import { fixture } from "../../helpers.ts";
import { awsError, handAccount } from "../../live/hand-stack.ts";

/** A recorded API answer, or the error AWS answered with. */
type Answer<T> = T | { error: string; message: string };

interface RecordedScan {
  region: string;
  describeHub: Answer<{ HubArn: string; SubscribedAt?: string }>;
  enabledStandards?: Answer<GetEnabledStandardsCommandOutput[]>;
  expect?: "not-enabled" | "no-standard";
}

const RULE = "securityhub-disabled";
const MESSAGES = { "not-enabled": /^Security Hub is not enabled in (\S+) \(account 111122223333\)/, "no-standard": /^Security Hub is enabled in (\S+) \(account 111122223333\) but no security standard is enabled/ };

function scansOf(name: string): RecordedScan[] {
  return (JSON.parse(readFileSync(fixture(import.meta.url, name), "utf8")) as { scans: RecordedScan[] }).scans;
}

describe(RULE, () => {
  let hub: AwsClientStub<SecurityHubClient>;
  before(() => {
    hub = mockClient(SecurityHubClient);
  });
  after(() => hub.restore());

  async function judge(scan: RecordedScan): Promise<Finding[]> {
    hub.reset();
    const failing = (answer: unknown): answer is { error: string; message: string } => typeof answer === "object" && answer !== null && "error" in answer;
    if (failing(scan.describeHub)) hub.on(DescribeHubCommand).rejects(awsError(scan.describeHub.error, scan.describeHub.error === "AccessDeniedException" ? 403 : 400, scan.describeHub.message));
    else hub.on(DescribeHubCommand).resolves(scan.describeHub);
    if (failing(scan.enabledStandards)) {
      hub.on(GetEnabledStandardsCommand).rejects(awsError(scan.enabledStandards.error, 403, scan.enabledStandards.message));
    } else {
      (scan.enabledStandards ?? []).forEach((page, index) => hub.on(GetEnabledStandardsCommand, { NextToken: index === 0 ? undefined : String(index + 1) }).resolves(page));
    }
    const session = new LiveSession({ region: scan.region });
    await session.reader(SecurityHubReader).loadAccount();
    return judgeLiveAccount(handAccount(session), { rules: [securityhubDisabled] }).findings;
  }

  it("flags a region where Security Hub is off, or runs no standard (failed and deleting ones do not count)", async () => {
    for (const scan of scansOf(`${RULE}.fail.json`)) {
      const findings = await judge(scan);
      assert.equal(findings.length, 1, scan.region);
      const [finding] = findings;
      assert.equal(finding!.ruleId, RULE);
      assert.equal(finding!.severity, "medium");
      assert.equal(finding!.source, "live");
      assert.equal(finding!.stack.region, scan.region);
      assert.equal(MESSAGES[scan.expect!].exec(finding!.message)?.[1], scan.region, `${scan.region}: ${finding!.message}`);
    }
  });

  it("names the standards that are not running", async () => {
    const [scan] = scansOf(`${RULE}.fail.json`).filter((candidate) => candidate.region === "ap-southeast-2");
    const [finding] = await judge(scan!);
    assert.match(finding!.message, /aws-foundational-security-best-practices\/v\/1\.0\.0 \(FAILED\), cis-aws-foundations-benchmark\/v\/1\.4\.0 \(DELETING\) are not running/);
  });

  it("stays quiet with a ready, pending or incomplete standard, and when the hub or its standards could not be read", async () => {
    for (const scan of scansOf(`${RULE}.pass.json`)) assert.deepEqual(await judge(scan), [], scan.region);
  });

  it("never judges a template: Security Hub is a region's state, not a stack's", () => {
    const result = scanTemplate("Resources:\n  Hub:\n    Type: AWS::SecurityHub::Hub\n", { file: "hub.yaml", rules: [securityhubDisabled] });
    assert.deepEqual([result.findings, result.errors], [[], []]);
  });
});
