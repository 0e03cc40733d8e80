/**
 * Starts moto (the embedded AWS emulator) on a free loopback port, for the integration tests and
 * `npm run demo`. moto is a Python program on the machine image: `moto_server`, or `python3 -m
 * moto.server` when the script is not on PATH. Install it with `pip install 'moto[server]'`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export interface MotoServer {
  /** http://127.0.0.1:PORT, for `endpoint` of every SDK client (or AWS_ENDPOINT_URL). */
  endpoint: string;
  port: number;
  /** Forgets every resource moto holds (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stops moto (SIGTERM, then SIGKILL after a grace period); resolves once it has exited. */
  stop(): Promise<void>;
}

export interface MotoServerOptions {
  /** How long to wait for moto to answer HTTP, per attempt (default 60 000 ms: a loaded machine starts it slowly). */
  readyTimeoutMs?: number;
  /** How many ports to try when the chosen one got taken before moto bound it (default 3). */
  attempts?: number;
  /** Grace period between SIGTERM and SIGKILL on stop (default 3 000 ms). */
  killGraceMs?: number;
  /** Explicit command, e.g. ["python3", "-m", "moto.server"]; default: detect. */
  command?: string[];
  /**
   * Load AWS managed IAM policies (arn:aws:iam::aws:policy/...) so roles can attach them, as on AWS
   * (MOTO_IAM_LOAD_MANAGED_POLICIES; loaded lazily on the first IAM call, about 0.5 s). Default true.
   */
  loadAwsManagedPolicies?: boolean;
  /** Extra environment for moto. */
  env?: Record<string, string>;
}

export const MOTO_INSTALL_HINT = "install it with: pip install 'moto[server]'";

export class MotoUnavailableError extends Error {
  constructor(detail?: string) {
    super(`moto_server not found (neither \`moto_server\` nor \`python3 -m moto.server\` works)${detail ? `: ${detail}` : ""}; ${MOTO_INSTALL_HINT}`);
    this.name = "MotoUnavailableError";
  }
}

const HOST = "127.0.0.1";

let detected: string[] | null | undefined;

/**
 * The command that starts moto on this machine, or null. Cached after the first call. STACKWARDEN_MOTO_COMMAND (set by
 * .ci/run, which checked it once) is taken as it is, sparing every test process a probe that costs seconds of CPU.
 */
export function findMotoCommand(): string[] | null {
  if (detected !== undefined) return detected;
  const given = process.env.STACKWARDEN_MOTO_COMMAND?.trim();
  if (given) return (detected = given.split(/\s+/));
  const candidates: string[][] = [["moto_server"], ["python3", "-m", "moto.server"]];
  detected = null;
  for (const candidate of candidates) {
    // `--help` exits 0 only when the program and its server extras import (pyenv shims exit 127 otherwise). Importing
    // moto takes seconds, and far longer on a loaded machine: a slow probe is not a missing moto.
    const probe = spawnSync(candidate[0]!, [...candidate.slice(1), "--help"], { stdio: "ignore", timeout: 120_000 });
    if (!probe.error && probe.status === 0) {
      detected = candidate;
      break;
    }
  }
  return detected;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("could not read a free port"))));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // its own process group (detached)
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) killGroup(child, "SIGKILL");
  });
  // A signal that would kill this process (nobody else listens) must not leave moto behind: kill it, then die of
  // the same signal. (SIGKILL of this process cannot be caught; moto then outlives it.)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      for (const child of live) killGroup(child, "SIGKILL");
      process.kill(process.pid, signal);
    });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class PortTakenError extends Error {}

async function startOnce(command: string[], port: number, readyTimeoutMs: number, killGraceMs: number, env: Record<string, string>): Promise<MotoServer> {
  const endpoint = `http://${HOST}:${port}`;
  const child = spawn(command[0]!, [...command.slice(1), "-H", HOST, "-p", String(port)], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1", ...env },
  });
  live.add(child);
  installExitHook();
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  let spawnError: Error | undefined;
  child.on("error", (error) => (spawnError = error));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  exited.then(() => live.delete(child));
  // moto writes a lot of request logs to stderr; keep draining without holding the event loop.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Unreferenced, the child would let this process end (exit code 13, an unsettled await) before its exit event.
    child.ref();
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), killGraceMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (spawnError) {
      await stop();
      throw new MotoUnavailableError(spawnError.message);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      if (/address already in use|Errno 98/i.test(tail)) throw new PortTakenError(tail);
      throw new Error(`moto exited early (code ${child.exitCode}, signal ${child.signalCode}) on port ${port}; its output ends with:\n${tail.trim()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto did not answer on ${endpoint} within ${readyTimeoutMs} ms; its output ends with:\n${tail.trim()}`);
    }
    await sleep(100);
  }

  return {
    endpoint,
    port,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST", signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    stop,
  };
}

/** Starts moto on a free loopback port and resolves when it answers HTTP. */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  const command = options.command ?? findMotoCommand();
  if (!command) throw new MotoUnavailableError();
  const attempts = options.attempts ?? 3;
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await freePort();
    try {
      const env = { MOTO_IAM_LOAD_MANAGED_POLICIES: options.loadAwsManagedPolicies === false ? "false" : "true", ...options.env };
      return await startOnce(command, port, options.readyTimeoutMs ?? 60_000, options.killGraceMs ?? 3_000, env);
    } catch (error) {
      if (!(error instanceof PortTakenError)) throw error;
      last = error;
    }
  }
  throw new Error(`moto could not bind a free port after ${attempts} attempts: ${String((last as Error)?.message ?? last)}`);
}

export const MOTO_REGION = "us-east-1";
export const MOTO_ACCOUNT = "123456789012";

/** SDK v3 client configuration that points a client at moto. */
export function motoClientConfig(endpoint: string) {
  return {
    endpoint,
    region: MOTO_REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    // S3 on one endpoint: bucket in the path, not in the host name.
    forcePathStyle: true,
    maxAttempts: 2,
  };
}
