import {
  CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  type DescribeStackDriftDetectionStatusCommandOutput,
  type StackResourceDrift,
} from "@aws-sdk/client-cloudformation";
import { classifyFailure } from "./failures.ts";
import { inParallel, type LiveSession } from "./session.ts";

/** How long a scan waits, over all its stacks, for CloudFormation to finish detecting drift. */
export const DEFAULT_DRIFT_WAIT_MS = 60_000;
export const DEFAULT_DRIFT_POLL_MS = 2_000;
/** Detections started at once: CloudFormation's drift APIs share the account's low CloudFormation rate. */
const DETECTION_CONCURRENCY = 4;

export type ResourceDriftStatus = "MODIFIED" | "DELETED";

export interface PropertyDifference {
  /** JSON pointer of the property: "/SecurityGroupIngress/0/CidrIp". */
  path: string;
  expected?: string;
  actual?: string;
  /** ADD, REMOVE or NOT_EQUAL. */
  difference?: string;
}

/** One resource CloudFormation found changed or deleted outside the stack. */
export interface ResourceDrift {
  logicalId: string;
  physicalId?: string;
  type: string;
  status: ResourceDriftStatus;
  differences: PropertyDifference[];
}

/** What CloudFormation's own drift detection said about one stack. */
export interface StackDriftReport {
  stackId: string;
  /** DRIFTED, IN_SYNC, UNKNOWN or NOT_CHECKED. */
  stackDriftStatus: string;
  /** DETECTION_COMPLETE, or DETECTION_FAILED when some resources could not be checked (then `reason` says why). */
  detectionStatus: string;
  reason?: string;
  /** Only the resources reported MODIFIED or DELETED. */
  drifts: ResourceDrift[];
}

/**
 * CloudFormation's own drift detection (on request: it is slow and runs a detection per stack). Not every endpoint
 * supports it (moto answers HTTP 500), so a call that fails is a note in the scan, never a failed read: the scan's
 * own drift comparison does not depend on it.
 */
export class CloudFormationDriftReader {
  static readonly service = "cloudformation";
  static readonly actions = ["cloudformation:DetectStackDrift", "cloudformation:DescribeStackDriftDetectionStatus", "cloudformation:DescribeStackResourceDrifts"] as const;
  static readonly resourceTypes: readonly string[] = [];

  private readonly client: CloudFormationClient;
  private readonly reports = new Map<string, StackDriftReport>();
  private readonly attempted = new Set<string>();

  constructor(private readonly session: LiveSession) {
    this.client = session.client(CloudFormationClient);
  }

  /**
   * Runs drift detection on these stacks (ARNs or names) and reads the drifted resources. The wait is bounded over
   * all the stacks together; a detection still running at the deadline is noted and left out.
   */
  async detect(stackIds: readonly string[], maxWaitMs: number = DEFAULT_DRIFT_WAIT_MS, pollIntervalMs: number = DEFAULT_DRIFT_POLL_MS): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    const pending = stackIds.filter((stackId) => !this.attempted.has(stackId));
    for (const stackId of pending) this.attempted.add(stackId);
    await inParallel(pending, DETECTION_CONCURRENCY, async (stackId) => {
      const started = await this.attempt("DetectStackDrift", stackId, () => this.client.send(new DetectStackDriftCommand({ StackName: stackId })));
      if (!started) return;
      const detectionId = started.StackDriftDetectionId;
      if (!detectionId) {
        this.note(stackId, "DetectStackDrift returned no detection id");
        return;
      }
      const status = await this.awaitDetection(stackId, detectionId, deadline, maxWaitMs, pollIntervalMs);
      if (!status) return;
      const drifts = await this.drifts(stackId);
      if (!drifts) return;
      const report: StackDriftReport = {
        stackId,
        stackDriftStatus: status.StackDriftStatus ?? "UNKNOWN",
        detectionStatus: status.DetectionStatus ?? "UNKNOWN",
        drifts,
      };
      if (status.DetectionStatusReason) report.reason = status.DetectionStatusReason;
      if (status.DetectionStatus === "DETECTION_FAILED") {
        this.note(stackId, `drift detection could not check every resource (${status.DetectionStatusReason ?? "no reason given"}); the resources it did check are reported`);
      }
      this.reports.set(stackId, report);
    });
  }

  /** What detection found for the stack (by the id `detect` was given); undefined when it did not run or did not finish. */
  report(stackId: string): StackDriftReport | undefined {
    return this.reports.get(stackId);
  }

  private async awaitDetection(stackId: string, detectionId: string, deadline: number, maxWaitMs: number, pollIntervalMs: number): Promise<DescribeStackDriftDetectionStatusCommandOutput | undefined> {
    for (;;) {
      const status = await this.attempt("DescribeStackDriftDetectionStatus", stackId, () =>
        this.client.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: detectionId })),
      );
      if (!status) return undefined;
      if (status.DetectionStatus !== "DETECTION_IN_PROGRESS") return status;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        this.note(stackId, `drift detection ${detectionId} did not finish within ${maxWaitMs < 1000 ? `${maxWaitMs} ms` : `${Math.round(maxWaitMs / 1000)} s`}; its result is left out (raise the wait to include it)`);
        return undefined;
      }
      await sleep(Math.min(pollIntervalMs, remaining));
    }
  }

  private async drifts(stackId: string): Promise<ResourceDrift[] | undefined> {
    const drifts: ResourceDrift[] = [];
    let token: string | undefined;
    do {
      const page = await this.attempt("DescribeStackResourceDrifts", stackId, () =>
        this.client.send(new DescribeStackResourceDriftsCommand({ StackName: stackId, StackResourceDriftStatusFilters: ["MODIFIED", "DELETED"], NextToken: token })),
      );
      if (!page) return undefined;
      for (const drift of page.StackResourceDrifts ?? []) {
        const resource = this.resourceDriftOf(drift);
        if (resource) drifts.push(resource);
      }
      token = page.NextToken && page.NextToken !== token ? page.NextToken : undefined;
    } while (token);
    return drifts;
  }

  private resourceDriftOf(drift: StackResourceDrift): ResourceDrift | undefined {
    const status = drift.StackResourceDriftStatus;
    if (status !== "MODIFIED" && status !== "DELETED") return undefined;
    if (!drift.LogicalResourceId || !drift.ResourceType) return undefined;
    const resource: ResourceDrift = {
      logicalId: drift.LogicalResourceId,
      type: drift.ResourceType,
      status,
      differences: (drift.PropertyDifferences ?? []).map((difference) => ({
        path: difference.PropertyPath ?? "",
        ...(difference.ExpectedValue !== undefined ? { expected: difference.ExpectedValue } : {}),
        ...(difference.ActualValue !== undefined ? { actual: difference.ActualValue } : {}),
        ...(difference.DifferenceType !== undefined ? { difference: difference.DifferenceType } : {}),
      })),
    };
    if (drift.PhysicalResourceId) resource.physicalId = drift.PhysicalResourceId;
    return resource;
  }

  /**
   * One call, counted like every other; an error becomes a note. (LiveSession.call would record it as a failed read,
   * which drift detection is not: the scan judges the stack fully without it.)
   */
  private async attempt<T>(operation: string, stackId: string, send: () => Promise<T>): Promise<T | undefined> {
    const key = `cloudformation:${operation}`;
    this.session.calls.set(key, (this.session.calls.get(key) ?? 0) + 1);
    try {
      return await send();
    } catch (error) {
      const failure = classifyFailure(error, "cloudformation", operation, stackId);
      this.note(stackId, `cloudformation:${operation} failed, ${failure.kind}: ${failure.message}`);
      return undefined;
    }
  }

  private note(stackId: string, message: string): void {
    this.session.notes.push(`CloudFormation drift detection for ${stackId} in ${this.session.region}: ${message}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
