import type { TemplatePath } from "./parse.ts";
import { forEachProperty, MAX_LIST_ITEMS_JUDGED } from "./property-check.ts";
import type { ResolvedResource } from "./resolve.ts";
import { kindOfIdentifier, resourceSchema, type Property, type ValueKind } from "./schema.ts";
import { Composite, ResourceAttribute, ResourceRef, isRecord } from "./values.ts";

/** A place in a resource where CloudFormation or IAM needs an ARN, and the value written there. */
export interface ArnPosition {
  path: TemplatePath;
  value: unknown;
  /** For messages: "IAM policy Resource", "SourceArn". */
  where: string;
  /** IAM policy elements: a literal that is neither "*" nor an ARN is wrong as well. */
  policyElement: boolean;
  /** The schema of an `...Arn` property, whose relationship references say which attributes of which types it accepts. */
  property?: Property;
}

/** Every ARN position of a resolved resource: policy Resource/NotResource, AWS principals, ARN conditions, `...Arn` properties. */
export function arnPositions(resource: ResolvedResource): ArnPosition[] {
  const base: TemplatePath = ["Resources", resource.logicalId, "Properties"];
  const positions: ArnPosition[] = [];
  collectPolicyPositions(resource.properties, [...base], positions);
  forEachProperty(
    resource.type,
    resource.properties,
    base,
    ({ name, property, value, path, parents }) => {
      if (!isStringLike(property) || acceptsNames(property)) return;
      if (parents.length === 0 && ROLE_NAME_ACCEPTED.has(`${resource.type}.${name}`)) return;
      eachItem(value, path, (item, itemPath) => positions.push({ path: itemPath, value: item, where: name, policyElement: false, property }));
    },
    (name) => ARN_NAME.test(name),
  );
  return positions;
}

const ARN_NAME = /(Arn|ARN)s?$/;

function isStringLike(property: Property): boolean {
  const type = property.type;
  return type.type === "string" || (type.type === "array" && type.element.type === "string");
}

/** ECS resolves a role name given for a task definition's roles (deployed templates rely on it). */
const ROLE_NAME_ACCEPTED = new Set(["AWS::ECS::TaskDefinition.ExecutionRoleArn", "AWS::ECS::TaskDefinition.TaskRoleArn"]);

/** A few `...Arn` properties document that a name (or alias, id) is accepted too. */
function acceptsNames(property: Property): boolean {
  let accepts = acceptsNamesByProperty.get(property);
  if (accepts === undefined) {
    accepts = documentsNamesAccepted(property);
    acceptsNamesByProperty.set(property, accepts);
  }
  return accepts;
}

const acceptsNamesByProperty = new WeakMap<Property, boolean>();

function documentsNamesAccepted(property: Property): boolean {
  return /name or (the )?(full )?(amazon resource name|arn)|arn or (the )?name|name, or (the )?arn|(arn|amazon resource name \(arn\)) or (the )?(id|identifier|alias)|\bid or (the )?arn|either name or arn/i.test(
    property.documentation ?? "",
  );
}

function eachItem(value: unknown, path: TemplatePath, visit: (item: unknown, path: TemplatePath) => void): void {
  if (Array.isArray(value)) value.slice(0, MAX_LIST_ITEMS_JUDGED).forEach((item, index) => visit(item, [...path, index]));
  else visit(value, path);
}

/**
 * Finds policy documents anywhere in the properties (inline policies, bucket, queue, topic and key policies). `path` is
 * a stack, pushed and popped on the way; positions keep copies.
 */
function collectPolicyPositions(node: unknown, path: (string | number)[], positions: ArnPosition[]): void {
  if (Array.isArray(node)) {
    for (let index = 0; index < node.length; index++) {
      const item = node[index];
      if (item === null || typeof item !== "object") continue;
      path.push(index);
      collectPolicyPositions(item, path, positions);
      path.pop();
    }
    return;
  }
  if (!isRecord(node)) return;
  const statements = node.Statement;
  const entries = Array.isArray(statements) ? statements : [statements];
  if (statements !== undefined && entries.some((entry) => isRecord(entry) && "Effect" in entry)) {
    entries.forEach((entry, index) => {
      if (!isRecord(entry) || !("Effect" in entry)) return;
      const at = Array.isArray(statements) ? [...path, "Statement", index] : [...path, "Statement"];
      statementPositions(entry, at, positions);
    });
    return;
  }
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (value === null || typeof value !== "object") continue;
    path.push(key);
    collectPolicyPositions(value, path, positions);
    path.pop();
  }
}

function statementPositions(statement: Record<string, unknown>, at: TemplatePath, positions: ArnPosition[]): void {
  for (const key of ["Resource", "NotResource"]) {
    if (key in statement) eachItem(statement[key], [...at, key], (value, path) => positions.push({ path, value, where: `IAM policy ${key}`, policyElement: true }));
  }
  for (const key of ["Principal", "NotPrincipal"]) {
    const principal = statement[key];
    if (isRecord(principal) && "AWS" in principal) {
      eachItem(principal.AWS, [...at, key, "AWS"], (value, path) => positions.push({ path, value, where: `IAM policy ${key} AWS`, policyElement: false }));
    }
  }
  const condition = statement.Condition;
  if (!isRecord(condition)) return;
  for (const [operator, block] of Object.entries(condition)) {
    if (!isRecord(block)) continue;
    for (const [key, values] of Object.entries(block)) {
      if (!/^Arn/i.test(operator) && !/^aws:(SourceArn|PrincipalArn)$/i.test(key)) continue;
      eachItem(values, [...at, "Condition", operator, key], (value, path) => positions.push({ path, value, where: `IAM condition ${key}`, policyElement: false }));
    }
  }
}

/**
 * What a Ref or GetAtt gives, with the attribute Ref returns counted as itself (a secret's `Id` is its ARN).
 * A bare "Id" identifier says nothing about its form: a DMS replication instance's Id is its ARN, an IAM
 * policy's is not; such values are not judged.
 */
function kindOf(symbol: ResourceRef | ResourceAttribute): ValueKind {
  const schema = resourceSchema(symbol.type);
  const identifier = schema?.refIdentifier.length === 1 ? schema.refIdentifier[0] : undefined;
  const returnsRefIdentifier = symbol instanceof ResourceRef || symbol.attribute === identifier;
  if (returnsRefIdentifier && identifier === "Id" && symbol.returns === "id") return "other";
  if (symbol instanceof ResourceRef) return symbol.returns;
  if (returnsRefIdentifier && schema) return schema.refKind;
  return symbol.returns;
}

function describeSymbol(symbol: ResourceRef | ResourceAttribute): string {
  const kind = kindOf(symbol);
  const what = kind === "url" ? "URL" : kind === "id" ? "id" : "name";
  return symbol instanceof ResourceRef
    ? `Ref of ${symbol.logicalId} (${symbol.type}) returns its ${what}, not its ARN`
    : `${symbol.logicalId}.${symbol.attribute} is ${what === "id" ? "an" : "a"} ${what}, not an ARN`;
}

/** Does the property's schema say it takes this reference as it is (a name where names are welcome)? */
function propertyAccepts(property: Property | undefined, symbol: ResourceRef | ResourceAttribute): boolean {
  const references = (property?.relationshipRefs ?? []).filter((reference) => reference.cloudFormationType === symbol.type);
  if (references.length === 0) return false;
  const schema = resourceSchema(symbol.type);
  const given = symbol instanceof ResourceRef ? schema?.refIdentifier ?? [] : [symbol.attribute];
  return references.some((reference) => given.includes(reference.propertyName) || kindOfIdentifier(reference.propertyName) === kindOf(symbol));
}

/** An API Gateway resource policy may name the API's own methods as `execute-api:/stage/METHOD/path`. */
function isApiGatewayShorthand(text: string): boolean {
  return text.startsWith("execute-api:");
}

/** IAM shows a deleted principal as its unique id (AIDA..., AROA...), which policies may still carry. */
const IAM_UNIQUE_ID = /^A[A-Z0-9]{15,}$/;

const NOT_ARN_KINDS: ReadonlySet<ValueKind> = new Set(["name", "id", "url"]);

/** Why the value at an ARN position cannot be an ARN, or undefined when it is one (or cannot be told). */
export function arnProblem(position: ArnPosition): string | undefined {
  const { value } = position;
  if (value instanceof ResourceRef || value instanceof ResourceAttribute) {
    if (!NOT_ARN_KINDS.has(kindOf(value)) || propertyAccepts(position.property, value)) return undefined;
    return `${position.where} needs an ARN, but ${describeSymbol(value)}`;
  }
  if (value instanceof Composite) {
    const [first, ...rest] = value.parts;
    if (first instanceof ResourceRef || first instanceof ResourceAttribute) {
      if (!NOT_ARN_KINDS.has(kindOf(first))) return undefined;
      return `${position.where} needs an ARN, but ${String(value)} starts with ${describeSymbol(first)}`;
    }
    if (typeof first === "string" && /^arn:/i.test(first)) {
      const nested = rest.find((part): part is ResourceRef | ResourceAttribute => (part instanceof ResourceRef || part instanceof ResourceAttribute) && kindOf(part) === "arn");
      if (nested) {
        const what = nested instanceof ResourceRef ? `Ref of ${nested.logicalId}` : `${nested.logicalId}.${nested.attribute}`;
        return `${position.where} nests an ARN inside an ARN: ${String(value)} (${what} is already a full ARN)`;
      }
      return undefined;
    }
    if (position.policyElement && typeof first === "string" && !first.startsWith("*") && !isApiGatewayShorthand(first)) {
      return `${position.where} needs an ARN or "*", but ${String(value)} is neither`;
    }
    return undefined;
  }
  if (position.policyElement && typeof value === "string" && value !== "*" && !/^arn:/i.test(value) && !isApiGatewayShorthand(value)) {
    return `${position.where} needs an ARN or "*", but "${value}" is neither`;
  }
  if (!position.policyElement && typeof value === "string" && value !== "" && value !== "*" && !/^arn:/i.test(value) && !/^\d{12}$/.test(value) && !IAM_UNIQUE_ID.test(value)) {
    return `${position.where} needs an ARN, but "${value}" is not one`;
  }
  return undefined;
}

