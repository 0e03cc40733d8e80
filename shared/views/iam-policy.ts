import type { TemplatePath } from "../template/parse.ts";
import type { ResolvedResource, ResolvedTemplate } from "../template/resolve.ts";
import { buildReferenceGraph } from "../template/graph.ts";
import { Composite, isRecord, listValue, lookupTable, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { IamReader, inlinePolicyResources, type IamPrincipalKind, type PolicyEntity } from "../live/iam.ts";
import type { LiveScope, LiveStack } from "../live/session.ts";
import { readPolicyDocument, type PolicyDocument } from "./policy-document.ts";
import { defineView, liveResourcesOfType, propertyPath, type ResourceView } from "./view.ts";

export type PrincipalKind = "role" | "user" | "group";

/** A role, user or group a policy applies to; logicalId when the principal is declared in the same template. */
export interface PolicyAttachment {
  kind: PrincipalKind;
  logicalId?: string;
  /** The principal's name when the template (or the API) gives it. */
  name?: string;
}

/** One identity-policy document: an inline policy of a principal, an AWS::IAM::Policy, or a customer managed policy. */
export interface IamPolicyView extends ResourceView {
  /** "inline" for a policy embedded in principals, "managed" for a customer managed policy (it may also serve as a permissions boundary). */
  policyKind: "inline" | "managed";
  policyName?: string;
  document: PolicyDocument;
  /** Principals whose permissions the document grants. */
  attachedTo: PolicyAttachment[];
  /** Principals that use this managed policy as their permissions boundary. */
  boundaryOf: PolicyAttachment[];
  /**
   * True when something other than the attachments above refers to the policy (an Output, another resource),
   * so it may be attached where this view cannot see.
   */
  referencedElsewhere: boolean;
  /** Tells this document apart from the resource's other documents ("Policies/ReadOnly", "PolicyDocument"); stable across scans. */
  key: string;
}

export interface ManagedPolicyArnAttachment {
  /** The ARN as resolved: a string, or a symbolic value (Ref of a managed policy of the template). */
  arn: unknown;
  /** Logical id of the customer managed policy of this template the ARN names, if any. */
  policyLogicalId?: string;
  at: TemplatePath;
}

/** An IAM role, user or group: what is attached to it (inline documents are IamPolicyViews). */
export interface IamPrincipalView extends ResourceView {
  kind: PrincipalKind;
  name?: string;
  /** Undefined when the attached policies could not be read (live). */
  managedPolicyArns?: ManagedPolicyArnAttachment[];
  permissionsBoundary?: ManagedPolicyArnAttachment;
  /** Roles only: who may assume the role. A trust policy, never an identity policy. */
  trustPolicy?: PolicyDocument;
  /**
   * The principal's own inline policies by name (its Policies property; not those of AWS::IAM::Policy resources).
   * Undefined when a name is not fixed (template) or a document could not be read (live).
   */
  inlinePolicies?: Record<string, PolicyDocument>;
}

const PRINCIPAL_TYPES: Readonly<Record<string, PrincipalKind>> = lookupTable({
  "AWS::IAM::Role": "role",
  "AWS::IAM::User": "user",
  "AWS::IAM::Group": "group",
});

const NAME_PROPERTY: Record<PrincipalKind, string> = { role: "RoleName", user: "UserName", group: "GroupName" };

/** Separate inline-policy resources that name exactly one principal. */
const SINGLE_PRINCIPAL_POLICY_TYPES: Readonly<Record<string, [PrincipalKind, string]>> = lookupTable<[PrincipalKind, string]>({
  "AWS::IAM::RolePolicy": ["role", "RoleName"],
  "AWS::IAM::UserPolicy": ["user", "UserName"],
  "AWS::IAM::GroupPolicy": ["group", "GroupName"],
});

const ATTACHMENT_LISTS: [string, PrincipalKind][] = [["Roles", "role"], ["Users", "user"], ["Groups", "group"]];

/** Text of a fixed value, or of a Sub/Join (its symbolic parts as `${X}`), so that two spellings of one name compare equal. */
function comparable(value: unknown): string | undefined {
  if (value instanceof Composite) return value.toString();
  return stringValue(value);
}

interface TemplateIndex {
  principalsByName: Map<string, { kind: PrincipalKind; logicalId: string }>;
  managedPoliciesByName: Map<string, string>;
}

function indexTemplate(template: ResolvedTemplate): TemplateIndex {
  const principalsByName = new Map<string, { kind: PrincipalKind; logicalId: string }>();
  const managedPoliciesByName = new Map<string, string>();
  for (const resource of template.resources.values()) {
    const kind = PRINCIPAL_TYPES[resource.type];
    if (kind) {
      const name = comparable(resource.properties[NAME_PROPERTY[kind]]);
      if (name !== undefined) principalsByName.set(`${kind}:${name}`, { kind, logicalId: resource.logicalId });
    }
    if (resource.type === "AWS::IAM::ManagedPolicy") {
      const name = comparable(resource.properties.ManagedPolicyName);
      if (name !== undefined) managedPoliciesByName.set(name, resource.logicalId);
    }
  }
  return { principalsByName, managedPoliciesByName };
}

/** A principal named in Roles/Users/Groups (or RoleName...): a Ref to a principal of the template, or a name. */
function attachmentOf(kind: PrincipalKind, value: unknown, index: TemplateIndex): PolicyAttachment {
  if (value instanceof ResourceRef || value instanceof ResourceAttribute) {
    return PRINCIPAL_TYPES[value.type] ? { kind: PRINCIPAL_TYPES[value.type]!, logicalId: value.logicalId } : { kind, name: value.toString() };
  }
  const name = comparable(value);
  if (name === undefined) return { kind, name: String(value) };
  const known = index.principalsByName.get(`${kind}:${name}`);
  return known ? { kind, logicalId: known.logicalId, name } : { kind, name };
}

/** The customer managed policy of this template that a managed-policy ARN names, by Ref or by its ManagedPolicyName. */
function managedPolicyNamed(arn: unknown, template: ResolvedTemplate, index: TemplateIndex): string | undefined {
  if (arn instanceof ResourceRef && template.resources.get(arn.logicalId)?.type === "AWS::IAM::ManagedPolicy") return arn.logicalId;
  const text = comparable(arn);
  const match = text === undefined ? undefined : /^arn:[^:]+:iam::[^:]*:policy\/(?:.*\/)?([^/]+)$/.exec(text);
  if (!match || /^arn:[^:]+:iam::aws:/.test(text!)) return undefined;
  return index.managedPoliciesByName.get(match[1]!);
}

function principalOf(resource: ResolvedResource, kind: PrincipalKind, template: ResolvedTemplate, index: TemplateIndex): IamPrincipalView {
  const { logicalId, properties } = resource;
  const managedPolicyArns: ManagedPolicyArnAttachment[] = [];
  const view: IamPrincipalView = { logicalId, type: resource.type, at: ["Resources", logicalId], kind, managedPolicyArns };
  const name = comparable(properties[NAME_PROPERTY[kind]]);
  if (name !== undefined) view.name = name;
  listValue(properties.ManagedPolicyArns).forEach((arn, position) => {
    const attachment: ManagedPolicyArnAttachment = { arn, at: propertyPath(logicalId, "ManagedPolicyArns", position) };
    const policy = managedPolicyNamed(arn, template, index);
    if (policy) attachment.policyLogicalId = policy;
    managedPolicyArns.push(attachment);
  });
  if (kind !== "group" && properties.PermissionsBoundary !== undefined) {
    const boundary: ManagedPolicyArnAttachment = { arn: properties.PermissionsBoundary, at: propertyPath(logicalId, "PermissionsBoundary") };
    const policy = managedPolicyNamed(properties.PermissionsBoundary, template, index);
    if (policy) boundary.policyLogicalId = policy;
    view.permissionsBoundary = boundary;
  }
  if (kind === "role" && properties.AssumeRolePolicyDocument !== undefined) {
    view.trustPolicy = readPolicyDocument(properties.AssumeRolePolicyDocument, propertyPath(logicalId, "AssumeRolePolicyDocument"));
  }
  return view;
}

function selfAttachment(principal: IamPrincipalView): PolicyAttachment {
  return { kind: principal.kind, logicalId: principal.logicalId, ...(principal.name !== undefined ? { name: principal.name } : {}) };
}

interface IamViews {
  principals: IamPrincipalView[];
  policies: IamPolicyView[];
}

const built = new WeakMap<ResolvedTemplate, IamViews>();

function buildIamViews(template: ResolvedTemplate): IamViews {
  const cached = built.get(template);
  if (cached) return cached;
  const index = indexTemplate(template);
  const principals: IamPrincipalView[] = [];
  const policies: IamPolicyView[] = [];

  for (const resource of template.resources.values()) {
    const kind = PRINCIPAL_TYPES[resource.type];
    if (!kind) continue;
    const principal = principalOf(resource, kind, template, index);
    principals.push(principal);
    const inlinePolicies: Record<string, PolicyDocument> = {};
    let namesFixed = true;
    listValue(resource.properties.Policies).forEach((entry, position) => {
      if (!isRecord(entry)) return;
      const policyName = stringValue(entry.PolicyName);
      const document = readPolicyDocument(entry.PolicyDocument, propertyPath(resource.logicalId, "Policies", position, "PolicyDocument"));
      if (policyName === undefined) namesFixed = false;
      else inlinePolicies[policyName] = document;
      policies.push({
        logicalId: resource.logicalId,
        type: resource.type,
        at: propertyPath(resource.logicalId, "Policies", position),
        policyKind: "inline",
        ...(policyName !== undefined ? { policyName } : {}),
        document,
        attachedTo: [selfAttachment(principal)],
        boundaryOf: [],
        referencedElsewhere: false,
        key: `Policies/${policyName ?? position}`,
      });
    });
    if (namesFixed) principal.inlinePolicies = inlinePolicies;
  }

  const graph = buildReferenceGraph(template.source.body);
  for (const resource of template.resources.values()) {
    const { logicalId, properties } = resource;
    const single = SINGLE_PRINCIPAL_POLICY_TYPES[resource.type];
    if (resource.type !== "AWS::IAM::ManagedPolicy" && resource.type !== "AWS::IAM::Policy" && !single) continue;
    const attachedTo: PolicyAttachment[] = [];
    if (single) {
      if (properties[single[1]] !== undefined) attachedTo.push(attachmentOf(single[0], properties[single[1]], index));
    } else {
      for (const [property, kind] of ATTACHMENT_LISTS) {
        for (const entry of listValue(properties[property])) attachedTo.push(attachmentOf(kind, entry, index));
      }
    }
    const boundaryOf: PolicyAttachment[] = [];
    let referencedElsewhere = false;
    if (resource.type === "AWS::IAM::ManagedPolicy") {
      for (const principal of principals) {
        if (principal.managedPolicyArns?.some((attachment) => attachment.policyLogicalId === logicalId)) attachedTo.push(selfAttachment(principal));
        if (principal.permissionsBoundary?.policyLogicalId === logicalId) boundaryOf.push(selfAttachment(principal));
      }
      referencedElsewhere = graph
        .usersOf(logicalId)
        .some((reference) => reference.kind !== "Condition" && !(reference.path[2] === "Properties" && (reference.path[3] === "ManagedPolicyArns" || reference.path[3] === "PermissionsBoundary")));
    }
    const policyName = stringValue(resource.type === "AWS::IAM::ManagedPolicy" ? properties.ManagedPolicyName : properties.PolicyName);
    policies.push({
      logicalId,
      type: resource.type,
      at: ["Resources", logicalId],
      policyKind: resource.type === "AWS::IAM::ManagedPolicy" ? "managed" : "inline",
      ...(policyName !== undefined ? { policyName } : {}),
      document: readPolicyDocument(properties.PolicyDocument, propertyPath(logicalId, "PolicyDocument")),
      attachedTo,
      boundaryOf,
      referencedElsewhere,
      key: "PolicyDocument",
    });
  }
  const views = { principals, policies };
  built.set(template, views);
  return views;
}


const liveBuilt = new WeakMap<LiveStack, IamViews>();

/** Where the template writes the principal's inline policy of that name, else the principal itself. */
function inlinePolicyPath(template: ResolvedTemplate | undefined, logicalId: string, policyName: string) {
  const entries = listValue(template?.resources.get(logicalId)?.properties.Policies);
  const position = entries.findIndex((entry) => isRecord(entry) && stringValue(entry.PolicyName) === policyName);
  return position >= 0 ? propertyPath(logicalId, "Policies", position, "PolicyDocument") : ["Resources", logicalId];
}

/** The same views from what IamReader read for the stack: documents as IAM holds them, attachments as IAM lists them. */
function buildLiveIamViews(stack: LiveStack): IamViews {
  const cached = liveBuilt.get(stack);
  if (cached) return cached;
  const reader = stack.session.reader(IamReader);
  const principalLogicalIds = new Map<string, string>();
  const managedLogicalIds = new Map<string, string>();
  for (const resource of liveResourcesOfType(stack, ...Object.keys(PRINCIPAL_TYPES))) principalLogicalIds.set(`${PRINCIPAL_TYPES[resource.type]}:${resource.physicalId}`, resource.logicalId);
  for (const resource of liveResourcesOfType(stack, "AWS::IAM::ManagedPolicy")) managedLogicalIds.set(resource.physicalId, resource.logicalId);
  const attachment = (entity: PolicyEntity): PolicyAttachment => {
    const logicalId = principalLogicalIds.get(`${entity.kind}:${entity.name}`);
    return { kind: entity.kind, name: entity.name, ...(logicalId !== undefined ? { logicalId } : {}) };
  };
  const physicalIdOf = (logicalId: string) => stack.resources.find((resource) => resource.logicalId === logicalId)?.physicalId;
  const policyResources = stack.template ? inlinePolicyResources(stack.template, physicalIdOf) : [];
  // Inline policies an AWS::IAM::Policy of the stack puts on a principal are that resource's, not the principal's own.
  const claimed = new Set(policyResources.flatMap((policy) => policy.principals.map((principal) => `${principal.kind}:${principal.name}:${policy.policyName}`)));

  const principals: IamPrincipalView[] = [];
  const policies: IamPolicyView[] = [];
  const livePrincipals: { kind: IamPrincipalKind; name: string; attached: string[]; boundary?: string }[] = [];
  for (const resource of liveResourcesOfType(stack, ...Object.keys(PRINCIPAL_TYPES))) {
    const kind = PRINCIPAL_TYPES[resource.type]!;
    const live = reader.principal(kind, resource.physicalId);
    if (!live) continue;
    const { logicalId } = resource;
    const view: IamPrincipalView = { logicalId, type: resource.type, physicalId: resource.physicalId, kind, name: live.name };
    if (live.attachedPolicies) {
      view.managedPolicyArns = live.attachedPolicies.map((policy) => {
        const policyLogicalId = managedLogicalIds.get(policy.arn);
        return { arn: policy.arn, at: propertyPath(logicalId, "ManagedPolicyArns"), ...(policyLogicalId !== undefined ? { policyLogicalId } : {}) };
      });
    }
    if (live.permissionsBoundaryArn) {
      const policyLogicalId = managedLogicalIds.get(live.permissionsBoundaryArn);
      view.permissionsBoundary = { arn: live.permissionsBoundaryArn, at: propertyPath(logicalId, "PermissionsBoundary"), ...(policyLogicalId !== undefined ? { policyLogicalId } : {}) };
    }
    if (live.trustPolicy) view.trustPolicy = readPolicyDocument(live.trustPolicy, propertyPath(logicalId, "AssumeRolePolicyDocument"));
    livePrincipals.push({ kind, name: live.name, attached: (live.attachedPolicies ?? []).map((policy) => policy.arn), ...(live.permissionsBoundaryArn ? { boundary: live.permissionsBoundaryArn } : {}) });
    principals.push(view);
    if (!live.inlinePolicies) continue;
    const own: Record<string, PolicyDocument> = {};
    let complete = true;
    for (const [policyName, raw] of live.inlinePolicies) {
      if (claimed.has(`${kind}:${live.name}:${policyName}`)) continue;
      if (!raw) {
        complete = false;
        continue;
      }
      const document = readPolicyDocument(raw, inlinePolicyPath(stack.template, logicalId, policyName));
      own[policyName] = document;
      policies.push({
        logicalId, type: resource.type, physicalId: resource.physicalId, policyKind: "inline", policyName, document,
        attachedTo: [attachment({ kind, name: live.name })], boundaryOf: [], referencedElsewhere: false, key: `Policies/${policyName}`,
      });
    }
    if (complete) view.inlinePolicies = own;
  }

  const existing = new Map(liveResourcesOfType(stack, ...Object.keys(POLICY_RESOURCE_TYPES)).map((resource) => [resource.logicalId, resource.physicalId]));
  for (const policy of policyResources) {
    const physicalId = existing.get(policy.logicalId);
    if (physicalId === undefined) continue;
    const copies = policy.principals.flatMap((principal) => {
      const document = reader.principal(principal.kind, principal.name)?.inlinePolicies?.get(policy.policyName);
      return document ? [{ principal, document }] : [];
    });
    // Not on any principal that could be read: deleted out of band, or its principals are not readable.
    if (copies.length === 0) continue;
    policies.push({
      logicalId: policy.logicalId, type: policy.type, physicalId, policyKind: "inline", policyName: policy.policyName,
      document: readPolicyDocument(copies[0]!.document, propertyPath(policy.logicalId, "PolicyDocument")),
      attachedTo: copies.map((copy) => attachment(copy.principal)), boundaryOf: [], referencedElsewhere: false, key: "PolicyDocument",
    });
  }

  for (const resource of liveResourcesOfType(stack, "AWS::IAM::ManagedPolicy")) {
    const live = reader.managedPolicy(resource.physicalId);
    if (!live?.document) continue;
    const arn = resource.physicalId;
    // IAM's listing, completed by what the stack's principals say (some endpoints leave boundaries out of the listing).
    const attachedTo = uniqueEntities([...(live.attachedTo ?? []), ...livePrincipals.filter((principal) => principal.attached.includes(arn))]);
    const boundaryOf = uniqueEntities([...(live.boundaryOf ?? []), ...livePrincipals.filter((principal) => principal.boundary === arn)]);
    policies.push({
      logicalId: resource.logicalId, type: resource.type, physicalId: arn, policyKind: "managed", policyName: live.name,
      document: readPolicyDocument(live.document, propertyPath(resource.logicalId, "PolicyDocument")),
      attachedTo: attachedTo.map(attachment), boundaryOf: boundaryOf.map(attachment),
      // Attachments IAM could not list may exist: the policy is not known to be unattached.
      referencedElsewhere: live.attachedTo === undefined,
      key: "PolicyDocument",
    });
  }
  const order = new Map(stack.resources.map((resource, position) => [resource.logicalId, position]));
  const byStackOrder = (a: ResourceView, b: ResourceView) => (order.get(a.logicalId) ?? 0) - (order.get(b.logicalId) ?? 0);
  const views = { principals: principals.sort(byStackOrder), policies: policies.sort(byStackOrder) };
  liveBuilt.set(stack, views);
  return views;
}

const POLICY_RESOURCE_TYPES: Record<string, true> = { "AWS::IAM::Policy": true, "AWS::IAM::RolePolicy": true, "AWS::IAM::UserPolicy": true, "AWS::IAM::GroupPolicy": true };

function uniqueEntities(entities: PolicyEntity[]): PolicyEntity[] {
  const seen = new Map<string, PolicyEntity>();
  for (const entity of entities) seen.set(`${entity.kind}:${entity.name}`, { kind: entity.kind, name: entity.name });
  return [...seen.values()];
}

function liveViews(scope: LiveScope): IamViews | undefined {
  return scope.scope === "stack" ? buildLiveIamViews(scope) : undefined;
}

/** Every identity-policy document of the template, with the principals it applies to. Trust policies are not here. */
export const iamPolicyViews = defineView<IamPolicyView>({
  name: "iam-policy",
  fromTemplate: (template) => buildIamViews(template).policies,
  fromLive: (scope) => liveViews(scope)?.policies ?? [],
});

/** Every IAM role, user and group of the template with its managed-policy ARNs and permissions boundary. */
export const iamPrincipalViews = defineView<IamPrincipalView>({
  name: "iam-principal",
  fromTemplate: (template) => buildIamViews(template).principals,
  fromLive: (scope) => liveViews(scope)?.principals ?? [],
});

/** True for a document that only serves as a permissions boundary (it grants nothing by itself). */
export function isBoundaryOnly(policy: IamPolicyView): boolean {
  return policy.boundaryOf.length > 0 && policy.attachedTo.length === 0;
}

export function describeAttachments(attachments: PolicyAttachment[]): string {
  return attachments.map((attachment) => `${attachment.kind} ${attachment.logicalId ?? attachment.name ?? "?"}`).join(", ");
}
