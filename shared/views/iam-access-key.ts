import { IamReader } from "../live/iam.ts";
import { defineView, type ResourceView } from "./view.ts";

/**
 * An IAM user's access key, account-wide (live only: keys are created outside templates, or by an AWS::IAM::AccessKey
 * whose secret no scan can see). logicalId is the user name, physicalId the access key id (what Ref of an
 * AWS::IAM::AccessKey returns).
 */
export interface IamAccessKeyView extends ResourceView {
  userName: string;
  accessKeyId: string;
  active: boolean;
  created: Date;
}

export const iamAccessKeyViews = defineView<IamAccessKeyView>({
  name: "iam-access-key",
  fromTemplate: () => [],
  fromLive(scope) {
    if (scope.scope !== "account") return [];
    const keys = scope.session.reader(IamReader).accessKeys() ?? [];
    return keys.map((key) => ({
      logicalId: key.userName,
      type: "AWS::IAM::AccessKey",
      physicalId: key.accessKeyId,
      userName: key.userName,
      accessKeyId: key.accessKeyId,
      active: key.status === "Active",
      created: key.created,
    }));
  },
});
