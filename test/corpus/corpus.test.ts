import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { Worker } from "node:worker_threads";
import { hereOf } from "../helpers.ts";
import type { CorpusFile, WorkerMessage } from "./scan-worker.ts";

const CORPUS = join(hereOf(import.meta.url), "..", "..", "..", "shared", "corpus", "cfn");
const MANIFEST = join(CORPUS, "manifest.json");
/** A worker that reports nothing for this long is stuck on the file it last started. */
const SILENCE_LIMIT_MS = 60_000;

/**
 * Templates the manifest says parse but that are not valid CloudFormation, so our parser is right to reject
 * them. Each was checked with cfn-lint 1.51 (its error code is given). Only such files belong here: when our
 * parser rejects a valid template, the parser is wrong and the test must fail.
 */
const INVALID_THOUGH_MANIFEST_SAYS_PARSES: Record<string, string> = {
  "cfn-json-Pr3718/model.json": "duplicate resource key DocumentMetadataTable (cfn-lint E0000 Duplicate found)",
  "cfn-json-Pr9500/model.json": "duplicate resource key DocumentMetadataTable (cfn-lint E0000 Duplicate found)",
  "cfn-yaml-Pr3518/model.yaml": "two Conditions sections (cfn-lint E0000 Duplicate found)",
  "cfn-yaml-Pr7022/model.yaml": "two Mappings sections (cfn-lint E0000 Duplicate found)",
  "cfn-yaml-Pr9333/model.yaml": "duplicate mapping key us-east-1 (cfn-lint E0000 Duplicate found)",
  "cfn-yaml-Pr92/model.yaml": "two Resources sections (cfn-lint E0000 Duplicate found)",
  // Truncated model output: the file ends inside a list with a bare `!` tag, which YAML reads as an empty
  // string, so the load balancer's last subnet is "" (cfn-lint E1154) and the rest of the template is missing.
  "cfn-yaml-Pr8936/model.yaml": "truncated: last Subnets item is an empty `!` node (cfn-lint E1154)",
};

interface ManifestTask {
  id: string;
  model: string;
  ideal: string;
  model_parses: boolean;
  ideal_parses: boolean;
}

type Done = Extract<WorkerMessage, { kind: "done" }>;

function corpusFiles(): { files: CorpusFile[]; parses: Map<string, boolean> } {
  const manifest = JSON.parse(readFileSync(MANIFEST, "utf8")) as ManifestTask[];
  const files: CorpusFile[] = [];
  const parses = new Map<string, boolean>();
  for (const task of manifest) {
    for (const side of ["model", "ideal"] as const) {
      files.push({ name: task[side], path: join(CORPUS, task[side]) });
      parses.set(task[side], task[`${side}_parses`]);
    }
  }
  return { files, parses };
}

/** Scans every file on worker threads; rejects naming the file a worker is stuck on. */
function scanAll(files: CorpusFile[]): Promise<Done[]> {
  const workerCount = Math.max(1, Math.min(4, availableParallelism()));
  const shares: CorpusFile[][] = Array.from({ length: workerCount }, () => []);
  files.forEach((file, index) => shares[index % workerCount]!.push(file));
  const results: Done[] = [];
  // A worker does not get the test runner's tsx loader, so a small bootstrap registers it before loading the TypeScript.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then(({ register }) => { register(); return import(${JSON.stringify(new URL("./scan-worker.ts", import.meta.url).href)}); })`;
  const workers = shares.map((share) => new Worker(bootstrap, { eval: true, workerData: { files: share } }));
  const timers = new Map<Worker, NodeJS.Timeout>();
  return new Promise<Done[]>((resolve, reject) => {
    let running = workers.length;
    const stopAll = (error: Error) => {
      for (const timer of timers.values()) clearTimeout(timer);
      for (const worker of workers) void worker.terminate();
      reject(error);
    };
    for (const worker of workers) {
      let current = "(none yet)";
      const watch = () => {
        clearTimeout(timers.get(worker));
        timers.set(worker, setTimeout(() => stopAll(new Error(`scan hangs: no progress for ${SILENCE_LIMIT_MS / 1000} s on ${current}`)), SILENCE_LIMIT_MS));
      };
      watch();
      worker.on("message", (message: WorkerMessage) => {
        watch();
        if (message.kind === "start") current = message.name;
        else if (message.kind === "done") results.push(message);
        else {
          clearTimeout(timers.get(worker));
          if (--running === 0) resolve(results);
        }
      });
      worker.on("error", (error) => {
        stopAll(new Error(`worker failed while scanning ${current}: ${error.stack ?? error.message}`));
      });
    }
  });
}

describe("corpus: every model and ideal template", { skip: existsSync(MANIFEST) ? false : `corpus not found at ${CORPUS} (it sits beside the repo as ../shared/corpus)` }, () => {
  let results: Done[] = [];
  let parses = new Map<string, boolean>();
  let fileCount = 0;

  before(
    async () => {
      const corpus = corpusFiles();
      parses = corpus.parses;
      fileCount = corpus.files.length;
      results = await scanAll(corpus.files);
    },
    { timeout: 600_000 },
  );

  test("is scanned to the end", () => {
    assert.equal(results.length, fileCount);
  });

  test("never throws out of scanTemplate", () => {
    assert.deepEqual(
      results.filter((result) => result.exception).map((result) => `${result.name}: ${result.exception}`),
      [],
    );
  });

  test("never makes a rule fail", () => {
    assert.deepEqual(
      results.flatMap((result) => result.ruleErrors.map((error) => `${result.name}: ${error}`)),
      [],
    );
  });

  test("rejects only templates that do not parse (or are listed as invalid CloudFormation)", () => {
    const wronglyRejected = results
      .filter((result) => result.parseError && parses.get(result.name) && !(result.name in INVALID_THOUGH_MANIFEST_SAYS_PARSES))
      .map((result) => `${result.name}: ${result.parseError}`);
    assert.deepEqual(wronglyRejected, []);
  });

  test("the invalid-template list is still needed", () => {
    const rejected = new Set(results.filter((result) => result.parseError).map((result) => result.name));
    for (const name of Object.keys(INVALID_THOUGH_MANIFEST_SAYS_PARSES)) {
      assert.equal(parses.get(name), true, `${name}: the manifest already says it does not parse; drop it from the list`);
      assert.ok(rejected.has(name), `${name} now parses; drop it from the list`);
    }
  });

  test("reports how lenient and how slow it is", (context) => {
    const acceptedAnyway = results.filter((result) => !result.parseError && parses.get(result.name) === false).map((result) => result.name);
    const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 5).map((result) => `${result.name} ${Math.round(result.ms)} ms`);
    context.diagnostic(`read although the manifest says they do not parse (${acceptedAnyway.length}): ${acceptedAnyway.join(", ")}`);
    context.diagnostic(`slowest (wall time, machine load included): ${slowest.join(", ")}`);
    assert.ok(results.every((result) => Number.isFinite(result.ms)));
  });
});
