import { securityHubViews } from "../../views/security-hub.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "securityhub-disabled",
  title: "Security Hub is not enabled, or runs no standard, in a scanned region",
  severity: "medium",
  description:
    "Security Hub gathers GuardDuty, Inspector, Macie, IAM Access Analyzer and Config findings and checks the account " +
    "against security standards (AWS Foundational Security Best Practices, CIS, PCI DSS). It is regional: a region where it " +
    "is off, or enabled without any standard, runs no control checks and aggregates nothing, so a misconfiguration there is " +
    "seen by no one.",
  remediation:
    "Enable Security Hub in every region you use (AWS::SecurityHub::Hub, or `aws securityhub enable-security-hub " +
    "--enable-default-standards`), subscribe to at least AWS Foundational Security Best Practices (and CIS where required) " +
    "with AWS::SecurityHub::Standard, and prefer central configuration from a delegated administrator account so new " +
    "accounts and regions are covered automatically.",
  seeds: ["004 §5"],
  anchors: ["prowler securityhub_enabled"],
  judges: ["live"],
  scopes: ["account"],
  check(context) {
    const hits: Hit[] = [];
    for (const hub of context.views(securityHubViews)) {
      const resource = { logicalId: hub.logicalId, type: hub.type, ...(hub.physicalId ? { physicalId: hub.physicalId } : {}) };
      if (!hub.enabled) {
        hits.push({
          resource,
          message: `Security Hub is not enabled in ${hub.region} (account ${hub.account}): no security standard is checked and no findings are aggregated in this region`,
          detail: "not-enabled",
          evidence: { region: hub.region, enabled: false },
        });
        continue;
      }
      if (!hub.standards || hub.standards.some((standard) => standard.active)) continue;
      const inactive = hub.standards.map((standard) => `${standard.name} (${standard.status})`);
      hits.push({
        resource,
        message:
          `Security Hub is enabled in ${hub.region} (account ${hub.account}) but no security standard is enabled` +
          `${inactive.length > 0 ? `: ${inactive.join(", ")} ${inactive.length === 1 ? "is" : "are"} not running` : ""}, so no controls are checked`,
        detail: "no-standard",
        evidence: { region: hub.region, enabled: true, standards: hub.standards.map((standard) => ({ name: standard.name, status: standard.status })) },
      });
    }
    return hits;
  },
});
