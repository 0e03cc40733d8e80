import { readdirSync, readFileSync, statSync, type Dirent } from "node:fs";
import { extname, join, normalize } from "node:path";
import { DEFAULT_POLICY, type Policy } from "./config/policy.ts";
import type { Finding, ScanError } from "./findings/finding.ts";
import { summarize, type ScanReport } from "./findings/report.ts";
import type { Rule } from "./rules/rule.ts";
import { judgeTemplate, sortFindings } from "./scan.ts";
import { parseTemplate, TemplateParseError } from "./template/parse.ts";

/** Extensions searched for in folders; a file named explicitly is scanned whatever its name. */
export const TEMPLATE_EXTENSIONS: ReadonlySet<string> = new Set([".yaml", ".yml", ".json", ".template"]);

export interface TemplateFiles {
  /** Paths to scan, in a stable order, each once. */
  files: string[];
  /** Files in folders with a template extension that do not look like CloudFormation. */
  skipped: number;
  errors: ScanError[];
}

export interface FileScanOptions {
  policy?: Policy;
  rules?: readonly Rule[];
  now?: Date;
  /** Called before each file is read; `done` files are finished out of `total`. */
  onProgress?: (done: number, total: number, file: string) => void;
}

/**
 * True when a text is plausibly a CloudFormation template: a top-level Resources or AWSTemplateFormatVersion key
 * (at column 0 in YAML, anywhere as a JSON key).
 */
export function looksLikeCloudFormation(text: string): boolean {
  const body = text.replace(/^\uFEFF/, "");
  if (/^\s*\{/.test(body)) return /"(?:AWSTemplateFormatVersion|Resources)"\s*:/.test(body);
  return /^(["']?)(?:AWSTemplateFormatVersion|Resources)\1[ \t]*:/m.test(body);
}

/**
 * Expands the paths given on a command line: files are kept as they are; folders are searched recursively for
 * CloudFormation files, skipping node_modules and folders whose names start with a dot.
 */
export function findTemplateFiles(paths: readonly string[]): TemplateFiles {
  const files: string[] = [];
  const seen = new Set<string>();
  const errors: ScanError[] = [];
  let skipped = 0;
  const add = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    files.push(file);
  };

  const walk = (folder: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      errors.push({ target: folder, message: `cannot read folder: ${describeFsError(error)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
        walk(path);
        continue;
      }
      if (!TEMPLATE_EXTENSIONS.has(extname(entry.name).toLowerCase())) continue;
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch (error) {
        // Unreadable, so we cannot tell whether it is a template: report it rather than pass over it in silence.
        errors.push({ target: path, message: `cannot read file: ${describeFsError(error)}` });
        continue;
      }
      if (looksLikeCloudFormation(text)) add(path);
      else skipped += 1;
    }
  };

  for (const given of paths) {
    const path = normalize(given);
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch (error) {
      errors.push({ target: path, message: `cannot read: ${describeFsError(error)}` });
      continue;
    }
    if (isFolder) walk(path);
    else add(path);
  }
  return { files, skipped, errors };
}

/** Lists the templates under `paths`, scans each, and returns every finding and error with a summary. Never throws for bad input. */
export function scanFiles(paths: readonly string[], options: FileScanOptions = {}): ScanReport {
  const started = performance.now();
  const listed = findTemplateFiles(paths);
  const findings: Finding[] = [];
  const errors: ScanError[] = [...listed.errors];
  let templates = 0;

  listed.files.forEach((file, index) => {
    options.onProgress?.(index, listed.files.length, file);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      errors.push({ target: file, message: `cannot read file: ${describeFsError(error)}` });
      return;
    }
    let parsed;
    try {
      parsed = parseTemplate(text);
    } catch (error) {
      if (!(error instanceof TemplateParseError)) throw error;
      errors.push({ target: file, message: error.message, ...(error.position ? { location: error.position } : {}) });
      return;
    }
    templates += 1;
    const result = judgeTemplate(parsed, {
      file,
      policy: options.policy ?? DEFAULT_POLICY,
      ...(options.rules ? { rules: options.rules } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    findings.push(...result.findings);
    errors.push(...result.errors);
  });
  options.onProgress?.(listed.files.length, listed.files.length, "");

  // A path that could not be read counts as a file attempted.
  const files = listed.files.length + listed.errors.length;
  return {
    findings: sortFindings(findings),
    errors,
    summary: summarize(findings, errors, { files, templates, skipped: listed.skipped, durationMs: performance.now() - started }),
  };
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: "no such file or folder",
    EACCES: "permission denied",
    EISDIR: "is a folder",
    ELOOP: "too many symbolic links",
  };
  return (code && known[code]) ?? code ?? (error as Error).message;
}
