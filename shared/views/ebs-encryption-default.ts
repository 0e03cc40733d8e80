import { Ec2Reader } from "../live/ec2.ts";
import { defineView, type ResourceView } from "./view.ts";

/** The region's EBS encryption by default: an account setting CloudFormation cannot declare, so live only. */
export interface EbsEncryptionDefaultView extends ResourceView {
  enabled: boolean;
  region: string;
  account: string;
}

/** The name account-level findings file the setting under (there is no stack resource). */
export const EBS_ENCRYPTION_DEFAULT_ID = "EbsEncryptionByDefault";
/** Not a CloudFormation type: the setting has none. Named like one so findings group with EC2. */
export const EBS_ENCRYPTION_DEFAULT_TYPE = "AWS::EC2::EBSEncryptionByDefault";

export const ebsEncryptionDefaultViews = defineView<EbsEncryptionDefaultView>({
  name: "ebs-encryption-default",
  fromTemplate: () => [],
  fromLive(scope) {
    if (scope.scope !== "account") return [];
    const setting = scope.session.reader(Ec2Reader).ebsEncryptionByDefault;
    if (!setting) return [];
    return [
      {
        logicalId: EBS_ENCRYPTION_DEFAULT_ID,
        type: EBS_ENCRYPTION_DEFAULT_TYPE,
        physicalId: `${scope.account}/${scope.region}`,
        enabled: setting.enabled,
        region: scope.region,
        account: scope.account,
      },
    ];
  },
});
