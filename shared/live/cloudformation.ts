import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, ListStackResourcesCommand, type Stack } from "@aws-sdk/client-cloudformation";
import type { LiveSession, LiveStackInfo, StackResource } from "./session.ts";

/** Stacks whose resources exist and are settled enough to judge: not deleted, not mid-creation, not rolled back to nothing. */
export const ACTIVE_STACK_STATUSES: ReadonlySet<string> = new Set([
  "CREATE_COMPLETE",
  "UPDATE_COMPLETE",
  "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
  "UPDATE_ROLLBACK_COMPLETE",
  "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
  "UPDATE_ROLLBACK_FAILED",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_COMPLETE",
]);

/** How DescribeStacks shows a NoEcho parameter's value. */
const MASKED_VALUE = "****";

export interface DeployedTemplate {
  body: string;
  /** "Processed" (transforms such as SAM expanded) unless only the original could be read. */
  stage: "Processed" | "Original";
}

/** Reads stacks: which exist, their parameters, the template CloudFormation holds and their resources. */
export class CloudFormationReader {
  static readonly service = "cloudformation";
  static readonly actions = ["cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:ListStackResources"] as const;
  static readonly resourceTypes: readonly string[] = [];

  private readonly client: CloudFormationClient;

  constructor(private readonly session: LiveSession) {
    this.client = session.client(CloudFormationClient);
  }

  /** Every active stack of the region, nested stacks included (one paginated DescribeStacks, parameters and all). */
  async activeStacks(): Promise<LiveStackInfo[] | undefined> {
    const pages = await this.session.paginate(
      "cloudformation",
      "DescribeStacks",
      (NextToken) => this.client.send(new DescribeStacksCommand({ NextToken })),
      (page) => page.NextToken,
    );
    if (!pages) return undefined;
    return pages.flatMap((page) => page.Stacks ?? []).filter((stack) => ACTIVE_STACK_STATUSES.has(stack.StackStatus ?? "")).flatMap((stack) => this.infoOf(stack) ?? []);
  }

  /**
   * One stack by name or ARN; undefined when it does not exist here (no failure recorded: the caller says so) or when
   * the read failed (recorded).
   */
  async stack(nameOrArn: string): Promise<{ found: LiveStackInfo } | { missing: true } | undefined> {
    const result = await this.session.call("cloudformation", "DescribeStacks", () => this.client.send(new DescribeStacksCommand({ StackName: nameOrArn })), {
      target: nameOrArn,
      absentOn: ["ValidationError"],
    });
    if (!result.ok) return result.absent ? { missing: true } : undefined;
    const stacks: unknown = result.value.Stacks;
    if (!Array.isArray(stacks) || (stacks.length > 0 && (!stacks[0] || typeof stacks[0] !== "object"))) {
      this.session.fail("cloudformation", "DescribeStacks", "malformed-response", `DescribeStacks returned no Stacks list for ${nameOrArn}`, nameOrArn);
      return undefined;
    }
    const stack = stacks[0] as Stack | undefined;
    if (!stack || stack.StackStatus === "DELETE_COMPLETE") return { missing: true };
    const info = this.infoOf(stack);
    return info ? { found: info } : undefined;
  }

  /** The template as deployed: the processed stage (SAM and macros expanded), else the original. */
  async template(stackId: string): Promise<DeployedTemplate | undefined> {
    const processed = await this.session.call("cloudformation", "GetTemplate", () => this.client.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: "Processed" })), {
      target: stackId,
      absentOn: ["ValidationError"],
    });
    if (processed.ok && typeof processed.value.TemplateBody === "string" && processed.value.TemplateBody.trim() !== "") {
      return { body: processed.value.TemplateBody, stage: "Processed" };
    }
    if (!processed.ok && !processed.absent) return undefined;
    const original = await this.session.call("cloudformation", "GetTemplate", () => this.client.send(new GetTemplateCommand({ StackName: stackId, TemplateStage: "Original" })), { target: stackId });
    if (!original.ok) return undefined;
    const body = original.value.TemplateBody;
    if (typeof body !== "string" || body.trim() === "") {
      this.session.fail("cloudformation", "GetTemplate", "malformed-response", `GetTemplate returned no template body for ${stackId}`, stackId);
      return undefined;
    }
    return { body, stage: "Original" };
  }

  /** The stack's resources: logical id, physical id, type and status (paginated). */
  async resources(stackId: string): Promise<StackResource[] | undefined> {
    const pages = await this.session.paginate(
      "cloudformation",
      "ListStackResources",
      (NextToken) => this.client.send(new ListStackResourcesCommand({ StackName: stackId, NextToken })),
      (page) => page.NextToken,
      { target: stackId },
    );
    if (!pages) return undefined;
    if (pages.some((page) => !Array.isArray(page.StackResourceSummaries))) {
      // No list is not an empty stack: every resource would read as deleted.
      this.session.fail("cloudformation", "ListStackResources", "malformed-response", `ListStackResources returned no StackResourceSummaries list for ${stackId}`, stackId);
      return undefined;
    }
    const resources: StackResource[] = [];
    let blank = 0;
    for (const summary of pages.flatMap((page) => page.StackResourceSummaries!)) {
      if (!summary || typeof summary.LogicalResourceId !== "string" || summary.LogicalResourceId === "" || typeof summary.ResourceType !== "string" || summary.ResourceType === "") {
        blank += 1;
        continue;
      }
      resources.push({
        logicalId: summary.LogicalResourceId,
        type: summary.ResourceType,
        status: typeof summary.ResourceStatus === "string" ? summary.ResourceStatus : "UNKNOWN",
        ...(typeof summary.PhysicalResourceId === "string" && summary.PhysicalResourceId !== "" ? { physicalId: summary.PhysicalResourceId } : {}),
      });
    }
    if (blank > 0) {
      // The resources these entries stand for cannot be told apart: any the template declares but the list lacks may be one of them.
      this.session.fail("cloudformation", "ListStackResources", "malformed-response", `ListStackResources returned ${blank} ${blank === 1 ? "entry" : "entries"} without a logical id or type`, stackId);
    }
    return resources;
  }

  private infoOf(stack: Stack): LiveStackInfo | undefined {
    const arn = stack.StackId;
    const match = arn ? /^arn:[^:]+:cloudformation:([^:]+):(\d{12}):stack\//.exec(arn) : null;
    if (!stack.StackName || !arn || !match) {
      this.session.fail("cloudformation", "DescribeStacks", "malformed-response", `DescribeStacks returned a stack without a name or a valid stack ARN (${stack.StackName ?? "?"} ${arn ?? "?"})`, stack.StackName ?? arn);
      return undefined;
    }
    const parameters: Record<string, string> = {};
    const maskedParameters: string[] = [];
    for (const parameter of stack.Parameters ?? []) {
      if (!parameter.ParameterKey) continue;
      const value = parameter.ResolvedValue ?? parameter.ParameterValue;
      if (value === MASKED_VALUE) maskedParameters.push(parameter.ParameterKey);
      else if (value !== undefined) parameters[parameter.ParameterKey] = value;
    }
    return { name: stack.StackName, id: arn, region: match[1]!, account: match[2]!, status: stack.StackStatus ?? "UNKNOWN", parameters, maskedParameters };
  }
}
