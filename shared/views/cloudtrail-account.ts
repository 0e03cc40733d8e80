import { CloudTrailReader, type LiveTrail } from "../live/cloudtrail.ts";
import type { LiveScope } from "../live/session.ts";
import { defineView, type ResourceView } from "./view.ts";

/** The trails that log one region of the account, shadow copies of other regions' multi-region trails included. */
export interface CloudTrailAccountView extends ResourceView {
  account: string;
  region: string;
  trails: readonly LiveTrail[];
}

/** The name account-level CloudTrail findings are filed under. */
export const ACCOUNT_TRAILS_ID = "AccountTrails";

export const cloudTrailAccountViews = defineView<CloudTrailAccountView>({
  name: "cloudtrail-account",
  fromTemplate: () => [],
  fromLive(scope: LiveScope) {
    if (scope.scope !== "account") return [];
    const trails = scope.session.reader(CloudTrailReader).accountTrails();
    if (!trails) return [];
    return [{ logicalId: ACCOUNT_TRAILS_ID, type: "AWS::CloudTrail::Trail", account: scope.account, region: scope.region, trails }];
  },
});
