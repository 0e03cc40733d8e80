/** Figures of a fuzz run: inputs and outcomes per mutation kind, CPU time distribution, failures. */
import { MUTATION_KINDS } from "./generator.ts";
import { CPU_CLOCK, type InputResult, type Outcome } from "./judge.ts";

export const CPU_LIMIT_MS = 1_000;

const OUTCOMES: readonly Outcome[] = ["judged", "judged-with-errors", "rejected", "threw", "hung", "worker-died"];

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/** A message cut to a readable length: an error can quote a megabyte of the input. */
function short(message: string | undefined): string {
  const text = message ?? "";
  return text.length > 400 ? `${text.slice(0, 400)}… (${text.length} characters)` : text;
}

/** Each input that breaks the contract, with what broke and how to run it again. */
export function failuresOf(results: readonly InputResult[], runSeed: number): string[] {
  const failures: string[] = [];
  for (const result of results) {
    const what = `input ${result.index} (${result.kind} of ${result.source}; rerun with FUZZ_SEED=${runSeed} FUZZ_INDEX=${result.index})`;
    if (result.outcome === "threw" || result.outcome === "hung" || result.outcome === "worker-died") failures.push(`${what} ${result.outcome}: ${short(result.exception)}`);
    if (result.outcome === "judged-with-errors") failures.push(`${what} made a rule fail: ${result.errors.filter((message) => message.startsWith("rule ")).map(short).join("; ")}`);
    for (const message of result.unclear) failures.push(`${what} gave an unclear error: ${short(message)}`);
    if (result.cpuMs > CPU_LIMIT_MS) failures.push(`${what} took ${Math.round(result.cpuMs)} ms of CPU (limit ${CPU_LIMIT_MS} ms)`);
  }
  return failures;
}

export function fuzzReport(results: readonly InputResult[], runSeed: number, wallMs: number): string {
  const lines: string[] = [];
  const cpu = results.map((result) => result.cpuMs).filter(Number.isFinite).sort((a, b) => a - b);
  const slowest = [...results].filter((result) => Number.isFinite(result.cpuMs)).sort((a, b) => b.cpuMs - a.cpuMs)[0];
  lines.push(`seed ${runSeed}: ${results.length} inputs in ${(wallMs / 1000).toFixed(1)} s of wall time`);
  lines.push(
    `CPU per input (${CPU_CLOCK} clock): median ${percentile(cpu, 0.5).toFixed(1)} ms, p99 ${percentile(cpu, 0.99).toFixed(1)} ms, max ${(slowest?.cpuMs ?? Number.NaN).toFixed(1)} ms` +
      (slowest ? ` (input ${slowest.index}, ${slowest.kind}, ${(slowest.bytes / 1024).toFixed(0)} KiB)` : ""),
  );
  lines.push(`| mutation | inputs | ${OUTCOMES.join(" | ")} | p99 CPU ms | max CPU ms |`);
  lines.push(`| --- | ---: | ${OUTCOMES.map(() => "---:").join(" | ")} | ---: | ---: |`);
  for (const kind of [...MUTATION_KINDS, "all"]) {
    const ofKind = kind === "all" ? results : results.filter((result) => result.kind === kind);
    if (ofKind.length === 0) continue;
    const times = ofKind.map((result) => result.cpuMs).filter(Number.isFinite).sort((a, b) => a - b);
    const counts = OUTCOMES.map((outcome) => ofKind.filter((result) => result.outcome === outcome).length);
    lines.push(`| ${kind} | ${ofKind.length} | ${counts.join(" | ")} | ${percentile(times, 0.99).toFixed(1)} | ${(times[times.length - 1] ?? Number.NaN).toFixed(1)} |`);
  }
  return lines.join("\n");
}
