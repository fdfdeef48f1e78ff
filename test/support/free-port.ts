// Free loopback ports for daemons that must be told their port (they cannot listen on port 0 and
// report it), and starting such a daemon again on new ports when one was taken in between.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port the kernel hands out for port 0, released again; see `startOnFreePorts` for a port taken in between. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolveClose) => server.close(resolveClose));
  return port;
}

/** A daemon could not bind a port picked free: something else took it in the meantime. */
export class PortTakenError extends Error {}

const ATTEMPTS = 3;

/**
 * Runs `attempt` (which picks free ports and starts a daemon on them) until it does not fail with
 * PortTakenError, three times at most. Each attempt gets a new directory inside one temporary
 * `cloudsiem-${name}-…` directory, which is removed if every attempt failed; a failed attempt must
 * leave nothing running.
 */
export async function startOnFreePorts<T>(name: string, attempt: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `cloudsiem-${name}-`));
  let lastError: unknown;
  for (let n = 0; n < ATTEMPTS; n++) {
    const attemptDir = join(dir, String(n));
    mkdirSync(attemptDir);
    try {
      return await attempt(attemptDir);
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortTakenError)) break;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
