import { ebsEncryptionDefaultViews } from "../../views/ebs-encryption-default.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "ec2-ebs-default-encryption-off",
  title: "EBS encryption by default is off in the region",
  severity: "medium",
  description:
    "EBS encryption by default is a per-region account setting that encrypts every new EBS volume and snapshot copy, " +
    "whatever the template, console or script that creates it says. With it off, any volume or block-device mapping " +
    "that forgets Encrypted: true is stored unencrypted, and so are its snapshots. CloudFormation has no resource for " +
    "the setting, so only a live scan can judge it; it is judged once per account and region.",
  remediation:
    "Turn it on in every region the account uses: `aws ec2 enable-ebs-encryption-by-default --region <region>` (and " +
    "`aws ec2 modify-ebs-default-kms-key-id` for a customer managed key), or from a Lambda-backed custom resource or " +
    "an AWS Config remediation (ec2-ebs-encryption-by-default) deployed by StackSet; existing volumes keep their state.",
  seeds: ["004 §6"],
  anchors: ["prowler ec2_ebs_default_encryption", "securityhub EC2.7"],
  judges: ["live"],
  scopes: ["account"],
  check(context) {
    const hits: Hit[] = [];
    for (const setting of context.views(ebsEncryptionDefaultViews)) {
      if (setting.enabled) continue;
      hits.push({
        resource: { logicalId: setting.logicalId, type: setting.type, ...(setting.physicalId ? { physicalId: setting.physicalId } : {}) },
        message: `EBS encryption by default is off in ${setting.region} of account ${setting.account}: new volumes whose creator does not ask for encryption are stored unencrypted`,
        evidence: { ebsEncryptionByDefault: false, region: setting.region, account: setting.account },
      });
    }
    return hits;
  },
});
