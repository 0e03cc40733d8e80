import { isRecord, stringValue } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";
import { isSecretName, mask, secretHoldings, secretSites, variantsOf, type RawReader, type Variant } from "./secret-values.ts";

/** Template secrets a dynamic reference in a raw value names: `{{resolve:secretsmanager:${DbSecret}...}}` or a literal secret id. */
function secretsManagerReferences(raw: unknown, secretIds: Set<string>): string[] | undefined {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === "string") texts.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (isRecord(node)) Object.values(node).forEach(walk);
  };
  walk(raw);
  const joined = texts.join("");
  if (!/\{\{resolve:secretsmanager:/.test(joined)) return undefined;
  const named = [...joined.matchAll(/\$\{([^}.!]+)\}/g)].map((match) => match[1]!.trim()).filter((name) => secretIds.has(name));
  const refs = [] as string[];
  const collectRefs = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collectRefs);
    else if (isRecord(node)) {
      if (typeof node.Ref === "string" && secretIds.has(node.Ref)) refs.push(node.Ref);
      Object.values(node).forEach(collectRefs);
    }
  };
  collectRefs(raw);
  return [...new Set([...named, ...refs])];
}

function parametersIn(variants: Variant[]): Set<string> {
  return new Set(variants.flatMap((variant) => variant.flatMap((piece) => (piece.kind === "parameter" ? [piece.name] : []))));
}

export default defineRule({
  id: "secrets-duplicated",
  title: "Same secret kept in both Parameter Store and Secrets Manager",
  severity: "low",
  description:
    "A secret copied into an SSM parameter as well as a Secrets Manager secret has two homes: rotation in Secrets Manager " +
    "leaves the stale copy in Parameter Store, the copy lives in a String parameter (CloudFormation cannot create " +
    "SecureString parameters) readable by anyone with ssm:GetParameter, and access to it is not logged or governed like " +
    "the secret's. This covers an SSM parameter fed by the same template parameter or literal as a secret, and an SSM " +
    "parameter whose value is a {{resolve:secretsmanager:...}} reference (CloudFormation writes the resolved secret into it).",
  remediation:
    "Keep the secret only in Secrets Manager and let consumers read it there (or through the " +
    "/aws/reference/secretsmanager/ SSM path, which reads the secret without copying it). If an SSM parameter is needed for " +
    "discovery, store the secret's ARN (!Ref TheSecret) in it, not its value.",
  seeds: ["004 §8"],
  anchors: [],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    const { body, resolved } = template;
    const reader: RawReader = { body, resolveMapping: (node) => resolved.resolve(node), conditions: resolved.scenario.conditions };
    const resources = Object.entries(body.Resources).filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]));
    const secrets = resources.filter(([, resource]) => resource.Type === "AWS::SecretsManager::Secret");
    const secretIds = new Set(secrets.map(([logicalId]) => logicalId));
    const secretParameters = new Map<string, string>();
    const secretLiterals = new Map<string, string>();
    for (const site of secretSites(reader)) {
      if (site.type !== "AWS::SecretsManager::Secret") continue;
      for (const { holding } of secretHoldings(variantsOf(site.raw, reader), site.jsonOnly)) {
        if (holding.kind === "parameters") for (const name of holding.names) secretParameters.set(name, site.logicalId);
        if (holding.kind === "literal") secretLiterals.set(holding.text, site.logicalId);
      }
    }

    const hits: Hit[] = [];
    for (const [logicalId, resource] of resources) {
      if (resource.Type !== "AWS::SSM::Parameter" || !isRecord(resource.Properties)) continue;
      const raw = resource.Properties.Value;
      const path = ["Resources", logicalId, "Properties", "Value"];
      const parameterName = stringValue(resolved.resolve(resource.Properties.Name)) ?? logicalId;
      const ssm = { logicalId, type: "AWS::SSM::Parameter" };
      const copied = secretsManagerReferences(raw, secretIds);
      if (copied !== undefined) {
        hits.push({
          resource: ssm,
          message: `SSM parameter ${logicalId} (${parameterName}) stores the value of Secrets Manager secret ${copied.length > 0 ? copied.join(", ") : "(by dynamic reference)"}: CloudFormation resolves the reference and writes the secret into Parameter Store`,
          path,
          detail: `copy:${copied.join(",")}`,
          evidence: { parameter: parameterName, secret: copied },
        });
        continue;
      }
      const variants = variantsOf(raw, reader);
      const looksSecret = isSecretName(parameterName.split("/").filter(Boolean).pop() ?? "") || isSecretName(logicalId);
      for (const name of parametersIn(variants)) {
        const secret = secretParameters.get(name);
        if (secret === undefined) continue;
        const declaration = isRecord(body.Parameters) ? body.Parameters[name] : undefined;
        const sensitive = looksSecret || isSecretName(name) || (isRecord(declaration) && /^true$/i.test(String(declaration.NoEcho)));
        if (!sensitive) continue;
        hits.push({
          resource: ssm,
          message: `SSM parameter ${logicalId} (${parameterName}) and Secrets Manager secret ${secret} both hold template parameter ${name}`,
          path,
          detail: `parameter:${name}`,
          evidence: { parameter: parameterName, secret, templateParameter: name },
        });
      }
      for (const variant of variants) {
        if (variant.length !== 1 || variant[0]!.kind !== "text") continue;
        const text = variant[0]!.text;
        const secret = secretLiterals.get(text);
        if (secret === undefined) continue;
        hits.push({
          resource: ssm,
          message: `SSM parameter ${logicalId} (${parameterName}) and Secrets Manager secret ${secret} hold the same literal value ${mask(text)}`,
          path,
          detail: `literal:${secret}`,
          evidence: { parameter: parameterName, secret, value: mask(text) },
        });
      }
    }
    return hits;
  },
});
