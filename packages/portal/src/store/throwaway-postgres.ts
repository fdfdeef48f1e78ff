// Test helper: a throwaway PostgreSQL cluster of its own (initdb into a temporary folder, its own
// port and socket folder) that a test may stop, kill and start again — never the shared server.
// Missing binaries skip with a printed reason locally and fail under CI=true.
import { execFile } from 'node:child_process';
import { accessSync, chownSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];

/** The folder holding initdb, pg_ctl and postgres, or undefined (with a printed reason). */
export function postgresBinariesOrSkip(): string | undefined {
  for (const dir of [process.env.CLOUDSIEM_PG_BIN, ...BIN_DIRS]) {
    if (dir === undefined) continue;
    try {
      for (const tool of ['initdb', 'pg_ctl', 'postgres']) accessSync(join(dir, tool), constants.X_OK);
      return dir;
    } catch {
      // try the next one
    }
  }
  const reason = `PostgreSQL server binaries (initdb, pg_ctl) are not installed (looked in ${BIN_DIRS.join(', ')}; set CLOUDSIEM_PG_BIN)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.warn(`SKIP: tests that restart their own PostgreSQL: ${reason}`);
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  dir: string;
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: every backend killed, no checkpoint, crash recovery on start. */
  stopImmediate(): Promise<void>;
  /** SIGKILL of the postmaster itself. */
  killPostmaster(): Promise<void>;
  /** Stops it (if running) and removes its folder. */
  destroy(): Promise<void>;
}

export async function startThrowawayPostgres(bin: string): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-pg-'));
  const data = join(dir, 'data');
  // initdb and postgres refuse to run as root: run them as the postgres user then.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), 0);
  const exec = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { cwd: dir })
      : run(join(bin, tool), args, { cwd: dir });
  await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=40`;
  const log = join(dir, 'postgres.log');
  let running = false;

  async function start(): Promise<void> {
    // After a SIGKILL the old backends may still hold shared memory for a moment: retry.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await exec('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', '-t', '20', 'start']);
        running = true;
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          const tail = readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');
          throw new Error(`pg_ctl start failed: ${String(error)}\n${tail}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    start,
    stopImmediate: async () => {
      await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    killPostmaster: async () => {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGKILL');
      running = false;
      // Gone once signal 0 fails.
      while (
        (() => {
          try {
            process.kill(pid, 0);
            return true;
          } catch {
            return false;
          }
        })()
      )
        await new Promise((resolve) => setTimeout(resolve, 20));
    },
    destroy: async () => {
      if (running) await exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
