// The real processes a fault scenario drives (docs/RELIABILITY.md "Fault runs"): `cloudsiem portal`
// on SQLite or a fresh PostgreSQL schema (kill -9 and restart on the same port), syslog-ng or
// rsyslog+imrelp receivers (SIGSTOP, SIGCONT, SIGKILL, restart), `cloudsiem agent` children with
// their memory read from /proc, and a seeded random source. Stopped by the e2e harness's cleanup().
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  AdminClient,
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  onCleanup,
  startAgent,
  tempDir,
  waitUntil,
} from '../e2e/harness.ts';
import { postgresAnswers } from '@cloudsiem/portal/test-support';
import { mulberry32 } from '../../bench/records.ts';
import type { AgentProcess } from '../e2e/harness.ts';
import { Receiver, rsyslog, syslogNg, type DaemonKind } from '../interop/daemons.ts';
import type { TestCerts } from '../support/certs.ts';
import { Child } from '../support/child.ts';
import { freePort } from '../support/free-port.ts';
import type { Tool } from '../support/tools.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'packages/cli/bin/cloudsiem.js');
export const TEST_PG_URL = process.env.CLOUDSIEM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A seeded generator (mulberry32), so a printed seed replays the same gaps and stalls. */
export const seededRandom = mulberry32;

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

// ---------------------------------------------------------------------------------------------
// The portal

export type StoreKind = 'sqlite' | 'postgres';

/** A `cloudsiem portal` on a fixed port that can be killed with -9 and started again on its store. */
export class FaultPortal {
  #child: Child | undefined;
  api!: AdminClient;

  private constructor(
    readonly port: number,
    readonly database: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(store: StoreKind): Promise<FaultPortal> {
    let database: string;
    if (store === 'sqlite') database = `sqlite:${join(tempDir('faults-portal'), 'cloudsiem.db')}`;
    else {
      const schema = `faults_${randomBytes(6).toString('hex')}`;
      database = `${TEST_PG_URL}?schema=${schema}`;
      onCleanup(() => dropSchema(schema));
    }
    const portal = new FaultPortal(await freePort(), database);
    onCleanup(() => portal.stop());
    await portal.launch();
    portal.api = await AdminClient.login(portal.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    return portal;
  }

  async launch(): Promise<void> {
    const child = new Child(
      process.execPath,
      [CLI, 'portal', '--database', this.database, '--port', String(this.port), '--log-level', 'warn'],
      { cwd: ROOT, env: { ...process.env, CLOUDSIEM_TOKEN: '', CLOUDSIEM_ADMIN_PASSWORD: ADMIN_PASSWORD } },
    );
    this.#child = child;
    await waitUntil(
      () => child.stdout.includes('cloudsiem portal listening on') || !child.running,
      'the portal to listen',
      30_000,
    );
    if (!child.running) throw new Error(`the portal did not start:\n${child.output.slice(-4000)}`);
  }

  /** kill -9: no chance to finish a transaction or answer a pull. */
  async kill9(): Promise<void> {
    await this.#child?.kill();
  }

  async stop(): Promise<void> {
    if (this.#child?.running) await this.#child.terminate(5_000);
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** null when PostgreSQL answers at TEST_PG_URL, else why not. */
export const postgresProblem = postgresAnswers;

// ---------------------------------------------------------------------------------------------
// The SIEM

/** A receiver daemon's current process id (it changes with every restart). */
function daemonPid(receiver: Receiver): number {
  return Number(readFileSync(join(receiver.dir, 'pid'), 'utf8').trim());
}

/** A real receiver the scenario can stall, resume, kill and restart. */
export class Siem {
  private constructor(readonly receiver: Receiver) {}

  static async start(kind: DaemonKind, tool: Tool, certs: TestCerts): Promise<Siem> {
    const receiver = await Receiver.start(kind, { tool, certs });
    onCleanup(() => receiver.stop());
    const siem = new Siem(receiver);
    // A stopped daemon ignores SIGTERM: resume it before the harness stops it.
    onCleanup(() => siem.resume());
    return siem;
  }

  /** SIGSTOP: the SIEM hangs with its connections open and its receive buffers filling. */
  stall(): void {
    process.kill(daemonPid(this.receiver), 'SIGSTOP');
  }

  resume(): void {
    try {
      if (this.receiver.running) process.kill(daemonPid(this.receiver), 'SIGCONT');
    } catch {
      // already gone
    }
  }

  /** SIGKILL (a stopped process dies too): what it had not written to its file is gone. */
  kill(): Promise<void> {
    return this.receiver.kill();
  }

  restart(): Promise<void> {
    return this.receiver.restart();
  }
}

export function syslogNgKind(tool: Tool): DaemonKind {
  return syslogNg(tool);
}

/**
 * rsyslog with an imrelp listener on `relpPort` besides the usual four (the receiver harness
 * waits for those), writing each RELP message's raw text, one per line, to `relp.log`. The RELP
 * ruleset has a direct queue, as in test/interop/rsyslog-relp.ts: imrelp answers `200 OK` only
 * after omfile wrote the message, so an acknowledged message survives the SIGKILL. With the
 * default in-memory main queue, `200 OK` means "queued in memory" and the kill loses the queue
 * (seen in CI: 135 of 20,000 ids acknowledged by rsyslog and never written).
 */
export function rsyslogRelpKind(tool: Tool, relpPort: number): DaemonKind {
  const base = rsyslog(tool);
  return {
    ...base,
    name: 'rsyslog-relp',
    config: (ports, files, certs, dir) =>
      [
        base.config(ports, files, certs, dir),
        'module(load="imrelp")',
        `ruleset(name="relp" queue.type="direct") { action(type="omfile" file=${JSON.stringify(join(dir, 'relp.log'))} template="raw") }`,
        `input(type="imrelp" address="127.0.0.1" port="${relpPort}" ruleset="relp")`,
        '',
      ].join('\n'),
  };
}

// ---------------------------------------------------------------------------------------------
// The agent

/** Reads a process's peak resident memory (VmHWM, else VmRSS) in bytes; undefined once it is gone. */
export function peakRssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status) ?? /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** One `cloudsiem agent` child (defaults, plus --metrics-port 0 to read its counters). */
export function startFaultAgent(token: string, caFile: string | undefined): AgentProcess {
  return startAgent(token, caFile === undefined ? [] : ['--ca-file', caFile]);
}

/** Every /metrics sample line of `name` (any labels), summed; undefined when the series is absent. */
export function sumSeries(metricsText: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith(' ') || rest.startsWith('{'))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}
