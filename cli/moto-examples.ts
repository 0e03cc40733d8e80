/**
 * Deploys the seed examples (examples/*.yaml|json) and their fixed twins (examples/fixed/) as CloudFormation
 * stacks on moto, for the live integration tests and the demo.
 *
 * moto 5.2.1's CloudFormation does not model every resource type. What it does with the examples, and what this
 * helper does about it (a "moto-compat transform", recorded in the result, never silent):
 *
 *  - AWS::ApiGateway::Method whose Integration has no IntegrationHttpMethod or no Uri (a MOCK integration): moto
 *    reads both unconditionally and CreateStack answers HTTP 500 (KeyError). Patched: IntegrationHttpMethod POST
 *    and Uri "" are added (AWS ignores both for MOCK). Listed in `patched`.
 *  - Outputs with Fn::GetAtt on a type moto does not model (e.g. AWS::CloudFront::Distribution.DomainName):
 *    moto validates outputs with `resource_class.has_cfn_attr` on None and answers HTTP 500 (AttributeError).
 *    Such outputs are removed. Listed in `removed`.
 *  - Types moto's CloudFormation skips ("No Moto CloudFormation support") but that hold security configuration
 *    StackWarden judges: AWS::CloudTrail::Trail, AWS::S3::BucketPolicy, AWS::EC2::SecurityGroupEgress,
 *    AWS::WAFv2::WebACL, AWS::WAFv2::WebACLAssociation. They are taken out of the template (listed in `removed`)
 *    and created through their own APIs after the stack exists, with the template's settings (listed in
 *    `created`). They are therefore NOT stack resources on moto (ListStackResources does not list them).
 *  - AWS::EC2::Volume that asks for encryption (Encrypted true or a KmsKeyId): moto's model reads only Size and
 *    AvailabilityZone, so the volume would be unencrypted. Taken out and created with CreateVolume after the stack
 *    (tag stackwarden:moto-compat-logical-id = its logical id). Listed in `removed` and `created`. An unencrypted
 *    volume (the flaw) is left to moto, which gets it right.
 *  - AWS::IAM::Group: moto skips it, and an AWS::IAM::ManagedPolicy whose Groups names it then fails CreateStack
 *    ("Group None not found"). The group is created through IAM before CreateStack (GroupName, or
 *    <stack>-<logicalId>), taken out of the template, and every Ref to it replaced by its name (GetAtt .Arn by its
 *    ARN); its inline Policies and ManagedPolicyArns are put after the stack. Listed in `removed` and `created`.
 *  - Every other type moto does not model (alarms, Config rules, NACLs, CloudFront, Secrets Manager secrets, API
 *    Gateway stages, models and validators, Security Hub, budgets, SNS topic policies) is left in the template;
 *    moto skips it and it is missing from ListStackResources. Those are listed in `skipped` (computed by comparing
 *    the template with the stack). A Ref to one of them in what this helper creates resolves to the stage's
 *    StageName for an API Gateway stage, else to the placeholder "moto-skipped-<LogicalId>".
 *  - Fn::Cidr: moto does not implement it (Fn::Select over it is a KeyError, HTTP 500). Evaluated in the
 *    transform from the parameter values. Listed in `patched`.
 *  - Properties moto's CloudFormation silently drops on resources it does create ("reconciled" after the stack,
 *    listed in `reconciled`):
 *      AWS::EC2::SecurityGroup: SecurityGroupEgress is ignored (the group keeps the default allow-all egress) and
 *        rule Descriptions and CidrIpv6 are dropped; the group's rules are replaced by the template's (AWS keeps the
 *        default allow-all egress only when the template declares no egress).
 *      AWS::RDS::DBInstance: VPCSecurityGroups is ignored (moto reads "VpcSecurityGroupIds", so the instance gets
 *        the VPC's default group), and DeletionProtection, MonitoringInterval, MonitoringRoleArn are ignored; set
 *        with ModifyDBInstance. (EnablePerformanceInsights cannot be: moto never reports it.)
 *      AWS::IAM::Role: ManagedPolicyArns is ignored; attached with AttachRolePolicy (AWS managed policies need
 *        moto started with MOTO_IAM_LOAD_MANAGED_POLICIES=true, which startMotoServer does).
 *      AWS::S3::Bucket: only BucketEncryption and Tags are read; PublicAccessBlockConfiguration and
 *        VersioningConfiguration are set with their Put* calls. LoggingConfiguration is NOT (moto's PutBucketLogging
 *        insists on log-delivery ACL grants on the target bucket, which the templates rightly do not give), nor are
 *        BucketKeyEnabled, LifecycleConfiguration, OwnershipControls, NotificationConfiguration.
 *  - The template is sent as its original text when nothing had to change, else as JSON of the transformed template
 *    (so GetTemplate then answers JSON without line numbers of the original file).
 *  - Parameters without a default get real moto resources: a VPC with four subnets (VpcId, PrivateSubnetIds,
 *    PublicSubnetIds, WebSubnetId) and an ACM certificate (CertificateArn: the ELBv2 listener checks it exists).
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  paginateListStackResources,
  type StackResourceSummary,
} from "@aws-sdk/client-cloudformation";
import { CloudTrailClient, CreateTrailCommand, PutEventSelectorsCommand, StartLoggingCommand } from "@aws-sdk/client-cloudtrail";
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSubnetCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import { AttachGroupPolicyCommand, AttachRolePolicyCommand, CreateGroupCommand, IAMClient, PutGroupPolicyCommand } from "@aws-sdk/client-iam";
import { ModifyDBInstanceCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { AssociateWebACLCommand, CreateWebACLCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import { parseTemplate, type TemplateBody } from "../shared/template/parse.ts";
import { MOTO_ACCOUNT, MOTO_REGION, motoClientConfig } from "./moto-server.ts";

export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "examples");
export const FIXED_DIR = join(EXAMPLES_DIR, "fixed");

/** The five seed examples, in a stable order (file names under examples/). */
export const EXAMPLE_FILES = [
  "nova-ebs-kms-web.yaml",
  "novacart-security-foundation.yaml",
  "secure-financial-environment.json",
  "nova-clinical-data-platform.yaml",
  "multi-account-security-baseline.yaml",
] as const;

export interface TransformRecord {
  logicalId: string;
  type: string;
  why: string;
}

export interface DeployResult {
  file: string;
  stackName: string;
  stackId: string;
  parameters: Record<string, string>;
  /** Taken out of the template before CreateStack (resources, or outputs as `Outputs.<name>`). */
  removed: TransformRecord[];
  /** Changed in place before CreateStack. */
  patched: TransformRecord[];
  /** Created through their own API after the stack (id: name, ARN or id the API returned). */
  created: { type: string; id: string; logicalId: string }[];
  /**
   * Stack resources moto created without some of their template properties, set afterwards through their API so
   * the live state is what CloudFormation on AWS would leave (see RECONCILED in the file comment).
   */
  reconciled: TransformRecord[];
  /** Left in the template, but moto created nothing for them (not in ListStackResources). */
  skipped: { logicalId: string; type: string }[];
  /** ListStackResources as moto answered it. */
  resources: StackResourceSummary[];
  /** logical id -> physical id, stack resources and `created` ones. */
  physicalIds: Record<string, string>;
}

export interface DeployOptions {
  stackName?: string;
  /** Parameter values that win over the ones this helper picks. */
  parameters?: Record<string, string>;
  /** Bound on waiting for CREATE_COMPLETE (default 30 000 ms). */
  timeoutMs?: number;
}

/** Types moto's CloudFormation skips that this helper creates through their own API. */
const CREATED_BY_API = new Set([
  "AWS::IAM::Group",
  "AWS::CloudTrail::Trail",
  "AWS::S3::BucketPolicy",
  "AWS::EC2::SecurityGroupEgress",
  "AWS::WAFv2::WebACL",
  "AWS::WAFv2::WebACLAssociation",
]);

/** Types in the examples that moto 5.2.1's CloudFormation has no model for (moto.cloudformation.parsing.get_model_map). */
export const MOTO_UNMODELLED_TYPES = new Set([
  "AWS::ApiGateway::Account", "AWS::ApiGateway::Model", "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Stage",
  "AWS::Budgets::Budget", "AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl", "AWS::CloudTrail::Trail",
  "AWS::CloudWatch::Alarm", "AWS::Config::ConfigRule", "AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel",
  "AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry", "AWS::EC2::SecurityGroupEgress", "AWS::EC2::SubnetNetworkAclAssociation",
  "AWS::IAM::Group", "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy", "AWS::SecretsManager::Secret", "AWS::SecurityHub::Hub",
  "AWS::SecurityHub::Standard", "AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation",
]);

// ---------------------------------------------------------------------------------------------------------------
// Prerequisites: a VPC with subnets and an ACM certificate, once per moto state.

export interface Prerequisites {
  vpcId: string;
  privateSubnetIds: string[];
  publicSubnetIds: string[];
  certificateArn: string;
}

const prerequisites = new Map<string, Prerequisites>();

async function vpcExists(ec2: EC2Client, vpcId: string): Promise<boolean> {
  try {
    const answer = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
    return (answer.Vpcs ?? []).length > 0;
  } catch {
    return false;
  }
}

/** ACM through its JSON protocol (no ACM client is installed); moto routes by the credential scope. */
async function requestCertificate(endpoint: string): Promise<string> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "CertificateManager.RequestCertificate",
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20240101/${MOTO_REGION}/acm/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ DomainName: "app.example.com", ValidationMethod: "DNS" }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`ACM RequestCertificate on moto failed: HTTP ${response.status} ${text.slice(0, 300)}`);
  const arn = (JSON.parse(text) as { CertificateArn?: string }).CertificateArn;
  if (!arn) throw new Error(`ACM RequestCertificate on moto returned no ARN: ${text.slice(0, 300)}`);
  return arn;
}

export async function ensurePrerequisites(endpoint: string): Promise<Prerequisites> {
  const ec2 = new EC2Client(motoClientConfig(endpoint));
  const known = prerequisites.get(endpoint);
  if (known && (await vpcExists(ec2, known.vpcId))) return known;
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.99.0.0/16" }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnet = async (cidr: string, az: string) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }))).Subnet!.SubnetId!;
  const made: Prerequisites = {
    vpcId,
    privateSubnetIds: [await subnet("10.99.1.0/24", "us-east-1a"), await subnet("10.99.2.0/24", "us-east-1b")],
    publicSubnetIds: [await subnet("10.99.101.0/24", "us-east-1a"), await subnet("10.99.102.0/24", "us-east-1b")],
    certificateArn: await requestCertificate(endpoint),
  };
  prerequisites.set(endpoint, made);
  return made;
}

function parameterValues(body: TemplateBody, pre: Prerequisites, given: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  const picks: Record<string, string> = {
    VpcId: pre.vpcId,
    PrivateSubnetIds: pre.privateSubnetIds.join(","),
    PublicSubnetIds: pre.publicSubnetIds.join(","),
    WebSubnetId: pre.publicSubnetIds[0]!,
    CertificateArn: pre.certificateArn,
  };
  for (const [name, declaration] of Object.entries(body.Parameters ?? {})) {
    const hasDefault = typeof declaration === "object" && declaration !== null && "Default" in declaration;
    if (name in given) values[name] = given[name]!;
    else if (!hasDefault) {
      const pick = picks[name];
      if (pick === undefined) throw new Error(`deployExample: no value for parameter ${name} (it has no default); pass options.parameters`);
      values[name] = pick;
    }
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------------------
// The moto-compat transform.

type Json = unknown;
type Resource = { Type: string; Properties?: Record<string, Json>; DependsOn?: string | string[]; Condition?: string };

function referencesOf(value: Json, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) referencesOf(item, into);
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "Ref" && typeof inner === "string") into.add(inner);
      else if (key === "Fn::GetAtt") {
        const target = Array.isArray(inner) ? inner[0] : typeof inner === "string" ? inner.split(".")[0] : undefined;
        if (typeof target === "string") into.add(target);
      } else if (key === "Fn::Sub") {
        const text = Array.isArray(inner) ? inner[0] : inner;
        if (typeof text === "string") for (const match of text.matchAll(/\$\{([^!}][^}.]*)(?:\.[^}]*)?\}/g)) into.add(match[1]!);
        if (Array.isArray(inner)) referencesOf(inner[1], into);
      } else referencesOf(inner, into);
    }
  }
  return into;
}

function getAttTargets(value: Json, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) getAttTargets(item, into);
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "Fn::GetAtt") {
        const target = Array.isArray(inner) ? inner[0] : typeof inner === "string" ? inner.split(".")[0] : undefined;
        if (typeof target === "string") into.add(target);
      } else if (key === "Fn::Sub") {
        const text = Array.isArray(inner) ? inner[0] : inner;
        if (typeof text === "string") for (const match of text.matchAll(/\$\{([^!}][^}.]*)\.[^}]*\}/g)) into.add(match[1]!);
      }
      getAttTargets(inner, into);
    }
  }
  return into;
}

export interface CompatTransform {
  body: TemplateBody;
  changed: boolean;
  removed: TransformRecord[];
  patched: TransformRecord[];
  /** The resources taken out to be created through their API, in template order. */
  deferred: [string, Resource][];
}

/** The documented moto-compat transform (see the file comment). Does not modify its input. */
export function motoCompatTransform(
  original: TemplateBody,
  preCreated: Record<string, { Ref: string; Arn: string }> = {},
  parameters: Record<string, string> = {},
): CompatTransform {
  const body = structuredClone(original) as TemplateBody;
  const resources = body.Resources as Record<string, Resource>;
  const removed: TransformRecord[] = [];
  const patched: TransformRecord[] = [];
  const deferred: [string, Resource][] = [];

  // moto has no Fn::Cidr (Fn::Select over it is a KeyError, HTTP 500): evaluate it here when its inputs are known.
  const parameterValue = (name: string): string | undefined => {
    if (name in parameters) return parameters[name];
    const declaration = original.Parameters?.[name] as { Default?: Json } | undefined;
    return declaration?.Default === undefined ? undefined : String(declaration.Default);
  };
  const evaluateCidr = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(evaluateCidr);
    if (!value || typeof value !== "object") return value;
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === "Fn::Cidr") {
      const [block, count, bits] = entries[0]![1] as [Json, Json, Json];
      const ip = typeof block === "string" ? block : block && typeof block === "object" && "Ref" in block ? parameterValue(String((block as { Ref: string }).Ref)) : undefined;
      if (ip !== undefined) return cidrSubnets(ip, Number(count), Number(bits));
    }
    return Object.fromEntries(entries.map(([key, inner]) => [key, evaluateCidr(inner)]));
  };
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!resource.Properties || !JSON.stringify(resource.Properties).includes('"Fn::Cidr"')) continue;
    resource.Properties = evaluateCidr(resource.Properties) as Record<string, Json>;
    patched.push({ logicalId, type: resource.Type, why: "moto does not implement Fn::Cidr (KeyError in Fn::Select, HTTP 500); evaluated to its list of CIDR blocks" });
  }

  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === "AWS::ApiGateway::Method") {
      // moto reads Integration.IntegrationHttpMethod, .Type and .Uri unconditionally (KeyError, HTTP 500).
      const properties = (resource.Properties ??= {});
      const integration = (properties.Integration ??= { Type: "MOCK" }) as Record<string, Json>;
      const added: string[] = [];
      if (integration.IntegrationHttpMethod === undefined) {
        integration.IntegrationHttpMethod = "POST";
        added.push("IntegrationHttpMethod: POST");
      }
      if (integration.Uri === undefined) {
        integration.Uri = "";
        added.push('Uri: ""');
      }
      if (added.length > 0) {
        patched.push({
          logicalId,
          type: resource.Type,
          why: `moto's AWS::ApiGateway::Method reads Integration.IntegrationHttpMethod and Integration.Uri unconditionally (KeyError, HTTP 500 on CreateStack); added ${added.join(" and ")} to the ${String(integration.Type)} integration (AWS ignores both for MOCK)`,
        });
      }
    }
    const encryptedVolume =
      resource.Type === "AWS::EC2::Volume" && (resource.Properties?.Encrypted === true || resource.Properties?.Encrypted === "true" || resource.Properties?.KmsKeyId !== undefined);
    if (encryptedVolume) {
      deferred.push([logicalId, resource]);
      delete resources[logicalId];
      removed.push({
        logicalId,
        type: resource.Type,
        why: "moto's AWS::EC2::Volume reads only Size and AvailabilityZone (the volume would be unencrypted); created with CreateVolume after the stack, with Encrypted, KmsKeyId and VolumeType",
      });
      continue;
    }
    if (CREATED_BY_API.has(resource.Type)) {
      deferred.push([logicalId, resource]);
      delete resources[logicalId];
      removed.push({
        logicalId,
        type: resource.Type,
        why: `moto's CloudFormation has no model for ${resource.Type} (skips it); created through its own API after the stack`,
      });
    }
  }
  const gone = new Set(deferred.map(([logicalId]) => logicalId));
  // Resources created before the stack: their Ref and GetAtt become literals in what is kept.
  const substitute = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(substitute);
    if (!value || typeof value !== "object") return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [key, arg] = entries[0]!;
      if (key === "Ref" && typeof arg === "string" && preCreated[arg]) return preCreated[arg].Ref;
      if (key === "Fn::GetAtt") {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/);
        if (preCreated[id] && attribute === "Arn") return preCreated[id].Arn;
      }
    }
    return Object.fromEntries(entries.map(([key, inner]) => [key, substitute(inner)]));
  };
  if (Object.keys(preCreated).length > 0) {
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Properties) {
        const before = JSON.stringify(resource.Properties);
        resource.Properties = substitute(resource.Properties) as Record<string, Json>;
        if (JSON.stringify(resource.Properties) !== before) {
          patched.push({
            logicalId,
            type: resource.Type,
            why: `references to ${Object.keys(preCreated).filter((id) => before.includes(`"${id}"`)).join(", ")} (created through their API before the stack) replaced by their name or ARN`,
          });
        }
      }
    }
  }
  for (const resource of Object.values(resources)) {
    if (resource.DependsOn === undefined) continue;
    const list = (Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn]).filter((name) => !gone.has(name));
    if (list.length === 0) delete resource.DependsOn;
    else resource.DependsOn = list;
  }
  for (const [name, output] of Object.entries(body.Outputs ?? {})) {
    const targets = [...getAttTargets(output)].filter((id) => {
      const type = (original.Resources as Record<string, Resource>)[id]?.Type;
      return type !== undefined && MOTO_UNMODELLED_TYPES.has(type);
    });
    const refsGone = [...referencesOf(output)].filter((id) => gone.has(id));
    if (targets.length > 0 || refsGone.length > 0) {
      delete body.Outputs![name];
      const ids = [...new Set([...targets, ...refsGone])];
      removed.push({
        logicalId: `Outputs.${name}`,
        type: "Output",
        why: `references ${ids.join(", ")}, which moto's CloudFormation does not model (Fn::GetAtt on such a type in Outputs is HTTP 500: AttributeError on has_cfn_attr)`,
      });
    }
  }
  if (body.Outputs && Object.keys(body.Outputs).length === 0) delete body.Outputs;
  for (const resource of Object.values(resources)) {
    for (const id of referencesOf(resource.Properties ?? {})) {
      if (gone.has(id)) throw new Error(`moto-compat transform: a kept resource references removed ${id}; extend the transform`);
    }
  }
  return { body, changed: removed.length + patched.length > 0, removed, patched, deferred };
}

/** Fn::Cidr for IPv4: `count` blocks of `bits` host bits each, from the start of `block`. */
export function cidrSubnets(block: string, count: number, bits: number): string[] {
  const [address, prefixText] = block.split("/");
  const octets = address!.split(".").map(Number);
  const base = (((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!) >>> 0;
  const prefix = Number(prefixText);
  const size = 2 ** bits;
  const start = prefix === 0 ? 0 : base & ~(2 ** (32 - prefix) - 1) >>> 0;
  const out: string[] = [];
  for (let index = 0; index < count; index++) {
    const value = (start >>> 0) + index * size;
    out.push(`${[24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".")}/${32 - bits}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Resolving the deferred resources' properties against the deployed stack.

interface ResolveContext {
  body: TemplateBody;
  parameters: Record<string, string | string[]>;
  stackName: string;
  stackId: string;
  physicalIds: Record<string, string>;
  /** Extra attributes of resources created through their API: logicalId -> attribute -> value. */
  attributes: Record<string, Record<string, string>>;
}

function resourceType(context: ResolveContext, logicalId: string): string | undefined {
  return (context.body.Resources as Record<string, Resource>)[logicalId]?.Type;
}

function ref(context: ResolveContext, name: string): Json {
  const pseudo: Record<string, string> = {
    "AWS::AccountId": MOTO_ACCOUNT,
    "AWS::Region": MOTO_REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": context.stackName,
    "AWS::StackId": context.stackId,
  };
  if (name in pseudo) return pseudo[name];
  if (name === "AWS::NoValue") return undefined;
  if (name in context.parameters) return context.parameters[name];
  const declaration = context.body.Parameters?.[name] as { Default?: Json; Type?: string } | undefined;
  if (declaration) {
    const value = declaration.Default;
    return typeof value === "string" && declaration.Type?.startsWith("List<") ? value.split(",") : value;
  }
  const physical = context.physicalIds[name];
  if (physical !== undefined) return physical;
  const resource = (context.body.Resources as Record<string, Resource>)[name];
  if (resource) {
    // moto skipped it: what Ref would give where the template says it (a stage's name), else a marked placeholder.
    if (resource.Type === "AWS::ApiGateway::Stage" && typeof resource.Properties?.StageName === "string") return resource.Properties.StageName;
    return `moto-skipped-${name}`;
  }
  throw new Error(`cannot resolve Ref ${name}: not a parameter and not a resource in the template`);
}

function getAtt(context: ResolveContext, logicalId: string, attribute: string): Json {
  const known = context.attributes[logicalId]?.[attribute];
  if (known !== undefined) return known;
  const type = resourceType(context, logicalId);
  const physical = context.physicalIds[logicalId];
  if (physical === undefined) throw new Error(`cannot resolve GetAtt ${logicalId}.${attribute}: moto created no ${logicalId}`);
  const arn = (service: string, resource: string, region = MOTO_REGION) => `arn:aws:${service}:${region}:${MOTO_ACCOUNT}:${resource}`;
  switch (`${type}.${attribute}`) {
    case "AWS::KMS::Key.Arn":
      return arn("kms", `key/${physical}`);
    case "AWS::KMS::Key.KeyId":
      return physical;
    case "AWS::S3::Bucket.Arn":
      return `arn:aws:s3:::${physical}`;
    case "AWS::S3::Bucket.DomainName":
      return `${physical}.s3.amazonaws.com`;
    case "AWS::S3::Bucket.RegionalDomainName":
      return `${physical}.s3.${MOTO_REGION}.amazonaws.com`;
    case "AWS::IAM::Role.Arn":
      return `arn:aws:iam::${MOTO_ACCOUNT}:role/${physical}`;
    case "AWS::Logs::LogGroup.Arn":
      return arn("logs", `log-group:${physical}:*`);
    case "AWS::SNS::Topic.TopicArn":
      return physical;
    case "AWS::EC2::SecurityGroup.GroupId":
      return physical;
    case "AWS::SQS::Queue.Arn":
      return arn("sqs", physical.split("/").pop()!);
    case "AWS::SQS::Queue.QueueName":
      return physical.split("/").pop()!;
    case "AWS::Lambda::Function.Arn":
      return arn("lambda", `function:${physical}`);
    default:
      throw new Error(`cannot resolve GetAtt ${logicalId}.${attribute} (${type}); extend deploy-examples getAtt`);
  }
}

function condition(context: ResolveContext, name: string): boolean {
  const value = context.body.Conditions?.[name];
  return Boolean(resolve(context, value));
}

function resolve(context: ResolveContext, value: Json): Json {
  if (Array.isArray(value)) return value.map((item) => resolve(context, item)).filter((item) => item !== undefined);
  if (!value || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, arg] = entries[0]! as [string, Json];
    switch (key) {
      case "Ref":
        return ref(context, arg as string);
      case "Fn::GetAtt": {
        const [id, attribute] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.*)/);
        return getAtt(context, id!, attribute!);
      }
      case "Fn::Sub": {
        const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, Json>]) : [arg as string, {}];
        return text.replace(/\$\{([^}]+)\}/g, (whole, inner: string) => {
          if (inner.startsWith("!")) return whole.replace("${!", "${");
          if (inner in vars) return String(resolve(context, vars[inner]));
          const dot = inner.indexOf(".");
          if (dot > 0 && !inner.startsWith("AWS::")) return String(getAtt(context, inner.slice(0, dot), inner.slice(dot + 1)));
          return String(ref(context, inner));
        });
      }
      case "Fn::Join": {
        const [separator, list] = arg as [string, Json];
        return (resolve(context, list) as Json[]).join(separator);
      }
      case "Fn::Select": {
        const [index, list] = arg as [Json, Json];
        return (resolve(context, list) as Json[])[Number(resolve(context, index))];
      }
      case "Fn::Split": {
        const [separator, text] = arg as [string, Json];
        return String(resolve(context, text)).split(separator);
      }
      case "Fn::If": {
        const [name, whenTrue, whenFalse] = arg as [string, Json, Json];
        return resolve(context, condition(context, name) ? whenTrue : whenFalse);
      }
      case "Fn::Equals": {
        const [a, b] = (arg as Json[]).map((item) => resolve(context, item));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case "Fn::Not":
        return !resolve(context, (arg as Json[])[0]);
      case "Fn::And":
        return (arg as Json[]).every((item) => Boolean(resolve(context, item)));
      case "Fn::Or":
        return (arg as Json[]).some((item) => Boolean(resolve(context, item)));
      case "Condition":
        return condition(context, arg as string);
    }
  }
  const out: Record<string, Json> = {};
  for (const [key, inner] of entries) {
    const resolved = resolve(context, inner);
    if (resolved !== undefined) out[key] = resolved;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Creating what moto's CloudFormation skips.

const bool = (value: Json): boolean | undefined => (value === undefined ? undefined : value === true || value === "true");
const num = (value: Json): number | undefined => (value === undefined ? undefined : Number(value));

async function createDeferred(
  endpoint: string,
  context: ResolveContext,
  logicalId: string,
  resource: Resource,
): Promise<{ type: string; id: string; logicalId: string }> {
  const config = motoClientConfig(endpoint);
  const properties = resolve(context, resource.Properties ?? {}) as Record<string, Json>;
  const done = (id: string, attributes: Record<string, string> = {}) => {
    context.physicalIds[logicalId] = id;
    context.attributes[logicalId] = { ...attributes };
    return { type: resource.Type, id, logicalId };
  };
  switch (resource.Type) {
    case "AWS::CloudTrail::Trail": {
      const client = new CloudTrailClient(config);
      const name = (properties.TrailName as string | undefined) ?? `${context.stackName}-${logicalId}`.slice(0, 128);
      const answer = await client.send(
        new CreateTrailCommand({
          Name: name,
          S3BucketName: properties.S3BucketName as string,
          S3KeyPrefix: properties.S3KeyPrefix as string | undefined,
          SnsTopicName: properties.SnsTopicName as string | undefined,
          IncludeGlobalServiceEvents: bool(properties.IncludeGlobalServiceEvents),
          IsMultiRegionTrail: bool(properties.IsMultiRegionTrail),
          EnableLogFileValidation: bool(properties.EnableLogFileValidation),
          KmsKeyId: (properties.KMSKeyId ?? properties.KmsKeyId) as string | undefined,
          CloudWatchLogsLogGroupArn: properties.CloudWatchLogsLogGroupArn as string | undefined,
          CloudWatchLogsRoleArn: properties.CloudWatchLogsRoleArn as string | undefined,
          IsOrganizationTrail: bool(properties.IsOrganizationTrail),
        }),
      );
      if (Array.isArray(properties.EventSelectors)) {
        await client.send(new PutEventSelectorsCommand({ TrailName: name, EventSelectors: properties.EventSelectors as never }));
      }
      if (bool(properties.IsLogging)) await client.send(new StartLoggingCommand({ Name: name }));
      return done(answer.TrailARN ?? name, { Arn: answer.TrailARN ?? name });
    }
    case "AWS::IAM::Group": {
      // Created before the stack (preCreateGroups); here its policies, which may reference stack resources.
      const iam = new IAMClient(config);
      const name = context.physicalIds[logicalId]!;
      for (const policy of (properties.Policies as { PolicyName: string; PolicyDocument: Json }[] | undefined) ?? []) {
        await iam.send(new PutGroupPolicyCommand({ GroupName: name, PolicyName: policy.PolicyName, PolicyDocument: JSON.stringify(policy.PolicyDocument) }));
      }
      for (const arn of (properties.ManagedPolicyArns as string[] | undefined) ?? []) {
        await iam.send(new AttachGroupPolicyCommand({ GroupName: name, PolicyArn: arn }));
      }
      return { type: resource.Type, id: name, logicalId };
    }
    case "AWS::EC2::Volume": {
      const tags = (properties.Tags as { Key: string; Value: string }[] | undefined) ?? [];
      const answer = await new EC2Client(config).send(
        new CreateVolumeCommand({
          AvailabilityZone: properties.AvailabilityZone as string,
          Size: num(properties.Size),
          VolumeType: properties.VolumeType as never,
          Iops: num(properties.Iops),
          Throughput: num(properties.Throughput),
          SnapshotId: properties.SnapshotId as string | undefined,
          Encrypted: bool(properties.Encrypted),
          KmsKeyId: properties.KmsKeyId as string | undefined,
          TagSpecifications: [{ ResourceType: "volume", Tags: [...tags, { Key: "stackwarden:moto-compat-logical-id", Value: logicalId }] }],
        }),
      );
      return done(answer.VolumeId!);
    }
    case "AWS::S3::BucketPolicy": {
      const bucket = properties.Bucket as string;
      await new S3Client(config).send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(properties.PolicyDocument) }));
      return done(bucket);
    }
    case "AWS::EC2::SecurityGroupEgress": {
      const permission: IpPermission = {
        IpProtocol: String(properties.IpProtocol),
        FromPort: num(properties.FromPort),
        ToPort: num(properties.ToPort),
      };
      const description = properties.Description as string | undefined;
      if (properties.CidrIp) permission.IpRanges = [{ CidrIp: properties.CidrIp as string, Description: description }];
      if (properties.CidrIpv6) permission.Ipv6Ranges = [{ CidrIpv6: properties.CidrIpv6 as string, Description: description }];
      if (properties.DestinationSecurityGroupId) {
        permission.UserIdGroupPairs = [{ GroupId: properties.DestinationSecurityGroupId as string, Description: description }];
      }
      if (properties.DestinationPrefixListId) {
        permission.PrefixListIds = [{ PrefixListId: properties.DestinationPrefixListId as string, Description: description }];
      }
      const answer = await new EC2Client(config).send(
        new AuthorizeSecurityGroupEgressCommand({ GroupId: properties.GroupId as string, IpPermissions: [permission] }),
      );
      return done(answer.SecurityGroupRules?.[0]?.SecurityGroupRuleId ?? `${properties.GroupId}-egress`);
    }
    case "AWS::WAFv2::WebACL": {
      const answer = await new WAFV2Client(config).send(
        new CreateWebACLCommand({
          Name: (properties.Name as string | undefined) ?? `${context.stackName}-${logicalId}`.slice(0, 128),
          Scope: properties.Scope as "REGIONAL" | "CLOUDFRONT",
          DefaultAction: properties.DefaultAction as never,
          Description: properties.Description as string | undefined,
          Rules: (properties.Rules as never) ?? [],
          VisibilityConfig: properties.VisibilityConfig as never,
        }),
      );
      const summary = answer.Summary!;
      return done(`${summary.Name}|${summary.Id}|${properties.Scope}`, { Arn: summary.ARN!, Id: summary.Id! });
    }
    case "AWS::WAFv2::WebACLAssociation": {
      await new WAFV2Client(config).send(
        new AssociateWebACLCommand({ WebACLArn: properties.WebACLArn as string, ResourceArn: properties.ResourceArn as string }),
      );
      return done(`${properties.ResourceArn}|${properties.WebACLArn}`);
    }
  }
  throw new Error(`no API creation for ${resource.Type}`);
}

// ---------------------------------------------------------------------------------------------------------------

const RECONCILED_TYPES = new Set(["AWS::EC2::SecurityGroup", "AWS::RDS::DBInstance", "AWS::IAM::Role", "AWS::S3::Bucket"]);

function templateRulePermission(rule: Record<string, Json>, direction: "ingress" | "egress"): IpPermission {
  const protocol = String(rule.IpProtocol);
  const permission: IpPermission = { IpProtocol: protocol };
  if (protocol !== "-1" && protocol !== "all") {
    permission.FromPort = num(rule.FromPort);
    permission.ToPort = num(rule.ToPort);
  }
  const description = rule.Description as string | undefined;
  if (rule.CidrIp) permission.IpRanges = [{ CidrIp: rule.CidrIp as string, Description: description }];
  if (rule.CidrIpv6) permission.Ipv6Ranges = [{ CidrIpv6: rule.CidrIpv6 as string, Description: description }];
  const group = direction === "ingress" ? rule.SourceSecurityGroupId : rule.DestinationSecurityGroupId;
  if (group) permission.UserIdGroupPairs = [{ GroupId: group as string, Description: description }];
  if (direction === "ingress" && rule.SourceSecurityGroupName && !group) {
    permission.UserIdGroupPairs = [{ GroupName: rule.SourceSecurityGroupName as string, Description: description }];
  }
  const prefixList = direction === "ingress" ? rule.SourcePrefixListId : rule.DestinationPrefixListId;
  if (prefixList) permission.PrefixListIds = [{ PrefixListId: prefixList as string, Description: description }];
  return permission;
}

/** Drops the empty lists moto puts in described rules, so they can be revoked as they are. */
function revocable(permission: IpPermission): IpPermission {
  const out: IpPermission = { IpProtocol: permission.IpProtocol, FromPort: permission.FromPort, ToPort: permission.ToPort };
  if (permission.IpRanges?.length) out.IpRanges = permission.IpRanges.map(({ CidrIp }) => ({ CidrIp }));
  if (permission.Ipv6Ranges?.length) out.Ipv6Ranges = permission.Ipv6Ranges.map(({ CidrIpv6 }) => ({ CidrIpv6 }));
  if (permission.UserIdGroupPairs?.length) out.UserIdGroupPairs = permission.UserIdGroupPairs.map(({ GroupId }) => ({ GroupId }));
  if (permission.PrefixListIds?.length) out.PrefixListIds = permission.PrefixListIds.map(({ PrefixListId }) => ({ PrefixListId }));
  return out;
}

async function reconcile(endpoint: string, context: ResolveContext, logicalId: string, resource: Resource): Promise<TransformRecord | undefined> {
  const config = motoClientConfig(endpoint);
  const physical = context.physicalIds[logicalId];
  if (!physical) return undefined;
  // Only the properties reconciled are resolved (the others may reference what this resolver does not know).
  const wanted: Record<string, string[]> = {
    "AWS::EC2::SecurityGroup": ["SecurityGroupIngress", "SecurityGroupEgress"],
    "AWS::RDS::DBInstance": ["VPCSecurityGroups", "DeletionProtection", "MonitoringInterval", "MonitoringRoleArn"],
    "AWS::IAM::Role": ["ManagedPolicyArns"],
    "AWS::S3::Bucket": ["PublicAccessBlockConfiguration", "VersioningConfiguration"],
  };
  const properties: Record<string, Json> = {};
  for (const name of wanted[resource.Type] ?? []) {
    const value = resource.Properties?.[name];
    if (value !== undefined) properties[name] = resolve(context, value);
  }
  const done: string[] = [];
  switch (resource.Type) {
    case "AWS::EC2::SecurityGroup": {
      const ec2 = new EC2Client(config);
      const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [physical] }))).SecurityGroups?.[0];
      if (!group) throw new Error(`security group ${physical} not found`);
      const ingress = ((properties.SecurityGroupIngress as Record<string, Json>[] | undefined) ?? []).map((rule) => templateRulePermission(rule, "ingress"));
      const declaredEgress = properties.SecurityGroupEgress as Record<string, Json>[] | undefined;
      if ((group.IpPermissions ?? []).length > 0) {
        await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: physical, IpPermissions: group.IpPermissions!.map(revocable) }));
      }
      if (ingress.length > 0) await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: physical, IpPermissions: ingress }));
      if (declaredEgress && declaredEgress.length > 0) {
        if ((group.IpPermissionsEgress ?? []).length > 0) {
          await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: physical, IpPermissions: group.IpPermissionsEgress!.map(revocable) }));
        }
        const egress = declaredEgress.map((rule) => templateRulePermission(rule, "egress"));
        await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: physical, IpPermissions: egress }));
        done.push("SecurityGroupEgress (moto ignores it and keeps the default allow-all egress)");
      }
      if (ingress.length > 0) done.push("SecurityGroupIngress with Description and CidrIpv6 (moto drops both)");
      break;
    }
    case "AWS::RDS::DBInstance": {
      const groups = properties.VPCSecurityGroups as string[] | undefined;
      const change = {
        VpcSecurityGroupIds: groups && groups.length > 0 ? groups : undefined,
        DeletionProtection: bool(properties.DeletionProtection),
        MonitoringInterval: num(properties.MonitoringInterval),
        MonitoringRoleArn: properties.MonitoringRoleArn as string | undefined,
      };
      const set = Object.entries(change).filter(([, value]) => value !== undefined).map(([key]) => key);
      if (set.length === 0) break;
      await new RDSClient(config).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: physical, ApplyImmediately: true, ...change }));
      done.push(`${set.join(", ")} (moto ignores ${set.includes("VpcSecurityGroupIds") ? "VPCSecurityGroups and " : ""}these on CreateStack)`);
      break;
    }
    case "AWS::IAM::Role": {
      const arns = (properties.ManagedPolicyArns as string[] | undefined) ?? [];
      const iam = new IAMClient(config);
      const missing: string[] = [];
      for (const arn of arns) {
        try {
          await iam.send(new AttachRolePolicyCommand({ RoleName: physical, PolicyArn: arn }));
        } catch (error) {
          // A moto started without MOTO_IAM_LOAD_MANAGED_POLICIES=true (one the caller runs) knows no AWS managed policy.
          if ((error as { name?: string }).name !== "NoSuchEntityException" || !arn.includes(":iam::aws:policy/")) throw error;
          missing.push(arn.split("/").pop()!);
        }
      }
      if (arns.length > missing.length) done.push("ManagedPolicyArns (moto ignores them on CreateStack)");
      if (missing.length > 0) done.push(`not attached, as this moto does not load AWS managed policies (start it with MOTO_IAM_LOAD_MANAGED_POLICIES=true): ${missing.join(", ")}`);
      break;
    }
    case "AWS::S3::Bucket": {
      const s3 = new S3Client(config);
      const block = properties.PublicAccessBlockConfiguration as Record<string, Json> | undefined;
      if (block) {
        // Only the four names S3 knows; a misspelt key (IgnorePublicACLs) sets nothing, as it would not on AWS.
        await s3.send(
          new PutPublicAccessBlockCommand({
            Bucket: physical,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: bool(block.BlockPublicAcls) ?? false,
              IgnorePublicAcls: bool(block.IgnorePublicAcls) ?? false,
              BlockPublicPolicy: bool(block.BlockPublicPolicy) ?? false,
              RestrictPublicBuckets: bool(block.RestrictPublicBuckets) ?? false,
            },
          }),
        );
        done.push("PublicAccessBlockConfiguration");
      }
      const versioning = properties.VersioningConfiguration as { Status?: string } | undefined;
      if (versioning?.Status) {
        await s3.send(new PutBucketVersioningCommand({ Bucket: physical, VersioningConfiguration: { Status: versioning.Status as "Enabled" } }));
        done.push("VersioningConfiguration");
      }
      if (done.length > 0) done[done.length - 1] += " (moto reads only BucketEncryption and Tags on CreateStack)";
      break;
    }
  }
  return done.length > 0 ? { logicalId, type: resource.Type, why: `set through the API after the stack: ${done.join("; ")}` } : undefined;
}

function readExample(file: string): { path: string; text: string; body: TemplateBody } {
  const path = file.includes("/") ? file : join(EXAMPLES_DIR, file);
  const text = readFileSync(path, "utf8");
  return { path, text, body: parseTemplate(text).body };
}

function defaultStackName(path: string): string {
  const base = basename(path).replace(/\.(ya?ml|json)$/, "");
  return dirname(path).endsWith("/fixed") ? `${base}-fixed` : base;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Deploys one example (a file name under examples/, or a path) on moto, with the moto-compat transform when
 * the example needs it (the original text is sent unchanged when it does not).
 */
export async function deployExample(endpoint: string, exampleFile: string, options: DeployOptions = {}): Promise<DeployResult> {
  const { path, text, body } = readExample(exampleFile);
  const stackName = options.stackName ?? defaultStackName(path);
  const pre = await ensurePrerequisites(endpoint);
  const parameters = parameterValues(body, pre, options.parameters ?? {});
  const preCreated: Record<string, { Ref: string; Arn: string }> = {};
  const iam = new IAMClient(motoClientConfig(endpoint));
  for (const [logicalId, resource] of Object.entries(body.Resources as Record<string, Resource>)) {
    if (resource.Type !== "AWS::IAM::Group") continue;
    const wanted = resource.Properties?.GroupName;
    const name = typeof wanted === "string" ? wanted : `${stackName}-${logicalId}`.slice(0, 128);
    const path = typeof resource.Properties?.Path === "string" ? resource.Properties.Path : undefined;
    const group = await iam.send(new CreateGroupCommand({ GroupName: name, Path: path }));
    preCreated[logicalId] = { Ref: name, Arn: group.Group?.Arn ?? `arn:aws:iam::${MOTO_ACCOUNT}:group/${name}` };
  }
  const transform = motoCompatTransform(body, preCreated, parameters);
  // One attempt: a CreateStack that moto answers with HTTP 500 may have half-created the stack, and a retry
  // would then only say "already exists".
  const cloudFormation = new CloudFormationClient({ ...motoClientConfig(endpoint), maxAttempts: 1 });
  let stackId: string;
  try {
    const answer = await cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: transform.changed ? JSON.stringify(transform.body, null, 2) : text,
        Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
        Capabilities: ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
      }),
    );
    stackId = answer.StackId!;
  } catch (error) {
    throw new Error(`CreateStack ${stackName} (${basename(path)}) failed on moto: ${(error as Error).message}`, { cause: error });
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0];
    const status = stack?.StackStatus ?? "MISSING";
    if (status === "CREATE_COMPLETE") break;
    if (!status.endsWith("IN_PROGRESS")) throw new Error(`stack ${stackName}: ${status} ${stack?.StackStatusReason ?? ""}`);
    if (Date.now() > deadline) throw new Error(`stack ${stackName}: still ${status} after ${options.timeoutMs ?? 30_000} ms`);
    await sleep(200);
  }
  const resources: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources({ client: cloudFormation }, { StackName: stackId })) {
    resources.push(...(page.StackResourceSummaries ?? []));
  }
  const physicalIds: Record<string, string> = {};
  for (const resource of resources) if (resource.LogicalResourceId && resource.PhysicalResourceId) physicalIds[resource.LogicalResourceId] = resource.PhysicalResourceId;

  const context: ResolveContext = {
    body,
    parameters: Object.fromEntries(
      Object.entries(parameters).map(([name, value]) => {
        const type = (body.Parameters?.[name] as { Type?: string } | undefined)?.Type ?? "";
        return [name, type.startsWith("List<") || type === "CommaDelimitedList" ? value.split(",") : value];
      }),
    ),
    stackName,
    stackId,
    physicalIds,
    attributes: {},
  };
  for (const [logicalId, names] of Object.entries(preCreated)) {
    physicalIds[logicalId] = names.Ref;
    context.attributes[logicalId] = { Arn: names.Arn };
  }
  // Subnet attributes for GetAtt (AvailabilityZone, VpcId), one call for the stack.
  const subnets = resources.filter((resource) => resource.ResourceType === "AWS::EC2::Subnet" && resource.PhysicalResourceId);
  if (subnets.length > 0) {
    const answer = await new EC2Client(motoClientConfig(endpoint)).send(new DescribeSubnetsCommand({ SubnetIds: subnets.map((subnet) => subnet.PhysicalResourceId!) }));
    for (const subnet of subnets) {
      const live = answer.Subnets?.find((candidate) => candidate.SubnetId === subnet.PhysicalResourceId);
      if (live) context.attributes[subnet.LogicalResourceId!] = { AvailabilityZone: live.AvailabilityZone!, VpcId: live.VpcId!, SubnetId: live.SubnetId! };
    }
  }
  const reconciled: TransformRecord[] = [];
  for (const [logicalId, resource] of Object.entries(transform.body.Resources as Record<string, Resource>)) {
    if (!RECONCILED_TYPES.has(resource.Type)) continue;
    try {
      const record = await reconcile(endpoint, context, logicalId, resource);
      if (record) reconciled.push(record);
    } catch (error) {
      throw new Error(`stack ${stackName}: reconciling ${logicalId} (${resource.Type}) with its template failed: ${(error as Error).message}`, { cause: error });
    }
  }
  const created: DeployResult["created"] = [];
  // Creation order: template order, but web ACLs before their associations and bucket policies before trails.
  const rank: Record<string, number> = {
    "AWS::IAM::Group": -1,
    "AWS::EC2::Volume": -1,
    "AWS::S3::BucketPolicy": 0,
    "AWS::EC2::SecurityGroupEgress": 1,
    "AWS::WAFv2::WebACL": 2,
    "AWS::WAFv2::WebACLAssociation": 3,
    "AWS::CloudTrail::Trail": 4,
  };
  const ordered = [...transform.deferred].sort((a, b) => rank[a[1].Type]! - rank[b[1].Type]!);
  for (const [logicalId, resource] of ordered) {
    if (resource.Condition && !condition(context, resource.Condition)) continue;
    try {
      created.push(await createDeferred(endpoint, context, logicalId, resource));
    } catch (error) {
      throw new Error(`stack ${stackName}: creating ${logicalId} (${resource.Type}) through its API failed: ${(error as Error).message}`, { cause: error });
    }
  }
  const inStack = new Set(resources.map((resource) => resource.LogicalResourceId));
  const skipped = Object.entries(transform.body.Resources as Record<string, Resource>)
    .filter(([logicalId, resource]) => !inStack.has(logicalId) && !(resource.Condition && !condition(context, resource.Condition)))
    .map(([logicalId, resource]) => ({ logicalId, type: resource.Type }));
  return { file: path, stackName, stackId, parameters, removed: transform.removed, patched: transform.patched, reconciled, created, skipped, resources, physicalIds };
}

/** Deploys the fixed twin (examples/fixed/<file>) of an example. */
export function deployFixedExample(endpoint: string, exampleFile: string, options: DeployOptions = {}): Promise<DeployResult> {
  return deployExample(endpoint, join(FIXED_DIR, basename(exampleFile)), options);
}

/** Deploys the five seed examples (and, with `fixed: true`, their fixed twins too), one after another. */
export async function deployExamples(endpoint: string, options: { fixed?: boolean } = {}): Promise<DeployResult[]> {
  const results: DeployResult[] = [];
  for (const file of EXAMPLE_FILES) results.push(await deployExample(endpoint, file));
  if (options.fixed) for (const file of EXAMPLE_FILES) results.push(await deployFixedExample(endpoint, file));
  return results;
}
