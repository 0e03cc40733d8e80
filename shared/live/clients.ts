import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentityProvider } from "@smithy/types";

/** Where a scan reads from: one region of one account, through the default credential chain or a named profile. */
export interface AwsTarget {
  region: string;
  /** Every client's endpoint (moto, LocalStack). */
  endpointUrl?: string;
  profile?: string;
  /** Milliseconds one HTTP attempt may take (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** Attempts per call, the first included (default MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Credentials other than the default chain's (a member account's assumed role), named by `id` in the client cache key. */
  credentials?: { id: string; provider: AwsCredentialIdentityProvider };
}

/** Milliseconds a single HTTP attempt may take; retries (adaptive) come on top. */
export const REQUEST_TIMEOUT_MS = 15_000;
const CONNECTION_TIMEOUT_MS = 5_000;
export const MAX_ATTEMPTS = 6;

interface ClientConstructor<C> {
  new (config: Record<string, unknown>): C;
}

const clients = new Map<string, unknown>();

/**
 * The client of one service for one target, created once per process (Lambda reuse): adaptive retry, a timeout on
 * every attempt. An emulator endpoint with no credentials configured gets dummy ones, as emulators accept any.
 */
export function awsClient<C>(Client: ClientConstructor<C>, target: AwsTarget): C {
  const key = [Client.name, target.region, target.endpointUrl ?? "", target.profile ?? "", target.requestTimeoutMs ?? "", target.maxAttempts ?? "", target.credentials?.id ?? ""].join("|");
  let client = clients.get(key) as C | undefined;
  if (!client) {
    client = new Client(clientConfig(target));
    clients.set(key, client);
  }
  return client;
}

export function clientConfig(target: AwsTarget): Record<string, unknown> {
  const config: Record<string, unknown> = {
    region: target.region,
    retryMode: "adaptive",
    maxAttempts: target.maxAttempts ?? MAX_ATTEMPTS,
    // Without throwOnRequestTimeout the handler only logs a warning and the call waits on forever.
    requestHandler: new NodeHttpHandler({ connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: target.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true }),
  };
  if (target.profile) config.profile = target.profile;
  if (target.credentials) config.credentials = target.credentials.provider;
  if (target.endpointUrl) {
    config.endpoint = target.endpointUrl;
    // Emulators serve S3 on the same host: virtual-host bucket names would not resolve on loopback.
    config.forcePathStyle = true;
    if (!target.profile && !target.credentials && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
      config.credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
    }
  }
  return config;
}
