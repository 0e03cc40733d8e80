import type { TemplatePath } from "../../template/parse.ts";
import { SHAPE_REDACTOR } from "../../findings/redact.ts";
import { resourceSchema } from "../../template/schema.ts";
import { isRecord, lookupTable, stringValue } from "../../template/values.ts";
import { defineRule, type Hit } from "../rule.ts";

const REGION = String.raw`(?:us-gov|us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:north|south|east|west|central|northeast|southeast|northwest|southwest)-\d`;

interface Pattern {
  kind: "account id" | "region" | "availability zone" | "AMI id";
  expression: RegExp;
  /** A cheap test every match passes: most strings fail it, and the expression is not run on them. */
  mayMatch: (text: string) => boolean;
  instead: string;
}

/** Every region name has one of these right before its number. */
const REGION_HINT = /(?:north|south|east|west|central)-\d/;
const mayNameRegion = (text: string) => REGION_HINT.test(text);

/** Order matters: an AZ name contains a region name, and is reported as the AZ. */
const PATTERNS: Pattern[] = [
  {
    kind: "account id",
    expression: /arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):/g,
    mayMatch: (text) => text.includes("arn:aws"),
    instead: "${AWS::AccountId} (or, for an AWS service's own account such as Elastic Load Balancing's log delivery, a Mapping keyed by region)",
  },
  { kind: "availability zone", expression: new RegExp(String.raw`(?<![\w-])(${REGION}[a-z])(?![\w-])`, "g"), mayMatch: mayNameRegion, instead: "!Select [0, !GetAZs ''] or a parameter" },
  { kind: "region", expression: new RegExp(String.raw`(?<![\w-])(${REGION})(?![a-z0-9-])`, "g"), mayMatch: mayNameRegion, instead: "${AWS::Region}" },
  { kind: "AMI id", expression: /(?<![\w-])(ami-[0-9a-f]{8}(?:[0-9a-f]{9})?)(?![\w-])/g, mayMatch: (text) => text.includes("ami-"), instead: "a parameter of type AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" },
];

/** Where a physical name must be unique beyond the account and region the stack deploys to. */
const WIDER_SCOPE = lookupTable({
  "AWS::S3::Bucket": "across all AWS accounts",
  "AWS::IAM::Role": "in the account, in every region (IAM is global)",
  "AWS::IAM::ManagedPolicy": "in the account, in every region (IAM is global)",
  "AWS::IAM::InstanceProfile": "in the account, in every region (IAM is global)",
  "AWS::IAM::User": "in the account, in every region (IAM is global)",
  "AWS::IAM::Group": "in the account, in every region (IAM is global)",
});

const nameProperties = new Map<string, string[]>();

/**
 * The properties that give a resource its physical name, read from the resource schema: `Name` or `<Kind>Name`
 * (BucketName, FunctionName, GroupName of a SecurityGroup) that either identifies the resource or replaces it when
 * changed, and does not point at another resource (a KeyName, an EventSourceMapping's FunctionName).
 */
function namePropertiesOf(type: string): string[] {
  let names = nameProperties.get(type);
  if (!names) {
    const schema = resourceSchema(type);
    const kind = type.split("::").pop() ?? "";
    names = Object.entries(schema?.properties ?? {})
      .filter(([property, definition]) =>
        property.endsWith("Name") &&
        (property === "Name" || kind.endsWith(property.slice(0, -"Name".length))) &&
        (definition.causesReplacement === "yes" || schema!.refIdentifier.includes(property)) &&
        !definition.relationshipRefs?.length)
      .map(([property]) => property);
    nameProperties.set(type, names);
  }
  return names;
}

/** Free text, where naming a region or account describes rather than configures, and program source (a function's inline code). */
const SKIPPED_KEYS = new Set(["Description", "AlarmDescription", "Comment", "GroupDescription", "ZipFile", "InlineCode"]);

export default defineRule({
  id: "template-hardcoded-values",
  title: "Account id, region, AZ, AMI id or physical resource name written literally",
  severity: "low",
  description:
    "A resource property writes an account id (in an ARN), a region, an availability zone or an AMI id literally, or " +
    "gives the resource a fixed physical name (BucketName, RoleName, FunctionName, a security group's GroupName...). The template then breaks, or silently points at the wrong " +
    "account or region, when it is deployed anywhere else (bucket names are global, IAM names account-wide, other names " +
    "per account and region, and a named resource cannot be replaced by an update); AMI ids " +
    "differ per region and go stale. Parameter defaults and Mappings are the right place for such values and are not reported.",
  remediation:
    "Use the pseudo parameters `${AWS::AccountId}`, `${AWS::Region}` and `${AWS::Partition}`, `!GetAZs ''` with `!Select` " +
    "for availability zones, a Mappings entry keyed by region for per-region values, and a parameter of type " +
    "`AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>` (e.g. /aws/service/ami-amazon-linux-latest/...) for AMI ids. " +
    "Leave physical names (BucketName, RoleName, FunctionName...) out, or build them with `!Sub '${AWS::StackName}-...'` " +
    "(and the account and region for buckets).",
  seeds: ["002 §7", "004 §11"],
  anchors: [],
  judges: ["template"],
  check(context) {
    const template = context.template;
    if (!template) return [];
    // Hits are read from the template as written: worked out once per template, then kept for the resources the
    // scenario creates.
    let hitsByResource = hitsByBody.get(template.body);
    if (!hitsByResource) {
      hitsByResource = new Map(Object.entries(template.body.Resources).map(([logicalId, resource]) => [logicalId, hitsOf(logicalId, resource)]));
      hitsByBody.set(template.body, hitsByResource);
    }
    const hits: Hit[] = [];
    for (const [logicalId, resourceHits] of hitsByResource) {
      if (template.resolved.resources.has(logicalId)) hits.push(...resourceHits);
    }
    return hits;
  },
});

const hitsByBody = new WeakMap<object, Map<string, readonly Hit[]>>();

function hitsOf(logicalId: string, resource: unknown): Hit[] {
  if (!isRecord(resource)) return [];
  const hits: Hit[] = [];
  const type = stringValue(resource.Type) ?? "";
  const properties = isRecord(resource.Properties) ? resource.Properties : {};
  for (const property of namePropertiesOf(type)) {
    const name = properties[property];
    if (typeof name !== "string") continue;
    const scope = WIDER_SCOPE[type];
    hits.push({
      resource: { logicalId, type },
      path: ["Resources", logicalId, "Properties", property],
      message: scope
        ? `${logicalId} names itself ${name} literally, and ${property} must be unique ${scope}: a second deployment of ` +
          `the template (another stage, region or account's copy) fails; build it with !Sub from \${AWS::StackName}, ` +
          `\${AWS::AccountId}/\${AWS::Region} or a parameter, or leave it out and let CloudFormation name it`
        : `${logicalId} names itself ${name} literally (${property}): a second copy of the stack in the same account and ` +
          `region collides with it, and CloudFormation cannot apply an update that replaces it; build the name with !Sub ` +
          `from \${AWS::StackName} or a parameter, or leave it out and let CloudFormation name it`,
      detail: `static name:${property}`,
      evidence: { kind: "static name", value: name },
    });
  }
  const seen = new Set<string>();
  forEachLiteral(resource.Properties, ["Resources", logicalId, "Properties"], (text, path) => {
    // The text is quoted, and an excerpt cut from it can hold part of a secret (user data that configures a key) that
    // no longer has the shape redaction knows: the excerpt is cut from the text with its secrets redacted already.
    let shown: string | undefined;
    let rest = text;
    for (const pattern of PATTERNS) {
      if (!pattern.mayMatch(rest)) continue;
      for (const match of rest.matchAll(pattern.expression)) {
        const value = match[1]!;
        const detail = `${pattern.kind}:${value}`;
        if (seen.has(detail)) continue;
        seen.add(detail);
        shown ??= SHAPE_REDACTOR.text(text);
        hits.push({
          resource: { logicalId, type },
          path: [...path],
          message: `${logicalId} writes the ${pattern.kind} ${value} literally (in "${excerpt(shown, shown === text ? match.index : shown.indexOf(value))}"); use ${pattern.instead}`,
          detail,
          evidence: { kind: pattern.kind, value, text: shown },
        });
      }
      // An AZ name is not reported a second time as its region.
      if (pattern.kind === "availability zone") rest = rest.replace(pattern.expression, (zone) => " ".repeat(zone.length));
    }
  });
  return hits;
}

/**
 * Every literal string of a resource as written: plain values and the text of Fn::Sub templates. `path` is a stack,
 * pushed and popped on the way: `visit` copies it if it keeps it.
 */
function forEachLiteral(node: unknown, path: (string | number)[], visit: (text: string, path: TemplatePath) => void): void {
  if (typeof node === "string") visit(node, path);
  else if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      path.push(index);
      forEachLiteral(node[index], path, visit);
      path.pop();
    }
  } else if (isRecord(node)) {
    for (const key of Object.keys(node)) {
      if (SKIPPED_KEYS.has(key) || key === "Fn::FindInMap" || key === "Ref" || key === "Condition") continue;
      path.push(key);
      forEachLiteral(node[key], path, visit);
      path.pop();
    }
  }
}

function excerpt(text: string, index = 0): string {
  const start = Math.max(0, index - 30);
  const end = Math.min(text.length, index + 50);
  return `${start > 0 ? "…" : ""}${text.slice(start, end).replace(/\s+/g, " ")}${end < text.length ? "…" : ""}`;
}
