import { CloudFormationDriftReader } from "./cloudformation-drift.ts";
import { LIVE_READERS } from "./readers.ts";
import type { ServiceReaderClass } from "./session.ts";

/** Every reader a live scan may use: the per-service readers and CloudFormation's drift detection (--cfn-drift). */
export const ALL_READERS: readonly ServiceReaderClass<object>[] = [...LIVE_READERS, CloudFormationDriftReader];

/** The IAM actions a live scan calls, sorted: the read-only policy the CLI and the scanner role need, no wildcards. */
export function readOnlyActions(readers: readonly ServiceReaderClass<object>[] = ALL_READERS): string[] {
  return [...new Set(readers.flatMap((reader) => reader.actions))].sort();
}

/** An IAM policy document granting exactly those actions. */
export function readOnlyPolicyDocument(readers: readonly ServiceReaderClass<object>[] = ALL_READERS): { Version: string; Statement: { Sid: string; Effect: "Allow"; Action: string[]; Resource: string }[] } {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "StackWardenReadOnly",
        Effect: "Allow",
        Action: readOnlyActions(readers),
        // Describe/List/Get calls of these services either take no resource ARN or are read-only on every resource.
        Resource: "*",
      },
    ],
  };
}
