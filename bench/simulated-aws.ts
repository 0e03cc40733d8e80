/**
 * A simulated AWS account behind the real SDK v3 clients: a Smithy HTTP handler (in-process, or over HTTP with
 * `serveSimulatedAws`) that answers the requests the clients sign and serialize, in the wire format each client
 * expects (bench/simulated-wire.ts writes it from the SDK's own schemas), from a generated account of N stacks whose
 * templates come from the corpus (../shared/corpus/cfn, `ideal.*` templates that parse and need no transform). Every
 * resource gets a physical id as CloudFormation gives it, and the live configuration the readers ask for is derived,
 * on request, from the resource's template properties as deployed (intrinsics resolved with the stack's values).
 *
 * Every answer waits a per-call latency; every request takes a token from its bucket (one per service, or per
 * operation where AWS publishes one, see LIMITS) and is answered with that service's own throttling error when the
 * bucket is empty, so the SDK's adaptive retry really runs. Operations not modelled answer a clear error
 * (InvalidAction / UnknownOperationException) that the scan records, and are counted.
 *
 * `installSimulatedAws(sim)` routes every NodeHttpHandler in the process (the one shared/live/clients.ts gives each
 * client) to the simulator, so the scanner's own clients and configuration are used unchanged and nothing reaches
 * the network.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { GetRequestValidatorsCommand, GetResourcesCommand, GetRestApiCommand, GetStagesCommand as GetRestStagesCommand } from "@aws-sdk/client-api-gateway";
import { GetApiCommand, GetStagesCommand as GetV2StagesCommand } from "@aws-sdk/client-apigatewayv2";
import {
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from "@aws-sdk/client-cloudformation";
import { GetDistributionConfigCommand, ListDistributionsByWebACLIdCommand } from "@aws-sdk/client-cloudfront";
import { DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeConfigurationRecordersCommand, DescribeConfigurationRecorderStatusCommand, DescribeDeliveryChannelsCommand } from "@aws-sdk/client-config-service";
import {
  DescribeFlowLogsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  GetEbsEncryptionByDefaultCommand,
} from "@aws-sdk/client-ec2";
import { DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  GetAccountAuthorizationDetailsCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand as GetIamPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
} from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand } from "@aws-sdk/client-kms";
import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand, GetPolicyCommand as GetLambdaPolicyCommand, ListFunctionEventInvokeConfigsCommand } from "@aws-sdk/client-lambda";
import { DescribeDBClustersCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { DescribeHubCommand, GetEnabledStandardsCommand } from "@aws-sdk/client-securityhub";
import { GetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { GetRuleGroupCommand, GetWebACLCommand, ListResourcesForWebACLCommand } from "@aws-sdk/client-wafv2";
import { HttpResponse } from "@smithy/core/transport";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { parseTemplate } from "../shared/template/parse.ts";
import { operationName, restPathTemplate, restRoute, wireAnswer, type Answer, type CommandClass, type Protocol } from "./simulated-wire.ts";

export type { Answer } from "./simulated-wire.ts";

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "shared", "corpus", "cfn");

/** A token bucket: `bucket` requests at once, `refill` more per second. */
export interface Limit {
  bucket: number;
  refill: number;
  /** Where the figure comes from. */
  why: string;
}

/**
 * The rate limits, per bucket: a service ("lambda"), or one operation of it ("lambda:GetPolicy") where AWS publishes a
 * rate of its own; an operation without its own bucket takes from its service's. Published figures name their page;
 * "not published" ones say what is assumed.
 */
export const LIMITS: Record<string, Limit> = {
  cloudformation: { bucket: 20, refill: 10, why: "not published; observed throttling at a few to ~10 requests/s per account and region; one bucket shared by DescribeStacks, GetTemplate and ListStackResources" },
  ec2: { bucket: 100, refill: 20, why: "published (EC2 API request throttling): non-mutating actions (Describe*, Get*) bucket 100, refill 20/s, per action; modelled as one bucket for all of them" },
  kms: { bucket: 1000, refill: 1000, why: "published (KMS request quotas): DescribeKey, GetKeyPolicy, GetKeyRotationStatus share 1,000/s (modelled as one shared bucket)" },
  s3: { bucket: 5500, refill: 5500, why: "published (S3 performance guidelines): 5,500 GET/HEAD per second per prefix" },
  iam: { bucket: 40, refill: 20, why: "not published (IAM answers Throttling 'Rate exceeded' without documenting the rate); assumed 20/s with a burst of 40, one account-wide bucket (IAM is global)" },
  rds: { bucket: 300, refill: 12, why: "published (Request throttling for the Amazon RDS API): a burst of 300 requests and a sustained 12 per second, all RDS API actions together" },
  cloudtrail: { bucket: 10, refill: 10, why: "published (CloudTrail quotas): get, describe and list APIs 10 TPS each, not adjustable; modelled as one shared bucket" },
  elasticloadbalancing: { bucket: 40, refill: 10, why: "published (Request throttling for the ELB API): non-mutating Describe* actions bucket 40, refill 10/s" },
  "lambda:GetPolicy": { bucket: 15, refill: 15, why: "published (Lambda quotas, API requests): GetPolicy 15 requests per second, not adjustable (no burst published: bucket = 1 s)" },
  lambda: {
    bucket: 15,
    refill: 15,
    why: "published (Lambda quotas, API requests): the remainder of the control plane (GetFunctionConfiguration, ListFunctionEventInvokeConfigs, GetFunctionEventInvokeConfig...) 15 requests per second together, not adjustable",
  },
  "apigateway:GetResources": { bucket: 5, refill: 2.5, why: "published (API Gateway quotas for creating, deploying and managing an API): GetResources 5 requests every 2 seconds per account, not adjustable" },
  apigateway: { bucket: 40, refill: 10, why: "not published for the other management GETs (GetRestApi, GetStages, GetRequestValidators, GetApi); assumed 10/s with a burst of 40" },
  wafv2: { bucket: 5, refill: 5, why: "published (AWS WAF quotas, call rates): any individual Get or List action 5 requests per second per account and region where no other quota is defined; modelled as one bucket for the three" },
  cloudfront: { bucket: 10, refill: 10, why: "not published (CloudFront publishes no control-plane call rate); assumed 10/s" },
  sns: { bucket: 100, refill: 100, why: "published per Region in 'Amazon SNS endpoints and quotas' (not found in the stored docs); assumed 100/s for GetTopicAttributes" },
  secretsmanager: { bucket: 40000, refill: 40000, why: "published (AWS What's New, March 2025): DescribeSecret up to 40,000 requests per second" },
  securityhub: { bucket: 30, refill: 10, why: "published (Security Hub API reference, throttling limits): all other operations (DescribeHub, GetEnabledStandards) RateLimit 10/s, BurstLimit 30" },
  config: { bucket: 10, refill: 10, why: "not published (AWS Config documents no rate for its Describe* calls); assumed 10/s" },
  sts: { bucket: 600, refill: 600, why: "not published for GetCallerIdentity; assumed 600/s (the rate commonly cited for STS request quotas)" },
  sqs: { bucket: 3000, refill: 3000, why: "published (SQS quotas): standard queues support a nearly unlimited number of API calls per second; modelled as 3,000/s" },
};

/**
 * What each service answers when its bucket is empty, as that service sends it. The SDK retries all of them as
 * throttling errors (by code, and 429 by status).
 */
const THROTTLING: Record<string, { code: string; status: number; message: string }> = {
  ec2: { code: "RequestLimitExceeded", status: 503, message: "Request limit exceeded." },
  s3: { code: "SlowDown", status: 503, message: "Please reduce your request rate." },
  cloudformation: { code: "Throttling", status: 400, message: "Rate exceeded" },
  iam: { code: "Throttling", status: 400, message: "Rate exceeded" },
  sts: { code: "Throttling", status: 400, message: "Rate exceeded" },
  sns: { code: "Throttling", status: 400, message: "Rate exceeded" },
  rds: { code: "ThrottlingException", status: 400, message: "Rate exceeded" },
  elasticloadbalancing: { code: "ThrottlingException", status: 400, message: "Rate exceeded" },
  kms: { code: "ThrottlingException", status: 400, message: "Rate exceeded" },
  cloudtrail: { code: "ThrottlingException", status: 400, message: "Rate exceeded" },
  config: { code: "ThrottlingException", status: 400, message: "Rate exceeded" },
  wafv2: { code: "ThrottlingException", status: 400, message: "Rate exceeded" },
  secretsmanager: { code: "ThrottlingException", status: 400, message: "Rate exceeded" },
  sqs: { code: "RequestThrottled", status: 400, message: "Rate exceeded" },
  lambda: { code: "TooManyRequestsException", status: 429, message: "Rate exceeded" },
  apigateway: { code: "TooManyRequestsException", status: 429, message: "Too Many Requests" },
  securityhub: { code: "TooManyRequestsException", status: 429, message: "Rate exceeded" },
  cloudfront: { code: "Throttling", status: 400, message: "Rate exceeded" },
};

/** The operations the simulated account answers, by signing service name (S3's are answered by hand, below). */
const COMMANDS: Record<string, CommandClass[]> = {
  cloudformation: [DescribeStacksCommand, GetTemplateCommand, ListStackResourcesCommand, DetectStackDriftCommand, DescribeStackDriftDetectionStatusCommand, DescribeStackResourceDriftsCommand],
  ec2: [
    DescribeSecurityGroupsCommand,
    DescribeNetworkInterfacesCommand,
    DescribeInstancesCommand,
    DescribeLaunchTemplateVersionsCommand,
    DescribeVolumesCommand,
    DescribeVpcsCommand,
    DescribeFlowLogsCommand,
    DescribeNetworkAclsCommand,
    DescribeRouteTablesCommand,
    GetEbsEncryptionByDefaultCommand,
  ],
  kms: [DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand],
  iam: [
    GetRoleCommand,
    ListRolePoliciesCommand,
    GetRolePolicyCommand,
    ListAttachedRolePoliciesCommand,
    GetUserCommand,
    ListUserPoliciesCommand,
    GetUserPolicyCommand,
    ListAttachedUserPoliciesCommand,
    ListGroupPoliciesCommand,
    GetGroupPolicyCommand,
    ListAttachedGroupPoliciesCommand,
    GetIamPolicyCommand,
    GetPolicyVersionCommand,
    ListEntitiesForPolicyCommand,
    ListUsersCommand,
    ListAccessKeysCommand,
    GetAccountAuthorizationDetailsCommand,
  ],
  rds: [DescribeDBInstancesCommand, DescribeDBClustersCommand],
  cloudtrail: [DescribeTrailsCommand, GetTrailStatusCommand, GetEventSelectorsCommand],
  elasticloadbalancing: [DescribeListenersCommand, DescribeLoadBalancersCommand, DescribeRulesCommand],
  lambda: [GetFunctionConfigurationCommand, ListFunctionEventInvokeConfigsCommand, GetFunctionEventInvokeConfigCommand, GetLambdaPolicyCommand],
  apigateway: [GetRestApiCommand, GetRestStagesCommand, GetResourcesCommand, GetRequestValidatorsCommand, GetApiCommand, GetV2StagesCommand],
  wafv2: [GetWebACLCommand, GetRuleGroupCommand, ListResourcesForWebACLCommand],
  cloudfront: [GetDistributionConfigCommand, ListDistributionsByWebACLIdCommand],
  sns: [GetTopicAttributesCommand],
  secretsmanager: [DescribeSecretCommand],
  securityhub: [DescribeHubCommand, GetEnabledStandardsCommand],
  config: [DescribeConfigurationRecordersCommand, DescribeConfigurationRecorderStatusCommand, DescribeDeliveryChannelsCommand],
  sts: [GetCallerIdentityCommand],
  sqs: [SendMessageBatchCommand],
};

const S3_OPERATIONS = ["GetBucketEncryption", "GetPublicAccessBlock", "GetBucketPolicy"];

/** Every operation the simulated account answers, by signing service name. */
export const MODELLED_OPERATIONS: Record<string, readonly string[]> = {
  ...Object.fromEntries(Object.entries(COMMANDS).map(([service, commands]) => [service, [...new Set(commands.map(operationName))]])),
  s3: S3_OPERATIONS,
};

/** REST services' routes: a request's method and path name its operation. */
const ROUTES = new Map<string, { Command: CommandClass; method: string; path: RegExp }[]>();
function routesOf(service: string): { Command: CommandClass; method: string; path: RegExp }[] {
  let routes = ROUTES.get(service);
  if (!routes) {
    routes = (COMMANDS[service] ?? []).flatMap((Command) => {
      const route = restRoute(Command);
      return route ? [{ Command, ...route }] : [];
    });
    ROUTES.set(service, routes);
  }
  return routes;
}

export interface SimulatedAccountOptions {
  stacks: number;
  region?: string;
  account?: string;
  /** Milliseconds each answer takes, drawn uniformly (default 20–60). */
  latencyMs?: [number, number];
  /** Turn token-bucket throttling off (default on). */
  throttling?: boolean;
  limits?: Record<string, Limit>;
  seed?: number;
  /** Templates to deploy instead of the corpus's (drawn in turn): a test's own account. */
  templates?: { name: string; text: string }[];
}

interface SimStack {
  name: string;
  id: string;
  templateName: string;
  body: string;
  parameters: { key: string; value: string }[];
  resources: SimResource[];
}

/** A resource of a stack: its live configuration is derived from its template properties when asked for. */
interface SimResource {
  logicalId: string;
  physicalId: string;
  type: string;
  context: Context;
}

interface Permission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  CidrIpv6?: string;
  SourceSecurityGroupId?: string;
  PrefixListId?: string;
  Description?: string;
}
interface SimGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  ingress: Permission[];
  egress: Permission[];
}
interface SimKey {
  id: string;
  policy: string;
  rotation: boolean;
  enabled: boolean;
  spec: string;
  usage: string;
}
type PrincipalKind = "role" | "user" | "group";
interface SimPrincipal {
  kind: PrincipalKind;
  name: string;
  arn: string;
  path: string;
  trust?: string;
  boundary?: string;
  inline: Map<string, string>;
  attached: { name: string; arn: string }[];
  accessKeys: { id: string; status: string }[];
}
interface SimManagedPolicy {
  arn: string;
  name: string;
  path: string;
  document: string;
  attachedTo: { kind: PrincipalKind; name: string }[];
  boundaryOf: { kind: PrincipalKind; name: string }[];
}
interface SimBucket {
  name: string;
  encryption?: { algorithm: string; keyId?: string; bucketKey?: boolean };
  publicAccessBlock?: Record<string, boolean>;
  policy?: string;
}

/** A message SendMessageBatch accepted. */
export interface SentMessage {
  queueUrl: string;
  id: string;
  body: string;
}

/** Counters of what the simulator saw. */
export interface SimulatorCounts {
  /** Requests that reached the simulator (retries included), by "service:Operation". */
  requests: Map<string, number>;
  /** Requests answered with a throttling error, by service. */
  throttles: Map<string, number>;
  /** Requests for operations the simulator does not model, by "service:Operation". */
  unmodelled: Map<string, number>;
  /** Most requests of a service in flight at once. */
  maxInFlight: Map<string, number>;
}

const PAGE = 100;

/**
 * Child resources that configure a parent (the parent's physical id or ARN in the named property): a listener of a
 * load balancer, a permission of a function, a stage of an API...
 */
const PARENT_PROPERTY: Record<string, string> = {
  "AWS::EC2::FlowLog": "ResourceId",
  "AWS::EC2::NetworkAcl": "VpcId",
  "AWS::EC2::NetworkAclEntry": "NetworkAclId",
  "AWS::EC2::SubnetNetworkAclAssociation": "NetworkAclId",
  "AWS::EC2::RouteTable": "VpcId",
  "AWS::EC2::Route": "RouteTableId",
  "AWS::EC2::SubnetRouteTableAssociation": "RouteTableId",
  "AWS::EC2::VolumeAttachment": "InstanceId",
  "AWS::Lambda::Permission": "FunctionName",
  "AWS::Lambda::EventInvokeConfig": "FunctionName",
  "AWS::ElasticLoadBalancingV2::Listener": "LoadBalancerArn",
  "AWS::ElasticLoadBalancingV2::ListenerRule": "ListenerArn",
  "AWS::ApiGateway::Stage": "RestApiId",
  "AWS::ApiGateway::Deployment": "RestApiId",
  "AWS::ApiGateway::Resource": "RestApiId",
  "AWS::ApiGateway::Method": "RestApiId",
  "AWS::ApiGateway::RequestValidator": "RestApiId",
  "AWS::ApiGatewayV2::Stage": "ApiId",
  "AWS::WAFv2::WebACLAssociation": "WebACLArn",
  "AWS::RDS::DBInstance": "DBClusterIdentifier",
  "AWS::SecretsManager::RotationSchedule": "SecretId",
};

/** Types whose physical id is a name unique only within its parent (a stage name within its API). */
const SCOPED_NAMES = new Set(["AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"]);

/** Resources created after their parent's physical id is known (a listener's ARN extends its load balancer's). */
const CREATION_ROUND: Record<string, number> = { "AWS::ElasticLoadBalancingV2::Listener": 1, "AWS::ElasticLoadBalancingV2::ListenerRule": 2 };

/** A small deterministic random generator (mulberry32), so one seed gives one account. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const xml = (value: unknown) => String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\r/g, "&#13;");
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === "" ? [] : [value]);
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined);
const flag = (value: unknown, otherwise: boolean): boolean => (value === true || value === "true" ? true : value === false || value === "false" ? false : otherwise);
const count = (value: unknown, otherwise: number): number => (value !== undefined && value !== "" && !Number.isNaN(Number(value)) ? Number(value) : otherwise);
/** A stable hex id from a name, so the same thing gets the same id in every answer. */
const stableHex = (seed: string, length = 17) => createHash("sha1").update(seed).digest("hex").slice(0, length);
const CREATED = new Date("2026-01-01T00:00:00Z");

interface CorpusTemplate {
  name: string;
  text: string;
  body: Record<string, unknown>;
}

const parsedCache = new Map<string, CorpusTemplate | null>();

/** The corpus's `ideal.*` templates the manifest says parse, by file name (not read yet). */
export function corpusNames(): string[] {
  const manifest = JSON.parse(readFileSync(join(CORPUS, "manifest.json"), "utf8")) as { ideal: string; ideal_parses: boolean }[];
  return manifest.filter((task) => task.ideal_parses).map((task) => task.ideal);
}

/** One corpus template, if a simulated stack can carry it: it parses, needs no transform, has 1–200 resources. */
export function corpusTemplate(name: string): CorpusTemplate | undefined {
  if (parsedCache.has(name)) return parsedCache.get(name) ?? undefined;
  let template: CorpusTemplate | null = null;
  try {
    const text = readFileSync(join(CORPUS, name), "utf8");
    const body = parseTemplate(text).body as unknown as Record<string, unknown>;
    const resources = body.Resources;
    const count = isRecord(resources) ? Object.keys(resources).length : 0;
    if (body.Transform === undefined && count > 0 && count <= 200) template = { name, text, body };
  } catch {
    // not CloudFormation StackWarden reads: not deployable either
  }
  parsedCache.set(name, template);
  return template ?? undefined;
}

/** The simulated account and its HTTP handler. */
export class SimulatedAws {
  readonly region: string;
  readonly account: string;
  readonly stacks: SimStack[] = [];
  readonly counts: SimulatorCounts = { requests: new Map(), throttles: new Map(), unmodelled: new Map(), maxInFlight: new Map() };
  private readonly inFlight = new Map<string, number>();
  readonly limits: Record<string, Limit>;
  readonly metadata = { handlerProtocol: "http/1.1" };
  /** The region's EBS encryption by default (off, as in a new account). */
  readonly ebsEncryptionByDefault = false;
  private readonly stackById = new Map<string, SimStack>();
  /** Resources by type, then physical id. */
  private readonly byType = new Map<string, Map<string, SimResource>>();
  /** Child resources by "child type|parent id" (PARENT_PROPERTY). */
  private readonly children = new Map<string, SimResource[]>();
  /** Security group id -> the resources that use it (their network interfaces list it). */
  private readonly groupUsers = new Map<string, SimResource[]>();
  /** Web ACL ARN -> the distributions whose WebACLId names it. */
  private readonly distributionsByAcl = new Map<string, SimResource[]>();
  /** Volume id -> the instance and device it was made for (a block device mapping of the instance). */
  private readonly instanceVolumes = new Map<string, { instance: SimResource; device: string }>();
  private readonly groups = new Map<string, SimGroup>();
  private readonly keys = new Map<string, SimKey>();
  private readonly buckets = new Map<string, SimBucket>();
  private readonly principals = new Map<string, SimPrincipal>();
  private readonly managedPolicies = new Map<string, SimManagedPolicy>();
  private readonly messages: SentMessage[] = [];
  private readonly tokens = new Map<string, { tokens: number; at: number }>();
  private readonly latency: [number, number];
  private readonly throttling: boolean;
  private readonly rand: () => number;

  constructor(options: SimulatedAccountOptions) {
    this.region = options.region ?? "us-east-1";
    this.account = options.account ?? "123456789012";
    this.latency = options.latencyMs ?? [20, 60];
    this.throttling = options.throttling ?? true;
    this.limits = options.limits ?? LIMITS;
    this.rand = random(options.seed ?? 1);
    if (options.templates) {
      const given = options.templates.map(({ name, text }) => ({ name, text, body: parseTemplate(text).body as unknown as Record<string, unknown> }));
      for (let index = 0; index < options.stacks; index++) this.addStack(index, given[index % given.length]!);
      return;
    }
    // The corpus in a shuffled order, read only as far as the account needs; drawn in turn again when N exceeds it.
    const names = corpusNames();
    for (let index = names.length - 1; index > 0; index--) {
      const other = Math.floor(this.rand() * (index + 1));
      [names[index], names[other]] = [names[other]!, names[index]!];
    }
    const usable: CorpusTemplate[] = [];
    let next = 0;
    for (let index = 0; index < options.stacks; index++) {
      let template: CorpusTemplate | undefined;
      while (!template && next < names.length) template = corpusTemplate(names[next++]!);
      if (template) usable.push(template);
      else template = usable[index % Math.max(1, usable.length)];
      if (!template) throw new Error(`no usable templates under ${CORPUS}`);
      this.addStack(index, template);
    }
  }

  /** Distinct resource types in the account, with their counts. */
  resourceTypes(): Map<string, number> {
    const types = new Map<string, number>();
    for (const stack of this.stacks) for (const resource of stack.resources) types.set(resource.type, (types.get(resource.type) ?? 0) + 1);
    return types;
  }

  /** The messages SendMessageBatch accepted, in order. */
  get sentMessages(): readonly SentMessage[] {
    return this.messages;
  }

  // ---------------------------------------------------------------- the account

  private hex(length: number): string {
    let text = "";
    while (text.length < length) text += Math.floor(this.rand() * 16).toString(16);
    return text;
  }

  private alnum(length: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
    let text = "";
    while (text.length < length) text += alphabet[Math.floor(this.rand() * alphabet.length)];
    return text;
  }

  private addStack(index: number, template: CorpusTemplate): void {
    const base = template.name.replace(/^.*\//, "").replace(/\.(ya?ml|json|template)$/i, "").replace(/[^A-Za-z0-9-]/g, "-").slice(0, 60);
    const name = `sim-${String(index).padStart(5, "0")}-${base}`.replace(/-+/g, "-").replace(/-$/, "");
    const id = `arn:aws:cloudformation:${this.region}:${this.account}:stack/${name}/${randomUUID()}`;
    const parameters: SimStack["parameters"] = [];
    const values: Record<string, string> = {};
    for (const [key, declaration] of Object.entries(isRecord(template.body.Parameters) ? template.body.Parameters : {})) {
      const spec = isRecord(declaration) ? declaration : {};
      const value = spec.Default !== undefined && !isRecord(spec.Default) ? (Array.isArray(spec.Default) ? spec.Default.join(",") : String(spec.Default)) : this.parameterValue(String(spec.Type ?? "String"), spec);
      values[key] = value;
      parameters.push({ key, value: spec.NoEcho === true || spec.NoEcho === "true" ? "****" : value });
    }
    const context: Context = { stack: name, stackId: id, region: this.region, account: this.account, values, physical: new Map(), types: new Map(), template, conditions: new Map(), listParameters: new Set(Object.entries(record(template.body.Parameters)).filter(([, spec]) => /^(List<|CommaDelimitedList)/.test(String(record(spec).Type))).map(([key]) => key)) };
    // A resource whose condition does not hold is not created.
    const declared = Object.entries(template.body.Resources as Record<string, unknown>).filter(
      (entry): entry is [string, Record<string, unknown> & { Type: string }] => isRecord(entry[1]) && typeof entry[1].Type === "string" && (typeof entry[1].Condition !== "string" || condition(entry[1].Condition, context)),
    );
    for (const [logicalId, resource] of declared) context.types.set(logicalId, resource.Type);
    for (const round of [0, 1, 2]) {
      for (const [logicalId, resource] of declared) {
        if ((CREATION_ROUND[resource.Type] ?? 0) !== round) continue;
        const physicalId = this.physicalId(context, logicalId, resource.Type, isRecord(resource.Properties) ? resource.Properties : {});
        // A name another stack took (a corpus template drawn twice, a shared default) gets a suffix, as a second deploy would need.
        const taken = !SCOPED_NAMES.has(resource.Type) && (this.byType.get(resource.Type)?.has(physicalId) || declared.some(([other, { Type }]) => Type === resource.Type && context.physical.get(other) === physicalId));
        context.physical.set(logicalId, taken ? `${physicalId}-${this.hex(6)}` : physicalId);
      }
    }
    const stack: SimStack = { name, id, templateName: template.name, body: template.text, parameters, resources: [] };
    for (const [logicalId, resource] of declared) {
      const entry: SimResource = { logicalId, physicalId: context.physical.get(logicalId)!, type: resource.Type, context };
      stack.resources.push(entry);
      this.index(entry, isRecord(resource.Properties) ? resource.Properties : {});
    }
    // Live configurations kept as state (what other resources of the stack change: rules, inline policies, bucket policies).
    for (const [logicalId, resource] of declared) {
      const properties = isRecord(resource.Properties) ? resource.Properties : {};
      const physicalId = context.physical.get(logicalId)!;
      if (resource.Type === "AWS::EC2::SecurityGroup") this.addGroup(physicalId, logicalId, properties, context);
      else if (resource.Type === "AWS::KMS::Key") this.addKey(physicalId, properties, context);
      else if (resource.Type === "AWS::S3::Bucket") this.addBucket(physicalId, properties, context);
      else if (resource.Type === "AWS::IAM::Role") this.addPrincipal("role", physicalId, properties, context);
      else if (resource.Type === "AWS::IAM::User") this.addPrincipal("user", physicalId, properties, context);
      else if (resource.Type === "AWS::IAM::Group") this.addPrincipal("group", physicalId, properties, context);
      else if (resource.Type === "AWS::IAM::ManagedPolicy") this.addManagedPolicy(physicalId, properties, context);
    }
    for (const [logicalId, resource] of declared) {
      if (!isRecord(resource.Properties)) continue;
      this.applyToOthers(resource.Type, logicalId, resource.Properties, context);
    }
    this.stacks.push(stack);
    this.stackById.set(id, stack);
    this.stackById.set(name, stack);
  }

  private index(resource: SimResource, properties: Record<string, unknown>): void {
    let ofType = this.byType.get(resource.type);
    if (!ofType) this.byType.set(resource.type, (ofType = new Map()));
    ofType.set(resource.physicalId, resource);
    const parentProperty = PARENT_PROPERTY[resource.type];
    if (parentProperty) {
      let parent = text(materialize(properties[parentProperty], resource.context));
      if (parent && resource.type.startsWith("AWS::Lambda::")) parent = /:function:([^:]+)/.exec(parent)?.[1] ?? parent;
      if (parent && resource.type === "AWS::RDS::DBInstance") parent = parent.toLowerCase();
      if (parent) {
        const key = `${resource.type}|${parent}`;
        this.children.set(key, [...(this.children.get(key) ?? []), resource]);
      }
    }
    if (resource.type === "AWS::CloudFront::Distribution") {
      const acl = text(materialize(record(properties.DistributionConfig).WebACLId, resource.context));
      if (acl) this.distributionsByAcl.set(acl, [...(this.distributionsByAcl.get(acl) ?? []), resource]);
    }
    if (resource.type === "AWS::EC2::Instance") {
      for (const device of this.instanceDevices(resource, properties)) this.instanceVolumes.set(device.volumeId, { instance: resource, device: device.name });
    }
    const groupLists = [properties.SecurityGroupIds, properties.SecurityGroups, properties.VPCSecurityGroups, properties.VpcSecurityGroupIds, record(properties.VpcConfig).SecurityGroupIds];
    for (const groups of groupLists) {
      if (groups === undefined) continue;
      for (const group of list(materialize(groups, resource.context))) {
        if (typeof group === "string" && group.startsWith("sg-")) this.groupUsers.set(group, [...(this.groupUsers.get(group) ?? []), resource]);
      }
    }
  }

  private parameterValue(type: string, spec: Record<string, unknown>): string {
    if (Array.isArray(spec.AllowedValues) && spec.AllowedValues.length > 0) return String(spec.AllowedValues[0]);
    if (type === "Number") return String(spec.MinValue ?? 1);
    const one = (inner: string) => {
      if (inner.includes("VPC::Id")) return `vpc-${this.hex(17)}`;
      if (inner.includes("Subnet::Id")) return `subnet-${this.hex(17)}`;
      if (inner.includes("SecurityGroup::Id")) return `sg-${this.hex(17)}`;
      if (inner.includes("KeyPair")) return "simulated-key";
      if (inner.includes("Image::Id")) return `ami-${this.hex(17)}`;
      return "simulated";
    };
    if (type.startsWith("List<") || type === "CommaDelimitedList") return [one(type), one(type)].join(",");
    return one(type);
  }

  /** The physical id CloudFormation gives a resource of this type (what Ref returns). */
  private physicalId(context: Context, logicalId: string, type: string, properties: Record<string, unknown>): string {
    const named = (key: string) => text(materialize(properties[key], context));
    const stack = context.stack;
    const generated = `${stack}-${logicalId}-${this.hex(12).toUpperCase()}`.slice(0, 128);
    const lower = generated.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63).replace(/-+$/, "");
    const prefixed: Record<string, string> = {
      "AWS::EC2::SecurityGroup": "sg",
      "AWS::EC2::VPC": "vpc",
      "AWS::EC2::Subnet": "subnet",
      "AWS::EC2::Instance": "i",
      "AWS::EC2::Volume": "vol",
      "AWS::EC2::LaunchTemplate": "lt",
      "AWS::EC2::NetworkAcl": "acl",
      "AWS::EC2::RouteTable": "rtb",
      "AWS::EC2::FlowLog": "fl",
      "AWS::EC2::InternetGateway": "igw",
      "AWS::EC2::NatGateway": "nat",
      "AWS::EC2::EIP": "eipalloc",
    };
    if (prefixed[type]) return `${prefixed[type]}-${this.hex(17)}`;
    switch (type) {
      case "AWS::KMS::Key":
        return randomUUID();
      case "AWS::S3::Bucket": {
        const name = named("BucketName");
        const fallback = `${stack}-${logicalId}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 48) + `-${this.hex(12)}`;
        // Names taken by another stack (a corpus template drawn twice) get the generated form, as a second deploy would need.
        return name && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !this.buckets.has(name) ? name : fallback;
      }
      case "AWS::WAFv2::WebACL":
      case "AWS::WAFv2::RuleGroup":
        return `${named("Name") ?? generated.slice(0, 64)}|${randomUUID()}|${properties.Scope === "CLOUDFRONT" ? "CLOUDFRONT" : "REGIONAL"}`;
      case "AWS::SNS::Topic":
        return `arn:aws:sns:${this.region}:${this.account}:${named("TopicName") ?? generated.slice(0, 256)}`;
      case "AWS::SQS::Queue":
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${named("QueueName") ?? generated.slice(0, 80)}`;
      case "AWS::SecretsManager::Secret":
        return `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${named("Name") ?? generated.slice(0, 64)}-${this.alnum(6, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")}`;
      case "AWS::RDS::DBInstance":
        return (named("DBInstanceIdentifier") ?? lower).toLowerCase();
      case "AWS::RDS::DBCluster":
        return (named("DBClusterIdentifier") ?? lower).toLowerCase();
      case "AWS::CloudTrail::Trail":
        return named("TrailName") ?? generated.slice(0, 128);
      case "AWS::IAM::Role":
        return named("RoleName") ?? generated.slice(0, 64);
      case "AWS::IAM::User":
        return named("UserName") ?? generated.slice(0, 64);
      case "AWS::IAM::Group":
        return named("GroupName") ?? generated.slice(0, 128);
      case "AWS::IAM::ManagedPolicy":
        return `arn:aws:iam::${this.account}:policy${text(properties.Path) ?? "/"}${named("ManagedPolicyName") ?? generated.slice(0, 128)}`;
      case "AWS::IAM::AccessKey":
        return `AKIA${this.alnum(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`;
      case "AWS::ElasticLoadBalancingV2::LoadBalancer": {
        const kind = properties.Type === "network" ? "net" : properties.Type === "gateway" ? "gwy" : "app";
        return `arn:aws:elasticloadbalancing:${this.region}:${this.account}:loadbalancer/${kind}/${(named("Name") ?? `${logicalId}-${this.hex(8)}`).slice(0, 32)}/${this.hex(16)}`;
      }
      case "AWS::ElasticLoadBalancingV2::TargetGroup":
        return `arn:aws:elasticloadbalancing:${this.region}:${this.account}:targetgroup/${(named("Name") ?? `${logicalId}-${this.hex(8)}`).slice(0, 32)}/${this.hex(16)}`;
      case "AWS::ElasticLoadBalancingV2::Listener": {
        const balancer = named("LoadBalancerArn") ?? `arn:aws:elasticloadbalancing:${this.region}:${this.account}:loadbalancer/app/simulated/${this.hex(16)}`;
        return `${balancer.replace(":loadbalancer/", ":listener/")}/${this.hex(16)}`;
      }
      case "AWS::ElasticLoadBalancingV2::ListenerRule": {
        const listener = named("ListenerArn") ?? `arn:aws:elasticloadbalancing:${this.region}:${this.account}:listener/app/simulated/${this.hex(16)}/${this.hex(16)}`;
        return `${listener.replace(":listener/", ":listener-rule/")}/${this.hex(16)}`;
      }
      case "AWS::ApiGateway::RestApi":
      case "AWS::ApiGatewayV2::Api":
        return this.alnum(10);
      case "AWS::ApiGateway::Resource":
      case "AWS::ApiGateway::Deployment":
      case "AWS::ApiGateway::RequestValidator":
      case "AWS::ApiGateway::Authorizer":
        return this.alnum(6);
      case "AWS::ApiGateway::Stage":
      case "AWS::ApiGatewayV2::Stage":
        return named("StageName") ?? "$default";
      case "AWS::CloudFront::Distribution":
        return `E${this.alnum(13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}`;
      case "AWS::SecurityHub::Hub":
        return `arn:aws:securityhub:${this.region}:${this.account}:hub/default`;
      default:
        return named(type.endsWith("::Role") ? "RoleName" : type.endsWith("::Function") ? "FunctionName" : "Name") ?? generated.slice(0, 64);
    }
  }

  private addGroup(id: string, logicalId: string, properties: Record<string, unknown>, context: Context): void {
    const ingress = list(materialize(properties.SecurityGroupIngress, context)).filter(isRecord).map((rule) => permission(rule, context));
    const declaredEgress = properties.SecurityGroupEgress === undefined ? undefined : list(materialize(properties.SecurityGroupEgress, context)).filter(isRecord).map((rule) => permission(rule, context));
    const vpc = materialize(properties.VpcId, context);
    this.groups.set(id, {
      id,
      name: typeof properties.GroupName === "string" ? properties.GroupName : `${context.stack}-${logicalId}-${this.hex(12).toUpperCase()}`,
      description: typeof properties.GroupDescription === "string" ? properties.GroupDescription : "simulated",
      vpcId: typeof vpc === "string" && vpc.startsWith("vpc-") ? vpc : `vpc-${this.hex(17)}`,
      ingress,
      // A group that declares no egress gets CloudFormation's allow-all rule.
      egress: declaredEgress && declaredEgress.length > 0 ? declaredEgress : [{ IpProtocol: "-1", CidrIp: "0.0.0.0/0" }],
    });
  }

  private addKey(id: string, declared: Record<string, unknown>, context: Context): void {
    const properties = record(materialize(declared, context));
    const policy = properties.KeyPolicy;
    const spec = typeof properties.KeySpec === "string" ? properties.KeySpec : "SYMMETRIC_DEFAULT";
    this.keys.set(id, {
      id,
      policy: JSON.stringify(
        isRecord(policy)
          ? policy
          : { Version: "2012-10-17", Id: "key-default-1", Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${this.account}:root` }, Action: "kms:*", Resource: "*" }] },
      ),
      rotation: flag(properties.EnableKeyRotation, false),
      enabled: flag(properties.Enabled, true),
      spec,
      usage: typeof properties.KeyUsage === "string" ? properties.KeyUsage : spec.startsWith("HMAC") ? "GENERATE_VERIFY_MAC" : "ENCRYPT_DECRYPT",
    });
  }

  private addPrincipal(kind: PrincipalKind, name: string, properties: Record<string, unknown>, context: Context): void {
    const inline = new Map<string, string>();
    for (const policy of list(materialize(properties.Policies, context)).filter(isRecord)) {
      const name = text(policy.PolicyName);
      if (name) inline.set(name, JSON.stringify(policy.PolicyDocument ?? {}));
    }
    const managed = list(materialize(properties.ManagedPolicyArns, context)).map(String);
    const boundary = text(materialize(properties.PermissionsBoundary, context));
    const path = text(properties.Path) ?? "/";
    const principal: SimPrincipal = {
      kind,
      name,
      arn: `arn:aws:iam::${this.account}:${kind}${path}${name}`,
      path,
      ...(kind === "role" ? { trust: JSON.stringify(materialize(properties.AssumeRolePolicyDocument, context) ?? {}) } : {}),
      ...(boundary && kind !== "group" ? { boundary } : {}),
      inline,
      attached: managed.map((arn) => ({ name: arn.split("/").pop()!, arn })),
      accessKeys: [],
    };
    this.principals.set(`${kind}:${name}`, principal);
    for (const arn of managed) this.managedPolicies.get(arn)?.attachedTo.push({ kind, name });
    if (principal.boundary) this.managedPolicies.get(principal.boundary)?.boundaryOf.push({ kind, name });
  }

  private addManagedPolicy(arn: string, properties: Record<string, unknown>, context: Context): void {
    this.managedPolicies.set(arn, { arn, name: arn.split("/").pop()!, path: text(properties.Path) ?? "/", document: JSON.stringify(materialize(properties.PolicyDocument, context) ?? {}), attachedTo: [], boundaryOf: [] });
  }

  /** What a resource changes on others: rules of a group, inline and managed policies of principals, a bucket's policy, a user's keys. */
  private applyToOthers(type: string, logicalId: string, properties: Record<string, unknown>, context: Context): void {
    const principalsNamed = (kind: PrincipalKind, value: unknown) => list(materialize(value, context)).flatMap((name) => this.principals.get(`${kind}:${String(name)}`) ?? []);
    const inlinePolicy = (targets: SimPrincipal[]) => {
      const name = text(materialize(properties.PolicyName, context));
      const document = JSON.stringify(materialize(properties.PolicyDocument, context) ?? {});
      if (name) for (const principal of targets) principal.inline.set(name, document);
    };
    switch (type) {
      case "AWS::EC2::SecurityGroupIngress":
      case "AWS::EC2::SecurityGroupEgress": {
        const group = this.groups.get(String(materialize(properties.GroupId, context)));
        if (group) (type === "AWS::EC2::SecurityGroupIngress" ? group.ingress : group.egress).push(permission(properties, context));
        return;
      }
      case "AWS::IAM::Policy":
        return inlinePolicy([...principalsNamed("role", properties.Roles), ...principalsNamed("user", properties.Users), ...principalsNamed("group", properties.Groups)]);
      case "AWS::IAM::RolePolicy":
        return inlinePolicy(principalsNamed("role", properties.RoleName));
      case "AWS::IAM::UserPolicy":
        return inlinePolicy(principalsNamed("user", properties.UserName));
      case "AWS::IAM::GroupPolicy":
        return inlinePolicy(principalsNamed("group", properties.GroupName));
      case "AWS::IAM::ManagedPolicy": {
        const policy = this.managedPolicies.get(context.physical.get(logicalId)!);
        if (!policy) return;
        for (const kind of ["role", "user", "group"] as const) {
          for (const principal of principalsNamed(kind, properties[{ role: "Roles", user: "Users", group: "Groups" }[kind]])) {
            principal.attached.push({ name: policy.name, arn: policy.arn });
            policy.attachedTo.push({ kind, name: principal.name });
          }
        }
        return;
      }
      case "AWS::IAM::AccessKey":
        for (const user of principalsNamed("user", properties.UserName)) user.accessKeys.push({ id: `AKIA${this.alnum(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`, status: text(properties.Status) ?? "Active" });
        return;
      case "AWS::S3::BucketPolicy": {
        const bucket = this.buckets.get(String(materialize(properties.Bucket, context)));
        if (bucket && properties.PolicyDocument !== undefined) bucket.policy = JSON.stringify(materialize(properties.PolicyDocument, context));
        return;
      }
    }
  }

  private addBucket(name: string, properties: Record<string, unknown>, context: Context): void {
    const bucket: SimBucket = { name, encryption: { algorithm: "AES256" } };
    const encryption = materialize(properties.BucketEncryption, context);
    const rule = isRecord(encryption) && Array.isArray(encryption.ServerSideEncryptionConfiguration) ? encryption.ServerSideEncryptionConfiguration[0] : undefined;
    if (isRecord(rule) && isRecord(rule.ServerSideEncryptionByDefault)) {
      const applied = rule.ServerSideEncryptionByDefault;
      bucket.encryption = {
        algorithm: String(applied.SSEAlgorithm ?? "AES256"),
        ...(applied.KMSMasterKeyID !== undefined ? { keyId: String(applied.KMSMasterKeyID) } : {}),
        ...(rule.BucketKeyEnabled !== undefined ? { bucketKey: flag(rule.BucketKeyEnabled, false) } : {}),
      };
    }
    const block = materialize(properties.PublicAccessBlockConfiguration, context);
    const flags = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"];
    // Since April 2023 a new bucket blocks public access unless it declares a configuration (whose omitted flags are off).
    bucket.publicAccessBlock = Object.fromEntries(flags.map((name) => [name, isRecord(block) ? flag(block[name], false) : true]));
    this.buckets.set(name, bucket);
  }

  /** A resource's template properties as deployed. */
  private properties(resource: SimResource): Record<string, unknown> {
    const declared = record(record(resource.context.template.body.Resources)[resource.logicalId]).Properties;
    return record(materialize(declared, resource.context));
  }

  private resource(type: string, physicalId: string): SimResource | undefined {
    return this.byType.get(type)?.get(physicalId);
  }

  private ofType(type: string): SimResource[] {
    return [...(this.byType.get(type)?.values() ?? [])];
  }

  private childrenOf(type: string, parent: string): SimResource[] {
    return this.children.get(`${type}|${parent}`) ?? [];
  }

  // ---------------------------------------------------------------- the HTTP handler

  /** The Smithy HttpHandler contract: one request in, one response out. */
  async handle(request: SimRequest): Promise<{ response: HttpResponse }> {
    return respond(await this.serve(identify(request)));
  }

  /** Whether the simulator answers this request (the HTTP mode forwards the others). */
  models(call: IdentifiedRequest): boolean {
    return call.Command !== undefined || (call.service === "s3" && S3_OPERATIONS.includes(call.operation));
  }

  /** Answers one identified request: counted, throttled by its bucket, after the per-call latency. */
  async serve(call: IdentifiedRequest): Promise<Answer> {
    const { service, operation } = call;
    const key = `${service}:${operation}`;
    bump(this.counts.requests, key);
    const [low, high] = this.latency;
    const wait = low + this.rand() * (high - low);
    const throttled = this.throttling && !this.take(service, operation);
    const inFlight = (this.inFlight.get(service) ?? 0) + 1;
    this.inFlight.set(service, inFlight);
    if (inFlight > (this.counts.maxInFlight.get(service) ?? 0)) this.counts.maxInFlight.set(service, inFlight);
    await new Promise((resolve) => setTimeout(resolve, wait));
    this.inFlight.set(service, this.inFlight.get(service)! - 1);
    if (throttled) {
      bump(this.counts.throttles, service);
      return throttleAnswer(call);
    }
    let answer: Answer | undefined;
    try {
      answer = this.models(call) ? this.answer(call) : undefined;
    } catch (error) {
      answer = errorAnswer(call, 500, "InternalFailure", `simulator bug: ${(error as Error).stack ?? String(error)}`);
    }
    if (!answer) {
      bump(this.counts.unmodelled, key);
      answer = errorAnswer(call, 400, call.form ? "InvalidAction" : "UnknownOperationException", `the simulated account does not model ${service}:${operation}`);
    }
    return answer;
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, unknown> {
    return {};
  }
  destroy(): void {}

  /** A token from the operation's bucket, or its service's, or false when it is empty. */
  private take(service: string, operation: string): boolean {
    const name = this.limits[`${service}:${operation}`] ? `${service}:${operation}` : service;
    const limit = this.limits[name];
    if (!limit) return true;
    const now = performance.now();
    const state = this.tokens.get(name) ?? { tokens: limit.bucket, at: now };
    state.tokens = Math.min(limit.bucket, state.tokens + ((now - state.at) / 1000) * limit.refill);
    state.at = now;
    this.tokens.set(name, state);
    if (state.tokens < 1) return false;
    state.tokens -= 1;
    return true;
  }

  private answer(call: IdentifiedRequest): Answer | undefined {
    if (call.service === "s3") return this.s3(call.operation, call.request);
    const Command = call.Command!;
    const input = call.form ? queryInput(call.form) : call.protocol === "json" ? (call.json ?? {}) : restInput(call);
    const ok = (output: Record<string, unknown>) => wireAnswer(call.protocol, call.service, Command, output, call.jsonVersion);
    const fail = (status: number, code: string, message: string) => errorAnswer(call, status, code, message);
    const handlers: Record<string, ServiceHandler | undefined> = {
      cloudformation: this.cloudformation,
      ec2: this.ec2,
      kms: this.kms,
      iam: this.iam,
      rds: this.rds,
      cloudtrail: this.cloudtrail,
      elasticloadbalancing: this.elbv2,
      lambda: this.lambda,
      apigateway: this.apigateway,
      wafv2: this.wafv2,
      cloudfront: this.cloudfront,
      sns: this.sns,
      secretsmanager: this.secretsmanager,
      securityhub: this.securityhub,
      config: this.config,
      sts: this.sts,
      sqs: this.sqs,
    };
    return handlers[call.service]?.call(this, { operation: call.operation, Command, input, ok, fail, request: call.request });
  }

  // ---------------------------------------------------------------- CloudFormation

  private cloudformation({ operation, input, ok, fail }: HandlerCall): Answer | undefined {
    const missing = (name: string) => fail(400, "ValidationError", `Stack with id ${name} does not exist`);
    const token = Number(input.NextToken ?? 0);
    const next = (end: number, total: number) => (end < total ? { NextToken: String(end) } : {});
    const named = text(input.StackName);
    const stack = named ? this.stackById.get(named) : undefined;
    switch (operation) {
      case "DescribeStacks": {
        if (named && !stack) return missing(named);
        const stacks = stack ? [stack] : this.stacks.slice(token, token + PAGE);
        return ok({
          Stacks: stacks.map((item) => ({ StackName: item.name, StackId: item.id, CreationTime: CREATED, StackStatus: "CREATE_COMPLETE", Parameters: item.parameters.map((parameter) => ({ ParameterKey: parameter.key, ParameterValue: parameter.value })) })),
          ...(stack ? {} : next(token + PAGE, this.stacks.length)),
        });
      }
      case "GetTemplate":
        if (!stack) return missing(named ?? "");
        return ok({ TemplateBody: stack.body, StagesAvailable: ["Original", "Processed"] });
      // Every resource is as its template says (the simulated account changes nothing outside CloudFormation): detection finds no drift.
      case "DetectStackDrift":
        if (!stack) return missing(named ?? "");
        return ok({ StackDriftDetectionId: `${stableHex(stack.id, 8)}-${stableHex(stack.name, 4)}-drift` });
      case "DescribeStackDriftDetectionStatus": {
        const detected = this.stacks.find((candidate) => `${stableHex(candidate.id, 8)}-${stableHex(candidate.name, 4)}-drift` === input.StackDriftDetectionId);
        if (!detected) return fail(400, "ValidationError", `Stack drift detection ${String(input.StackDriftDetectionId)} does not exist`);
        return ok({ StackId: detected.id, StackDriftDetectionId: input.StackDriftDetectionId, StackDriftStatus: "IN_SYNC", DetectionStatus: "DETECTION_COMPLETE", DriftedStackResourceCount: 0, Timestamp: CREATED });
      }
      case "DescribeStackResourceDrifts":
        if (!stack) return missing(named ?? "");
        return ok({ StackResourceDrifts: [] });
      case "ListStackResources":
        if (!stack) return missing(named ?? "");
        return ok({
          StackResourceSummaries: stack.resources.slice(token, token + PAGE).map((resource) => ({ LogicalResourceId: resource.logicalId, PhysicalResourceId: resource.physicalId, ResourceType: resource.type, LastUpdatedTimestamp: CREATED, ResourceStatus: "CREATE_COMPLETE" })),
          ...next(token + PAGE, stack.resources.length),
        });
      default:
        return undefined;
    }
  }

  // ---------------------------------------------------------------- EC2

  private ec2({ operation, input, ok, request }: HandlerCall): Answer | undefined {
    const filters = new Map<string, string[]>();
    for (const filter of list(input.Filter)) filters.set(String(record(filter).Name), list(record(filter).Value).map(String));
    const wanted = (name: string) => filters.get(name) ?? [];
    switch (operation) {
      case "DescribeSecurityGroups":
        return this.describeSecurityGroups(wanted("group-id"), wanted("group-name"), operation);
      case "DescribeNetworkInterfaces":
        return ok({ NetworkInterfaces: wanted("group-id").flatMap((groupId) => (this.groupUsers.get(groupId) ?? []).map((user) => this.networkInterface(user, groupId))) });
      case "DescribeInstances":
        return ok({ Reservations: wanted("instance-id").flatMap((id) => (this.resource("AWS::EC2::Instance", id) ? [{ ReservationId: `r-${stableHex(id)}`, OwnerId: this.account, Instances: [this.instance(this.resource("AWS::EC2::Instance", id)!)] }] : [])) });
      case "DescribeVolumes":
        return ok({ Volumes: wanted("volume-id").flatMap((id) => this.volume(id) ?? []) });
      case "DescribeLaunchTemplateVersions":
        return this.launchTemplateVersions(text(input.LaunchTemplateId) ?? "", ok, request);
      case "DescribeVpcs":
        return ok({
          Vpcs: wanted("vpc-id").flatMap((id) => {
            const vpc = this.resource("AWS::EC2::VPC", id);
            if (!vpc) return [];
            const properties = this.properties(vpc);
            return [{ VpcId: id, CidrBlock: text(properties.CidrBlock) ?? "10.0.0.0/16", State: "available", OwnerId: this.account, IsDefault: false, InstanceTenancy: text(properties.InstanceTenancy) ?? "default", DhcpOptionsId: `dopt-${stableHex(id)}` }];
          }),
        });
      case "DescribeFlowLogs":
        return ok({
          FlowLogs: wanted("resource-id").flatMap((vpcId) =>
            this.childrenOf("AWS::EC2::FlowLog", vpcId).map((flowLog) => {
              const properties = this.properties(flowLog);
              return {
                FlowLogId: flowLog.physicalId,
                ResourceId: vpcId,
                TrafficType: text(properties.TrafficType) ?? "ALL",
                LogDestinationType: text(properties.LogDestinationType) ?? "cloud-watch-logs",
                LogDestination: text(properties.LogDestination),
                LogGroupName: text(properties.LogGroupName),
                FlowLogStatus: "ACTIVE",
                DeliverLogsStatus: "SUCCESS",
                CreationTime: CREATED,
              };
            }),
          ),
        });
      case "DescribeNetworkAcls": {
        const byVpc = wanted("vpc-id").flatMap((vpcId) => (this.resource("AWS::EC2::VPC", vpcId) ? [this.defaultAcl(vpcId), ...this.childrenOf("AWS::EC2::NetworkAcl", vpcId).map((acl) => this.networkAcl(acl, vpcId))] : []));
        const byId = wanted("network-acl-id").flatMap((id) => {
          const acl = this.resource("AWS::EC2::NetworkAcl", id);
          return acl ? [this.networkAcl(acl, text(this.properties(acl).VpcId) ?? "")] : [];
        });
        return ok({ NetworkAcls: [...byVpc, ...byId] });
      }
      case "DescribeRouteTables":
        return ok({
          RouteTables: wanted("vpc-id").flatMap((vpcId) => {
            const vpc = this.resource("AWS::EC2::VPC", vpcId);
            if (!vpc) return [];
            const local = { DestinationCidrBlock: text(this.properties(vpc).CidrBlock) ?? "10.0.0.0/16", GatewayId: "local", State: "active", Origin: "CreateRouteTable" };
            const main = { RouteTableId: `rtb-${stableHex(`main|${vpcId}`)}`, VpcId: vpcId, OwnerId: this.account, Routes: [local], Associations: [{ Main: true, RouteTableAssociationId: `rtbassoc-${stableHex(vpcId)}`, RouteTableId: `rtb-${stableHex(`main|${vpcId}`)}` }] };
            return [main, ...this.childrenOf("AWS::EC2::RouteTable", vpcId).map((table) => this.routeTable(table, vpcId, local))];
          }),
        });
      case "GetEbsEncryptionByDefault":
        return ok({ EbsEncryptionByDefault: this.ebsEncryptionByDefault, SseType: "sse-ebs" });
      default:
        return undefined;
    }
  }

  /** Hand-written (the groups' rule lists are built once, at generation); same wire format as the schema writer's. */
  private describeSecurityGroups(ids: string[], names: string[], operation: string): Answer {
    const byName = new Set(names);
    const groups = byName.size > 0 ? [...this.groups.values()].filter((group) => byName.has(group.name)) : ids.flatMap((id) => this.groups.get(id) ?? []);
    const item = (group: SimGroup) =>
      `<item><ownerId>${this.account}</ownerId><groupId>${group.id}</groupId><groupName>${xml(group.name)}</groupName><groupDescription>${xml(group.description)}</groupDescription><vpcId>${group.vpcId}</vpcId>` +
      `<ipPermissions>${group.ingress.map((rule) => permissionXml(rule, this.account)).join("")}</ipPermissions><ipPermissionsEgress>${group.egress.map((rule) => permissionXml(rule, this.account)).join("")}</ipPermissionsEgress></item>`;
    return queryXml(`<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId><securityGroupInfo>${groups.map(item).join("")}</securityGroupInfo></${operation}Response>`);
  }

  private networkInterface(user: SimResource, groupId: string): Record<string, unknown> {
    const id = `eni-${stableHex(`${user.physicalId}|${groupId}`)}`;
    return {
      NetworkInterfaceId: id,
      Description: `${user.type} ${user.physicalId}`,
      InterfaceType: user.type === "AWS::Lambda::Function" ? "lambda" : "interface",
      Status: "in-use",
      OwnerId: this.account,
      Groups: [{ GroupId: groupId, GroupName: this.groups.get(groupId)?.name ?? groupId }],
      ...(user.type === "AWS::EC2::Instance" ? { Attachment: { InstanceId: user.physicalId, Status: "attached", DeviceIndex: 0 } } : {}),
    };
  }

  /** An instance's block devices: its declared mappings (and attached volumes), the root device included. */
  private instanceDevices(instance: SimResource, declared: Record<string, unknown>): { name: string; volumeId: string; encrypted?: boolean; kmsKeyId?: string; size: number; snapshotId?: string }[] {
    const properties = record(materialize(declared, instance.context));
    const devices: { name: string; volumeId: string; encrypted?: boolean; kmsKeyId?: string; size: number; snapshotId?: string }[] = [];
    const root = "/dev/xvda";
    for (const mapping of list(properties.BlockDeviceMappings).map(record)) {
      const ebs = record(mapping.Ebs);
      if (!isRecord(mapping.Ebs)) continue;
      const name = text(mapping.DeviceName) ?? root;
      devices.push({
        name,
        volumeId: `vol-${stableHex(`${instance.physicalId}|${name}`)}`,
        ...(ebs.Encrypted !== undefined ? { encrypted: flag(ebs.Encrypted, false) } : {}),
        ...(text(ebs.KmsKeyId) ? { kmsKeyId: text(ebs.KmsKeyId)! } : {}),
        size: count(ebs.VolumeSize, 8),
        ...(text(ebs.SnapshotId) ? { snapshotId: text(ebs.SnapshotId)! } : {}),
      });
    }
    if (!devices.some((device) => device.name === root || device.name === "/dev/sda1")) devices.unshift({ name: root, volumeId: `vol-${stableHex(`${instance.physicalId}|${root}`)}`, size: 8 });
    for (const mapping of list(properties.Volumes).map(record)) {
      const volumeId = text(mapping.VolumeId);
      if (volumeId) devices.push({ name: text(mapping.Device) ?? "/dev/sdf", volumeId, size: 0 });
    }
    return devices;
  }

  private instance(resource: SimResource): Record<string, unknown> {
    const properties = this.properties(resource);
    const declared = record(record(resource.context.template.body.Resources)[resource.logicalId]).Properties;
    const devices = [
      ...this.instanceDevices(resource, record(declared)),
      ...this.childrenOf("AWS::EC2::VolumeAttachment", resource.physicalId).map((attachment) => {
        const attached = this.properties(attachment);
        return { name: text(attached.Device) ?? "/dev/sdf", volumeId: text(attached.VolumeId) ?? "", size: 0 };
      }),
    ];
    const launchTemplate = record(properties.LaunchTemplate);
    const templateId = text(launchTemplate.LaunchTemplateId);
    const fromTemplate = templateId ? this.resource("AWS::EC2::LaunchTemplate", templateId) : undefined;
    const templateOptions = fromTemplate ? record(record(this.properties(fromTemplate).LaunchTemplateData).MetadataOptions) : {};
    const options = { ...templateOptions, ...record(properties.MetadataOptions) };
    const interfaces = list(properties.NetworkInterfaces).map(record);
    const publicIp = interfaces.some((eni) => flag(eni.AssociatePublicIpAddress, false));
    const groups = [...list(properties.SecurityGroupIds), ...interfaces.flatMap((eni) => list(eni.GroupSet))].map(String).filter((group) => group.startsWith("sg-"));
    return {
      InstanceId: resource.physicalId,
      ImageId: text(properties.ImageId) ?? `ami-${stableHex(resource.physicalId)}`,
      InstanceType: text(properties.InstanceType) ?? "m1.small",
      State: { Code: 16, Name: "running" },
      LaunchTime: CREATED,
      SubnetId: text(properties.SubnetId) ?? text(interfaces[0]?.SubnetId),
      PrivateIpAddress: "10.0.0.10",
      ...(publicIp ? { PublicIpAddress: "203.0.113.10" } : {}),
      SecurityGroups: groups.map((group) => ({ GroupId: group, GroupName: this.groups.get(group)?.name ?? group })),
      ...(text(properties.IamInstanceProfile) ? { IamInstanceProfile: { Arn: `arn:aws:iam::${this.account}:instance-profile/${text(properties.IamInstanceProfile)}`, Id: `AIPA${stableHex(resource.physicalId, 17).toUpperCase()}` } } : {}),
      MetadataOptions: {
        State: "applied",
        HttpTokens: text(options.HttpTokens) ?? "optional",
        HttpEndpoint: text(options.HttpEndpoint) ?? "enabled",
        HttpPutResponseHopLimit: count(options.HttpPutResponseHopLimit, 1),
        InstanceMetadataTags: text(options.InstanceMetadataTags) ?? "disabled",
      },
      RootDeviceName: "/dev/xvda",
      RootDeviceType: "ebs",
      BlockDeviceMappings: devices.filter((device) => device.volumeId).map((device) => ({ DeviceName: device.name, Ebs: { VolumeId: device.volumeId, Status: "attached", AttachTime: CREATED, DeleteOnTermination: device.size > 0 } })),
      Monitoring: { State: flag(properties.Monitoring, false) ? "enabled" : "disabled" },
      Tags: [
        { Key: "aws:cloudformation:stack-name", Value: resource.context.stack },
        { Key: "aws:cloudformation:logical-id", Value: resource.logicalId },
        ...(templateId ? [{ Key: "aws:ec2launchtemplate:id", Value: templateId }] : []),
      ],
    };
  }

  private volume(id: string): Record<string, unknown> | undefined {
    const standalone = this.resource("AWS::EC2::Volume", id);
    if (standalone) {
      const properties = this.properties(standalone);
      const encrypted = flag(properties.Encrypted, this.ebsEncryptionByDefault);
      return {
        VolumeId: id,
        Size: count(properties.Size, 8),
        AvailabilityZone: text(properties.AvailabilityZone) ?? `${this.region}a`,
        State: "available",
        VolumeType: text(properties.VolumeType) ?? "gp2",
        Encrypted: encrypted,
        ...(encrypted ? { KmsKeyId: text(properties.KmsKeyId) ?? `arn:aws:kms:${this.region}:${this.account}:alias/aws/ebs` } : {}),
        ...(text(properties.SnapshotId) ? { SnapshotId: text(properties.SnapshotId) } : {}),
        CreateTime: CREATED,
        Attachments: [],
      };
    }
    const made = this.instanceVolumes.get(id);
    if (!made) return undefined;
    const declared = record(record(made.instance.context.template.body.Resources)[made.instance.logicalId]).Properties;
    const device = this.instanceDevices(made.instance, record(declared)).find((candidate) => candidate.volumeId === id)!;
    const encrypted = device.encrypted ?? this.ebsEncryptionByDefault;
    return {
      VolumeId: id,
      Size: device.size,
      AvailabilityZone: `${this.region}a`,
      State: "in-use",
      VolumeType: "gp2",
      Encrypted: encrypted,
      ...(encrypted ? { KmsKeyId: device.kmsKeyId ?? `arn:aws:kms:${this.region}:${this.account}:alias/aws/ebs` } : {}),
      ...(device.snapshotId ? { SnapshotId: device.snapshotId } : {}),
      CreateTime: CREATED,
      Attachments: [{ VolumeId: id, InstanceId: made.instance.physicalId, Device: device.name, State: "attached", AttachTime: CREATED, DeleteOnTermination: true }],
    };
  }

  private launchTemplateVersions(id: string, ok: (output: Record<string, unknown>) => Answer, request: SimRequest): Answer {
    const template = this.resource("AWS::EC2::LaunchTemplate", id);
    if (!template) return errorAnswer({ protocol: "ec2", request }, 400, "InvalidLaunchTemplateId.NotFound", `The specified launch template, with template ID ${id}, does not exist.`);
    const properties = this.properties(template);
    // One version: CloudFormation's, both $Default and $Latest.
    return ok({
      LaunchTemplateVersions: [
        { LaunchTemplateId: id, LaunchTemplateName: text(properties.LaunchTemplateName) ?? `${template.context.stack}-${template.logicalId}`, VersionNumber: 1, DefaultVersion: true, CreateTime: CREATED, LaunchTemplateData: record(properties.LaunchTemplateData) },
      ],
    });
  }

  private defaultAcl(vpcId: string): Record<string, unknown> {
    const allow = (egress: boolean) => ({ RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress: egress, CidrBlock: "0.0.0.0/0" });
    const deny = (egress: boolean) => ({ RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: egress, CidrBlock: "0.0.0.0/0" });
    return { NetworkAclId: `acl-${stableHex(`default|${vpcId}`)}`, VpcId: vpcId, IsDefault: true, OwnerId: this.account, Entries: [allow(false), deny(false), allow(true), deny(true)], Associations: [] };
  }

  private networkAcl(acl: SimResource, vpcId: string): Record<string, unknown> {
    const deny = (egress: boolean) => ({ RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: egress, CidrBlock: "0.0.0.0/0" });
    const entries = this.childrenOf("AWS::EC2::NetworkAclEntry", acl.physicalId).map((entry) => {
      const properties = this.properties(entry);
      const range = record(properties.PortRange);
      const icmp = record(properties.Icmp);
      return {
        RuleNumber: count(properties.RuleNumber, 100),
        Protocol: String(properties.Protocol ?? "-1"),
        RuleAction: String(properties.RuleAction ?? "allow").toLowerCase(),
        Egress: flag(properties.Egress, false),
        ...(text(properties.CidrBlock) ? { CidrBlock: text(properties.CidrBlock) } : {}),
        ...(text(properties.Ipv6CidrBlock) ? { Ipv6CidrBlock: text(properties.Ipv6CidrBlock) } : {}),
        ...(isRecord(properties.PortRange) ? { PortRange: { From: count(range.From, 0), To: count(range.To, 65535) } } : {}),
        ...(isRecord(properties.Icmp) ? { IcmpTypeCode: { Code: count(icmp.Code, -1), Type: count(icmp.Type, -1) } } : {}),
      };
    });
    const associations = this.childrenOf("AWS::EC2::SubnetNetworkAclAssociation", acl.physicalId).map((association) => ({
      NetworkAclAssociationId: `aclassoc-${stableHex(association.physicalId)}`,
      NetworkAclId: acl.physicalId,
      SubnetId: text(this.properties(association).SubnetId),
    }));
    return { NetworkAclId: acl.physicalId, VpcId: vpcId, IsDefault: false, OwnerId: this.account, Entries: [...entries, deny(false), deny(true)], Associations: associations };
  }

  private routeTable(table: SimResource, vpcId: string, local: Record<string, unknown>): Record<string, unknown> {
    const routes = this.childrenOf("AWS::EC2::Route", table.physicalId).map((route) => {
      const properties = this.properties(route);
      const targets = ["GatewayId", "NatGatewayId", "InstanceId", "NetworkInterfaceId", "VpcPeeringConnectionId", "TransitGatewayId", "EgressOnlyInternetGatewayId", "VpcEndpointId"];
      return {
        ...(text(properties.DestinationCidrBlock) ? { DestinationCidrBlock: text(properties.DestinationCidrBlock) } : {}),
        ...(text(properties.DestinationIpv6CidrBlock) ? { DestinationIpv6CidrBlock: text(properties.DestinationIpv6CidrBlock) } : {}),
        ...Object.fromEntries(targets.flatMap((target) => (text(properties[target]) ? [[target, text(properties[target])]] : []))),
        State: "active",
        Origin: "CreateRoute",
      };
    });
    const associations = this.childrenOf("AWS::EC2::SubnetRouteTableAssociation", table.physicalId).map((association) => ({
      Main: false,
      RouteTableAssociationId: `rtbassoc-${stableHex(association.physicalId)}`,
      RouteTableId: table.physicalId,
      SubnetId: text(this.properties(association).SubnetId),
    }));
    return { RouteTableId: table.physicalId, VpcId: vpcId, OwnerId: this.account, Routes: [local, ...routes], Associations: associations };
  }

  // ---------------------------------------------------------------- IAM

  private iam({ operation, input, ok, fail }: HandlerCall): Answer | undefined {
    const noSuch = (what: string) => fail(404, "NoSuchEntity", what);
    const encoded = (document: string) => encodeURIComponent(document);
    const kind: PrincipalKind = /Role/.test(operation) ? "role" : /Group/.test(operation) ? "group" : "user";
    const principalName = text(input.RoleName) ?? text(input.UserName) ?? text(input.GroupName) ?? "";
    const principal = this.principals.get(`${kind}:${principalName}`);
    const page = <T>(items: T[]) => {
      const start = Number(input.Marker ?? 0);
      const size = count(input.MaxItems, 100);
      const end = start + size;
      return { items: items.slice(start, end), paging: end < items.length ? { IsTruncated: true, Marker: String(end) } : { IsTruncated: false } };
    };
    const policyArn = text(input.PolicyArn) ?? "";
    const policy = this.managedPolicies.get(policyArn);
    switch (operation) {
      case "GetRole":
      case "GetUser": {
        if (!principal) return noSuch(`The ${kind} with name ${principalName} cannot be found.`);
        const identity = {
          Path: principal.path,
          [kind === "role" ? "RoleName" : "UserName"]: principal.name,
          [kind === "role" ? "RoleId" : "UserId"]: `${kind === "role" ? "AROA" : "AIDA"}${stableHex(principal.arn).toUpperCase()}`,
          Arn: principal.arn,
          CreateDate: CREATED,
          ...(principal.trust ? { AssumeRolePolicyDocument: encoded(principal.trust) } : {}),
          ...(principal.boundary ? { PermissionsBoundary: { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: principal.boundary } } : {}),
        };
        return ok(kind === "role" ? { Role: identity } : { User: identity });
      }
      case "ListRolePolicies":
      case "ListUserPolicies":
      case "ListGroupPolicies": {
        if (!principal) return noSuch(`The ${kind} with name ${principalName} cannot be found.`);
        const { items, paging } = page([...principal.inline.keys()]);
        return ok({ PolicyNames: items, ...paging });
      }
      case "ListAttachedRolePolicies":
      case "ListAttachedUserPolicies":
      case "ListAttachedGroupPolicies": {
        if (!principal) return noSuch(`The ${kind} with name ${principalName} cannot be found.`);
        const { items, paging } = page(principal.attached);
        return ok({ AttachedPolicies: items.map((attached) => ({ PolicyName: attached.name, PolicyArn: attached.arn })), ...paging });
      }
      case "GetRolePolicy":
      case "GetUserPolicy":
      case "GetGroupPolicy": {
        const policyName = text(input.PolicyName) ?? "";
        const document = principal?.inline.get(policyName);
        if (!principal || document === undefined) return noSuch(`The ${kind} policy with name ${policyName} cannot be found.`);
        return ok({ [kind === "role" ? "RoleName" : kind === "user" ? "UserName" : "GroupName"]: principal.name, PolicyName: policyName, PolicyDocument: encoded(document) });
      }
      case "GetPolicy":
        if (!policy) return noSuch(`Policy ${policyArn} does not exist or is not attachable.`);
        return ok({
          Policy: {
            PolicyName: policy.name,
            PolicyId: `ANPA${stableHex(policy.arn).toUpperCase()}`,
            Arn: policy.arn,
            Path: policy.path,
            DefaultVersionId: "v1",
            AttachmentCount: policy.attachedTo.length,
            PermissionsBoundaryUsageCount: policy.boundaryOf.length,
            IsAttachable: true,
            CreateDate: CREATED,
            UpdateDate: CREATED,
          },
        });
      case "GetPolicyVersion":
        if (!policy || input.VersionId !== "v1") return noSuch(`Policy ${policyArn} version ${String(input.VersionId)} does not exist or is not attachable.`);
        return ok({ PolicyVersion: { Document: encoded(policy.document), VersionId: "v1", IsDefaultVersion: true, CreateDate: CREATED } });
      case "ListEntitiesForPolicy": {
        if (!policy) return noSuch(`Policy ${policyArn} does not exist or is not attachable.`);
        const entities = input.PolicyUsageFilter === "PermissionsBoundary" ? policy.boundaryOf : input.PolicyUsageFilter === "PermissionsPolicy" ? policy.attachedTo : [...policy.attachedTo, ...policy.boundaryOf];
        const { items, paging } = page(entities);
        const of = (wanted: PrincipalKind, key: string) => items.filter((entity) => entity.kind === wanted).map((entity) => ({ [key]: entity.name }));
        return ok({ PolicyRoles: of("role", "RoleName"), PolicyUsers: of("user", "UserName"), PolicyGroups: of("group", "GroupName"), ...paging });
      }
      case "ListUsers": {
        const { items, paging } = page([...this.principals.values()].filter((candidate) => candidate.kind === "user"));
        return ok({ Users: items.map((user) => ({ UserName: user.name, UserId: `AIDA${stableHex(user.arn).toUpperCase()}`, Arn: user.arn, Path: user.path, CreateDate: CREATED })), ...paging });
      }
      case "GetAccountAuthorizationDetails": {
        // Every entity of the kinds the Filter names, MaxItems of them (all kinds together) per page, as IAM pages them.
        // The simulated account holds no AWS managed policies: AWSManagedPolicy adds nothing.
        const filter = new Set(list(input.Filter).map(String));
        const wanted = (kind: string) => filter.size === 0 || filter.has(kind);
        const LISTS = { role: ["Role", "RoleDetailList", "RolePolicyList"], user: ["User", "UserDetailList", "UserPolicyList"], group: ["Group", "GroupDetailList", "GroupPolicyList"] } as const;
        const entities: { list: string; detail: Record<string, unknown> }[] = [];
        for (const candidate of this.principals.values()) {
          const [filterName, listName, inlineName] = LISTS[candidate.kind];
          if (!wanted(filterName)) continue;
          entities.push({
            list: listName,
            detail: {
              Path: candidate.path,
              [`${filterName}Name`]: candidate.name,
              [`${filterName}Id`]: `${candidate.kind === "role" ? "AROA" : candidate.kind === "user" ? "AIDA" : "AGPA"}${stableHex(candidate.arn).toUpperCase()}`,
              Arn: candidate.arn,
              CreateDate: CREATED,
              ...(candidate.trust ? { AssumeRolePolicyDocument: encoded(candidate.trust) } : {}),
              [inlineName]: [...candidate.inline].map(([name, document]) => ({ PolicyName: name, PolicyDocument: encoded(document) })),
              AttachedManagedPolicies: candidate.attached.map((attached) => ({ PolicyName: attached.name, PolicyArn: attached.arn })),
              ...(candidate.boundary ? { PermissionsBoundary: { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: candidate.boundary } } : {}),
            },
          });
        }
        if (wanted("LocalManagedPolicy")) {
          for (const managed of this.managedPolicies.values()) {
            entities.push({
              list: "Policies",
              detail: {
                PolicyName: managed.name,
                PolicyId: `ANPA${stableHex(managed.arn).toUpperCase()}`,
                Arn: managed.arn,
                Path: managed.path,
                DefaultVersionId: "v1",
                AttachmentCount: managed.attachedTo.length,
                PermissionsBoundaryUsageCount: managed.boundaryOf.length,
                IsAttachable: true,
                CreateDate: CREATED,
                UpdateDate: CREATED,
                PolicyVersionList: [{ Document: encoded(managed.document), VersionId: "v1", IsDefaultVersion: true, CreateDate: CREATED }],
              },
            });
          }
        }
        const { items, paging } = page(entities);
        const of = (listName: string) => items.filter((entity) => entity.list === listName).map((entity) => entity.detail);
        return ok({ UserDetailList: of("UserDetailList"), GroupDetailList: of("GroupDetailList"), RoleDetailList: of("RoleDetailList"), Policies: of("Policies"), ...paging });
      }
      case "ListAccessKeys": {
        if (!principal) return noSuch(`The user with name ${principalName} cannot be found.`);
        const { items, paging } = page(principal.accessKeys);
        return ok({ AccessKeyMetadata: items.map((key) => ({ UserName: principal.name, AccessKeyId: key.id, Status: key.status, CreateDate: CREATED })), ...paging });
      }
      default:
        return undefined;
    }
  }

  // ---------------------------------------------------------------- KMS

  private kms({ operation, input, ok, fail }: HandlerCall): Answer | undefined {
    const id = String(input.KeyId ?? "").replace(/^arn:.*:key\//, "");
    const key = this.keys.get(id);
    if (!key) return fail(400, "NotFoundException", `Key '${String(input.KeyId)}' does not exist`);
    switch (operation) {
      case "DescribeKey":
        return ok({
          KeyMetadata: {
            AWSAccountId: this.account,
            KeyId: key.id,
            Arn: `arn:aws:kms:${this.region}:${this.account}:key/${key.id}`,
            CreationDate: CREATED,
            Enabled: key.enabled,
            Description: "",
            KeyUsage: key.usage,
            KeyState: key.enabled ? "Enabled" : "Disabled",
            Origin: "AWS_KMS",
            KeyManager: "CUSTOMER",
            CustomerMasterKeySpec: key.spec,
            KeySpec: key.spec,
            EncryptionAlgorithms: key.spec === "SYMMETRIC_DEFAULT" ? ["SYMMETRIC_DEFAULT"] : [],
            MultiRegion: false,
          },
        });
      case "GetKeyPolicy":
        return ok({ Policy: key.policy, PolicyName: "default" });
      case "GetKeyRotationStatus":
        return ok({ KeyRotationEnabled: key.rotation });
      default:
        return undefined;
    }
  }

  // ---------------------------------------------------------------- RDS

  private rds({ operation, input, ok }: HandlerCall): Answer | undefined {
    const filters = new Map<string, string[]>();
    for (const filter of list(input.Filters)) filters.set(String(record(filter).Name), list(record(filter).Values).map(String));
    const wanted = (name: string) => (filters.get(name) ?? []).map((id) => id.toLowerCase());
    switch (operation) {
      case "DescribeDBInstances":
        return ok({ DBInstances: wanted("db-instance-id").flatMap((id) => this.dbInstance(id) ?? []) });
      case "DescribeDBClusters":
        return ok({ DBClusters: wanted("db-cluster-id").flatMap((id) => this.dbCluster(id) ?? []) });
      default:
        return undefined;
    }
  }

  private dbInstance(id: string): Record<string, unknown> | undefined {
    const resource = this.resource("AWS::RDS::DBInstance", id);
    if (!resource) return undefined;
    const properties = this.properties(resource);
    const clusterId = text(properties.DBClusterIdentifier)?.toLowerCase();
    const cluster = clusterId ? this.resource("AWS::RDS::DBCluster", clusterId) : undefined;
    const sourceId = text(properties.SourceDBInstanceIdentifier)?.split(":").pop()?.toLowerCase();
    const source = sourceId ? this.resource("AWS::RDS::DBInstance", sourceId) : undefined;
    // A cluster member's storage settings are the cluster's; a read replica's encryption is its source's.
    const owner = cluster ? this.properties(cluster) : source ? { ...properties, StorageEncrypted: this.properties(source).StorageEncrypted, KmsKeyId: properties.KmsKeyId ?? this.properties(source).KmsKeyId } : properties;
    const engine = text(properties.Engine) ?? text(owner.Engine) ?? "mysql";
    const encrypted = flag(owner.StorageEncrypted, engine.startsWith("aurora") && text(owner.EngineMode) === "serverless");
    const subnetGroup = text(properties.DBSubnetGroupName) ?? text(owner.DBSubnetGroupName);
    return {
      DBInstanceIdentifier: id,
      DBInstanceArn: `arn:aws:rds:${this.region}:${this.account}:db:${id}`,
      DBInstanceClass: text(properties.DBInstanceClass) ?? "db.t3.micro",
      Engine: engine,
      EngineVersion: text(properties.EngineVersion) ?? "8.0",
      DBInstanceStatus: "available",
      ...(clusterId ? { DBClusterIdentifier: clusterId } : {}),
      // Without a subnet group the instance is in the default VPC, where RDS makes it public unless told otherwise.
      PubliclyAccessible: flag(properties.PubliclyAccessible, subnetGroup === undefined),
      MultiAZ: flag(properties.MultiAZ, false),
      StorageEncrypted: encrypted,
      ...(encrypted ? { KmsKeyId: this.keyArn(text(owner.KmsKeyId), "rds") } : {}),
      DeletionProtection: flag(owner.DeletionProtection, false),
      BackupRetentionPeriod: count(owner.BackupRetentionPeriod, 1),
      // An Aurora member takes the cluster's monitoring and Performance Insights settings unless it sets its own.
      MonitoringInterval: count(properties.MonitoringInterval, cluster ? count(owner.MonitoringInterval, 0) : 0),
      ...(text(properties.MonitoringRoleArn ?? (cluster ? owner.MonitoringRoleArn : undefined)) ? { MonitoringRoleArn: text(properties.MonitoringRoleArn ?? owner.MonitoringRoleArn) } : {}),
      PerformanceInsightsEnabled: flag(properties.EnablePerformanceInsights, cluster ? flag(owner.PerformanceInsightsEnabled, false) : false),
      IAMDatabaseAuthenticationEnabled: flag(owner.EnableIAMDatabaseAuthentication, false),
      AutoMinorVersionUpgrade: flag(properties.AutoMinorVersionUpgrade, true),
      ...(subnetGroup ? { DBSubnetGroup: { DBSubnetGroupName: subnetGroup, VpcId: `vpc-${stableHex(subnetGroup)}`, SubnetGroupStatus: "Complete" } } : {}),
      ...(text(properties.SourceDBInstanceIdentifier) ? { ReadReplicaSourceDBInstanceIdentifier: text(properties.SourceDBInstanceIdentifier) } : {}),
      DbiResourceId: `db-${stableHex(id, 26).toUpperCase()}`,
      InstanceCreateTime: CREATED,
    };
  }

  private dbCluster(id: string): Record<string, unknown> | undefined {
    const resource = this.resource("AWS::RDS::DBCluster", id);
    if (!resource) return undefined;
    const properties = this.properties(resource);
    const engine = text(properties.Engine) ?? "aurora-mysql";
    const encrypted = flag(properties.StorageEncrypted, text(properties.EngineMode) === "serverless");
    const instanceClass = text(properties.DBClusterInstanceClass);
    return {
      DBClusterIdentifier: id,
      DBClusterArn: `arn:aws:rds:${this.region}:${this.account}:cluster:${id}`,
      Engine: engine,
      EngineMode: text(properties.EngineMode) ?? "provisioned",
      Status: "available",
      StorageEncrypted: encrypted,
      ...(encrypted ? { KmsKeyId: this.keyArn(text(properties.KmsKeyId), "rds") } : {}),
      DeletionProtection: flag(properties.DeletionProtection, false),
      BackupRetentionPeriod: count(properties.BackupRetentionPeriod, 1),
      DBClusterMembers: this.childrenOf("AWS::RDS::DBInstance", id).map((member, index) => ({ DBInstanceIdentifier: member.physicalId, IsClusterWriter: index === 0, PromotionTier: 1 })),
      ...(text(properties.DBSubnetGroupName) ? { DBSubnetGroup: text(properties.DBSubnetGroupName) } : {}),
      IAMDatabaseAuthenticationEnabled: flag(properties.EnableIAMDatabaseAuthentication, false),
      MultiAZ: false,
      ...(text(properties.GlobalClusterIdentifier) ? { GlobalClusterIdentifier: text(properties.GlobalClusterIdentifier) } : {}),
      ...(text(properties.ReplicationSourceIdentifier) ? { ReplicationSourceIdentifier: text(properties.ReplicationSourceIdentifier) } : {}),
      ...(instanceClass
        ? {
            DBClusterInstanceClass: instanceClass,
            PubliclyAccessible: flag(properties.PubliclyAccessible, false),
            MonitoringInterval: count(properties.MonitoringInterval, 0),
            PerformanceInsightsEnabled: flag(properties.PerformanceInsightsEnabled, false),
          }
        : {}),
      ClusterCreateTime: CREATED,
    };
  }

  /** A KMS key as services report it: the key's ARN, or the service's AWS managed key when none was named. */
  private keyArn(key: string | undefined, service: string): string {
    if (!key) return `arn:aws:kms:${this.region}:${this.account}:alias/aws/${service}`;
    return key.startsWith("arn:") ? key : key.startsWith("alias/") ? `arn:aws:kms:${this.region}:${this.account}:${key}` : `arn:aws:kms:${this.region}:${this.account}:key/${key}`;
  }

  // ---------------------------------------------------------------- CloudTrail

  private cloudtrail({ operation, input, ok, fail }: HandlerCall): Answer | undefined {
    const trailOf = (id: string) => this.ofType("AWS::CloudTrail::Trail").find((trail) => trail.physicalId === id || this.trailArn(trail) === id);
    switch (operation) {
      case "DescribeTrails": {
        const names = list(input.trailNameList).map(String);
        const trails = names.length > 0 ? names.flatMap((name) => trailOf(name) ?? []) : this.ofType("AWS::CloudTrail::Trail");
        return ok({ trailList: trails.map((trail) => this.trail(trail)) });
      }
      case "GetTrailStatus": {
        const trail = trailOf(text(input.Name) ?? "");
        if (!trail) return fail(400, "TrailNotFoundException", `Unknown trail: ${String(input.Name)} for the user: ${this.account}`);
        return ok({ IsLogging: flag(this.properties(trail).IsLogging, true), LatestDeliveryTime: CREATED, StartLoggingTime: CREATED });
      }
      case "GetEventSelectors": {
        const trail = trailOf(text(input.TrailName) ?? "");
        if (!trail) return fail(400, "TrailNotFoundException", `Unknown trail: ${String(input.TrailName)} for the user: ${this.account}`);
        const properties = this.properties(trail);
        if (properties.AdvancedEventSelectors !== undefined) return ok({ TrailARN: this.trailArn(trail), AdvancedEventSelectors: list(properties.AdvancedEventSelectors) });
        const selectors = properties.EventSelectors !== undefined ? list(properties.EventSelectors).map(record) : [{ ReadWriteType: "All", IncludeManagementEvents: true, DataResources: [] }];
        return ok({
          TrailARN: this.trailArn(trail),
          EventSelectors: selectors.map((selector) => ({ ...selector, ReadWriteType: text(selector.ReadWriteType) ?? "All", IncludeManagementEvents: flag(selector.IncludeManagementEvents, true) })),
        });
      }
      default:
        return undefined;
    }
  }

  private trailArn(trail: SimResource): string {
    return `arn:aws:cloudtrail:${this.region}:${this.account}:trail/${trail.physicalId}`;
  }

  private trail(resource: SimResource): Record<string, unknown> {
    const properties = this.properties(resource);
    return {
      Name: resource.physicalId,
      TrailARN: this.trailArn(resource),
      HomeRegion: this.region,
      S3BucketName: text(properties.S3BucketName),
      S3KeyPrefix: text(properties.S3KeyPrefix),
      SnsTopicName: text(properties.SnsTopicName),
      IncludeGlobalServiceEvents: flag(properties.IncludeGlobalServiceEvents, true),
      IsMultiRegionTrail: flag(properties.IsMultiRegionTrail, false),
      LogFileValidationEnabled: flag(properties.EnableLogFileValidation, false),
      CloudWatchLogsLogGroupArn: text(properties.CloudWatchLogsLogGroupArn),
      CloudWatchLogsRoleArn: text(properties.CloudWatchLogsRoleArn),
      KmsKeyId: text(properties.KMSKeyId) ? this.keyArn(text(properties.KMSKeyId), "cloudtrail") : undefined,
      HasCustomEventSelectors: properties.EventSelectors !== undefined || properties.AdvancedEventSelectors !== undefined,
      IsOrganizationTrail: flag(properties.IsOrganizationTrail, false),
    };
  }

  // ---------------------------------------------------------------- ELBv2

  private elbv2({ operation, input, ok, fail }: HandlerCall): Answer | undefined {
    switch (operation) {
      case "DescribeListeners": {
        const balancer = text(input.LoadBalancerArn);
        if (balancer) {
          if (!this.resource("AWS::ElasticLoadBalancingV2::LoadBalancer", balancer)) return fail(400, "LoadBalancerNotFound", `One or more load balancers not found`);
          return ok({ Listeners: this.childrenOf("AWS::ElasticLoadBalancingV2::Listener", balancer).map((listener) => this.listener(listener)) });
        }
        const arns = list(input.ListenerArns).map(String);
        const listeners = arns.map((arn) => this.resource("AWS::ElasticLoadBalancingV2::Listener", arn));
        if (listeners.some((listener) => !listener)) return fail(400, "ListenerNotFound", "One or more listeners not found");
        return ok({ Listeners: listeners.map((listener) => this.listener(listener!)) });
      }
      case "DescribeLoadBalancers": {
        const arns = list(input.LoadBalancerArns).map(String);
        const balancers = arns.map((arn) => this.resource("AWS::ElasticLoadBalancingV2::LoadBalancer", arn));
        if (balancers.some((balancer) => !balancer)) return fail(400, "LoadBalancerNotFound", "One or more load balancers not found");
        return ok({
          LoadBalancers: balancers.map((balancer) => {
            const properties = this.properties(balancer!);
            const arn = balancer!.physicalId;
            const name = arn.split("/")[2]!;
            return {
              LoadBalancerArn: arn,
              LoadBalancerName: name,
              DNSName: `${name}-${stableHex(arn, 10)}.${this.region}.elb.amazonaws.com`,
              Scheme: text(properties.Scheme) ?? "internet-facing",
              Type: text(properties.Type) ?? "application",
              State: { Code: "active" },
              IpAddressType: text(properties.IpAddressType) ?? "ipv4",
              SecurityGroups: list(properties.SecurityGroups).map(String),
              CreatedTime: CREATED,
            };
          }),
        });
      }
      case "DescribeRules": {
        const listener = this.resource("AWS::ElasticLoadBalancingV2::Listener", text(input.ListenerArn) ?? "");
        if (!listener) return fail(400, "ListenerNotFound", "One or more listeners not found");
        const rules = this.childrenOf("AWS::ElasticLoadBalancingV2::ListenerRule", listener.physicalId).map((rule) => {
          const properties = this.properties(rule);
          return { RuleArn: rule.physicalId, Priority: String(properties.Priority ?? "1"), Conditions: list(properties.Conditions), Actions: this.actions(properties.Actions), IsDefault: false };
        });
        const defaultRule = { RuleArn: `${listener.physicalId.replace(":listener/", ":listener-rule/")}/${stableHex(listener.physicalId, 16)}`, Priority: "default", Conditions: [], Actions: this.actions(this.properties(listener).DefaultActions), IsDefault: true };
        return ok({ Rules: [...rules, defaultRule] });
      }
      default:
        return undefined;
    }
  }

  private listener(resource: SimResource): Record<string, unknown> {
    const properties = this.properties(resource);
    const protocol = text(properties.Protocol) ?? (text(properties.SslPolicy) || list(properties.Certificates).length > 0 ? "HTTPS" : "HTTP");
    return {
      ListenerArn: resource.physicalId,
      LoadBalancerArn: resource.physicalId.replace(":listener/", ":loadbalancer/").split("/").slice(0, -1).join("/"),
      Port: count(properties.Port, protocol === "HTTPS" ? 443 : 80),
      Protocol: protocol,
      ...(protocol === "HTTPS" || protocol === "TLS" ? { SslPolicy: text(properties.SslPolicy) ?? "ELBSecurityPolicy-2016-08", Certificates: list(properties.Certificates) } : {}),
      DefaultActions: this.actions(properties.DefaultActions),
    };
  }

  private actions(value: unknown): Record<string, unknown>[] {
    return list(value).map(record).map((action, index) => ({ ...action, Type: String(action.Type ?? "forward").toLowerCase(), Order: count(action.Order, index + 1) }));
  }

  // ---------------------------------------------------------------- Lambda

  private lambda({ operation, input, ok, fail }: HandlerCall): Answer | undefined {
    const name = text(input.FunctionName) ?? "";
    const fn = this.resource("AWS::Lambda::Function", /:function:([^:]+)/.exec(name)?.[1] ?? name);
    if (!fn) return fail(404, "ResourceNotFoundException", `Function not found: arn:aws:lambda:${this.region}:${this.account}:function:${name}`);
    const arn = `arn:aws:lambda:${this.region}:${this.account}:function:${fn.physicalId}`;
    const invokeConfigs = () =>
      this.childrenOf("AWS::Lambda::EventInvokeConfig", fn.physicalId).map((config) => {
        const properties = this.properties(config);
        const destinations = record(properties.DestinationConfig);
        return {
          FunctionArn: `${arn}:${text(properties.Qualifier) ?? "$LATEST"}`,
          LastModified: CREATED,
          ...(properties.MaximumRetryAttempts !== undefined ? { MaximumRetryAttempts: count(properties.MaximumRetryAttempts, 2) } : {}),
          ...(properties.MaximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: count(properties.MaximumEventAgeInSeconds, 21600) } : {}),
          ...(isRecord(properties.DestinationConfig) ? { DestinationConfig: { OnSuccess: record(destinations.OnSuccess), OnFailure: record(destinations.OnFailure) } } : {}),
        };
      });
    switch (operation) {
      case "GetFunctionConfiguration": {
        const properties = this.properties(fn);
        const deadLetter = text(record(properties.DeadLetterConfig).TargetArn);
        return ok({
          FunctionName: fn.physicalId,
          FunctionArn: arn,
          Runtime: text(properties.Runtime),
          Role: text(properties.Role),
          Handler: text(properties.Handler),
          CodeSize: 1024,
          Timeout: count(properties.Timeout, 3),
          MemorySize: count(properties.MemorySize, 128),
          LastModified: "2026-01-01T00:00:00.000+0000",
          Version: "$LATEST",
          State: "Active",
          PackageType: text(properties.PackageType) ?? "Zip",
          ...(deadLetter ? { DeadLetterConfig: { TargetArn: deadLetter } } : {}),
          ...(isRecord(properties.Environment) ? { Environment: { Variables: record(record(properties.Environment).Variables) } } : {}),
          ...(text(properties.KmsKeyArn) ? { KMSKeyArn: text(properties.KmsKeyArn) } : {}),
          TracingConfig: { Mode: text(record(properties.TracingConfig).Mode) ?? "PassThrough" },
          ...(isRecord(properties.VpcConfig) ? { VpcConfig: { SubnetIds: list(record(properties.VpcConfig).SubnetIds).map(String), SecurityGroupIds: list(record(properties.VpcConfig).SecurityGroupIds).map(String) } } : {}),
        });
      }
      case "ListFunctionEventInvokeConfigs":
        return ok({ FunctionEventInvokeConfigs: invokeConfigs() });
      case "GetFunctionEventInvokeConfig": {
        const config = invokeConfigs().find((candidate) => String(candidate.FunctionArn).endsWith(`:${text(input.Qualifier) ?? "$LATEST"}`));
        return config ? ok(config) : fail(404, "ResourceNotFoundException", `The function ${arn} doesn't have an EventInvokeConfig`);
      }
      case "GetPolicy": {
        const permissions = this.childrenOf("AWS::Lambda::Permission", fn.physicalId);
        if (permissions.length === 0) return fail(404, "ResourceNotFoundException", "The resource you requested does not exist.");
        const statements = permissions.map((permission) => {
          const properties = this.properties(permission);
          const principal = text(properties.Principal) ?? "*";
          const condition: Record<string, unknown> = {};
          if (text(properties.SourceArn)) condition.ArnLike = { "AWS:SourceArn": text(properties.SourceArn) };
          if (text(properties.SourceAccount)) condition.StringEquals = { "AWS:SourceAccount": text(properties.SourceAccount) };
          return {
            Sid: permission.logicalId,
            Effect: "Allow",
            Principal: principal === "*" ? "*" : principal.endsWith(".amazonaws.com") ? { Service: principal } : { AWS: /^\d{12}$/.test(principal) ? `arn:aws:iam::${principal}:root` : principal },
            Action: text(properties.Action) ?? "lambda:InvokeFunction",
            Resource: arn,
            ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
          };
        });
        return ok({ Policy: JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: statements }), RevisionId: stableHex(arn, 32) });
      }
      default:
        return undefined;
    }
  }

  // ---------------------------------------------------------------- API Gateway (REST and v2)

  private apigateway({ Command, input, ok, fail }: HandlerCall): Answer | undefined {
    if (Command === GetApiCommand || Command === GetV2StagesCommand) {
      const id = text(input.ApiId) ?? "";
      const api = this.resource("AWS::ApiGatewayV2::Api", id);
      if (!api) return fail(404, "NotFoundException", `Invalid API identifier specified ${this.account}:${id}`);
      const properties = this.properties(api);
      if (Command === GetApiCommand) {
        const protocol = text(properties.ProtocolType) ?? "HTTP";
        return ok({ ApiId: id, Name: text(properties.Name) ?? api.logicalId, ProtocolType: protocol, ApiEndpoint: `https://${id}.execute-api.${this.region}.amazonaws.com`, CreatedDate: CREATED, RouteSelectionExpression: text(properties.RouteSelectionExpression) ?? "$request.method $request.path" });
      }
      return ok({
        Items: this.childrenOf("AWS::ApiGatewayV2::Stage", id).map((stage) => {
          const stageProperties = this.properties(stage);
          const logs = record(stageProperties.AccessLogSettings);
          return { StageName: stage.physicalId, DeploymentId: text(stageProperties.DeploymentId), AutoDeploy: flag(stageProperties.AutoDeploy, false), CreatedDate: CREATED, ...(isRecord(stageProperties.AccessLogSettings) ? { AccessLogSettings: { DestinationArn: text(logs.DestinationArn), Format: text(logs.Format) } } : {}) };
        }),
      });
    }
    const id = text(input.restApiId) ?? "";
    const api = this.resource("AWS::ApiGateway::RestApi", id);
    if (!api) return fail(404, "NotFoundException", "Invalid API identifier specified");
    switch (Command) {
      case GetRestApiCommand: {
        const properties = this.properties(api);
        const types = list(record(properties.EndpointConfiguration).Types).map(String);
        return ok({ id, name: text(properties.Name) ?? api.logicalId, createdDate: CREATED, apiKeySource: "HEADER", endpointConfiguration: { types: types.length > 0 ? types : ["EDGE"] }, disableExecuteApiEndpoint: flag(properties.DisableExecuteApiEndpoint, false) });
      }
      case GetRestStagesCommand: {
        const stages = this.childrenOf("AWS::ApiGateway::Stage", id).map((stage) => {
          const properties = this.properties(stage);
          const logs = record(properties.AccessLogSetting);
          return { stageName: stage.physicalId, deploymentId: text(properties.DeploymentId), tracingEnabled: flag(properties.TracingEnabled, false), createdDate: CREATED, ...(isRecord(properties.AccessLogSetting) ? { accessLogSettings: { destinationArn: text(logs.DestinationArn), format: text(logs.Format) } } : {}) };
        });
        // A deployment with a StageName creates that stage (its StageDescription configures it).
        const deployed = this.childrenOf("AWS::ApiGateway::Deployment", id).flatMap((deployment) => {
          const properties = this.properties(deployment);
          const name = text(properties.StageName);
          if (!name || stages.some((stage) => stage.stageName === name)) return [];
          const description = record(properties.StageDescription);
          const logs = record(description.AccessLogSetting);
          return [{ stageName: name, deploymentId: deployment.physicalId, tracingEnabled: flag(description.TracingEnabled, false), createdDate: CREATED, ...(isRecord(description.AccessLogSetting) ? { accessLogSettings: { destinationArn: text(logs.DestinationArn), format: text(logs.Format) } } : {}) }];
        });
        return ok({ item: [...stages, ...deployed] });
      }
      case GetResourcesCommand:
        return ok({ items: this.restResources(id) });
      case GetRequestValidatorsCommand:
        return ok({
          items: this.childrenOf("AWS::ApiGateway::RequestValidator", id).map((validator) => {
            const properties = this.properties(validator);
            return { id: validator.physicalId, name: text(properties.Name), validateRequestBody: flag(properties.ValidateRequestBody, false), validateRequestParameters: flag(properties.ValidateRequestParameters, false) };
          }),
        });
      default:
        return undefined;
    }
  }

  /** The API's resources with their methods: the root (id: the API id, as GetAtt RootResourceId resolves here) and each AWS::ApiGateway::Resource. */
  private restResources(apiId: string): Record<string, unknown>[] {
    const resources = this.childrenOf("AWS::ApiGateway::Resource", apiId).map((resource) => ({ id: resource.physicalId, properties: this.properties(resource) }));
    const pathOf = (id: string, depth = 0): string => {
      if (id === apiId || depth > 20) return "";
      const resource = resources.find((candidate) => candidate.id === id);
      return resource ? `${pathOf(text(resource.properties.ParentId) ?? apiId, depth + 1)}/${text(resource.properties.PathPart) ?? ""}` : "";
    };
    const methods = this.childrenOf("AWS::ApiGateway::Method", apiId).map((method) => this.properties(method));
    const methodsOf = (id: string) =>
      Object.fromEntries(
        methods
          .filter((method) => (text(method.ResourceId) ?? apiId) === id)
          .map((method) => {
            const verb = (text(method.HttpMethod) ?? "ANY").toUpperCase();
            return [
              verb,
              {
                httpMethod: verb,
                authorizationType: text(method.AuthorizationType) ?? "NONE",
                ...(text(method.AuthorizerId) ? { authorizerId: text(method.AuthorizerId) } : {}),
                apiKeyRequired: flag(method.ApiKeyRequired, false),
                ...(text(method.RequestValidatorId) ? { requestValidatorId: text(method.RequestValidatorId) } : {}),
                requestParameters: Object.fromEntries(Object.entries(record(method.RequestParameters)).map(([key, value]) => [key, flag(value, false)])),
                requestModels: record(method.RequestModels),
              },
            ];
          }),
      );
    return [{ id: apiId, path: "/", resourceMethods: methodsOf(apiId) }, ...resources.map((resource) => ({ id: resource.id, parentId: text(resource.properties.ParentId), pathPart: text(resource.properties.PathPart), path: pathOf(resource.id) || "/", resourceMethods: methodsOf(resource.id) }))];
  }

  // ---------------------------------------------------------------- WAFv2

  private wafv2({ operation, input, ok, fail }: HandlerCall): Answer | undefined {
    const missing = () => fail(400, "WAFNonexistentItemException", "AWS WAF couldn’t perform the operation because your resource doesn’t exist.");
    switch (operation) {
      case "GetWebACL": {
        const acl = this.ofType("AWS::WAFv2::WebACL").find((candidate) => candidate.physicalId === `${String(input.Name)}|${String(input.Id)}|${String(input.Scope)}`);
        if (!acl) return missing();
        const properties = this.properties(acl);
        return ok({
          WebACL: { Name: input.Name, Id: input.Id, ARN: this.wafArn(acl), DefaultAction: record(properties.DefaultAction), Rules: list(properties.Rules), VisibilityConfig: record(properties.VisibilityConfig), Capacity: 100, ManagedByFirewallManager: false },
          LockToken: stableHex(acl.physicalId, 32),
        });
      }
      case "GetRuleGroup": {
        const group = this.ofType("AWS::WAFv2::RuleGroup").find((candidate) => this.wafArn(candidate) === input.ARN);
        if (!group) return missing();
        const properties = this.properties(group);
        const [name, id] = group.physicalId.split("|");
        return ok({ RuleGroup: { Name: name, Id: id, ARN: this.wafArn(group), Capacity: count(properties.Capacity, 100), Rules: list(properties.Rules), VisibilityConfig: record(properties.VisibilityConfig) }, LockToken: stableHex(group.physicalId, 32) });
      }
      case "ListResourcesForWebACL": {
        const acl = this.ofType("AWS::WAFv2::WebACL").find((candidate) => this.wafArn(candidate) === input.WebACLArn);
        if (!acl) return missing();
        const typeOf = (arn: string) => (arn.includes(":elasticloadbalancing:") ? "APPLICATION_LOAD_BALANCER" : arn.includes(":apigateway:") ? "API_GATEWAY" : arn.includes(":appsync:") ? "APPSYNC" : arn.includes(":cognito-idp:") ? "COGNITO_USER_POOL" : arn.includes(":apprunner:") ? "APP_RUNNER_SERVICE" : "VERIFIED_ACCESS_INSTANCE");
        const wanted = text(input.ResourceType) ?? "APPLICATION_LOAD_BALANCER";
        const arns = this.childrenOf("AWS::WAFv2::WebACLAssociation", this.wafArn(acl))
          .flatMap((association) => text(this.properties(association).ResourceArn) ?? [])
          .filter((arn) => typeOf(arn) === wanted);
        return ok({ ResourceArns: arns });
      }
      default:
        return undefined;
    }
  }

  private wafArn(resource: SimResource): string {
    const [name, id, scope] = resource.physicalId.split("|");
    const kind = resource.type === "AWS::WAFv2::RuleGroup" ? "rulegroup" : "webacl";
    return scope === "CLOUDFRONT" ? `arn:aws:wafv2:us-east-1:${this.account}:global/${kind}/${name}/${id}` : `arn:aws:wafv2:${this.region}:${this.account}:regional/${kind}/${name}/${id}`;
  }

  // ---------------------------------------------------------------- CloudFront

  private cloudfront({ operation, input, ok, fail }: HandlerCall): Answer | undefined {
    switch (operation) {
      case "GetDistributionConfig": {
        const distribution = this.resource("AWS::CloudFront::Distribution", text(input.Id) ?? "");
        if (!distribution) return fail(404, "NoSuchDistribution", "The specified distribution does not exist.");
        return ok({ DistributionConfig: this.distributionConfig(distribution), ETag: `E${stableHex(distribution.physicalId, 13).toUpperCase()}` });
      }
      case "ListDistributionsByWebACLId": {
        const distributions = this.distributionsByAcl.get(text(input.WebACLId) ?? "") ?? [];
        return ok({
          DistributionList: {
            Marker: "",
            MaxItems: 100,
            IsTruncated: false,
            Quantity: distributions.length,
            Items: distributions.map((distribution) => ({ Id: distribution.physicalId, ARN: `arn:aws:cloudfront::${this.account}:distribution/${distribution.physicalId}`, Status: "Deployed", DomainName: `${distribution.physicalId.toLowerCase()}.cloudfront.net`, Enabled: true })),
          },
        });
      }
      default:
        return undefined;
    }
  }

  /** The template's DistributionConfig in the API's shape (lists as Quantity/Items). */
  private distributionConfig(resource: SimResource): Record<string, unknown> {
    const config = record(this.properties(resource).DistributionConfig);
    const items = (values: unknown[]) => ({ Quantity: values.length, Items: values });
    const origins = list(config.Origins)
      .map(record)
      .map((origin) => {
        const s3 = isRecord(origin.S3OriginConfig) ? record(origin.S3OriginConfig) : undefined;
        const custom = isRecord(origin.CustomOriginConfig) ? record(origin.CustomOriginConfig) : undefined;
        return {
          Id: text(origin.Id) ?? "origin",
          DomainName: text(origin.DomainName) ?? "simulated.example.com",
          OriginPath: text(origin.OriginPath) ?? "",
          CustomHeaders: items([]),
          ...(s3 ? { S3OriginConfig: { OriginAccessIdentity: text(s3.OriginAccessIdentity) ?? "" } } : {}),
          ...(custom
            ? {
                CustomOriginConfig: {
                  HTTPPort: count(custom.HTTPPort, 80),
                  HTTPSPort: count(custom.HTTPSPort, 443),
                  OriginProtocolPolicy: text(custom.OriginProtocolPolicy) ?? "https-only",
                  OriginSslProtocols: items(list(custom.OriginSSLProtocols).map(String)),
                },
              }
            : {}),
          ...(text(origin.OriginAccessControlId) ? { OriginAccessControlId: text(origin.OriginAccessControlId) } : {}),
        };
      });
    const behaviour = record(config.DefaultCacheBehavior);
    const certificate = record(config.ViewerCertificate);
    const logging = record(config.Logging);
    return {
      CallerReference: resource.physicalId,
      Aliases: items(list(config.Aliases).map(String)),
      DefaultRootObject: text(config.DefaultRootObject) ?? "",
      Origins: items(origins),
      DefaultCacheBehavior: { TargetOriginId: text(behaviour.TargetOriginId) ?? text(origins[0]?.Id) ?? "origin", ViewerProtocolPolicy: text(behaviour.ViewerProtocolPolicy) ?? "allow-all", ...(text(behaviour.CachePolicyId) ? { CachePolicyId: text(behaviour.CachePolicyId) } : {}) },
      Comment: text(config.Comment) ?? "",
      Logging: { Enabled: isRecord(config.Logging), IncludeCookies: flag(logging.IncludeCookies, false), Bucket: text(logging.Bucket) ?? "", Prefix: text(logging.Prefix) ?? "" },
      PriceClass: text(config.PriceClass) ?? "PriceClass_All",
      Enabled: flag(config.Enabled, true),
      ViewerCertificate: isRecord(config.ViewerCertificate)
        ? { ...(text(certificate.AcmCertificateArn) ? { ACMCertificateArn: text(certificate.AcmCertificateArn) } : {}), CloudFrontDefaultCertificate: flag(certificate.CloudFrontDefaultCertificate, !text(certificate.AcmCertificateArn)), MinimumProtocolVersion: text(certificate.MinimumProtocolVersion) ?? "TLSv1", SSLSupportMethod: text(certificate.SslSupportMethod) ?? "vip" }
        : { CloudFrontDefaultCertificate: true, MinimumProtocolVersion: "TLSv1" },
      WebACLId: text(config.WebACLId) ?? "",
      HttpVersion: text(config.HttpVersion) ?? "http2",
      IsIPV6Enabled: flag(config.IPV6Enabled, false),
    };
  }

  // ---------------------------------------------------------------- SNS, Secrets Manager, Security Hub, Config, STS, SQS

  private sns({ input, ok, fail }: HandlerCall): Answer | undefined {
    const topic = this.resource("AWS::SNS::Topic", text(input.TopicArn) ?? "");
    if (!topic) return fail(404, "NotFound", "Topic does not exist");
    const properties = this.properties(topic);
    const attributes: Record<string, string> = { TopicArn: topic.physicalId, Owner: this.account, DisplayName: text(properties.DisplayName) ?? "", SubscriptionsConfirmed: "0", SubscriptionsPending: "0", SubscriptionsDeleted: "0" };
    if (text(properties.KmsMasterKeyId)) attributes.KmsMasterKeyId = text(properties.KmsMasterKeyId)!;
    if (flag(properties.FifoTopic, false)) attributes.FifoTopic = "true";
    return ok({ Attributes: attributes });
  }

  private secretsmanager({ input, ok, fail }: HandlerCall): Answer | undefined {
    const id = text(input.SecretId) ?? "";
    const secret = this.resource("AWS::SecretsManager::Secret", id) ?? this.ofType("AWS::SecretsManager::Secret").find((candidate) => candidate.physicalId.replace(/^.*:secret:/, "").replace(/-[A-Za-z]{6}$/, "") === id);
    if (!secret) return fail(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    const properties = this.properties(secret);
    const rotation = this.childrenOf("AWS::SecretsManager::RotationSchedule", secret.physicalId).map((schedule) => this.properties(schedule))[0];
    const rules = record(rotation?.RotationRules);
    return ok({
        ARN: secret.physicalId,
        Name: secret.physicalId.replace(/^.*:secret:/, "").replace(/-[A-Za-z]{6}$/, ""),
        Description: text(properties.Description),
        ...(text(properties.KmsKeyId) ? { KmsKeyId: text(properties.KmsKeyId) } : {}),
        RotationEnabled: rotation !== undefined,
        ...(rotation && text(rotation.RotationLambdaARN) ? { RotationLambdaARN: text(rotation.RotationLambdaARN) } : {}),
        ...(rotation ? { RotationRules: { ...(rules.AutomaticallyAfterDays !== undefined ? { AutomaticallyAfterDays: count(rules.AutomaticallyAfterDays, 30) } : {}), ...(text(rules.ScheduleExpression) ? { ScheduleExpression: text(rules.ScheduleExpression) } : {}) } } : {}),
        LastChangedDate: CREATED,
        CreatedDate: CREATED,
      });
  }

  private securityhub({ operation, ok, fail }: HandlerCall): Answer | undefined {
    const hubs = this.ofType("AWS::SecurityHub::Hub");
    if (hubs.length === 0) return fail(401, "InvalidAccessException", `Account ${this.account} is not subscribed to AWS Security Hub`);
    switch (operation) {
      case "DescribeHub":
        return ok({ HubArn: `arn:aws:securityhub:${this.region}:${this.account}:hub/default`, SubscribedAt: CREATED.toISOString(), AutoEnableControls: true, ControlFindingGenerator: "SECURITY_CONTROL" });
      case "GetEnabledStandards": {
        const defaults = flag(this.properties(hubs[0]!).EnableDefaultStandards, true)
          ? [`arn:aws:securityhub:${this.region}::standards/aws-foundational-security-best-practices/v/1.0.0`, "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"]
          : [];
        const declared = this.ofType("AWS::SecurityHub::Standard").flatMap((standard) => text(this.properties(standard).StandardsArn) ?? []);
        return ok({
          StandardsSubscriptions: [...new Set([...defaults, ...declared])].map((arn) => ({ StandardsSubscriptionArn: `${arn.replace(":::", `:${this.region}:${this.account}:`).replace("::standards", `:${this.account}:subscription`)}`, StandardsArn: arn, StandardsInput: {}, StandardsStatus: "READY" })),
        });
      }
      default:
        return undefined;
    }
  }

  private config({ operation, ok }: HandlerCall): Answer | undefined {
    const recorders = this.ofType("AWS::Config::ConfigurationRecorder");
    const channels = this.ofType("AWS::Config::DeliveryChannel");
    switch (operation) {
      case "DescribeConfigurationRecorders":
        return ok({
          ConfigurationRecorders: recorders.map((recorder) => {
            const properties = this.properties(recorder);
            const group = record(properties.RecordingGroup);
            return {
              name: recorder.physicalId,
              arn: `arn:aws:config:${this.region}:${this.account}:configuration-recorder/${recorder.physicalId}/${stableHex(recorder.physicalId, 16)}`,
              roleARN: text(properties.RoleARN),
              recordingGroup: { allSupported: flag(group.AllSupported, !isRecord(properties.RecordingGroup)), includeGlobalResourceTypes: flag(group.IncludeGlobalResourceTypes, false), resourceTypes: list(group.ResourceTypes).map(String) },
            };
          }),
        });
      case "DescribeConfigurationRecorderStatus":
        // CloudFormation starts a recorder once a delivery channel exists.
        return ok({ ConfigurationRecordersStatus: recorders.map((recorder) => ({ name: recorder.physicalId, recording: channels.length > 0, lastStatus: channels.length > 0 ? "SUCCESS" : "PENDING", lastStartTime: CREATED })) });
      case "DescribeDeliveryChannels":
        return ok({
          DeliveryChannels: channels.map((channel) => {
            const properties = this.properties(channel);
            return { name: channel.physicalId, s3BucketName: text(properties.S3BucketName), s3KeyPrefix: text(properties.S3KeyPrefix), snsTopicARN: text(properties.SnsTopicARN) };
          }),
        });
      default:
        return undefined;
    }
  }

  private sts({ ok }: HandlerCall): Answer | undefined {
    return ok({ UserId: "AIDASIMULATEDCALLER", Account: this.account, Arn: `arn:aws:iam::${this.account}:user/simulated-caller` });
  }

  private sqs({ input, ok }: HandlerCall): Answer | undefined {
    const queueUrl = text(input.QueueUrl) ?? "";
    const entries = list(input.Entries).map(record);
    const successful = entries.map((entry) => {
      const body = String(entry.MessageBody ?? "");
      this.messages.push({ queueUrl, id: String(entry.Id), body });
      return { Id: entry.Id, MessageId: randomUUID(), MD5OfMessageBody: createHash("md5").update(body).digest("hex") };
    });
    return ok({ Successful: successful, Failed: [] });
  }

  // ---------------------------------------------------------------- S3 (REST-XML, answered by hand: no reader shape needs more)

  private s3(operation: string, request: SimRequest): Answer | undefined {
    const host = request.hostname;
    const virtual = /^(.+)\.s3[.-]/.exec(host)?.[1];
    const name = virtual ?? decodeURIComponent(request.path.split("/")[1] ?? "");
    const bucket = this.buckets.get(name);
    const s3Error = (status: number, code: string, message: string): Answer => ({ status, headers: { "content-type": "application/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message><BucketName>${xml(name)}</BucketName><RequestId>SIM</RequestId></Error>` });
    if (!S3_OPERATIONS.includes(operation)) return undefined;
    if (!bucket) return s3Error(404, "NoSuchBucket", "The specified bucket does not exist");
    const ok = (body: string, type = "application/xml"): Answer => ({ status: 200, headers: { "content-type": type }, body });
    switch (operation) {
      case "GetBucketEncryption": {
        const encryption = bucket.encryption!;
        return ok(
          `<?xml version="1.0" encoding="UTF-8"?><ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${xml(encryption.algorithm)}</SSEAlgorithm>` +
            `${encryption.keyId ? `<KMSMasterKeyID>${xml(encryption.keyId)}</KMSMasterKeyID>` : ""}</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>${encryption.bucketKey ?? false}</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
        );
      }
      case "GetPublicAccessBlock": {
        if (!bucket.publicAccessBlock) return s3Error(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found");
        const flags = Object.entries(bucket.publicAccessBlock).map(([name, value]) => `<${name}>${value}</${name}>`).join("");
        return ok(`<?xml version="1.0" encoding="UTF-8"?><PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${flags}</PublicAccessBlockConfiguration>`);
      }
      case "GetBucketPolicy":
        return bucket.policy ? ok(bucket.policy, "application/json") : s3Error(404, "NoSuchBucketPolicy", "The bucket policy does not exist");
      default:
        return undefined;
    }
  }
}

interface HandlerCall {
  operation: string;
  Command: CommandClass;
  input: Record<string, unknown>;
  ok: (output: Record<string, unknown>) => Answer;
  fail: (status: number, code: string, message: string) => Answer;
  request: SimRequest;
}
type ServiceHandler = (call: HandlerCall) => Answer | undefined;

// ---------------------------------------------------------------- wire helpers

export interface SimRequest {
  method: string;
  hostname: string;
  path: string;
  query?: Record<string, unknown>;
  headers: Record<string, string>;
  body?: unknown;
}

/** A request with its service (the SigV4 credential scope's), operation and protocol worked out, and its input parsed. */
export interface IdentifiedRequest {
  service: string;
  operation: string;
  protocol: Protocol;
  /** The modelled operation's command; undefined when the simulator does not model it. */
  Command?: CommandClass;
  /** The JSON protocols' content type version: "1.0" or "1.1". */
  jsonVersion?: string;
  form?: URLSearchParams;
  json?: Record<string, unknown>;
  /** A REST request's path parameters, by the name in the operation's path template. */
  pathParameters?: Record<string, string>;
  request: SimRequest;
}

const REST_XML = new Set(["s3", "cloudfront"]);

/** Works out what a signed request asks: the service from its credential scope, the operation from its protocol. */
export function identify(request: SimRequest): IdentifiedRequest {
  const header = (name: string) => request.headers[name] ?? Object.entries(request.headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(String(header("authorization") ?? ""))?.[1] ?? request.hostname.split(".")[0] ?? "unknown";
  const body = typeof request.body === "string" ? request.body : request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : "";
  const named = (operation: string) => (COMMANDS[service] ?? []).find((Command) => operationName(Command) === operation);
  const target = header("x-amz-target");
  if (target) {
    const jsonVersion = /x-amz-json-(1\.[01])/.exec(String(header("content-type") ?? ""))?.[1] ?? "1.1";
    const operation = target.slice(target.lastIndexOf(".") + 1);
    return { service, operation, protocol: "json", jsonVersion, json: jsonBody(body), ...withCommand(named(operation)), request };
  }
  if (body.includes("Action=")) {
    const form = new URLSearchParams(body);
    const operation = form.get("Action") ?? "unknown";
    return { service, operation, protocol: service === "ec2" ? "ec2" : "query", form, ...withCommand(named(operation)), request };
  }
  const protocol: Protocol = REST_XML.has(service) ? "restXml" : "restJson";
  if (service === "s3") return { service, operation: s3Operation(request), protocol, request };
  const route = routesOf(service).find((candidate) => candidate.method === request.method && candidate.path.test(request.path));
  const json = body && protocol === "restJson" ? { json: jsonBody(body) } : {};
  return { service, operation: route ? operationName(route.Command) : restOperation(request), protocol, ...withCommand(route?.Command), ...json, request };
}

/** A JSON request body as an object; a body that is not a JSON object (an upload) gives none. */
function jsonBody(body: string): Record<string, unknown> {
  try {
    return record(JSON.parse(body || "{}"));
  } catch {
    return {};
  }
}

function withCommand(Command: CommandClass | undefined): { Command?: CommandClass } {
  return Command ? { Command } : {};
}

/**
 * A query request's parameters as the SDK input shape: `Filter.1.Value.2` and RDS's `Filters.Filter.1.Values.Value.2`
 * become `{ Filter: [{ Value: [...] }] }` / `{ Filters: [{ Values: [...] }] }`; `member` wrappers are dropped.
 */
function queryInput(form: URLSearchParams): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const isIndex = (part: string | undefined) => part !== undefined && /^\d+$/.test(part);
  for (const [key, value] of form) {
    if (key === "Action" || key === "Version") continue;
    const raw = key.split(".");
    // A list member's name between the list and its index ("Filters.Filter.1", "ListenerArns.member.1") adds nothing.
    const parts = raw.filter((part, index) => !(isIndex(raw[index + 1]) && (part === "member" || (index > 0 && singular(raw[index - 1]!) === part))));
    let node = input as Record<string | number, unknown>;
    parts.forEach((part, index) => {
      const slot = isIndex(part) ? Number(part) - 1 : part;
      if (index === parts.length - 1) node[slot] = value;
      else node = (node[slot] ??= isIndex(parts[index + 1]) ? [] : {}) as Record<string | number, unknown>;
    });
  }
  return input;
}

function singular(name: string): string {
  return name.endsWith("ies") ? `${name.slice(0, -3)}y` : name.endsWith("s") ? name.slice(0, -1) : name;
}

/** A REST request's input: its path parameters (by template name), query string and JSON body. */
function restInput(call: IdentifiedRequest): Record<string, unknown> {
  const input: Record<string, unknown> = { ...(call.json ?? {}), ...(call.request.query ?? {}) };
  const template = call.Command ? restPathTemplate(call.Command) : undefined;
  if (template) {
    const values = call.request.path.split("/");
    template.split("/").forEach((name, index) => {
      const parameter = /^\{(.+?)\+?\}$/.exec(name)?.[1];
      if (parameter && values[index] !== undefined) input[parameter] = decodeURIComponent(values[index]!);
    });
  }
  return input;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function respond(answer: Answer): { response: HttpResponse } {
  const bytes = Buffer.from(answer.body, "utf8");
  return {
    response: new HttpResponse({
      statusCode: answer.status,
      headers: { ...answer.headers, "content-length": String(bytes.length), "x-amzn-requestid": randomUUID() },
      body: Readable.from([bytes]),
    }),
  };
}

const queryXml = (body: string): Answer => ({ status: 200, headers: { "content-type": "text/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?>${body}` });

/** An error in the protocol's own shape: EC2's <Response><Errors>, the query <ErrorResponse>, JSON __type, REST-XML <Error>. */
function errorAnswer(call: Pick<IdentifiedRequest, "protocol" | "jsonVersion" | "request">, status: number, code: string, message: string): Answer {
  switch (call.protocol) {
    case "json":
      return { status, headers: { "content-type": `application/x-amz-json-${call.jsonVersion ?? "1.1"}`, "x-amzn-errortype": code }, body: JSON.stringify({ __type: code, message }) };
    case "restJson":
      return { status, headers: { "content-type": "application/json", "x-amzn-errortype": code }, body: JSON.stringify({ message, Message: message }) };
    case "ec2":
      return { status, headers: { "content-type": "text/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error></Errors><RequestID>SIM</RequestID></Response>` };
    case "restXml":
      return { status, headers: { "content-type": "application/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>SIM</RequestId></Error>` };
    case "query":
      return { status, headers: { "content-type": "text/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>SIM</RequestId></ErrorResponse>` };
  }
}

function throttleAnswer(call: IdentifiedRequest): Answer {
  const { code, status, message } = THROTTLING[call.service] ?? { code: call.protocol === "query" ? "Throttling" : "ThrottlingException", status: 400, message: "Rate exceeded" };
  return errorAnswer(call, status, code, message);
}

/** A REST call the simulator does not route, named by its method and path, ids elided: `GET /2015-03-31/functions/{id}/code`. */
function restOperation(request: SimRequest): string {
  const path = request.path.split("/").map((segment) => (segment === "" || /^[a-z]+$/.test(segment) || /^\d{4}-\d{2}-\d{2}$/.test(segment) ? segment : "{id}")).join("/");
  return `${request.method} ${path}`;
}

function s3Operation(request: SimRequest): string {
  const query = request.query ?? {};
  const has = (name: string) => Object.prototype.hasOwnProperty.call(query, name);
  if (request.method === "GET") {
    if (has("encryption")) return "GetBucketEncryption";
    if (has("publicAccessBlock")) return "GetPublicAccessBlock";
    if (has("policy")) return "GetBucketPolicy";
    const sub = Object.keys(query)[0];
    return sub ? `GetBucket${sub[0]!.toUpperCase()}${sub.slice(1)}` : "GetObjectOrList";
  }
  return `${request.method} ${request.path}`;
}

function permissionXml(rule: Permission, account: string): string {
  const ports = rule.IpProtocol === "-1" ? "" : `${rule.FromPort !== undefined ? `<fromPort>${rule.FromPort}</fromPort>` : ""}${rule.ToPort !== undefined ? `<toPort>${rule.ToPort}</toPort>` : ""}`;
  const description = rule.Description ? `<description>${xml(rule.Description)}</description>` : "";
  return (
    `<item><ipProtocol>${xml(rule.IpProtocol)}</ipProtocol>${ports}` +
    `<groups>${rule.SourceSecurityGroupId ? `<item><groupId>${xml(rule.SourceSecurityGroupId)}</groupId><userId>${account}</userId>${description}</item>` : ""}</groups>` +
    `<ipRanges>${rule.CidrIp ? `<item><cidrIp>${xml(rule.CidrIp)}</cidrIp>${description}</item>` : ""}</ipRanges>` +
    `<ipv6Ranges>${rule.CidrIpv6 ? `<item><cidrIpv6>${xml(rule.CidrIpv6)}</cidrIpv6>${description}</item>` : ""}</ipv6Ranges>` +
    `<prefixListIds>${rule.PrefixListId ? `<item><prefixListId>${xml(rule.PrefixListId)}</prefixListId>${description}</item>` : ""}</prefixListIds></item>`
  );
}

// ---------------------------------------------------------------- template values as deployed

interface Context {
  stack: string;
  stackId: string;
  region: string;
  account: string;
  values: Record<string, string>;
  physical: Map<string, string>;
  /** Each logical id's resource type. */
  types: Map<string, string>;
  template: CorpusTemplate;
  /** Template conditions evaluated so far. */
  conditions: Map<string, boolean>;
  /** Parameters whose Ref is a list (CommaDelimitedList, List<...>). */
  listParameters: Set<string>;
}

/** The ARN GetAtt Arn gives for a resource of this type and physical id. */
function arnOf(type: string | undefined, physical: string, context: Context): string {
  const { region, account } = context;
  if (physical.startsWith("arn:")) return physical;
  switch (type) {
    case "AWS::IAM::Role":
      return `arn:aws:iam::${account}:role/${physical}`;
    case "AWS::IAM::User":
      return `arn:aws:iam::${account}:user/${physical}`;
    case "AWS::IAM::Group":
      return `arn:aws:iam::${account}:group/${physical}`;
    case "AWS::IAM::InstanceProfile":
      return `arn:aws:iam::${account}:instance-profile/${physical}`;
    case "AWS::Lambda::Function":
      return `arn:aws:lambda:${region}:${account}:function:${physical}`;
    case "AWS::KMS::Key":
      return `arn:aws:kms:${region}:${account}:key/${physical}`;
    case "AWS::S3::Bucket":
      return `arn:aws:s3:::${physical}`;
    case "AWS::SQS::Queue":
      return `arn:aws:sqs:${region}:${account}:${physical.split("/").pop()}`;
    case "AWS::CloudTrail::Trail":
      return `arn:aws:cloudtrail:${region}:${account}:trail/${physical}`;
    case "AWS::Logs::LogGroup":
      return `arn:aws:logs:${region}:${account}:log-group:${physical}:*`;
    case "AWS::DynamoDB::Table":
      return `arn:aws:dynamodb:${region}:${account}:table/${physical}`;
    case "AWS::Kinesis::Stream":
      return `arn:aws:kinesis:${region}:${account}:stream/${physical}`;
    case "AWS::Events::Rule":
      return `arn:aws:events:${region}:${account}:rule/${physical}`;
    case "AWS::WAFv2::WebACL":
    case "AWS::WAFv2::RuleGroup": {
      const [name, id, scope] = physical.split("|");
      const kind = type === "AWS::WAFv2::RuleGroup" ? "rulegroup" : "webacl";
      return scope === "CLOUDFRONT" ? `arn:aws:wafv2:us-east-1:${account}:global/${kind}/${name}/${id}` : `arn:aws:wafv2:${region}:${account}:regional/${kind}/${name}/${id}`;
    }
    default:
      return `arn:aws:${(type?.split("::")[1] ?? "simulated").toLowerCase()}:${region}:${account}:${physical}`;
  }
}

/** "Db.MasterUserSecret.SecretArn" as the resource and its (possibly dotted) attribute. */
function splitAttribute(text: string): [string, string | undefined] {
  const dot = text.indexOf(".");
  return dot < 0 ? [text, undefined] : [text.slice(0, dot), text.slice(dot + 1)];
}

/** What Fn::GetAtt returns: an ARN for every attribute AWS names *Arn (a table's stream, an RDS-managed secret), else the physical id. */
function attributeValue(type: string | undefined, attribute: string, physical: string, context: Context): string {
  if (attribute === "StreamArn") return `${arnOf(type, physical, context)}/stream/2024-01-01T00:00:00.000`;
  if (attribute === "MasterUserSecret.SecretArn") {
    return `arn:aws:secretsmanager:${context.region}:${context.account}:secret:rds!${type === "AWS::RDS::DBCluster" ? "cluster" : "db"}-${stableHex(physical, 8)}-${stableHex(`${physical}/secret`, 6)}`;
  }
  return attribute.endsWith("Arn") ? arnOf(type, physical, context) : physical;
}

/** What Ref AWS::NoValue leaves: the property (or list item) is dropped. */
const NO_VALUE = Symbol("AWS::NoValue");

/** Whether a template condition holds with the stack's parameter values. */
function condition(name: string, context: Context, depth = 0): boolean {
  const known = context.conditions.get(name);
  if (known !== undefined) return known;
  const declared = record(context.template.body.Conditions)[name];
  const holds = depth < 20 && conditionValue(declared, context, depth + 1);
  context.conditions.set(name, holds);
  return holds;
}

function conditionValue(value: unknown, context: Context, depth: number): boolean {
  if (!isRecord(value)) return value === true || value === "true";
  const [name, argument] = Object.entries(value)[0] ?? [];
  const parts = list(argument);
  switch (name) {
    case "Fn::Equals":
      return String(materialize(parts[0], context)) === String(materialize(parts[1], context));
    case "Fn::And":
      return parts.every((part) => conditionValue(part, context, depth));
    case "Fn::Or":
      return parts.some((part) => conditionValue(part, context, depth));
    case "Fn::Not":
      return !conditionValue(parts[0], context, depth);
    case "Condition":
      return condition(String(argument), context, depth);
    default:
      return false;
  }
}

/** A template value as CloudFormation would have deployed it: intrinsics replaced by the stack's values, conditions evaluated. */
function materialize(value: unknown, context: Context): unknown {
  const resolved = resolve(value, context);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolve(value: unknown, context: Context): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, context)).filter((item) => item !== NO_VALUE);
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [name] = keys as [string];
    const argument = value[name];
    const pseudo: Record<string, string> = {
      "AWS::AccountId": context.account,
      "AWS::Region": context.region,
      "AWS::StackName": context.stack,
      "AWS::StackId": context.stackId,
      "AWS::Partition": "aws",
      "AWS::URLSuffix": "amazonaws.com",
    };
    const ref = (target: string) => pseudo[target] ?? context.values[target] ?? context.physical.get(target) ?? `simulated-${target}`;
    switch (name) {
      case "Ref":
        if (argument === "AWS::NoValue") return NO_VALUE;
        return context.listParameters.has(String(argument)) ? ref(String(argument)).split(",") : ref(String(argument));
      case "Fn::GetAtt": {
        const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : splitAttribute(String(argument));
        const physical = context.physical.get(logicalId ?? "") ?? `simulated-${logicalId}`;
        return attributeValue(context.types.get(logicalId ?? ""), attribute ?? "", physical, context);
      }
      case "Fn::Sub": {
        const [text, variables] = Array.isArray(argument) ? [String(argument[0]), isRecord(argument[1]) ? argument[1] : {}] : [String(argument), {}];
        return text.replace(/\$\{([^}!]+)\}/g, (_, variable: string) => {
          if (variable in variables) return String(materialize((variables as Record<string, unknown>)[variable], context));
          const [logicalId, attribute] = splitAttribute(variable);
          return attribute ? String(materialize({ "Fn::GetAtt": [logicalId, attribute] }, context)) : ref(variable);
        });
      }
      case "Fn::Join":
        return Array.isArray(argument) && Array.isArray(argument[1]) ? list(materialize(argument[1], context)).map(String).join(String(argument[0])) : "simulated";
      case "Fn::If":
        return Array.isArray(argument) ? resolve(condition(String(argument[0]), context) ? argument[1] : argument[2], context) : "simulated";
      case "Fn::Select": {
        if (!Array.isArray(argument)) return "simulated";
        const items = materialize(argument[1], context);
        return Array.isArray(items) ? (items[Number(materialize(argument[0], context))] ?? "simulated") : "simulated";
      }
      case "Fn::FindInMap": {
        const [map, top, second] = list(argument).map((part) => String(materialize(part, context)));
        const found = record(record(record(context.template.body.Mappings)[map ?? ""])[top ?? ""])[second ?? ""];
        return found === undefined ? "simulated" : materialize(found, context);
      }
      case "Fn::Split": {
        const [delimiter, source] = list(argument);
        return String(materialize(source, context)).split(String(delimiter));
      }
      case "Fn::Base64":
        return materialize(argument, context);
      case "Fn::GetAZs":
        return [`${context.region}a`, `${context.region}b`, `${context.region}c`];
      case "Fn::Cidr":
        return Array.from({ length: Number(materialize(list(argument)[1], context)) || 1 }, (_, index) => `10.0.${index}.0/24`);
      case "Fn::ImportValue":
        return "simulated";
    }
  }
  return Object.fromEntries(
    Object.entries(value)
      .map(([key, item]) => [key, resolve(item, context)] as const)
      .filter(([, item]) => item !== NO_VALUE),
  );
}

function permission(rule: Record<string, unknown>, context: Context): Permission {
  const value = record(materialize(rule, context));
  const port = (raw: unknown) => (raw === undefined || raw === "" || Number.isNaN(Number(raw)) ? undefined : Number(raw));
  const protocol = String(value.IpProtocol ?? "-1");
  return {
    IpProtocol: protocol === "all" ? "-1" : protocol,
    ...(port(value.FromPort) !== undefined ? { FromPort: port(value.FromPort)! } : {}),
    ...(port(value.ToPort) !== undefined ? { ToPort: port(value.ToPort)! } : {}),
    ...(typeof value.CidrIp === "string" && value.CidrIp.includes("/") ? { CidrIp: value.CidrIp } : {}),
    ...(typeof value.CidrIpv6 === "string" && value.CidrIpv6.includes("/") ? { CidrIpv6: value.CidrIpv6 } : {}),
    ...(typeof value.SourceSecurityGroupId === "string" ? { SourceSecurityGroupId: value.SourceSecurityGroupId } : {}),
    ...(typeof value.DestinationSecurityGroupId === "string" ? { SourceSecurityGroupId: value.DestinationSecurityGroupId } : {}),
    ...(typeof (value.SourcePrefixListId ?? value.DestinationPrefixListId) === "string" ? { PrefixListId: String(value.SourcePrefixListId ?? value.DestinationPrefixListId) } : {}),
    ...(typeof value.Description === "string" ? { Description: value.Description } : {}),
  };
}

/**
 * Routes every NodeHttpHandler of the process (the handler shared/live/clients.ts gives each client) to the simulator:
 * the scanner's clients, configuration, signing, serialization and retry run unchanged, and nothing reaches the network.
 * Returns the function that restores the real handler.
 */
export function installSimulatedAws(sim: SimulatedAws): () => void {
  const prototype = NodeHttpHandler.prototype as unknown as { handle: (request: SimRequest) => Promise<{ response: HttpResponse }> };
  const original = prototype.handle;
  prototype.handle = (request: SimRequest) => sim.handle(request);
  return () => {
    prototype.handle = original;
  };
}

/** Credentials the simulated account accepts (it checks none); pass them to scanLive so no credential chain runs. */
export const SIMULATED_CREDENTIALS = {
  id: "simulated-account",
  provider: async () => ({ accessKeyId: "AKIASIMULATED", secretAccessKey: "simulated" }),
};

/**
 * The simulated account over HTTP on 127.0.0.1 (a free port), for clients in other threads or processes: configure
 * them with `endpointUrl` = `endpoint` (S3 path-style, as shared/live/clients.ts does for any endpoint). The service is
 * read from the SigV4 credential scope, as in-process. Requests for operations the simulator does not model (DynamoDB,
 * SNS Publish...) go to `forwardTo` (a moto endpoint) unchanged, and its answer is streamed back; without `forwardTo`
 * they are answered as unmodelled.
 */
export async function serveSimulatedAws(sim: SimulatedAws, options: { forwardTo?: string } = {}): Promise<{ endpoint: string; close(): Promise<void> }> {
  const forwardTo = options.forwardTo ? new URL(options.forwardTo) : undefined;
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      answerOverHttp(sim, incoming, Buffer.concat(chunks), outgoing, forwardTo).catch((error: unknown) => {
        if (!outgoing.headersSent) outgoing.writeHead(500, { "content-type": "text/plain" });
        outgoing.end(`simulator failure: ${(error as Error).message}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK clients' keep-alive sockets would hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function answerOverHttp(sim: SimulatedAws, incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse, forwardTo: URL | undefined): Promise<void> {
  const url = new URL(incoming.url ?? "/", "http://127.0.0.1");
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  const request: SimRequest = { method: incoming.method ?? "GET", hostname: (headers.host ?? "127.0.0.1").replace(/:\d+$/, ""), path: url.pathname, query, headers, body: body.toString("utf8") };
  const call = identify(request);
  if (forwardTo && !sim.models(call)) {
    await forward(forwardTo, incoming, body, outgoing);
    return;
  }
  const answer = await sim.serve(call);
  const bytes = Buffer.from(answer.body, "utf8");
  outgoing.writeHead(answer.status, { ...answer.headers, "content-length": String(bytes.length), "x-amzn-requestid": randomUUID() });
  outgoing.end(bytes);
}

/** Sends the request as it came to the forwarding endpoint and streams its answer back. */
function forward(to: URL, incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest({ hostname: to.hostname, port: to.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
      answer.on("end", resolve);
      answer.on("error", reject);
    });
    upstream.on("error", reject);
    upstream.end(body);
  });
}
