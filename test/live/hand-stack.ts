/** A deployed stack built by hand for reader and fromLive tests (what the orchestrator builds from CloudFormation). */
import type { LiveAccount, LiveSession, LiveStack, StackResource } from "../../shared/live/session.ts";

export const HAND_ACCOUNT = "111122223333";

export function stackArn(name: string, region = "eu-west-1"): string {
  return `arn:aws:cloudformation:${region}:${HAND_ACCOUNT}:stack/${name}/0a1b2c3d-0000-0000-0000-000000000000`;
}

export function handStack(session: LiveSession, resources: StackResource[], name = "app"): LiveStack {
  return {
    scope: "stack",
    session,
    stack: { name, id: stackArn(name, session.region), region: session.region, account: HAND_ACCOUNT, status: "UPDATE_COMPLETE", parameters: {}, maskedParameters: [] },
    resources,
  };
}

export function handAccount(session: LiveSession, stackRegions: Record<string, string[]> = {}): LiveAccount {
  return { scope: "account", session, account: HAND_ACCOUNT, region: session.region, stackRegions: new Map(Object.entries(stackRegions)), unattributedFailures: [] };
}

export function resource(logicalId: string, type: string, physicalId?: string, status = "CREATE_COMPLETE"): StackResource {
  return { logicalId, type, status, ...(physicalId !== undefined ? { physicalId } : {}) };
}

/** An SDK service error as the client throws it. */
export function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status } });
}
