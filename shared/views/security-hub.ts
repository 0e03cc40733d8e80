import type { LiveScope } from "../live/session.ts";
import { SecurityHubReader } from "../live/securityhub.ts";
import { defineView, type ResourceView } from "./view.ts";

export interface SecurityHubStandard {
  arn: string;
  /** The standard's short name from its ARN ("cis-aws-foundations-benchmark/v/1.4.0", "aws-foundational-security-best-practices/v/1.0.0"). */
  name: string;
  status: string;
  /** Subscribed and running (READY), being set up (PENDING) or partly set up (INCOMPLETE); FAILED and DELETING are not. */
  active: boolean;
}

/** Security Hub in one account and region (account-level: built only for an account scope). */
export interface SecurityHubView extends ResourceView {
  account: string;
  region: string;
  enabled: boolean;
  /** Undefined when Security Hub is off or the standards could not be read. */
  standards?: SecurityHubStandard[];
}

/** Findings about the region's hub are filed under this logical id (stack "(account)"). */
export const SECURITY_HUB_LOGICAL_ID = "SecurityHub";

const ACTIVE_STATUSES = new Set(["READY", "PENDING", "INCOMPLETE"]);

export const securityHubViews = defineView<SecurityHubView>({
  name: "security-hub",
  fromTemplate: () => [],
  fromLive(scope: LiveScope) {
    if (scope.scope !== "account") return [];
    const hub = scope.session.reader(SecurityHubReader).hub();
    if (!hub) return [];
    const view: SecurityHubView = {
      logicalId: SECURITY_HUB_LOGICAL_ID,
      type: "AWS::SecurityHub::Hub",
      account: scope.account,
      region: scope.region,
      enabled: hub.enabled,
    };
    if (hub.hubArn !== undefined) view.physicalId = hub.hubArn;
    if (hub.standards) {
      view.standards = hub.standards.map((standard) => ({
        arn: standard.standardsArn,
        name: /:(?:standards|ruleset)\/(.+)$/.exec(standard.standardsArn)?.[1] ?? standard.standardsArn,
        status: standard.status,
        active: ACTIVE_STATUSES.has(standard.status),
      }));
    }
    return [view];
  },
});
