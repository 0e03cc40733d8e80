/** Scans one fuzz input through the engine's public entry and says how it ended. */
import { scanTemplate } from "../../shared/scan.ts";

export type Outcome =
  /** Read and judged: findings (maybe none), no error. */
  | "judged"
  /** Read and judged, with errors beside the findings (a rule that could not judge). */
  | "judged-with-errors"
  /** Refused with a clear error (a template that does not parse, or not CloudFormation). */
  | "rejected"
  /** scanTemplate threw: a crash. */
  | "threw"
  /** Still running when the watchdog stopped it. */
  | "hung"
  /** The worker thread itself died (out of memory, a native crash). */
  | "worker-died";

export interface Judgement {
  outcome: Outcome;
  /** CPU time of the scan, this thread's where Node can tell (Node 23.9 and later), else the process's. */
  cpuMs: number;
  wallMs: number;
  findings: number;
  errors: string[];
  /** Errors that show the engine's internals instead of saying what is wrong with the template. */
  unclear: string[];
  exception?: string;
}

export interface InputResult extends Judgement {
  index: number;
  seed: number;
  kind: string;
  source: string;
  bytes: number;
}

export type WorkerMessage =
  | { type: "start"; index: number; kind: string; source: string }
  | { type: "done"; result: InputResult }
  | { type: "end" };

/** Text of JavaScript's own errors and of values printed by mistake: a message with any of these says nothing to a user. */
export const INTERNAL_ERROR_PATTERNS: readonly RegExp[] = [
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|InternalError)\b/,
  /Cannot (?:read|set) propert/i,
  /Cannot convert/i,
  /Cannot destructure/i,
  /is not (?:a function|iterable|a constructor|defined|an object)/i,
  /Maximum call stack/i,
  /Invalid (?:array|string) length/i,
  /out of memory/i,
  /\[object \w+\]/,
  /\bundefined\b/,
  /\bNaN\b/,
  /^\s*$/,
];

export function isUnclear(message: string): boolean {
  return INTERNAL_ERROR_PATTERNS.some((pattern) => pattern.test(message));
}

type CpuClock = () => NodeJS.CpuUsage;
const threadCpuUsage = (process as { threadCpuUsage?: CpuClock }).threadCpuUsage;
export const CPU_CLOCK: "thread" | "process" = threadCpuUsage ? "thread" : "process";
const cpuUsage: CpuClock = threadCpuUsage ? () => threadCpuUsage.call(process) : () => process.cpuUsage();

export function judgeInput(text: string): Judgement {
  const cpuBefore = cpuUsage();
  const wallBefore = performance.now();
  let findings = 0;
  let errors: string[] = [];
  let exception: string | undefined;
  try {
    const result = scanTemplate(text, { file: "fuzz-input" });
    findings = result.findings.length;
    errors = result.errors.map((error) => error.message);
  } catch (error) {
    exception = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : `thrown non-error: ${String(error)}`;
  }
  const cpu = cpuUsage();
  const cpuMs = (cpu.user - cpuBefore.user + cpu.system - cpuBefore.system) / 1000;
  const wallMs = performance.now() - wallBefore;
  const unclear = errors.filter(isUnclear);
  const ruleFailed = errors.some((message) => message.startsWith("rule "));
  const outcome: Outcome = exception !== undefined ? "threw" : ruleFailed ? "judged-with-errors" : errors.length > 0 ? "rejected" : "judged";
  return { outcome, cpuMs, wallMs, findings, errors, unclear, ...(exception !== undefined ? { exception } : {}) };
}
