import { conditionUndecided } from "../../drift/conditions.ts";
import type { ReadFailure } from "../../live/failures.ts";
import type { StackResource } from "../../live/session.ts";
import { defineRule, type Hit } from "../rule.ts";

/** Each distinct failure once (a listing may report the same malformed entry many times). */
function distinct(failures: readonly ReadFailure[]): ReadFailure[] {
  const byText = new Map<string, ReadFailure>();
  for (const failure of failures) byText.set(`${failure.service}:${failure.operation} ${failure.kind} (${failure.message})`, failure);
  return [...byText.values()];
}

function describeFailures(failures: readonly ReadFailure[]): string {
  return failures.map((failure) => `${failure.service}:${failure.operation} ${failure.kind} (${failure.message})`).join("; ");
}

/** A not-found answer about this resource alone (a batch answering not-found does not say which of its ids is gone). */
function goneBy(failure: ReadFailure, physicalId: string): boolean {
  if (failure.kind !== "not-found") return false;
  if (failure.target === physicalId) return true;
  return failure.target === undefined && failure.targets?.length === 1 && failure.targets[0] === physicalId;
}

type Declared = { logicalId: string; type: string };

function goneHit(resource: Declared, why: string, physicalId?: string): Hit {
  return {
    resource: { logicalId: resource.logicalId, type: resource.type, ...(physicalId !== undefined ? { physicalId } : {}) },
    severity: "high",
    message: `${resource.logicalId} (${resource.type}) is gone: ${why}`,
    detail: "gone",
    evidence: { template: "declared", live: why },
  };
}

function unreadableHit(resource: Declared, all: readonly ReadFailure[], physicalId?: string): Hit {
  const failures = distinct(all);
  return {
    resource: { logicalId: resource.logicalId, type: resource.type, ...(physicalId !== undefined ? { physicalId } : {}) },
    severity: "medium",
    message: `${resource.logicalId} (${resource.type}${physicalId !== undefined ? ` ${physicalId}` : ""}) is unreadable: the rules could not judge what these reads cover: ${describeFailures(failures)}`,
    detail: "unreadable",
    evidence: { template: "declared", live: "unreadable", failures: failures.map(({ service, operation, kind, message }) => ({ service, operation, kind, message })) },
  };
}

export default defineRule({
  id: "drift-resource-missing",
  title: "A stack resource is gone or unreadable live",
  severity: "high",
  description:
    "A resource of the deployed template (its conditions as deployed) does not exist live: CloudFormation does not list " +
    "it, lists it as DELETE_COMPLETE or without a physical id, or its service answers that it does not exist. Someone " +
    "deleted it outside CloudFormation, so whatever it protected (a key, a trail, a security group, a backup) is no " +
    "longer there: high. A resource CloudFormation does not list whose condition reads a value the scan cannot know (a " +
    "NoEcho parameter DescribeStacks masks) was most likely not created: not reported. A resource whose live read " +
    "failed otherwise (access denied, throttled, timeout, server error, a malformed answer) could not be judged by any " +
    "rule: medium, naming the failure, so nothing fails silently.",
  remediation:
    "Gone: recreate it by redeploying the stack (CloudFormation re-creates a resource deleted out of band only after it is " +
    "removed from and re-added to the template, or through drift-aware import), and find out who deleted it (CloudTrail). " +
    "Unreadable: grant the scanning role the action named (see docs for the read-only policy) or rerun the scan when the " +
    "service answers again.",
  seeds: ["004 §12", "000 §2"],
  anchors: [],
  judges: ["drift"],
  check(context) {
    const resolved = context.template?.resolved;
    const stack = context.live;
    if (!resolved || stack?.scope !== "stack") return [];
    const listed = new Map<string, StackResource>(stack.resources.map((resource) => [resource.logicalId, resource]));
    const session = stack.session;
    const listingFailures = session.failuresFor(stack.stack.id, stack.stack.name).filter((failure) => failure.operation === "ListStackResources");
    const hits: Hit[] = [];
    for (const resource of resolved.resources.values()) {
      const live = listed.get(resource.logicalId);
      if (!live) {
        // Not created, as far as anyone can tell: the stack decided the condition on a value the scan cannot read.
        if (typeof resource.raw.Condition === "string" && conditionUndecided(resolved, resource.raw.Condition)) continue;
        hits.push(listingFailures.length > 0 ? unreadableHit(resource, listingFailures) : goneHit(resource, "CloudFormation does not list it among the stack's resources"));
        continue;
      }
      if (live.status === "DELETE_COMPLETE") {
        hits.push(goneHit(resource, "CloudFormation lists it as DELETE_COMPLETE", live.physicalId));
        continue;
      }
      if (live.physicalId === undefined) {
        // A settled resource always has a physical id on AWS: without one the listing, not the resource, is at fault.
        if (/_COMPLETE$/.test(live.status)) hits.push(unreadableHit(resource, [{ service: "cloudformation", operation: "ListStackResources", kind: "malformed-response", message: `listed ${live.status} without a physical id` }]));
        else hits.push(goneHit(resource, `CloudFormation lists it without a physical id (status ${live.status})`));
        continue;
      }
      const failures = session.failuresFor(live.physicalId);
      const notFound = failures.filter((failure) => goneBy(failure, live.physicalId!));
      if (notFound.length > 0) hits.push(goneHit(resource, `${notFound.map((failure) => `${failure.service}:${failure.operation}`).join(", ")} answered that ${live.physicalId} does not exist`, live.physicalId));
      else if (failures.length > 0) hits.push(unreadableHit(resource, failures, live.physicalId));
    }
    return hits;
  },
});
