import { buildReferenceGraph, type ReferenceGraph } from "../../template/graph.ts";
import type { ResolvedTemplate } from "../../template/resolve.ts";
import { Composite, isRecord, ResourceAttribute, ResourceRef, stringValue } from "../../template/values.ts";
import { kmsKeyViews, type KmsKeyView } from "../../views/kms-key.ts";
import { resourcesOfType } from "../../views/view.ts";
import { defineRule, type Hit } from "../rule.ts";

const ALIAS = "AWS::KMS::Alias";

/** Aliases of this scenario whose TargetKeyId names the key, with their resolved alias names. */
function aliasesOf(resolved: ResolvedTemplate, keyId: string): { logicalId: string; name: string | undefined }[] {
  return resourcesOfType(resolved, ALIAS)
    .filter(({ properties }) => {
      const target = properties.TargetKeyId;
      return (target instanceof ResourceRef || target instanceof ResourceAttribute) && target.logicalId === keyId;
    })
    .map(({ logicalId, properties }) => ({ logicalId, name: stringValue(properties.AliasName) ?? (properties.AliasName instanceof Composite ? String(properties.AliasName) : undefined) }));
}

/** Does any value inside `node` name the alias, as `alias/x` or as an alias ARN ending in `:alias/x`? */
function mentionsAlias(node: unknown, aliasName: string): boolean {
  const text = typeof node === "string" ? node : node instanceof Composite ? String(node) : undefined;
  if (text !== undefined) return text === aliasName || text.endsWith(`:${aliasName}`);
  if (Array.isArray(node)) return node.some((item) => mentionsAlias(item, aliasName));
  if (isRecord(node)) return Object.values(node).some((item) => mentionsAlias(item, aliasName));
  return false;
}

function unusedKeys(resolved: ResolvedTemplate, graph: ReferenceGraph, keys: readonly KmsKeyView[], source: "template" | "live"): Hit[] {
  const realUsers = (name: string) =>
    graph.propertyUsersOf(name).filter((reference) => {
      const user = resolved.resources.get(reference.from);
      return user !== undefined && user.type !== ALIAS;
    });
  const hits: Hit[] = [];
  for (const key of keys) {
    if (realUsers(key.logicalId).length > 0) continue;
    const aliases = aliasesOf(resolved, key.logicalId);
    const usedThroughAlias = aliases.some(
      (alias) =>
        realUsers(alias.logicalId).length > 0 ||
        (alias.name !== undefined &&
          [...resolved.resources.values()].some((resource) => resource.type !== ALIAS && resource.logicalId !== key.logicalId && mentionsAlias(resource.properties, alias.name!))),
    );
    if (usedThroughAlias) continue;
    const outputs = graph.usersOf(key.logicalId).filter((reference) => reference.from.startsWith("Outputs.")).map((reference) => reference.from.slice("Outputs.".length));
    const notUses = [...aliases.map((alias) => `alias ${alias.logicalId}`), ...new Set(outputs.map((output) => `output ${output}`))];
    const subject = source === "template" ? key.logicalId : `${key.logicalId} (key ${key.physicalId}, ${key.state ?? "enabled"})`;
    hits.push({
      resource: { logicalId: key.logicalId, type: key.type, ...(key.physicalId ? { physicalId: key.physicalId } : {}) },
      message:
        `${subject} is not referenced by any resource property in the ${source === "template" ? "stack" : "deployed stack's template"}` +
        (notUses.length > 0 ? ` (only by ${notUses.join(", ")}, ${notUses.length === 1 ? "which is not a use" : "which are not uses"})` : "") +
        (source === "template" ? ": it encrypts nothing here" : ": it is enabled and billed but encrypts nothing of this stack (KMS has no last-used API to tell whether anything outside the stack uses it)"),
      evidence: { aliases: aliases.map((alias) => alias.name ?? alias.logicalId), outputs: [...new Set(outputs)], ...(source === "live" ? { keyState: key.state ?? null } : {}) },
    });
  }
  return hits;
}

export default defineRule({
  id: "kms-key-unused",
  title: "KMS key that nothing in the stack uses",
  severity: "low",
  description:
    "A customer-managed key that no resource of the stack references (directly, or through one of its aliases) " +
    "encrypts nothing: it costs $1 a month, widens what must be reviewed, and usually means the resource it was " +
    "meant to protect (an EBS volume, a bucket, a log group) was left on its default AWS-managed encryption. An " +
    "AWS::KMS::Alias or an Output that names the key is not a use. In a template the rule follows the reference graph " +
    "per condition scenario: a key whose only users are absent under some conditions is reported for that scenario. " +
    "Live, a key is reported when it is enabled and the deployed template's references show no user (KMS has no API " +
    "that tells when a key was last used).",
  remediation:
    "Reference the key where it was meant to be used (KmsKeyId of the volume, KMSMasterKeyID of the bucket's " +
    "encryption, KmsKeyId of the log group...), or delete the key and its alias. If another stack imports the key " +
    "through an Output, suppress this finding on the key with that reason.",
  seeds: ["000 §2"],
  anchors: ["prowler kms_cmk_are_used"],
  judges: ["template", "live"],
  check(context) {
    if (context.template) return unusedKeys(context.template.resolved, context.template.graph, context.views(kmsKeyViews), "template");
    // Live: KMS has no API that says when a key was last used, so the deployed template's references say what uses
    // the key, and only a key that is enabled (usable, billed) is reported.
    const live = context.live;
    if (live?.scope !== "stack" || !live.template) return [];
    const enabledKeys = context.views(kmsKeyViews).filter((key) => key.enabled === true && key.manager !== "AWS");
    if (enabledKeys.length === 0) return [];
    return unusedKeys(live.template, buildReferenceGraph(live.template.source.body), enabledKeys, "live");
  },
});
