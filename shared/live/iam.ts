import {
  GetAccountAuthorizationDetailsCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  type AttachedPolicy,
} from "@aws-sdk/client-iam";
import type { ResolvedTemplate } from "../template/resolve.ts";
import { listValue, ResourceAttribute, ResourceRef, stringValue } from "../template/values.ts";
import { inParallel, type LiveSession, type LiveStack, type ServiceReader, type StackResource } from "./session.ts";

export type IamPrincipalKind = "role" | "user" | "group";

/** A role, user or group as IAM describes it. A field whose read failed is undefined (the failure is recorded). */
export interface LivePrincipal {
  kind: IamPrincipalKind;
  name: string;
  arn?: string;
  permissionsBoundaryArn?: string;
  /** Roles: the trust policy, parsed JSON; undefined when it could not be read. */
  trustPolicy?: Record<string, unknown>;
  /**
   * Inline policies by name, each document parsed JSON (undefined when that document could not be read or parsed);
   * the map is undefined when the names could not be listed.
   */
  inlinePolicies?: Map<string, Record<string, unknown> | undefined>;
  /** Attached managed policies; undefined when they could not be listed. */
  attachedPolicies?: { name: string; arn: string }[];
}

export interface PolicyEntity {
  kind: IamPrincipalKind;
  name: string;
}

/** A customer managed policy: its default version's document and who uses it. */
export interface LiveManagedPolicy {
  arn: string;
  name: string;
  /** The default version's document, parsed JSON; undefined when it could not be read. */
  document?: Record<string, unknown>;
  /** Principals it is attached to; undefined when they could not be listed. */
  attachedTo?: PolicyEntity[];
  /** Principals that use it as permissions boundary; undefined when they could not be listed. */
  boundaryOf?: PolicyEntity[];
}

export interface LiveAccessKey {
  userName: string;
  accessKeyId: string;
  /** "Active" or "Inactive". */
  status: string;
  created: Date;
}

const PRINCIPAL_TYPES: Record<string, IamPrincipalKind> = {
  "AWS::IAM::Role": "role",
  "AWS::IAM::User": "user",
  "AWS::IAM::Group": "group",
};

/** Inline-policy resources: their documents live on the principals they name (in the deployed template), read with those principals. */
const INLINE_POLICY_TYPES = ["AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy"];

const PRINCIPAL_CONCURRENCY = 8;
const DOCUMENT_CONCURRENCY = 4;
/**
 * Above this many principals and customer managed policies to read, the scan reads the whole account's with
 * GetAccountAuthorizationDetails instead. One by one, an entity costs 3 to 8 calls (GetRole, two listings, a call per
 * inline document; GetPolicy, its version, its users): 25 of them are 100 to 200 calls, 3 to 8 s of IAM's assumed 20
 * requests/s after its burst of 40. The details cost a call per 1,000 entities, but every entity of the account comes
 * back with its documents, megabytes in an account of thousands of roles: a scan of one stack (a handful of
 * principals) must not pay that; an account-wide scan gains.
 */
export const ACCOUNT_DETAILS_THRESHOLD = 25;
/** The largest page GetAccountAuthorizationDetails hands out. */
const ACCOUNT_DETAILS_PAGE = 1000;
/** AWS managed policies are judged by name, their documents never read: the details leave them out (1,000+ policies with every version). */
const ACCOUNT_DETAILS_FILTER = ["Role", "User", "Group", "LocalManagedPolicy"] as const;
const DENIED = ["AccessDenied", "AccessDeniedException"];

export type ParsedDocument = { ok: true; document: Record<string, unknown> } | { ok: false; problem: string };

/**
 * A policy document as IAM returns it: URL-encoded JSON (real AWS), or plain JSON (GetPolicyVersion on some
 * emulators). Anything else (an object, Python repr text with single quotes and True/False) is a response AWS does
 * not send: the problem says what came back.
 */
export function parsePolicyDocumentText(text: unknown): ParsedDocument {
  if (typeof text !== "string") return { ok: false, problem: `a ${text === null ? "null" : typeof text} instead of URL-encoded JSON text` };
  let decoded = text.trim();
  if (!decoded.startsWith("{")) {
    try {
      decoded = decodeURIComponent(decoded.replace(/\+/g, "%20")).trim();
    } catch {
      return { ok: false, problem: "text that is neither JSON nor URL-encoded JSON" };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(decoded);
  } catch {
    const pythonRepr = /^\{\s*'/.test(decoded) || /:\s*(True|False|None)\b/.test(decoded);
    return { ok: false, problem: pythonRepr ? "Python repr text (single quotes, True/False), not JSON" : "text that is not JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { ok: false, problem: "JSON that is not a policy object" };
  return { ok: true, document: value as Record<string, unknown> };
}

/** An inline-policy resource of a deployed template (AWS::IAM::Policy, RolePolicy...): the policy name it puts on each principal. */
export interface InlinePolicyResource {
  logicalId: string;
  type: string;
  policyName: string;
  /** The principals, by name (a Ref of a stack principal becomes its physical id); logicalId when the stack holds it. */
  principals: { kind: IamPrincipalKind; name: string; logicalId?: string }[];
}

const POLICY_PRINCIPAL_PROPERTIES: Record<string, [string, IamPrincipalKind][]> = {
  "AWS::IAM::Policy": [["Roles", "role"], ["Users", "user"], ["Groups", "group"]],
  "AWS::IAM::RolePolicy": [["RoleName", "role"]],
  "AWS::IAM::UserPolicy": [["UserName", "user"]],
  "AWS::IAM::GroupPolicy": [["GroupName", "group"]],
};

/**
 * The inline-policy resources of the deployed template with the principals each names. Their documents are read from
 * those principals (IAM has no API from the resource's generated physical id to the policy). A principal whose name
 * the template does not fix is left out.
 */
export function inlinePolicyResources(template: ResolvedTemplate, physicalIdOf: (logicalId: string) => string | undefined): InlinePolicyResource[] {
  const found: InlinePolicyResource[] = [];
  for (const resource of template.resources.values()) {
    const properties = POLICY_PRINCIPAL_PROPERTIES[resource.type];
    const policyName = stringValue(resource.properties.PolicyName);
    if (!properties || policyName === undefined) continue;
    const principals: InlinePolicyResource["principals"] = [];
    for (const [property, kind] of properties) {
      for (const entry of listValue(resource.properties[property])) {
        if (entry instanceof ResourceRef || entry instanceof ResourceAttribute) {
          const name = physicalIdOf(entry.logicalId);
          if (name !== undefined && PRINCIPAL_TYPES[entry.type] === kind) principals.push({ kind, name, logicalId: entry.logicalId });
          continue;
        }
        const name = stringValue(entry);
        if (name !== undefined) principals.push({ kind, name });
      }
    }
    found.push({ logicalId: resource.logicalId, type: resource.type, policyName, principals });
  }
  return found;
}

interface PrincipalOperations {
  listInline: string;
  getInline: string;
  listAttached: string;
}

const OPERATIONS: Record<IamPrincipalKind, PrincipalOperations> = {
  role: { listInline: "ListRolePolicies", getInline: "GetRolePolicy", listAttached: "ListAttachedRolePolicies" },
  user: { listInline: "ListUserPolicies", getInline: "GetUserPolicy", listAttached: "ListAttachedUserPolicies" },
  group: { listInline: "ListGroupPolicies", getInline: "GetGroupPolicy", listAttached: "ListAttachedGroupPolicies" },
};

function principalKey(kind: IamPrincipalKind, name: string): string {
  return `${kind}:${name}`;
}

/**
 * Reads IAM roles, users and groups (GetRole/GetUser with the permissions boundary, inline policies listed and read,
 * attached managed policies listed), customer managed policies (GetPolicy, the default version's document, who uses
 * it), and account-wide the users' access keys. AWS managed policies are judged by name: their documents are not read.
 */
export class IamReader implements ServiceReader {
  static readonly service = "iam";
  static readonly global = true;
  static readonly actions = [
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetUser",
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:ListGroupPolicies",
    "iam:GetGroupPolicy",
    "iam:ListAttachedGroupPolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListEntitiesForPolicy",
    "iam:ListUsers",
    "iam:ListAccessKeys",
    "iam:GetAccountAuthorizationDetails",
  ] as const;
  static readonly resourceTypes = [...Object.keys(PRINCIPAL_TYPES), "AWS::IAM::ManagedPolicy", ...INLINE_POLICY_TYPES];

  private readonly principals = new Map<string, LivePrincipal>();
  private readonly managedPolicies = new Map<string, LiveManagedPolicy>();
  private readonly requested = new Set<string>();
  private keys: LiveAccessKey[] | undefined;
  private accountLoaded = false;
  /** The account's entities as GetAccountAuthorizationDetails described them, once read; each is handed out when asked for. */
  private details: AccountDetails | undefined;
  private detailsTried = false;

  constructor(private readonly session: LiveSession) {}

  async load(resources: readonly StackResource[]): Promise<void> {
    const principals: { kind: IamPrincipalKind; name: string }[] = [];
    const policies: string[] = [];
    for (const resource of resources) {
      if (resource.physicalId === undefined || resource.status === "DELETE_COMPLETE") continue;
      const kind = PRINCIPAL_TYPES[resource.type];
      if (kind) {
        if (!this.requested.has(principalKey(kind, resource.physicalId))) principals.push({ kind, name: resource.physicalId });
      } else if (resource.type === "AWS::IAM::ManagedPolicy" && !this.requested.has(`policy:${resource.physicalId}`)) {
        this.requested.add(`policy:${resource.physicalId}`);
        policies.push(resource.physicalId);
      }
    }
    if (new Set(principals.map((principal) => principalKey(principal.kind, principal.name))).size + policies.length > ACCOUNT_DETAILS_THRESHOLD) await this.readAccountDetails();
    const described = this.details;
    const unread = described ? policies.filter((arn) => !this.takeDescribedPolicy(described, arn)) : policies;
    await Promise.all([this.loadPrincipals(principals), inParallel(unread, PRINCIPAL_CONCURRENCY, (arn) => this.loadManagedPolicy(arn))]);
  }

  /**
   * Reads roles, users and groups not read yet in this scan; also for principals named outside the stack's resources
   * (an AWS::IAM::Policy of the stack naming an existing role).
   */
  async loadPrincipals(principals: readonly { kind: IamPrincipalKind; name: string }[]): Promise<void> {
    const fresh: { kind: IamPrincipalKind; name: string }[] = [];
    for (const principal of principals) {
      const key = principalKey(principal.kind, principal.name);
      if (this.requested.has(key)) continue;
      this.requested.add(key);
      // What the account's details described completely needs no call; anything else (absent from them: gone, or
      // created since) is read one by one, which records why it cannot be read.
      const described = this.details?.principals.get(key);
      if (described) this.principals.set(key, described);
      else fresh.push(principal);
    }
    await inParallel(fresh, PRINCIPAL_CONCURRENCY, (principal) => this.loadPrincipal(principal.kind, principal.name));
  }

  /**
   * Reads the principals the stack's inline-policy resources name that are not resources of the stack (an existing
   * role named in Roles). It needs the resolved deployed template, which load() does not get.
   */
  async loadStack(stack: LiveStack): Promise<void> {
    if (!stack.template) return;
    const physicalIdOf = (logicalId: string) => stack.resources.find((resource) => resource.logicalId === logicalId)?.physicalId;
    await this.loadPrincipals(inlinePolicyResources(stack.template, physicalIdOf).flatMap((policy) => policy.principals));
  }

  async loadAccount(): Promise<void> {
    if (this.accountLoaded) return;
    this.accountLoaded = true;
    const pages = await this.session.paginate("iam", "ListUsers", (marker) => this.client().send(new ListUsersCommand({ ...(marker ? { Marker: marker } : {}) })), nextMarker);
    if (!pages) return;
    // A page without its Users list, or a user without a name, would silently drop that user's keys from the judgement.
    const users: unknown[] = [];
    for (const page of pages) {
      const list: unknown = page.Users;
      if (!Array.isArray(list) || list.some((user) => !isRecord(user) || typeof user.UserName !== "string")) {
        this.session.fail("iam", "ListUsers", "malformed-response", Array.isArray(list) ? "ListUsers returned a user without UserName: access keys are not judged" : "ListUsers returned no Users list: access keys are not judged");
        return;
      }
      users.push(...list);
    }
    const userNames = (users as { UserName: string }[]).map((user) => user.UserName);
    const keys: LiveAccessKey[] = [];
    await inParallel(userNames, PRINCIPAL_CONCURRENCY, async (userName) => {
      const keyPages = await this.session.paginate(
        "iam",
        "ListAccessKeys",
        (marker) => this.client().send(new ListAccessKeysCommand({ UserName: userName, ...(marker ? { Marker: marker } : {}) })),
        nextMarker,
        { target: userName },
      );
      if (!keyPages) return;
      if (keyPages.some((page) => !Array.isArray(page.AccessKeyMetadata))) {
        this.session.fail("iam", "ListAccessKeys", "malformed-response", `ListAccessKeys returned no AccessKeyMetadata list for user ${userName}: its keys are not judged`, userName);
        return;
      }
      for (const key of keyPages.flatMap((page) => page.AccessKeyMetadata!)) {
        if (!isRecord(key) || typeof key.AccessKeyId !== "string" || typeof key.Status !== "string" || !(key.CreateDate instanceof Date) || Number.isNaN(key.CreateDate.getTime())) {
          this.session.fail("iam", "ListAccessKeys", "malformed-response", `ListAccessKeys returned an access key of user ${userName} without AccessKeyId, Status or CreateDate: its age is not judged`, userName);
          continue;
        }
        keys.push({ userName, accessKeyId: key.AccessKeyId, status: key.Status, created: key.CreateDate });
      }
    });
    this.keys = keys.sort((a, b) => a.userName.localeCompare(b.userName) || a.accessKeyId.localeCompare(b.accessKeyId));
  }

  /** The role, user or group as read; undefined when it does not exist, was not asked for, or could not be read. */
  principal(kind: IamPrincipalKind, name: string): LivePrincipal | undefined {
    return this.principals.get(principalKey(kind, name));
  }

  managedPolicy(arn: string): LiveManagedPolicy | undefined {
    return this.managedPolicies.get(arn);
  }

  /** Every access key of every user of the account; undefined until loadAccount ran, or when the users could not be listed. */
  accessKeys(): readonly LiveAccessKey[] | undefined {
    return this.keys;
  }

  private client(): IAMClient {
    return this.session.client(IAMClient);
  }

  /**
   * Every role, user, group and customer managed policy of the account, in pages of 1,000 (GetAccountAuthorizationDetails),
   * once per scan. An entity described incompletely is left out, to be read one by one like one the details do not hold.
   * When the details cannot be read (AccessDenied: deployments older than this read lack the action) every entity is
   * read one by one, with a note.
   */
  private async readAccountDetails(): Promise<void> {
    if (this.detailsTried) return;
    this.detailsTried = true;
    let denied = false;
    const pages = await this.session.paginate(
      "iam",
      "GetAccountAuthorizationDetails",
      async (marker) => {
        try {
          return await this.client().send(new GetAccountAuthorizationDetailsCommand({ Filter: [...ACCOUNT_DETAILS_FILTER], MaxItems: ACCOUNT_DETAILS_PAGE, ...(marker ? { Marker: marker } : {}) }));
        } catch (error) {
          denied = DENIED.includes((error as { name?: string } | undefined)?.name ?? "");
          throw error;
        }
      },
      nextMarker,
      { absentOn: DENIED },
    );
    if (!pages) {
      this.session.notes.push(
        denied
          ? "IAM: iam:GetAccountAuthorizationDetails is not allowed (the scanning role predates it): roles, users, groups and managed policies were read one by one, which is slower; add the action to the role"
          : "IAM: the account's authorization details could not be read (see the errors): roles, users, groups and managed policies were read one by one",
      );
      return;
    }
    this.details = describedAccount(pages);
  }

  /** Takes the customer managed policy from the account's details; false when they do not describe it completely. */
  private takeDescribedPolicy(details: AccountDetails, arn: string): boolean {
    const policy = details.policies.get(arn);
    if (policy) this.managedPolicies.set(arn, policy);
    return policy !== undefined;
  }

  private async loadPrincipal(kind: IamPrincipalKind, name: string): Promise<void> {
    const principal: LivePrincipal = { kind, name };
    if (kind !== "group") {
      // Groups have no boundary and no trust policy: their inline and attached listings say all this reader needs.
      const found = await this.readIdentity(principal);
      if (!found) return;
    }
    const operations = OPERATIONS[kind];
    const [inlineNames, attached] = await Promise.all([
      this.session.paginate("iam", operations.listInline, (marker) => listInline(this.client(), kind, name, marker), nextMarker, { target: name }),
      this.session.paginate("iam", operations.listAttached, (marker) => listAttached(this.client(), kind, name, marker), nextMarker, { target: name }),
    ]);
    // Nothing could be read (the group does not exist, or access is denied): no principal, and the failures say why.
    if (!inlineNames && !attached) return;
    const attachedPolicies = attached && this.attachedPoliciesOf(attached, operations.listAttached, kind, name);
    if (attachedPolicies) principal.attachedPolicies = attachedPolicies;
    const names = inlineNames && this.inlinePolicyNamesOf(inlineNames, operations.listInline, kind, name);
    if (names) {
      const inline = new Map<string, Record<string, unknown> | undefined>(names.map((policyName) => [policyName, undefined]));
      await inParallel(names, DOCUMENT_CONCURRENCY, async (policyName) => {
        const result = await this.session.call("iam", operations.getInline, () => getInline(this.client(), kind, name, policyName), { target: name });
        if (!result.ok) return;
        const parsed = parsePolicyDocumentText(result.value.PolicyDocument);
        if (parsed.ok) inline.set(policyName, parsed.document);
        else this.session.fail("iam", operations.getInline, "malformed-response", `${operations.getInline} returned the inline policy ${policyName} of ${kind} ${name} as ${parsed.problem}: that policy is not judged`, name);
      });
      principal.inlinePolicies = inline;
    }
    this.principals.set(principalKey(kind, name), principal);
  }

  /** Every page's AttachedPolicies, or undefined (recorded) when a page has none or an entry without a PolicyArn: a policy left out would go unjudged. */
  private attachedPoliciesOf(pages: { AttachedPolicies?: unknown }[], operation: string, kind: IamPrincipalKind, name: string): { name: string; arn: string }[] | undefined {
    const policies: { name: string; arn: string }[] = [];
    for (const page of pages) {
      const list: unknown = page.AttachedPolicies;
      if (!Array.isArray(list) || list.some((policy) => !isRecord(policy) || typeof policy.PolicyArn !== "string")) {
        this.session.fail("iam", operation, "malformed-response", `${operation} returned ${Array.isArray(list) ? "an attached policy without PolicyArn" : "no AttachedPolicies list"} for ${kind} ${name}: its managed policies are not judged`, name);
        return undefined;
      }
      for (const policy of list as { PolicyName?: unknown; PolicyArn: string }[]) policies.push({ name: typeof policy.PolicyName === "string" ? policy.PolicyName : policy.PolicyArn.split("/").pop()!, arn: policy.PolicyArn });
    }
    return policies;
  }

  /** Every page's PolicyNames, or undefined (recorded) when a page has no list of names: an inline policy left out would go unjudged. */
  private inlinePolicyNamesOf(pages: { PolicyNames?: unknown }[], operation: string, kind: IamPrincipalKind, name: string): string[] | undefined {
    const names: string[] = [];
    for (const page of pages) {
      const list: unknown = page.PolicyNames;
      if (!Array.isArray(list) || !list.every((policyName) => typeof policyName === "string")) {
        this.session.fail("iam", operation, "malformed-response", `${operation} returned ${Array.isArray(list) ? "policy names that are not text" : "no PolicyNames list"} for ${kind} ${name}: its inline policies are not judged`, name);
        return undefined;
      }
      names.push(...(list as string[]));
    }
    return names;
  }

  /** GetRole / GetUser: ARN, permissions boundary, trust policy. False when the principal does not exist or could not be read. */
  private async readIdentity(principal: LivePrincipal): Promise<boolean> {
    if (principal.kind === "role") {
      const result = await this.session.call("iam", "GetRole", () => this.client().send(new GetRoleCommand({ RoleName: principal.name })), { target: principal.name });
      if (!result.ok) return false;
      const role: unknown = result.value.Role;
      if (!this.readIdentityFields("GetRole", principal, role)) return false;
      const trust = parsePolicyDocumentText((role as { AssumeRolePolicyDocument?: unknown }).AssumeRolePolicyDocument);
      if (trust.ok) principal.trustPolicy = trust.document;
      else this.session.fail("iam", "GetRole", "malformed-response", `GetRole returned the trust policy of role ${principal.name} as ${trust.problem}: it is not judged`, principal.name);
      return true;
    }
    const result = await this.session.call("iam", "GetUser", () => this.client().send(new GetUserCommand({ UserName: principal.name })), { target: principal.name });
    return result.ok && this.readIdentityFields("GetUser", principal, result.value.User);
  }

  /**
   * The ARN and permissions boundary of a GetRole / GetUser answer. False (recorded) when the answer holds no role or
   * user, or a boundary that is not an ARN: read as "no boundary", it would hide the one the principal has.
   */
  private readIdentityFields(operation: "GetRole" | "GetUser", principal: LivePrincipal, identity: unknown): boolean {
    const boundary = isRecord(identity) ? identity.PermissionsBoundary : undefined;
    const boundaryArn = isRecord(boundary) ? boundary.PermissionsBoundaryArn : undefined;
    if (!isRecord(identity) || (boundary !== undefined && typeof boundaryArn !== "string")) {
      const what = !isRecord(identity) ? `no ${principal.kind === "role" ? "Role" : "User"}` : "a PermissionsBoundary without its ARN";
      this.session.fail("iam", operation, "malformed-response", `${operation} returned ${what} for ${principal.kind} ${principal.name}: it is not judged`, principal.name);
      return false;
    }
    if (typeof identity.Arn === "string") principal.arn = identity.Arn;
    if (typeof boundaryArn === "string" && boundaryArn !== "") principal.permissionsBoundaryArn = boundaryArn;
    return true;
  }

  private async loadManagedPolicy(arn: string): Promise<void> {
    const result = await this.session.call("iam", "GetPolicy", () => this.client().send(new GetPolicyCommand({ PolicyArn: arn })), { target: arn });
    if (!result.ok) return;
    const policy = result.value.Policy;
    if (!policy || typeof policy.DefaultVersionId !== "string") {
      this.session.fail("iam", "GetPolicy", "malformed-response", `GetPolicy returned policy ${arn} without DefaultVersionId: its document is not judged`, arn);
      return;
    }
    const managed: LiveManagedPolicy = { arn, name: policy.PolicyName ?? arn.split("/").pop()! };
    const versionId = policy.DefaultVersionId;
    await Promise.all([
      (async () => {
        const version = await this.session.call("iam", "GetPolicyVersion", () => this.client().send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId })), { target: arn });
        if (!version.ok) return;
        const parsed = parsePolicyDocumentText(version.value.PolicyVersion?.Document);
        if (parsed.ok) managed.document = parsed.document;
        else this.session.fail("iam", "GetPolicyVersion", "malformed-response", `GetPolicyVersion returned version ${versionId} of policy ${arn} as ${parsed.problem}: it is not judged`, arn);
      })(),
      (async () => {
        // The counts spare a listing for the usual policy that is attached and is nobody's boundary.
        if (policy.AttachmentCount === 0) managed.attachedTo = [];
        else {
          const entities = await this.entities(arn, "PermissionsPolicy");
          if (entities) managed.attachedTo = entities;
        }
      })(),
      (async () => {
        if (policy.PermissionsBoundaryUsageCount === undefined || policy.PermissionsBoundaryUsageCount === 0) managed.boundaryOf = [];
        else {
          const entities = await this.entities(arn, "PermissionsBoundary");
          if (entities) managed.boundaryOf = entities;
        }
      })(),
    ]);
    this.managedPolicies.set(arn, managed);
  }

  private async entities(arn: string, usage: "PermissionsPolicy" | "PermissionsBoundary"): Promise<PolicyEntity[] | undefined> {
    const pages = await this.session.paginate(
      "iam",
      "ListEntitiesForPolicy",
      (marker) => this.client().send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: usage, ...(marker ? { Marker: marker } : {}) })),
      nextMarker,
      { target: arn },
    );
    if (!pages) return undefined;
    const entities: PolicyEntity[] = [];
    const lists: [IamPrincipalKind, "PolicyRoles" | "PolicyUsers" | "PolicyGroups", "RoleName" | "UserName" | "GroupName"][] = [
      ["role", "PolicyRoles", "RoleName"],
      ["user", "PolicyUsers", "UserName"],
      ["group", "PolicyGroups", "GroupName"],
    ];
    for (const page of pages) {
      for (const [kind, listKey, nameKey] of lists) {
        const list: unknown = page[listKey];
        // A missing list or an unnamed entry is not "used by nobody": the policy's users are unknown.
        if (!Array.isArray(list) || list.some((entity) => !isRecord(entity) || typeof entity[nameKey] !== "string")) {
          this.session.fail("iam", "ListEntitiesForPolicy", "malformed-response", `ListEntitiesForPolicy (${usage}) returned ${Array.isArray(list) ? `an entry of ${listKey} without ${nameKey}` : `no ${listKey} list`} for ${arn}`, arn);
          return undefined;
        }
        for (const entity of list as Record<string, string>[]) entities.push({ kind, name: entity[nameKey]! });
      }
    }
    return entities;
  }
}

interface AccountDetails {
  /** By principalKey. */
  principals: Map<string, LivePrincipal>;
  /** By ARN; only policies whose users the details account for (their counts agree with the principals described). */
  policies: Map<string, LiveManagedPolicy>;
}

const DETAIL_LISTS: { kind: IamPrincipalKind; list: string; nameKey: string; inlineKey: string }[] = [
  { kind: "role", list: "RoleDetailList", nameKey: "RoleName", inlineKey: "RolePolicyList" },
  { kind: "user", list: "UserDetailList", nameKey: "UserName", inlineKey: "UserPolicyList" },
  { kind: "group", list: "GroupDetailList", nameKey: "GroupName", inlineKey: "GroupPolicyList" },
];

/**
 * The principals and customer managed policies GetAccountAuthorizationDetails described, as the one-by-one reads would
 * have built them. An entry with anything missing or unreadable is left out (its own reads say what is wrong with it);
 * a policy's users are derived from the principals' attachments and boundaries, so only when the counts IAM gives
 * for the policy match what the principals say.
 */
function describedAccount(pages: readonly object[]): AccountDetails {
  const principals = new Map<string, LivePrincipal>();
  const usedBy = new Map<string, { attachedTo: PolicyEntity[]; boundaryOf: PolicyEntity[] }>();
  const usesOf = (arn: string) => usedBy.get(arn) ?? usedBy.set(arn, { attachedTo: [], boundaryOf: [] }).get(arn)!;
  for (const { kind, list, nameKey, inlineKey } of DETAIL_LISTS) {
    for (const page of pages as readonly Record<string, unknown>[]) {
      const entries: unknown = page[list];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        const principal = describedPrincipal(kind, entry, nameKey, inlineKey);
        if (!principal) continue;
        principals.set(principalKey(kind, principal.name), principal);
        for (const policy of principal.attachedPolicies!) usesOf(policy.arn).attachedTo.push({ kind, name: principal.name });
        if (principal.permissionsBoundaryArn) usesOf(principal.permissionsBoundaryArn).boundaryOf.push({ kind, name: principal.name });
      }
    }
  }
  const policies = new Map<string, LiveManagedPolicy>();
  for (const page of pages as readonly { Policies?: unknown }[]) {
    const entries: unknown = page.Policies;
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (!isRecord(entry) || typeof entry.Arn !== "string" || typeof entry.AttachmentCount !== "number") continue;
      // No boundary count reads as "nobody's boundary", as GetPolicy's does one by one (moto sends none).
      const boundaryCount: unknown = entry.PermissionsBoundaryUsageCount;
      if (boundaryCount !== undefined && typeof boundaryCount !== "number") continue;
      const versions: unknown = entry.PolicyVersionList;
      const current = Array.isArray(versions) ? versions.find((version) => isRecord(version) && version.VersionId === entry.DefaultVersionId && version.IsDefaultVersion === true) : undefined;
      const parsed = isRecord(current) ? parsePolicyDocumentText(current.Document) : undefined;
      const uses = usedBy.get(entry.Arn) ?? { attachedTo: [], boundaryOf: [] };
      // A principal left out above (described incompletely) would be missing from the policy's users.
      if (!parsed?.ok || uses.attachedTo.length !== entry.AttachmentCount || (boundaryCount !== undefined && uses.boundaryOf.length !== boundaryCount)) continue;
      const name = typeof entry.PolicyName === "string" ? entry.PolicyName : entry.Arn.split("/").pop()!;
      policies.set(entry.Arn, { arn: entry.Arn, name, document: parsed.document, attachedTo: uses.attachedTo, boundaryOf: boundaryCount === undefined ? [] : uses.boundaryOf });
    }
  }
  return { principals, policies };
}

/** A role, user or group of the details, complete, or undefined. */
function describedPrincipal(kind: IamPrincipalKind, entry: unknown, nameKey: string, inlineKey: string): LivePrincipal | undefined {
  if (!isRecord(entry) || typeof entry[nameKey] !== "string") return undefined;
  const principal: LivePrincipal = { kind, name: entry[nameKey] };
  if (kind !== "group") {
    // One by one, a group is never asked for its ARN (ListGroupPolicies and ListAttachedGroupPolicies say all that is judged).
    if (typeof entry.Arn === "string") principal.arn = entry.Arn;
    const boundary = entry.PermissionsBoundary;
    if (boundary !== undefined) {
      if (!isRecord(boundary) || typeof boundary.PermissionsBoundaryArn !== "string") return undefined;
      if (boundary.PermissionsBoundaryArn !== "") principal.permissionsBoundaryArn = boundary.PermissionsBoundaryArn;
    }
  }
  if (kind === "role") {
    const trust = parsePolicyDocumentText(entry.AssumeRolePolicyDocument);
    if (!trust.ok) return undefined;
    principal.trustPolicy = trust.document;
  }
  const inline: unknown = entry[inlineKey];
  const attached: unknown = entry.AttachedManagedPolicies;
  if (!Array.isArray(inline) || !Array.isArray(attached)) return undefined;
  const documents = new Map<string, Record<string, unknown> | undefined>();
  for (const policy of inline) {
    const parsed = isRecord(policy) && typeof policy.PolicyName === "string" ? parsePolicyDocumentText(policy.PolicyDocument) : undefined;
    if (!parsed?.ok) return undefined;
    documents.set(policy.PolicyName as string, parsed.document);
  }
  const attachedPolicies: { name: string; arn: string }[] = [];
  for (const policy of attached) {
    if (!isRecord(policy) || typeof policy.PolicyArn !== "string") return undefined;
    attachedPolicies.push({ name: typeof policy.PolicyName === "string" ? policy.PolicyName : policy.PolicyArn.split("/").pop()!, arn: policy.PolicyArn });
  }
  principal.inlinePolicies = documents;
  principal.attachedPolicies = attachedPolicies;
  return principal;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nextMarker(page: { IsTruncated?: boolean | undefined; Marker?: string | undefined }): string | undefined {
  return page.IsTruncated ? page.Marker : undefined;
}

interface Paged {
  IsTruncated?: boolean | undefined;
  Marker?: string | undefined;
}

function listInline(client: IAMClient, kind: IamPrincipalKind, name: string, marker: string | undefined): Promise<Paged & { PolicyNames?: string[] | undefined }> {
  const paging = marker ? { Marker: marker } : {};
  if (kind === "role") return client.send(new ListRolePoliciesCommand({ RoleName: name, ...paging }));
  if (kind === "user") return client.send(new ListUserPoliciesCommand({ UserName: name, ...paging }));
  return client.send(new ListGroupPoliciesCommand({ GroupName: name, ...paging }));
}

function listAttached(client: IAMClient, kind: IamPrincipalKind, name: string, marker: string | undefined): Promise<Paged & { AttachedPolicies?: AttachedPolicy[] | undefined }> {
  const paging = marker ? { Marker: marker } : {};
  if (kind === "role") return client.send(new ListAttachedRolePoliciesCommand({ RoleName: name, ...paging }));
  if (kind === "user") return client.send(new ListAttachedUserPoliciesCommand({ UserName: name, ...paging }));
  return client.send(new ListAttachedGroupPoliciesCommand({ GroupName: name, ...paging }));
}

function getInline(client: IAMClient, kind: IamPrincipalKind, name: string, policyName: string): Promise<{ PolicyDocument?: string | undefined }> {
  if (kind === "role") return client.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
  if (kind === "user") return client.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policyName }));
  return client.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName: policyName }));
}
