import type { TemplatePath } from "../../template/parse.ts";
import { booleanValue, isRecord, stringValue } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";
import { isPlaceholder, isSecretName, mask, parametersNamingSecrets, secretHoldings, secretKind, secretSites, variantsOf, type RawReader } from "./secret-values.ts";

/** Parameter types whose value is not typed in by a person: SSM-backed values, lists, numbers, AWS-specific ids. */
function holdsFreeText(declaration: Record<string, unknown>): boolean {
  const type = stringValue(declaration.Type) ?? "String";
  return type === "String" && !Array.isArray(declaration.AllowedValues);
}

function describePath(path: TemplatePath): string {
  return path.slice(3).join(".");
}

export default defineRule({
  id: "secrets-plaintext",
  title: "Secret written in the template or passed in the clear",
  severity: "high",
  description:
    "A password, token or key written literally in a template (a property, an environment variable, a JSON SecretString, " +
    "a mapping, a parameter's Default) is readable by everyone who can read the template: the repository, GetTemplate, " +
    "the console, CI logs. A parameter that carries a secret without NoEcho: true is shown in clear by DescribeStacks and " +
    "the console, and an output that returns such a parameter shows it whatever NoEcho says. Dynamic references ({{resolve:secretsmanager:...}}, {{resolve:ssm-secure:...}}) and generated secrets " +
    "are the safe forms and raise nothing. A NoEcho parameter with no Default that feeds a password or secret property is reported " +
    "at low: it is hidden from DescribeStacks, but the secret lives in no secret store, is typed in on every update, cannot rotate, " +
    "and sits in the deployer's shell history or CI variables.",
  remediation:
    "Let Secrets Manager generate the value (AWS::SecretsManager::Secret with GenerateSecretString, or " +
    "ManageMasterUserPassword: true on RDS) and reference it with '{{resolve:secretsmanager:MySecret:SecretString:password}}'; " +
    "for values that must come from outside, reference an SSM SecureString through '{{resolve:ssm-secure:/path/name}}', or at " +
    "the very least a parameter with NoEcho: true and no Default. Rotate any secret that has been committed in a template.",
  seeds: ["004 §8"],
  anchors: ["cfn_nag F23", "cfn_nag F75", "checkov CKV_AWS_45"],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    const { body, resolved } = template;
    const hits: Hit[] = [];
    const seen = new Set<string>();
    const parameters = isRecord(body.Parameters) ? body.Parameters : {};
    const usedAsSecret = new Map<string, string>();
    /** Parameters whose only secret use fills a Secrets Manager secret (the value does land in a secret store). */
    const fillsSecretOnly = new Map<string, boolean>();

    const reader: RawReader = { body, resolveMapping: (node) => resolved.resolve(node), conditions: resolved.scenario.conditions };
    for (const site of secretSites(reader)) {
      const holdings = secretHoldings(variantsOf(site.raw, reader), site.jsonOnly);
      for (const { holding, jsonKey } of holdings) {
        if (holding.kind === "parameters") {
          for (const name of holding.names) {
            if (!usedAsSecret.has(name)) usedAsSecret.set(name, `${site.logicalId}.${describePath(site.path)}${jsonKey ? `#${jsonKey}` : ""}`);
            fillsSecretOnly.set(name, (fillsSecretOnly.get(name) ?? true) && site.type === "AWS::SecretsManager::Secret");
          }
          continue;
        }
        if (holding.kind !== "literal") continue;
        const where = `${describePath(site.path)}${jsonKey ? `#${jsonKey}` : ""}`;
        const detail = `literal:${where}`;
        if (seen.has(`${site.logicalId}\u0000${detail}`)) continue;
        seen.add(`${site.logicalId}\u0000${detail}`);
        const kind = secretKind(jsonKey ?? site.name);
        const placeholder = isPlaceholder(holding.text);
        hits.push({
          resource: { logicalId: site.logicalId, type: site.type },
          ...(placeholder ? { severity: "low" as const } : {}),
          message:
            `${site.logicalId} holds a literal ${kind} in ${where}${jsonKey ? "" : site.name !== site.path[site.path.length - 1] ? ` (${site.name})` : ""}: ${mask(holding.text)}` +
            (placeholder
              ? " (low: it reads as a placeholder; if it is replaced out of band the template no longer describes the stack, if not it is the live credential)"
              : ""),
          path: site.path,
          detail,
          evidence: { property: where, kind, value: mask(holding.text), placeholder },
        });
      }
    }

    // An access key's secret is only safe inside Secrets Manager: an output or any other resource shows or stores it in clear.
    for (const [logicalId, resource] of Object.entries(body.Resources)) {
      if (!isRecord(resource) || resource.Type !== "AWS::IAM::AccessKey") continue;
      for (const reference of template.graph.usersOf(logicalId)) {
        if (reference.attribute !== "SecretAccessKey") continue;
        const holder = body.Resources[reference.from];
        if (isRecord(holder) && holder.Type === "AWS::SecretsManager::Secret") continue;
        const where = reference.from.startsWith("Outputs.") ? `output ${reference.from.slice("Outputs.".length)}` : `${reference.from}.${describePath(reference.path.slice(0, -1))}`;
        const detail = `access-key:${reference.from}`;
        if (seen.has(`${logicalId}\u0000${detail}`)) continue;
        seen.add(`${logicalId}\u0000${detail}`);
        hits.push({
          resource: { logicalId, type: "AWS::IAM::AccessKey" },
          message: `The secret access key of ${logicalId} is passed to ${where}, where it is ${reference.from.startsWith("Outputs.") ? "shown in clear by DescribeStacks" : "kept outside Secrets Manager"}`,
          path: reference.path,
          detail,
          evidence: { accessKey: logicalId, usedBy: reference.from },
        });
      }
    }

    const namingOnly = parametersNamingSecrets(body);
    for (const [name, declaration] of Object.entries(parameters)) {
      if (!isRecord(declaration) || !holdsFreeText(declaration)) continue;
      const usedBy = usedAsSecret.get(name);
      if (usedBy === undefined && (!isSecretName(name) || namingOnly.has(name))) continue;
      const why = usedBy !== undefined ? `feeds ${usedBy}` : "is named as a secret";
      const resource = { logicalId: name, type: "AWS::CloudFormation::Parameter" };
      const noEcho = booleanValue(declaration.NoEcho) === true;
      if (!noEcho) {
        hits.push({
          resource,
          message: `Parameter ${name} ${why} but has no NoEcho: true, so its value is shown in clear by DescribeStacks and the console`,
          path: ["Parameters", name],
          detail: "no-echo",
          evidence: { parameter: name, noEcho: false, usedBy: usedBy ?? null },
        });
      }
      const outputs = [...new Set(template.graph.usersOf(name).filter((reference) => reference.from.startsWith("Outputs.")).map((reference) => reference.from.slice("Outputs.".length)))];
      for (const output of outputs) {
        hits.push({
          resource,
          message: `Parameter ${name} ${why} and output ${output} returns it: NoEcho does not mask outputs, so DescribeStacks shows the value in clear`,
          path: ["Outputs", output, "Value"],
          detail: `output:${output}`,
          evidence: { parameter: name, output, noEcho },
        });
      }
      const fallback = stringValue(declaration.Default);
      const typedIn = fallback === undefined || fallback.trim() === "";
      if (noEcho && typedIn && usedBy !== undefined) {
        hits.push({
          resource,
          severity: "low",
          message: fillsSecretOnly.get(name)
            ? `Parameter ${name} ${why} and is typed in at deploy time (NoEcho, no Default) instead of being generated by Secrets Manager: ` +
              "whoever deploys must know the secret, it ends up in their shell history or CI variables, and it must be supplied " +
              "again on every stack update (low: NoEcho keeps it out of DescribeStacks and the console; GenerateSecretString avoids all this)"
            : `Parameter ${name} ${why} and is typed in at deploy time (NoEcho, no Default) instead of coming from Secrets Manager: ` +
              "the secret lives outside any secret store, must be supplied again on every stack update, cannot be rotated, and ends up " +
              "in the shell history or CI variables of whoever deploys (low: NoEcho keeps it out of DescribeStacks and the console)",
          path: ["Parameters", name],
          detail: "typed-in",
          evidence: { parameter: name, noEcho, usedBy },
        });
      }
      if (fallback !== undefined && fallback.trim() !== "" && !fallback.includes("{{resolve:")) {
        const placeholder = isPlaceholder(fallback);
        hits.push({
          resource,
          ...(placeholder ? { severity: "low" as const } : {}),
          message:
            `Parameter ${name} ${why} and has a Default value written in the template: ${mask(fallback)}` +
            (placeholder ? " (low: it reads as a placeholder, but a stack deployed without overriding it uses it as the live value)" : ""),
          path: ["Parameters", name, "Default"],
          detail: "default",
          evidence: { parameter: name, default: mask(fallback), noEcho, placeholder },
        });
      }
    }
    return hits;
  },
});
