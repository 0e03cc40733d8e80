import type { Reference } from "../../template/graph.ts";
import type { TemplateBody, TemplatePath } from "../../template/parse.ts";
import { DEFAULT_PSEUDO_PARAMETERS, type ResolvedTemplate } from "../../template/resolve.ts";
import { resourceSchema } from "../../template/schema.ts";
import { isRecord, listValue, stringValue } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";

const PSEUDO_PARAMETERS = new Set([...Object.keys(DEFAULT_PSEUDO_PARAMETERS), "AWS::NoValue", "AWS::NotificationARNs"]);

export default defineRule({
  id: "template-unresolved-reference",
  title: "Reference to something the template does not define",
  severity: "high",
  description:
    "A Ref, Fn::GetAtt, Fn::Sub `${X}`/`${X.Attr}`, DependsOn, resource Condition, Fn::If or condition reference names a " +
    "parameter, resource, pseudo parameter or condition the template does not declare, or asks a resource for an " +
    "attribute its type does not have; a resource or output refers to a resource its Condition leaves out; or a resource " +
    "has a type CloudFormation does not know. CloudFormation rejects the template before it creates anything.",
  remediation:
    "Declare the missing parameter, resource or condition, or fix the name (logical ids are case-sensitive). For GetAtt, " +
    "use an attribute the resource type documents (e.g. `!GetAtt Db.Endpoint.Address`, `!GetAtt Bucket.Arn`); for a " +
    "value the type has no attribute for, build it with `!Sub` around the resource's Ref.",
  seeds: ["003 §6"],
  anchors: ["cfn-lint E1012", "cfn-lint E3005"],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    const body = template.body;
    // A macro (AWS::Include, a custom transform) can add resources, parameters and conditions no reader can see.
    if (usesUnknownMacro(body)) return [];
    const names = declaredNames(body);
    const hits: Hit[] = [];
    for (const reference of template.graph.references) {
      const problem = referenceProblem(reference, body, names);
      if (!problem) continue;
      hits.push({
        resource: subjectOf(reference.from, body),
        path: reference.path,
        message: `${reference.from}: ${problem}`,
        detail: `${reference.kind}:${reference.to}${reference.attribute ? `.${reference.attribute}` : ""}`,
        evidence: { kind: reference.kind, name: reference.to, ...(reference.attribute ? { attribute: reference.attribute } : {}) },
      });
    }
    hits.push(...absentInScenario(template.graph.references, template.resolved, body));
    for (const [logicalId, resource] of Object.entries(body.Resources)) {
      const type = isRecord(resource) ? stringValue(resource.Type) : undefined;
      if (type === undefined || !/^AWS::/.test(type) || type.startsWith("AWS::Serverless::") || type === "AWS::CDK::Metadata" || resourceSchema(type)) continue;
      hits.push({
        resource: { logicalId, type },
        path: ["Resources", logicalId, "Type"],
        message: `${logicalId}: resource type ${type} does not exist in CloudFormation`,
        detail: `Type:${type}`,
        evidence: { type },
      });
    }
    return hits;
  },
});

/**
 * References that are live in this scenario (not inside an Fn::If branch it does not take) from a resource or output
 * that exists, to a resource whose Condition leaves it out: CloudFormation cannot resolve them.
 */
function absentInScenario(references: readonly Reference[], resolved: ResolvedTemplate, body: TemplateBody): Hit[] {
  const conditions = resolved.scenario.conditions;
  const hits: Hit[] = [];
  for (const reference of references) {
    if (reference.kind === "Condition" || reference.from.startsWith("Conditions.")) continue;
    const target = body.Resources[reference.to];
    if (!isRecord(target) || resolved.resources.has(reference.to)) continue;
    const condition = stringValue(target.Condition);
    if (condition === undefined) continue;
    if (!isPresent(reference.from, resolved, body) || !isLive(reference.path, body, conditions)) continue;
    hits.push({
      resource: subjectOf(reference.from, body),
      path: reference.path,
      message:
        `${reference.from}: ${describeReference(reference)} names ${reference.to}, which is not created when its condition ` +
        `${condition} is false; guard the reference with !If [${condition}, ..., !Ref AWS::NoValue] or give both the same condition`,
      detail: `${reference.kind}:${reference.to}${reference.attribute ? `.${reference.attribute}` : ""}:absent`,
      evidence: { kind: reference.kind, name: reference.to, condition },
    });
  }
  return hits;
}

function describeReference(reference: Reference): string {
  if (reference.kind === "GetAtt") return `Fn::GetAtt ${reference.to}.${reference.attribute ?? ""}`;
  if (reference.kind === "Sub") return `\${${reference.to}${reference.attribute ? `.${reference.attribute}` : ""}} in Fn::Sub`;
  return reference.kind === "DependsOn" ? "DependsOn" : `Ref ${reference.to}`;
}

/** Is the resource or output holding the reference part of this scenario? */
function isPresent(from: string, resolved: ResolvedTemplate, body: TemplateBody): boolean {
  if (from.startsWith("Outputs.")) {
    const output = isRecord(body.Outputs) ? body.Outputs[from.slice("Outputs.".length)] : undefined;
    const condition = isRecord(output) ? stringValue(output.Condition) : undefined;
    return condition === undefined || resolved.scenario.conditions[condition] === true;
  }
  return resolved.resources.has(from);
}

/** False when the path runs through an Fn::If branch the scenario's conditions do not take. */
function isLive(path: TemplatePath, body: TemplateBody, conditions: Record<string, boolean>): boolean {
  let node: unknown = body;
  for (let index = 0; index < path.length; index++) {
    const step = path[index]!;
    if (step === "Fn::If" && isRecord(node) && Array.isArray(node["Fn::If"])) {
      const [condition] = node["Fn::If"] as unknown[];
      const branch = path[index + 1];
      const value = typeof condition === "string" ? conditions[condition] : undefined;
      if (value !== undefined && (branch === 1 || branch === 2) && (branch === 1) !== value) return false;
    }
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[step] : undefined;
  }
  return true;
}

interface DeclaredNames {
  parameters: ReadonlySet<string>;
  resources: ReadonlySet<string>;
  conditions: ReadonlySet<string>;
  /** Logical ids a transform generates (SAM's `${Function}Role`, Fn::ForEach's `Topic${Name}`): anything matching is defined. */
  generated: RegExp[];
}

function declaredNames(body: TemplateBody): DeclaredNames {
  const resources = new Set<string>();
  const generated: RegExp[] = [];
  for (const [key, value] of Object.entries(body.Resources)) {
    if (key.startsWith("Fn::ForEach::")) generated.push(...forEachPatterns(value));
    else resources.add(key);
  }
  if (transforms(body).some((name) => name.startsWith("AWS::Serverless"))) {
    generated.push(/^ServerlessRestApi/, /^ServerlessHttpApi/, /^ServerlessDeploymentBucket/);
    for (const [logicalId, resource] of Object.entries(body.Resources)) {
      if (isRecord(resource) && stringValue(resource.Type)?.startsWith("AWS::Serverless::")) generated.push(new RegExp(`^${escape(logicalId)}`));
    }
  }
  return {
    parameters: new Set(Object.keys(isRecord(body.Parameters) ? body.Parameters : {})),
    resources,
    conditions: new Set(Object.keys(isRecord(body.Conditions) ? body.Conditions : {})),
    generated,
  };
}

const KNOWN_TRANSFORMS = new Set(["AWS::Serverless-2016-10-31", "AWS::LanguageExtensions"]);

function usesUnknownMacro(body: TemplateBody): boolean {
  return transforms(body).some((name) => !KNOWN_TRANSFORMS.has(name)) || JSON.stringify(body).includes('"Fn::Transform"');
}

function transforms(body: TemplateBody): string[] {
  return listValue(body.Transform).map((entry) => (isRecord(entry) ? stringValue(entry.Name) : stringValue(entry)) ?? "");
}

/** `Fn::ForEach::Name: [Identifier, Collection, {OutputKey: ...}]`: each output key, its `${Identifier}`/`&{Identifier}` as a wildcard. */
function forEachPatterns(loop: unknown): RegExp[] {
  if (!Array.isArray(loop) || !isRecord(loop[2])) return [];
  return Object.entries(loop[2]).flatMap(([key, value]) => {
    if (key.startsWith("Fn::ForEach::")) return forEachPatterns(value);
    return [new RegExp(`^${key.split(/[$&]\{[^}]*\}/).map(escape).join(".+")}$`)];
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function isGenerated(name: string, names: DeclaredNames): boolean {
  return names.generated.some((pattern) => pattern.test(name));
}

function referenceProblem(reference: Reference, body: TemplateBody, names: DeclaredNames): string | undefined {
  const { to, kind } = reference;
  if (reference.path.some((step) => typeof step === "string" && step.startsWith("Fn::ForEach::"))) return undefined;
  if (kind === "Condition") {
    return names.conditions.has(to) ? undefined : `condition ${to} is not declared in Conditions`;
  }
  if (kind === "DependsOn") {
    return names.resources.has(to) || isGenerated(to, names) ? undefined : `DependsOn names ${to}, which is not a resource of this template`;
  }
  if (kind === "Ref" || (kind === "Sub" && reference.attribute === undefined)) {
    if (names.parameters.has(to) || names.resources.has(to) || PSEUDO_PARAMETERS.has(to) || isGenerated(to, names)) return undefined;
    const how = kind === "Ref" ? `Ref ${to}` : `\${${to}} in Fn::Sub`;
    if (to.startsWith("AWS::")) return `${how} names no pseudo parameter (there are ${[...PSEUDO_PARAMETERS].join(", ")})`;
    return `${how} names no parameter or resource of this template${suggestion(to, [...names.parameters, ...names.resources])}`;
  }
  // GetAtt, or `${X.Attr}` in Fn::Sub.
  const attribute = reference.attribute ?? "";
  const how = kind === "GetAtt" ? `Fn::GetAtt ${to}.${attribute}` : `\${${to}.${attribute}} in Fn::Sub`;
  if (names.parameters.has(to) && !names.resources.has(to)) return `${how} asks a parameter for an attribute; only resources have attributes`;
  if (!names.resources.has(to)) {
    return isGenerated(to, names) ? undefined : `${how} names no resource of this template${suggestion(to, [...names.resources])}`;
  }
  if (attribute === "") return `${how} gives no attribute name`;
  const resource = body.Resources[to];
  const type = isRecord(resource) ? stringValue(resource.Type) ?? "" : "";
  const schema = resourceSchema(type);
  if (!schema || schema.attributes.size === 0 || !attributesAreFixed(type)) return undefined;
  // Many registry types also answer GetAtt for their (non write-only) properties: a security group's GroupName.
  if (schema.attributes.has(attribute) || attribute.split(".")[0]! in schema.properties) return undefined;
  const known = [...schema.attributes].sort();
  return `${how}: ${type} has no attribute ${attribute} (it has ${known.join(", ")})`;
}

/** Nested stacks, custom resources and SAM resources have attributes their schema cannot list. */
function attributesAreFixed(type: string): boolean {
  return type !== "AWS::CloudFormation::Stack" && type !== "AWS::CloudFormation::CustomResource" && !type.startsWith("AWS::Serverless::");
}

/** ", did you mean X?" for a name that differs from a declared one only in case. */
function suggestion(name: string, declared: string[]): string {
  const lower = name.toLowerCase();
  const match = declared.find((candidate) => candidate.length === name.length && candidate.toLowerCase() === lower);
  return match ? `; did you mean ${match}?` : "";
}

function subjectOf(from: string, body: TemplateBody): { logicalId: string; type: string } {
  const resource = body.Resources[from];
  if (isRecord(resource)) return { logicalId: from, type: stringValue(resource.Type) ?? "" };
  if (from.startsWith("Outputs.")) return { logicalId: from, type: "AWS::CloudFormation::Output" };
  if (from.startsWith("Conditions.")) return { logicalId: from, type: "AWS::CloudFormation::Condition" };
  return { logicalId: from, type: "" };
}
