/**
 * The service's configuration, read once per Lambda container from its environment (the SAM template sets it):
 * TABLE_NAME, TOPIC_ARN, QUEUE_URL, TARGET_REGIONS (comma list; default the function's own AWS_REGION),
 * ORGANIZATION_MODE=true with MEMBER_ROLE_NAME (and MEMBER_ROLE_EXTERNAL_ID, the ExternalId the member role requires, and
 * optionally MEMBER_ACCOUNTS, a comma list of account ids),
 * SCAN_POLICY (the policy file's schema, as JSON or YAML text; optional) and AWS_ENDPOINT_URL (emulators only).
 */
import { DEFAULT_POLICY, parsePolicy, PolicyError, type Policy } from "../config/policy.ts";

export interface ServiceConfig {
  tableName: string;
  topicArn: string;
  queueUrl: string;
  /** Regions planScan lists stacks in (every account). */
  regions: string[];
  policy: Policy;
  /** Organization mode: member accounts are read through this role, assumed from the scanner's account. */
  organization?: { memberRoleName: string; externalId?: string; accounts?: string[] };
  /** Every AWS client's endpoint (moto in tests and the demo); never set in a real deployment. */
  endpointUrl?: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;
/** An IAM role name (path-less), as MEMBER_ROLE_NAME must be. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * Reads and checks the environment; every problem is named in one ConfigError. `knownRuleIds` (RULE_IDS) also checks
 * the rule ids SCAN_POLICY names; it is an option so that the planner's bundle does not carry every rule.
 */
export function serviceConfigFromEnv(env: NodeJS.ProcessEnv = process.env, options: { knownRuleIds?: ReadonlySet<string> } = {}): ServiceConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set`);
    return value ?? "";
  };
  const list = (value: string | undefined): string[] =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");

  const tableName = required("TABLE_NAME");
  const topicArn = required("TOPIC_ARN");
  const queueUrl = required("QUEUE_URL");
  if (topicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/.test(topicArn)) problems.push(`TOPIC_ARN is not an SNS topic ARN: ${topicArn}`);
  if (queueUrl && !/^https?:\/\//.test(queueUrl)) problems.push(`QUEUE_URL is not a queue URL: ${queueUrl}`);

  const regions = list(env.TARGET_REGIONS);
  if (regions.length === 0 && env.AWS_REGION) regions.push(env.AWS_REGION);
  if (regions.length === 0) problems.push("TARGET_REGIONS is not set (and neither is AWS_REGION)");
  for (const region of regions) if (!REGION.test(region)) problems.push(`TARGET_REGIONS: not an AWS region name: ${JSON.stringify(region)}`);

  let policy: Policy = { ...DEFAULT_POLICY, suppressions: [], severityOverrides: {} };
  if (env.SCAN_POLICY?.trim()) {
    try {
      policy = parsePolicy(env.SCAN_POLICY, "SCAN_POLICY", options.knownRuleIds);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      problems.push(error.message);
    }
  }

  let organization: ServiceConfig["organization"];
  const orgMode = env.ORGANIZATION_MODE?.trim().toLowerCase();
  if (orgMode && orgMode !== "true" && orgMode !== "false") problems.push(`ORGANIZATION_MODE must be true or false, not ${JSON.stringify(env.ORGANIZATION_MODE)}`);
  if (orgMode === "true") {
    const memberRoleName = env.MEMBER_ROLE_NAME?.trim() ?? "";
    if (!memberRoleName) problems.push("ORGANIZATION_MODE=true needs MEMBER_ROLE_NAME (the read-only role deployed in each member account)");
    else if (!ROLE_NAME.test(memberRoleName)) problems.push(`MEMBER_ROLE_NAME is not an IAM role name: ${JSON.stringify(memberRoleName)}`);
    const accounts = list(env.MEMBER_ACCOUNTS);
    for (const account of accounts) if (!ACCOUNT.test(account)) problems.push(`MEMBER_ACCOUNTS: not an account id: ${JSON.stringify(account)}`);
    const externalId = env.MEMBER_ROLE_EXTERNAL_ID?.trim();
    organization = { memberRoleName, ...(externalId ? { externalId } : {}), ...(accounts.length > 0 ? { accounts } : {}) };
  }

  const endpointUrl = env.AWS_ENDPOINT_URL?.trim();
  if (problems.length > 0) throw new ConfigError(`the function's environment is not usable:\n  - ${problems.join("\n  - ")}`);
  return {
    tableName,
    topicArn,
    queueUrl,
    regions: [...new Set(regions)],
    policy,
    ...(organization ? { organization } : {}),
    ...(endpointUrl ? { endpointUrl } : {}),
  };
}

/** The region a topic or queue lives in (from its ARN or URL), so clients for it are made there. */
export function regionOfTopic(topicArn: string): string | undefined {
  return /^arn:[^:]+:sns:([^:]+):/.exec(topicArn)?.[1];
}

export function regionOfQueue(queueUrl: string): string | undefined {
  // https://sqs.eu-west-1.amazonaws.com/123/q, https://eu-west-1.queue.amazonaws.com/123/q; emulators: none.
  return /sqs[.-]([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)\./.exec(queueUrl)?.[1] ?? /\/\/([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)\.queue\./.exec(queueUrl)?.[1];
}
