/**
 * One moto per test file. `motoForTests()` registers node:test `before`/`after` hooks and returns a handle
 * whose `server` is set once `before` ran. When moto is not installed the tests of the file are skipped
 * with a clear message, unless STACKWARDEN_REQUIRE_MOTO=1 (CI), where they fail with that message.
 */
import { after, before, type TestContext } from "node:test";
import { MotoUnavailableError, startMotoServer, type MotoServer } from "../../cli/moto-server.ts";

export const MOTO_SKIP_MESSAGE = "moto_server not found: live integration tests skipped; install moto[server] (pip install 'moto[server]')";
export const MOTO_REQUIRED_MESSAGE =
  "moto_server not found, and STACKWARDEN_REQUIRE_MOTO=1 says the live integration tests must run; install moto[server] (pip install 'moto[server]')";

export { MOTO_ACCOUNT, MOTO_REGION, motoClientConfig } from "../../cli/moto-server.ts";

export function motoRequired(): boolean {
  return process.env.STACKWARDEN_REQUIRE_MOTO === "1";
}

export interface MotoForTests {
  /** The running moto; undefined when moto is unavailable (then every test using `need` skips). */
  server: MotoServer | undefined;
  /** Call first in each test: returns the server, or skips the test (fails it when moto is required). */
  need(t: TestContext): MotoServer | undefined;
}

/** Starts one moto for the calling test file (before) and stops it (after). */
export function motoForTests(): MotoForTests {
  const handle: MotoForTests = {
    server: undefined,
    need(t) {
      if (handle.server) return handle.server;
      if (motoRequired()) throw new Error(MOTO_REQUIRED_MESSAGE);
      t.skip(MOTO_SKIP_MESSAGE);
      return undefined;
    },
  };
  before(async () => {
    try {
      handle.server = await startMotoServer();
    } catch (error) {
      // Each test that needs moto then skips, or fails with MOTO_REQUIRED_MESSAGE under STACKWARDEN_REQUIRE_MOTO=1;
      // tests that do not need moto still run.
      if (error instanceof MotoUnavailableError) {
        process.stderr.write(`${motoRequired() ? MOTO_REQUIRED_MESSAGE : MOTO_SKIP_MESSAGE}\n`);
        return;
      }
      throw error;
    }
  });
  after(async () => {
    await handle.server?.stop();
  });
  return handle;
}
