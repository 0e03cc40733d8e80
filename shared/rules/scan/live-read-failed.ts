import type { ReadFailure } from "../../live/failures.ts";
import { defineRule, type Hit } from "../rule.ts";

/** What an account-level or region-wide read feeds, so the finding says what could not be judged. */
const JUDGED_BY_OPERATION: Record<string, string> = {
  GetEbsEncryptionByDefault: "whether EBS encryption by default is on (ec2-ebs-default-encryption-off)",
  GetEbsDefaultKmsKeyId: "which key EBS encryption by default uses (ec2-ebs-default-encryption-off)",
  DescribeHub: "whether Security Hub is enabled (securityhub-disabled)",
  GetEnabledStandards: "which Security Hub standards are enabled (securityhub-disabled)",
  DescribeConfigurationRecorders: "whether AWS Config records (config-recorder-missing)",
  DescribeConfigurationRecorderStatus: "whether AWS Config records (config-recorder-missing)",
  DescribeDeliveryChannels: "whether AWS Config delivers its records (config-recorder-missing)",
  GenerateCredentialReport: "how old the IAM users' access keys are (iam-access-key-stale)",
  GetCredentialReport: "how old the IAM users' access keys are (iam-access-key-stale)",
  ListUsers: "how old the IAM users' access keys are (iam-access-key-stale)",
  ListAccessKeys: "how old the IAM users' access keys are (iam-access-key-stale)",
  DescribeTrails: "whether a multi-region trail covers the account (cloudtrail-single-region)",
  GetTrailStatus: "whether the account's trails are logging (cloudtrail-single-region)",
  DescribeStacks: "which stacks exist in the region (account-regions-missing)",
  ListStacks: "which stacks exist in the region (account-regions-missing)",
  GetCallerIdentity: "which account is scanned (every account-level rule)",
};

function judged(failure: ReadFailure): string {
  return JUDGED_BY_OPERATION[failure.operation] ?? `what ${failure.service}:${failure.operation} returns`;
}

export default defineRule({
  id: "live-read-failed",
  title: "A live read failed, so a check could not be made",
  severity: "medium",
  description:
    "A read of the scanned account that no stack resource accounts for (an account-level setting, a region-wide listing) " +
    "failed: access denied, throttled past its retries, timed out, a server error, or an answer in a shape AWS does not " +
    "send. The rules that need it could not judge, and a silent gap would read as a clean result, so each failed read " +
    "is a finding naming the operation, the failure and what could not be judged.",
  remediation:
    "Access denied: grant the scanning role the action named (docs list the read-only policy; an SCP may deny it too). " +
    "Throttled, timed out or a server error: rerun the scan, or scan fewer regions at once. A malformed answer: report " +
    "it with the operation and region; an emulator may not model the API.",
  seeds: ["004 §5", "004 §6"],
  anchors: [],
  judges: ["live"],
  scopes: ["account"],
  check(context) {
    const account = context.live;
    if (account?.scope !== "account") return [];
    const seen = new Set<string>();
    const hits: Hit[] = [];
    for (const failure of account.unattributedFailures) {
      const operation = `${failure.service}:${failure.operation}`;
      const about = failure.target ?? failure.targets?.join(", ");
      const detail = about !== undefined ? `${operation}:${about}` : operation;
      if (seen.has(detail)) continue;
      seen.add(detail);
      hits.push({
        resource: { logicalId: about ?? `${account.region} ${failure.service}`, type: "AWS::Account" },
        message: `could not judge ${judged(failure)} in ${account.account} ${account.region}: ${operation}${about !== undefined ? ` for ${about}` : ""} failed, ${failure.kind}: ${failure.message}`,
        detail,
        evidence: { service: failure.service, operation: failure.operation, kind: failure.kind, message: failure.message, ...(about !== undefined ? { target: about } : {}) },
      });
    }
    return hits;
  },
});
