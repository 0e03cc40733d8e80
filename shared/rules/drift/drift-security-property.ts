import { containsUnknown, describeValue, driftEqual, withPhysicalIds } from "../../drift/compare.ts";
import { choosesOnUndecided } from "../../drift/conditions.ts";
import { awsDefaultOf } from "../../drift/defaults.ts";
import { compareRuleHits, pairByLogicalId } from "../../drift/pairs.ts";
import { toEvidence } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";

export default defineRule({
  id: "drift-security-property",
  title: "A security property of the live resource differs from the template",
  severity: "high",
  description:
    "A security property that a rule judges (MultiAZ, PubliclyAccessible, StorageEncrypted, BackupRetentionPeriod, " +
    "IsMultiRegionTrail, EnableLogFileValidation, a key policy, key rotation, HttpTokens...) has a different value on the " +
    "live resource than the deployed template gives it, CloudFormation's and AWS's defaults for what the template " +
    "leaves out included (S3 blocks public access on a new bucket without a configuration). Someone changed it outside " +
    "CloudFormation: the template no longer describes what runs, a review of the template misses it, and the next " +
    "deployment may silently revert or keep it. High when the live value is the less secure one (the owning rule fires " +
    "on the live resource for something it does not fire on in the template), else low. A template value that is not " +
    "fixed (a parameter without default, an import, a branch of Fn::If on a condition that reads a NoEcho parameter) " +
    "is never drift.",
  remediation:
    "Decide which value is right. If the template is, redeploy the stack (or set the property back in the console or " +
    "API) and find out who changed it; restrict such changes with an SCP or IAM condition on aws:CalledVia " +
    "cloudformation.amazonaws.com. If the live value is right, write it into the template so the next deployment keeps it.",
  seeds: ["000 §4", "001 §1"],
  anchors: [],
  judges: ["drift"],
  check(context) {
    const drift = context.drift;
    if (!drift) return [];
    const session = context.live?.session;
    const resolved = context.template?.resolved;
    const hits: Hit[] = [];
    for (const { rule, property } of drift.properties) {
      for (const { template, live, part } of pairByLogicalId(drift.intended(property.view), context.views(property.view))) {
        const awsDefault = awsDefaultOf(template, property.property);
        const intended = awsDefault ? awsDefault.value : property.value(template);
        if (containsUnknown(intended)) continue;
        const actual = property.value(live);
        const comparable = withPhysicalIds(intended, drift.physicalIdOf);
        if (driftEqual(comparable, actual)) continue;
        // The stack took the branch its real parameter values chose; the template side took one it could not know.
        const declared = resolved?.resources.get(template.logicalId);
        if (resolved && declared && choosesOnUndecided(resolved, declared.raw.Properties)) continue;
        const physicalId = live.physicalId ?? drift.physicalIdOf(template.logicalId);
        // A live field stays unset when its read failed: drift-resource-missing reports that, not a difference.
        if (actual === undefined && physicalId !== undefined && session && session.failuresFor(physicalId).length > 0) continue;
        const comparison = compareRuleHits(drift, rule, template.logicalId, awsDefault ? "aws-default" : "template");
        const written = describeValue(intended);
        const intentText = awsDefault
          ? `${written} by AWS's default (the template does not set it; ${awsDefault.why})`
          : `${describeValue(comparable) === written ? written : `${describeValue(comparable)} (${written})`} in the template`;
        hits.push({
          resource: { logicalId: template.logicalId, type: template.type, ...(physicalId !== undefined ? { physicalId } : {}) },
          ...(template.at ? { path: template.at } : {}),
          severity: comparison.liveLessSecure ? "high" : "low",
          message:
            `${template.logicalId}${part !== undefined && !part.startsWith("#") ? ` (${part})` : ""}: ${property.property} is ${describeValue(actual)} live but ${intentText}; ${comparison.reason}`,
          detail: part !== undefined ? `${rule.id}/${property.property}/${part}` : `${rule.id}/${property.property}`,
          evidence: { rule: rule.id, property: property.property, template: toEvidence(comparable) ?? null, live: actual ?? null },
        });
      }
    }
    return hits;
  },
});
