/**
 * A simulated AWS account behind the real SDK v3 clients: an in-process Smithy HTTP handler that answers the requests
 * the clients sign and serialize, in the wire format each client expects (query XML for CloudFormation, EC2 XML,
 * JSON 1.1 for KMS, REST-XML for S3), from a generated account of N stacks whose templates come from the corpus
 * (../shared/corpus/cfn, `ideal.*` templates that parse and need no transform).
 *
 * Every answer waits a per-call latency; every request takes a token from its service's bucket (modelled on AWS's
 * published or observed rates, see LIMITS) and is answered with that service's throttling error when the bucket is
 * empty, so the SDK's adaptive retry really runs. Operations not modelled answer a clear error (UnknownOperation /
 * InvalidAction) that the scan records, and are counted.
 *
 * `installSimulatedAws(sim)` routes every NodeHttpHandler in the process (the one shared/live/clients.ts gives each
 * client) to the simulator, so the scanner's own clients and configuration are used unchanged and nothing reaches
 * the network.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { HttpResponse } from "@smithy/core/transport";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { parseTemplate } from "../shared/template/parse.ts";

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "shared", "corpus", "cfn");

/** A token bucket: `bucket` requests at once, `refill` more per second. */
export interface Limit {
  bucket: number;
  refill: number;
  /** Where the figure comes from. */
  why: string;
}

/**
 * The rate limits, per bucket. EC2 and KMS publish theirs; CloudFormation does not publish its read-API rates, and
 * users meet "Rate exceeded" on DescribeStacks / ListStackResources / GetTemplate at a few requests per second per
 * account and region (the reason shared/scan-live.ts reads four stacks at a time). The model takes one shared bucket
 * of 20, refilled at 10 per second, for the three read calls together. S3 allows 5,500 GET per second per prefix.
 */
export const LIMITS: Record<string, Limit> = {
  cloudformation: { bucket: 20, refill: 10, why: "not published; observed throttling at a few to ~10 requests/s per account and region; one bucket shared by DescribeStacks, GetTemplate and ListStackResources" },
  ec2: { bucket: 100, refill: 20, why: "EC2 API request throttling, non-mutating actions (Describe*): bucket 100, refill 20/s" },
  kms: { bucket: 1000, refill: 1000, why: "KMS request quotas: DescribeKey, GetKeyPolicy, GetKeyRotationStatus at 1,000/s (modelled as one shared bucket)" },
  s3: { bucket: 5500, refill: 5500, why: "S3: 5,500 GET/HEAD per second per prefix" },
};

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
}

interface SimStack {
  name: string;
  id: string;
  templateName: string;
  body: string;
  parameters: { key: string; value: string }[];
  resources: { logicalId: string; physicalId: string; type: string }[];
}

interface Permission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  CidrIpv6?: string;
  SourceSecurityGroupId?: string;
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
interface SimRole {
  name: string;
  arn: string;
  trust: string;
  boundary?: string;
  inline: Map<string, string>;
  attached: { name: string; arn: string }[];
}
interface SimBucket {
  name: string;
  encryption?: { algorithm: string; keyId?: string; bucketKey?: boolean };
  publicAccessBlock?: Record<string, boolean>;
  policy?: string;
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
  private readonly stackById = new Map<string, SimStack>();
  private readonly groups = new Map<string, SimGroup>();
  private readonly keys = new Map<string, SimKey>();
  private readonly buckets = new Map<string, SimBucket>();
  private readonly roles = new Map<string, SimRole>();
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

  // ---------------------------------------------------------------- the account

  private hex(length: number): string {
    let text = "";
    while (text.length < length) text += Math.floor(this.rand() * 16).toString(16);
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
    const resources = template.body.Resources as Record<string, unknown>;
    const physical = new Map<string, string>();
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (!isRecord(resource) || typeof resource.Type !== "string") continue;
      physical.set(logicalId, this.physicalId(name, logicalId, resource.Type, isRecord(resource.Properties) ? resource.Properties : {}, values));
    }
    const stack: SimStack = { name, id, templateName: template.name, body: template.text, parameters, resources: [] };
    const context: Context = { stack: name, stackId: id, region: this.region, account: this.account, values, physical };
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (!isRecord(resource) || typeof resource.Type !== "string") continue;
      stack.resources.push({ logicalId, physicalId: physical.get(logicalId)!, type: resource.Type });
    }
    // Live configurations, consistent with the template (what CloudFormation would have made of it).
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (!isRecord(resource)) continue;
      const properties = isRecord(resource.Properties) ? resource.Properties : {};
      const physicalId = physical.get(logicalId)!;
      if (resource.Type === "AWS::EC2::SecurityGroup") this.addGroup(physicalId, logicalId, properties, context);
      else if (resource.Type === "AWS::KMS::Key") this.addKey(physicalId, properties, context);
      else if (resource.Type === "AWS::S3::Bucket") this.addBucket(physicalId, properties, context);
      else if (resource.Type === "AWS::IAM::Role") this.addRole(physicalId, properties, context);
    }
    for (const resource of Object.values(resources)) {
      if (!isRecord(resource) || !isRecord(resource.Properties)) continue;
      const properties = resource.Properties;
      if (resource.Type === "AWS::EC2::SecurityGroupIngress" || resource.Type === "AWS::EC2::SecurityGroupEgress") {
        const group = this.groups.get(String(materialize(properties.GroupId, context)));
        if (group) (resource.Type === "AWS::EC2::SecurityGroupIngress" ? group.ingress : group.egress).push(permission(properties, context));
      } else if (resource.Type === "AWS::IAM::Policy") {
        // An AWS::IAM::Policy becomes an inline policy of every role it names.
        const roles = materialize(properties.Roles, context);
        for (const name of Array.isArray(roles) ? roles : []) {
          this.roles.get(String(name))?.inline.set(String(materialize(properties.PolicyName, context)), JSON.stringify(materialize(properties.PolicyDocument, context)));
        }
      } else if (resource.Type === "AWS::S3::BucketPolicy") {
        const bucket = this.buckets.get(String(materialize(properties.Bucket, context)));
        if (bucket && properties.PolicyDocument !== undefined) bucket.policy = JSON.stringify(materialize(properties.PolicyDocument, context));
      }
    }
    this.stacks.push(stack);
    this.stackById.set(id, stack);
    this.stackById.set(name, stack);
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

  private physicalId(stack: string, logicalId: string, type: string, properties: Record<string, unknown>, values: Record<string, string>): string {
    const named = (key: string) => {
      const value = properties[key];
      if (typeof value === "string") return value;
      if (isRecord(value) && typeof value.Ref === "string" && values[value.Ref] !== undefined) return values[value.Ref];
      return undefined;
    };
    const generated = `${stack}-${logicalId}-${this.hex(12).toUpperCase()}`.slice(0, 128);
    switch (type) {
      case "AWS::EC2::SecurityGroup":
        return `sg-${this.hex(17)}`;
      case "AWS::KMS::Key":
        return randomUUID();
      case "AWS::S3::Bucket": {
        const name = named("BucketName");
        const fallback = `${stack}-${logicalId}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 48) + `-${this.hex(12)}`;
        // Names taken by another stack (a corpus template drawn twice) get the generated form, as a second deploy would need.
        return name && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !this.buckets.has(name) ? name : fallback;
      }
      case "AWS::EC2::VPC":
        return `vpc-${this.hex(17)}`;
      case "AWS::EC2::Subnet":
        return `subnet-${this.hex(17)}`;
      case "AWS::EC2::Instance":
        return `i-${this.hex(17)}`;
      case "AWS::EC2::Volume":
        return `vol-${this.hex(17)}`;
      case "AWS::EC2::LaunchTemplate":
        return `lt-${this.hex(17)}`;
      case "AWS::WAFv2::WebACL":
        return `${named("Name") ?? generated.slice(0, 64)}|${randomUUID()}|${properties.Scope === "CLOUDFRONT" ? "CLOUDFRONT" : "REGIONAL"}`;
      case "AWS::SNS::Topic":
        return `arn:aws:sns:${this.region}:${this.account}:${generated.slice(0, 256)}`;
      case "AWS::SQS::Queue":
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${generated.slice(0, 80)}`;
      default:
        return named(type.endsWith("::Role") ? "RoleName" : type.endsWith("::Function") ? "FunctionName" : "Name") ?? generated.slice(0, 64);
    }
  }

  private addGroup(id: string, logicalId: string, properties: Record<string, unknown>, context: Context): void {
    const ingress = Array.isArray(properties.SecurityGroupIngress) ? properties.SecurityGroupIngress.filter(isRecord).map((rule) => permission(rule, context)) : [];
    const declaredEgress = Array.isArray(properties.SecurityGroupEgress) ? properties.SecurityGroupEgress.filter(isRecord).map((rule) => permission(rule, context)) : undefined;
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

  private addKey(id: string, properties: Record<string, unknown>, context: Context): void {
    const policy = properties.KeyPolicy !== undefined ? materialize(properties.KeyPolicy, context) : undefined;
    const spec = typeof properties.KeySpec === "string" ? properties.KeySpec : "SYMMETRIC_DEFAULT";
    this.keys.set(id, {
      id,
      policy: JSON.stringify(
        isRecord(policy)
          ? policy
          : { Version: "2012-10-17", Id: "key-default-1", Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${this.account}:root` }, Action: "kms:*", Resource: "*" }] },
      ),
      rotation: properties.EnableKeyRotation === true || properties.EnableKeyRotation === "true",
      enabled: properties.Enabled !== false && properties.Enabled !== "false",
      spec,
      usage: typeof properties.KeyUsage === "string" ? properties.KeyUsage : spec.startsWith("HMAC") ? "GENERATE_VERIFY_MAC" : "ENCRYPT_DECRYPT",
    });
  }

  private addRole(name: string, properties: Record<string, unknown>, context: Context): void {
    const inline = new Map<string, string>();
    for (const policy of Array.isArray(properties.Policies) ? properties.Policies.filter(isRecord) : []) {
      inline.set(String(materialize(policy.PolicyName, context)), JSON.stringify(materialize(policy.PolicyDocument, context)));
    }
    const managed = materialize(properties.ManagedPolicyArns, context);
    const boundary = materialize(properties.PermissionsBoundary, context);
    const path = typeof properties.Path === "string" ? properties.Path : "/";
    this.roles.set(name, {
      name,
      arn: `arn:aws:iam::${this.account}:role${path}${name}`,
      trust: JSON.stringify(materialize(properties.AssumeRolePolicyDocument, context) ?? {}),
      ...(typeof boundary === "string" ? { boundary } : {}),
      inline,
      attached: (Array.isArray(managed) ? managed : []).map(String).map((arn) => ({ name: arn.split("/").pop()!, arn })),
    });
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
        ...(rule.BucketKeyEnabled !== undefined ? { bucketKey: rule.BucketKeyEnabled === true || rule.BucketKeyEnabled === "true" } : {}),
      };
    }
    const block = materialize(properties.PublicAccessBlockConfiguration, context);
    const flags = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"];
    // Since April 2023 a new bucket blocks public access unless its configuration says otherwise.
    bucket.publicAccessBlock = Object.fromEntries(flags.map((flag) => [flag, isRecord(block) && block[flag] !== undefined ? block[flag] === true || block[flag] === "true" : true]));
    this.buckets.set(name, bucket);
  }

  // ---------------------------------------------------------------- the HTTP handler

  /** The Smithy HttpHandler contract: one request in, one response out. */
  async handle(request: SimRequest): Promise<{ response: HttpResponse }> {
    const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(String(request.headers.authorization ?? request.headers.Authorization ?? ""))?.[1] ?? request.hostname.split(".")[0] ?? "unknown";
    const body = typeof request.body === "string" ? request.body : request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : "";
    const target = request.headers["x-amz-target"] ?? request.headers["X-Amz-Target"];
    const form = !target && body.includes("Action=") ? new URLSearchParams(body) : undefined;
    const operation = target ? target.slice(target.lastIndexOf(".") + 1) : form ? (form.get("Action") ?? "unknown") : service === "s3" ? s3Operation(request) : restOperation(request);
    const key = `${service}:${operation}`;
    bump(this.counts.requests, key);
    const [low, high] = this.latency;
    const wait = low + this.rand() * (high - low);
    const throttled = this.throttling && !this.take(service);
    const inFlight = (this.inFlight.get(service) ?? 0) + 1;
    this.inFlight.set(service, inFlight);
    if (inFlight > (this.counts.maxInFlight.get(service) ?? 0)) this.counts.maxInFlight.set(service, inFlight);
    await new Promise((resolve) => setTimeout(resolve, wait));
    this.inFlight.set(service, this.inFlight.get(service)! - 1);
    if (throttled) {
      bump(this.counts.throttles, service);
      return respond(throttleAnswer(service, target !== undefined));
    }
    let answer: Answer | undefined;
    try {
      answer = this.answer(service, operation, form, target !== undefined ? (body ? (JSON.parse(body) as Record<string, unknown>) : {}) : undefined, request);
    } catch (error) {
      answer = errorAnswer(service, target !== undefined, 500, "InternalFailure", `simulator bug: ${(error as Error).message}`);
    }
    if (!answer) {
      bump(this.counts.unmodelled, key);
      answer = errorAnswer(service, target !== undefined || (!form && !REST_XML.has(service)), 400, form ? "InvalidAction" : "UnknownOperationException", `the simulated account does not model ${service}:${operation}`);
    }
    return respond(answer);
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, unknown> {
    return {};
  }
  destroy(): void {}

  /** A token from the service's bucket, or false when it is empty. */
  private take(service: string): boolean {
    const limit = this.limits[service];
    if (!limit) return true;
    const now = performance.now();
    const state = this.tokens.get(service) ?? { tokens: limit.bucket, at: now };
    state.tokens = Math.min(limit.bucket, state.tokens + ((now - state.at) / 1000) * limit.refill);
    state.at = now;
    this.tokens.set(service, state);
    if (state.tokens < 1) return false;
    state.tokens -= 1;
    return true;
  }

  private answer(service: string, operation: string, form: URLSearchParams | undefined, json: Record<string, unknown> | undefined, request: SimRequest): Answer | undefined {
    if (service === "cloudformation" && form) return this.cloudformation(operation, form);
    if (service === "ec2" && form) return this.ec2(operation, form);
    if (service === "kms" && json) return this.kms(operation, json);
    if (service === "s3") return this.s3(operation, request);
    if (service === "iam" && form) return this.iam(operation, form);
    return undefined;
  }

  private cloudformation(operation: string, form: URLSearchParams): Answer | undefined {
    const wrap = (inner: string) =>
      queryXml(`<${operation}Response xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><${operation}Result>${inner}</${operation}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${operation}Response>`);
    const missing = (name: string) => errorAnswer("cloudformation", false, 400, "ValidationError", `Stack with id ${name} does not exist`);
    const token = Number(form.get("NextToken") ?? 0);
    const next = (end: number, total: number) => (end < total ? `<NextToken>${end}</NextToken>` : "");
    switch (operation) {
      case "DescribeStacks": {
        const named = form.get("StackName");
        const list = named ? [this.stackById.get(named)].filter((stack): stack is SimStack => stack !== undefined) : this.stacks.slice(token, token + PAGE);
        if (named && list.length === 0) return missing(named);
        const members = list
          .map(
            (stack) =>
              `<member><StackName>${xml(stack.name)}</StackName><StackId>${xml(stack.id)}</StackId><CreationTime>2026-01-01T00:00:00.000Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>` +
              `<Parameters>${stack.parameters.map((parameter) => `<member><ParameterKey>${xml(parameter.key)}</ParameterKey><ParameterValue>${xml(parameter.value)}</ParameterValue></member>`).join("")}</Parameters></member>`,
          )
          .join("");
        return wrap(`<Stacks>${members}</Stacks>${named ? "" : next(token + PAGE, this.stacks.length)}`);
      }
      case "GetTemplate": {
        const stack = this.stackById.get(form.get("StackName") ?? "");
        if (!stack) return missing(form.get("StackName") ?? "");
        return wrap(`<TemplateBody>${xml(stack.body)}</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>`);
      }
      case "ListStackResources": {
        const stack = this.stackById.get(form.get("StackName") ?? "");
        if (!stack) return missing(form.get("StackName") ?? "");
        const members = stack.resources
          .slice(token, token + PAGE)
          .map(
            (resource) =>
              `<member><LogicalResourceId>${xml(resource.logicalId)}</LogicalResourceId><PhysicalResourceId>${xml(resource.physicalId)}</PhysicalResourceId><ResourceType>${xml(resource.type)}</ResourceType>` +
              `<LastUpdatedTimestamp>2026-01-01T00:00:00.000Z</LastUpdatedTimestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>`,
          )
          .join("");
        return wrap(`<StackResourceSummaries>${members}</StackResourceSummaries>${next(token + PAGE, stack.resources.length)}`);
      }
      default:
        return undefined;
    }
  }

  private ec2(operation: string, form: URLSearchParams): Answer | undefined {
    const filters = new Map<string, string[]>();
    for (let index = 1; form.has(`Filter.${index}.Name`); index++) {
      const values: string[] = [];
      for (let value = 1; form.has(`Filter.${index}.Value.${value}`); value++) values.push(form.get(`Filter.${index}.Value.${value}`)!);
      filters.set(form.get(`Filter.${index}.Name`)!, values);
    }
    const wrap = (inner: string) => queryXml(`<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId>${inner}</${operation}Response>`);
    switch (operation) {
      case "DescribeSecurityGroups": {
        const wanted = filters.get("group-id") ?? [];
        const byName = new Set(filters.get("group-name") ?? []);
        const groups = byName.size > 0 ? [...this.groups.values()].filter((group) => byName.has(group.name)) : wanted.flatMap((id) => this.groups.get(id) ?? []);
        const item = (group: SimGroup) =>
          `<item><ownerId>${this.account}</ownerId><groupId>${group.id}</groupId><groupName>${xml(group.name)}</groupName><groupDescription>${xml(group.description)}</groupDescription><vpcId>${group.vpcId}</vpcId>` +
          `<ipPermissions>${group.ingress.map((rule) => permissionXml(rule, this.account)).join("")}</ipPermissions><ipPermissionsEgress>${group.egress.map((rule) => permissionXml(rule, this.account)).join("")}</ipPermissionsEgress></item>`;
        return wrap(`<securityGroupInfo>${groups.map(item).join("")}</securityGroupInfo>`);
      }
      case "DescribeNetworkInterfaces":
        // Stack groups here are attached to nothing: the reader learns that each group is unused.
        return wrap("<networkInterfaceSet/>");
      default:
        return undefined;
    }
  }

  private iam(operation: string, form: URLSearchParams): Answer | undefined {
    if (!["GetRole", "ListRolePolicies", "ListAttachedRolePolicies", "GetRolePolicy"].includes(operation)) return undefined;
    const name = form.get("RoleName") ?? "";
    const role = this.roles.get(name);
    const wrap = (inner: string) =>
      queryXml(`<${operation}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><${operation}Result>${inner}</${operation}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${operation}Response>`);
    const missing = (what: string) => errorAnswer("iam", false, 404, "NoSuchEntity", what);
    if (!role) return missing(`The role with name ${name} cannot be found.`);
    // IAM sends policy documents URL-encoded.
    const encoded = (document: string) => xml(encodeURIComponent(document));
    switch (operation) {
      case "GetRole":
        return wrap(
          `<Role><Path>/</Path><RoleName>${xml(role.name)}</RoleName><RoleId>AROA${this.hex(17).toUpperCase()}</RoleId><Arn>${xml(role.arn)}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate>` +
            `<AssumeRolePolicyDocument>${encoded(role.trust)}</AssumeRolePolicyDocument>${role.boundary ? `<PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType><PermissionsBoundaryArn>${xml(role.boundary)}</PermissionsBoundaryArn></PermissionsBoundary>` : ""}</Role>`,
        );
      case "ListRolePolicies":
        return wrap(`<PolicyNames>${[...role.inline.keys()].map((policy) => `<member>${xml(policy)}</member>`).join("")}</PolicyNames><IsTruncated>false</IsTruncated>`);
      case "ListAttachedRolePolicies":
        return wrap(`<AttachedPolicies>${role.attached.map((policy) => `<member><PolicyName>${xml(policy.name)}</PolicyName><PolicyArn>${xml(policy.arn)}</PolicyArn></member>`).join("")}</AttachedPolicies><IsTruncated>false</IsTruncated>`);
      case "GetRolePolicy": {
        const policyName = form.get("PolicyName") ?? "";
        const document = role.inline.get(policyName);
        if (document === undefined) return missing(`The role policy with name ${policyName} cannot be found.`);
        return wrap(`<RoleName>${xml(role.name)}</RoleName><PolicyName>${xml(policyName)}</PolicyName><PolicyDocument>${encoded(document)}</PolicyDocument>`);
      }
      default:
        return undefined;
    }
  }

  private kms(operation: string, input: Record<string, unknown>): Answer | undefined {
    const id = String(input.KeyId ?? "").replace(/^arn:.*:key\//, "");
    const key = this.keys.get(id);
    if (!key && ["DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus"].includes(operation)) return errorAnswer("kms", true, 400, "NotFoundException", `Key '${input.KeyId}' does not exist`);
    const ok = (value: unknown): Answer => ({ status: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify(value) });
    switch (operation) {
      case "DescribeKey":
        return ok({
          KeyMetadata: {
            AWSAccountId: this.account,
            KeyId: key!.id,
            Arn: `arn:aws:kms:${this.region}:${this.account}:key/${key!.id}`,
            CreationDate: 1767225600,
            Enabled: key!.enabled,
            Description: "",
            KeyUsage: key!.usage,
            KeyState: key!.enabled ? "Enabled" : "Disabled",
            Origin: "AWS_KMS",
            KeyManager: "CUSTOMER",
            CustomerMasterKeySpec: key!.spec,
            KeySpec: key!.spec,
            EncryptionAlgorithms: key!.spec === "SYMMETRIC_DEFAULT" ? ["SYMMETRIC_DEFAULT"] : [],
            MultiRegion: false,
          },
        });
      case "GetKeyPolicy":
        return ok({ Policy: key!.policy, PolicyName: "default" });
      case "GetKeyRotationStatus":
        return ok({ KeyRotationEnabled: key!.rotation });
      default:
        return undefined;
    }
  }

  private s3(operation: string, request: SimRequest): Answer | undefined {
    const host = request.hostname;
    const virtual = /^(.+)\.s3[.-]/.exec(host)?.[1];
    const name = virtual ?? decodeURIComponent(request.path.split("/")[1] ?? "");
    const bucket = this.buckets.get(name);
    const s3Error = (status: number, code: string, message: string): Answer => ({ status, headers: { "content-type": "application/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message><BucketName>${xml(name)}</BucketName><RequestId>SIM</RequestId></Error>` });
    if (!["GetBucketEncryption", "GetPublicAccessBlock", "GetBucketPolicy"].includes(operation)) return undefined;
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
        const flags = Object.entries(bucket.publicAccessBlock).map(([flag, value]) => `<${flag}>${value}</${flag}>`).join("");
        return ok(`<?xml version="1.0" encoding="UTF-8"?><PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${flags}</PublicAccessBlockConfiguration>`);
      }
      case "GetBucketPolicy":
        return bucket.policy ? ok(bucket.policy, "application/json") : s3Error(404, "NoSuchBucketPolicy", "The bucket policy does not exist");
      default:
        return undefined;
    }
  }
}

// ---------------------------------------------------------------- wire helpers

export interface SimRequest {
  method: string;
  hostname: string;
  path: string;
  query?: Record<string, unknown>;
  headers: Record<string, string>;
  body?: unknown;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
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

/** REST services that answer (and fail) in XML; the other REST services (Lambda, API Gateway...) answer JSON. */
const REST_XML = new Set(["s3", "cloudfront", "route53"]);

/** An error in the service's own shape: EC2's <Response><Errors>, the query <ErrorResponse>, JSON __type, S3's <Error>. */
function errorAnswer(service: string, json: boolean, status: number, code: string, message: string): Answer {
  if (json) return { status, headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code }, body: JSON.stringify({ __type: code, message }) };
  if (service === "ec2") return { status, headers: { "content-type": "text/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error></Errors><RequestID>SIM</RequestID></Response>` };
  if (service === "s3") return { status, headers: { "content-type": "application/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message><RequestId>SIM</RequestId></Error>` };
  return { status, headers: { "content-type": "text/xml" }, body: `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>SIM</RequestId></ErrorResponse>` };
}

/** What AWS answers when a bucket is empty: EC2 RequestLimitExceeded (503), query Throttling (400), JSON ThrottlingException (400), S3 SlowDown (503). */
function throttleAnswer(service: string, json: boolean): Answer {
  if (service === "ec2") return errorAnswer(service, false, 503, "RequestLimitExceeded", "Request limit exceeded.");
  if (service === "s3") return errorAnswer(service, false, 503, "SlowDown", "Please reduce your request rate.");
  if (json) return errorAnswer(service, true, 400, "ThrottlingException", "Rate exceeded");
  return errorAnswer(service, false, 400, "Throttling", "Rate exceeded");
}

/** A REST call named by its method and path, ids elided: `GET /2015-03-31/functions/{id}/configuration`. */
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
    `<ipv6Ranges>${rule.CidrIpv6 ? `<item><cidrIpv6>${xml(rule.CidrIpv6)}</cidrIpv6>${description}</item>` : ""}</ipv6Ranges><prefixListIds/></item>`
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
}

/** A template value as CloudFormation would have deployed it: intrinsics replaced by the stack's values (first branch of an If). */
function materialize(value: unknown, context: Context): unknown {
  if (Array.isArray(value)) return value.map((item) => materialize(item, context));
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
      "AWS::NoValue": "",
    };
    const ref = (target: string) => pseudo[target] ?? context.values[target] ?? context.physical.get(target) ?? `simulated-${target}`;
    switch (name) {
      case "Ref":
        return ref(String(argument));
      case "Fn::GetAtt": {
        const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split(".");
        const physical = context.physical.get(logicalId ?? "") ?? `simulated-${logicalId}`;
        if (attribute === "GroupId" || attribute === "KeyId") return physical;
        return attribute === "Arn" ? `arn:aws:simulated:${context.region}:${context.account}:${physical}` : physical;
      }
      case "Fn::Sub": {
        const [text, variables] = Array.isArray(argument) ? [String(argument[0]), isRecord(argument[1]) ? argument[1] : {}] : [String(argument), {}];
        return text.replace(/\$\{([^}!]+)\}/g, (_, variable: string) => {
          if (variable in variables) return String(materialize((variables as Record<string, unknown>)[variable], context));
          const [logicalId, attribute] = variable.split(".");
          return attribute ? String(materialize({ "Fn::GetAtt": [logicalId, attribute] }, context)) : ref(variable);
        });
      }
      case "Fn::Join":
        return Array.isArray(argument) && Array.isArray(argument[1]) ? (materialize(argument[1], context) as unknown[]).map(String).join(String(argument[0])) : "simulated";
      case "Fn::If":
        return Array.isArray(argument) ? materialize(argument[1], context) : "simulated";
      case "Fn::Select": {
        if (!Array.isArray(argument)) return "simulated";
        const list = materialize(argument[1], context);
        return Array.isArray(list) ? (list[Number(materialize(argument[0], context))] ?? "simulated") : "simulated";
      }
      case "Fn::ImportValue":
      case "Fn::FindInMap":
      case "Fn::GetAZs":
      case "Fn::Base64":
      case "Fn::Split":
      case "Fn::Cidr":
        return name === "Fn::GetAZs" || name === "Fn::Split" ? ["simulated-a", "simulated-b"] : "simulated";
    }
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, materialize(item, context)]));
}

function permission(rule: Record<string, unknown>, context: Context): Permission {
  const value = materialize(rule, context) as Record<string, unknown>;
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
