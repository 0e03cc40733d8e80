import { lookupTable } from "../../template/values.ts";

/**
 * Lambda runtimes AWS no longer lets you create functions with ("Block function create" in
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). Dates are from cfn-lint 1.51.0's
 * data/AdditionalSpecs/LmbdRuntimeLifecycle.json (installed 2026-05-20), which mirrors that page.
 *
 * Only runtimes whose creation block had already happened when that data was taken are listed: those are facts. Blocks
 * the data only announces (nodejs16.x/18.x/20.x, python3.8/3.9 and dotnet6 on 2026-06-01; python3.10/3.11, java11/17,
 * java8.al2 and provided.al2 on 2026-07-31) are plans, and AWS has moved such dates more than once; calling a template
 * undeployable on a plan would be a false alarm the day AWS extends it.
 */
export interface BlockedRuntime {
  /** First day CreateFunction rejects the runtime. */
  createBlocked: string;
  /** Day the runtime was deprecated (no more security patches). */
  deprecated: string;
  /** The successor cfn-lint's data names (the newest runtime of the family). */
  successor: string;
}

export const CREATE_BLOCKED_RUNTIMES: Readonly<Record<string, BlockedRuntime>> = lookupTable({
  nodejs: { createBlocked: "2016-09-30", deprecated: "2016-08-30", successor: "nodejs24.x" },
  "nodejs4.3": { createBlocked: "2020-02-03", deprecated: "2020-03-05", successor: "nodejs24.x" },
  "nodejs4.3-edge": { createBlocked: "2019-03-31", deprecated: "2020-03-05", successor: "nodejs24.x" },
  "nodejs6.10": { createBlocked: "2019-07-12", deprecated: "2019-08-12", successor: "nodejs24.x" },
  "nodejs8.10": { createBlocked: "2020-02-04", deprecated: "2020-03-06", successor: "nodejs24.x" },
  "nodejs10.x": { createBlocked: "2021-07-30", deprecated: "2021-07-30", successor: "nodejs24.x" },
  "nodejs12.x": { createBlocked: "2023-03-31", deprecated: "2023-03-31", successor: "nodejs24.x" },
  "nodejs14.x": { createBlocked: "2024-01-09", deprecated: "2023-12-04", successor: "nodejs24.x" },
  "python2.7": { createBlocked: "2021-07-15", deprecated: "2021-07-15", successor: "python3.14" },
  "python3.6": { createBlocked: "2022-07-18", deprecated: "2022-07-18", successor: "python3.14" },
  "python3.7": { createBlocked: "2024-01-09", deprecated: "2023-12-04", successor: "python3.14" },
  "ruby2.5": { createBlocked: "2021-07-30", deprecated: "2021-07-30", successor: "ruby3.4" },
  "ruby2.7": { createBlocked: "2024-01-09", deprecated: "2023-12-07", successor: "ruby3.4" },
  java8: { createBlocked: "2024-02-08", deprecated: "2024-01-08", successor: "java25" },
  "go1.x": { createBlocked: "2024-02-08", deprecated: "2024-01-08", successor: "provided.al2023" },
  provided: { createBlocked: "2024-02-08", deprecated: "2024-01-08", successor: "provided.al2023" },
  "dotnetcore1.0": { createBlocked: "2019-06-30", deprecated: "2019-06-27", successor: "dotnet9" },
  "dotnetcore2.0": { createBlocked: "2019-04-30", deprecated: "2019-05-30", successor: "dotnet9" },
  "dotnetcore2.1": { createBlocked: "2022-01-05", deprecated: "2022-01-05", successor: "dotnet9" },
  "dotnetcore3.1": { createBlocked: "2023-04-03", deprecated: "2023-04-03", successor: "dotnet9" },
});
