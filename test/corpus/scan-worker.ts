/**
 * Worker for corpus.test.ts: scans its share of the corpus templates with every rule and reports each file
 * as it starts (so a hang can be pinned on a file) and as it ends.
 */
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { scanTemplate } from "../../shared/scan.ts";

export interface CorpusFile {
  /** Path relative to the corpus's cfn/ folder, as the manifest writes it. */
  name: string;
  path: string;
}

export type WorkerMessage =
  | { kind: "start"; name: string }
  | { kind: "done"; name: string; ms: number; findings: number; parseError?: string; ruleErrors: string[]; exception?: string }
  | { kind: "finished" };

const RULE_ERROR = /^rule \S+ could not judge/;

const { files } = workerData as { files: CorpusFile[] };
for (const file of files) {
  parentPort!.postMessage({ kind: "start", name: file.name } satisfies WorkerMessage);
  const text = readFileSync(file.path, "utf8");
  const started = performance.now();
  let message: WorkerMessage;
  try {
    const result = scanTemplate(text, { file: file.name });
    const ruleErrors = result.errors.filter((error) => RULE_ERROR.test(error.message)).map((error) => error.message);
    const otherErrors = result.errors.filter((error) => !RULE_ERROR.test(error.message));
    message = {
      kind: "done",
      name: file.name,
      ms: performance.now() - started,
      findings: result.findings.length,
      ruleErrors,
      ...(otherErrors.length > 0 ? { parseError: otherErrors.map((error) => error.message).join("; ") } : {}),
    };
  } catch (error) {
    message = { kind: "done", name: file.name, ms: performance.now() - started, findings: 0, ruleErrors: [], exception: (error as Error).stack ?? String(error) };
  }
  parentPort!.postMessage(message);
}
parentPort!.postMessage({ kind: "finished" } satisfies WorkerMessage);
