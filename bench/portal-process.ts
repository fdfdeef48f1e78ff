// A real portal and the shipped agent as child processes, driven the way an operator would: the
// `cloudsiem` CLI (packages/cli/bin/cloudsiem.js; BENCH_AGENT_CLI runs another build of the agent,
// BENCH_AGENT_NODE_FLAGS adds node flags to it), the admin API, ingest through the API in a child.
// Shared by agent-path (the whole path) and curves. Throwaway PostgreSQL databases come from the
// server at 127.0.0.1:5432 (CLOUDSIEM_TEST_PG, the tests' one), dropped after the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { SiemAgentWithToken } from '@cloudsiem/protocol';
import type { ActivityFile } from './activity-file.ts';
import type { CountingSink, SinkCount } from './counting-sink.ts';
import { childCpu, childRss } from './process-stats.ts';

export const INGEST_BATCH = 5000;
const CLI = fileURLToPath(new URL('../packages/cli/bin/cloudsiem.js', import.meta.url));
const PASSWORD = 'bench: correct horse battery staple';
export const AGENT_NODE_FLAGS = (process.env.BENCH_AGENT_NODE_FLAGS ?? '')
  .split(' ')
  .filter((flag) => flag !== '');
/** What runs as `cloudsiem agent`, when it is not this checkout's defaults. */
export const AGENT_BUILD = [...AGENT_NODE_FLAGS, process.env.BENCH_AGENT_CLI ?? '']
  .filter((x) => x !== '')
  .join(' ');
const TEST_PG_URL = process.env.CLOUDSIEM_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface PortalProcess {
  url: string;
  pid: number;
  /** The first admin's login, printed by the first start only. */
  firstAdmin: { email: string; password: string } | null;
  /** SIGINT, as a supervisor stops it; resolves when it has exited (and written its profile). */
  stop(): Promise<void>;
}

/** Calls `onLine` with each line the child writes to stdout, then `afterWrite` once a write is read. */
export function readLines(
  child: ChildProcess,
  onLine: (line: string) => void,
  afterWrite?: () => void,
): void {
  let text = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    text += chunk;
    for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n')) {
      const line = text.slice(0, lf);
      text = text.slice(lf + 1);
      onLine(line);
    }
    afterWrite?.();
  });
}

/** pino lines of level error or fatal: printed, as they explain a failed or slow run. */
export function showErrors(who: string, line: string): void {
  if (/"level":(50|60)/.test(line)) console.error(`  ${who}: ${line}`);
}

/** SIGINT, as a supervisor stops it; resolves when it has exited. */
export async function interrupt(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  await exited;
}

/** `cloudsiem portal` on the database URL (sqlite:… or postgres://…); resolves once it prints its banner. */
export async function startPortalProcess(database: string, nodeFlags: string[] = []): Promise<PortalProcess> {
  const child = spawn(
    process.execPath,
    [...nodeFlags, CLI, 'portal', '--database', database, '--port', '0', '--retention-days', '0'],
    { env: { ...process.env, CLOUDSIEM_ADMIN_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const banner = new Promise<{ url: string; firstAdmin: PortalProcess['firstAdmin'] }>((resolve, reject) => {
    let url: string | undefined;
    let firstAdmin: PortalProcess['firstAdmin'] = null;
    // The banner is one write: the URL, then the first admin's login on a first start.
    readLines(
      child,
      (line) => {
        const listening = /^cloudsiem portal listening on (\S+)/.exec(line);
        const admin = /^First admin created: (\S+) \/ (.+)$/.exec(line);
        if (listening !== null) url = listening[1]!;
        // The password is the one this bench set (a password from the environment is never printed).
        if (admin !== null) firstAdmin = { email: admin[1]!, password: PASSWORD };
        showErrors('portal', line);
      },
      () => {
        if (url !== undefined) resolve({ url, firstAdmin });
      },
    );
    void exited.then(([code]) =>
      reject(new Error(`the portal exited (code ${String(code)}) before listening`)),
    );
  });
  return { ...(await banner), pid: child.pid!, stop: () => interrupt(child, exited) };
}

export async function api<T>(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  options: { token?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ body: T; headers: Headers }> {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(options.token === undefined ? {} : { authorization: `Token ${options.token}` }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return { body: JSON.parse(text) as T, headers: response.headers };
}

/** Signs in as the first admin (the session cookie) and creates an admin API token with it. */
export async function adminToken(portal: PortalProcess): Promise<string> {
  if (portal.firstAdmin === null) throw new Error('the portal did not create a first admin');
  const login = await api(portal.url, 'POST', '/auth/login', { body: JSON.stringify(portal.firstAdmin) });
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const created = await api<{ token: string }>(portal.url, 'POST', '/admin-tokens', {
    // A cookie-authenticated change must say it comes from the portal's own pages.
    headers: { cookie, origin: portal.url },
    body: JSON.stringify({ name: 'bench' }),
  });
  return created.body.token;
}

// The ingest client, in a child so that this process (where an agent is measured next) does not
// start with its garbage: lines [FROM, TO) of the file through the API, BATCH lines a request,
// NDJSON bytes as stored.
const INGEST = `
const fs = require('node:fs');
// FROM counts lines from byte START (the END a previous run reported), so a step of a growing
// table does not read the file from its beginning.
const [path, url, token, batch, from, to, startByte] = process.argv.slice(1).map((a, i) => (i < 3 ? a : Number(a)));
const post = async (parts) => {
  const response = await fetch(url + '/api/v1/ingest/activities', {
    method: 'POST',
    headers: { authorization: 'Token ' + token, 'content-type': 'application/x-ndjson' },
    body: Buffer.concat(parts),
  });
  const text = await response.text();
  if (!response.ok) throw new Error('ingest: ' + response.status + ' ' + text.slice(0, 500));
  const result = JSON.parse(text);
  if (result.rejected.length > 0) throw new Error('ingest rejected: ' + JSON.stringify(result.rejected[0]));
  return result.accepted;
};
(async () => {
  let accepted = 0;
  let parts = [];
  let line = 0;
  let rest = null;
  let offset = startByte;
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 1024 * 1024, start: startByte })) {
    const data = rest === null ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let lf = data.indexOf(10); lf !== -1 && line < to; lf = data.indexOf(10, start)) {
      if (line++ >= from) parts.push(data.subarray(start, lf + 1));
      offset += lf + 1 - start;
      start = lf + 1;
      if (parts.length === batch) {
        accepted += await post(parts);
        parts = [];
      }
    }
    if (line >= to) break;
    rest = data.subarray(start);
  }
  if (parts.length > 0) accepted += await post(parts);
  process.send({ accepted, endByte: offset });
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

/** Ingests `file` (lines `from` to `to`, default all) through the API; the accepted count and the seconds it took. */
export async function ingest(
  portal: PortalProcess,
  token: string,
  file: ActivityFile,
  range: { from?: number; to?: number; startByte?: number } = {},
): Promise<{ accepted: number; seconds: number; endByte: number }> {
  const { to = file.records, startByte = 0 } = range;
  // With startByte, `from` and `to` count from the line that starts there.
  const from = range.from ?? 0;
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [
      '-e',
      INGEST,
      file.path,
      portal.url,
      token,
      String(INGEST_BATCH),
      String(from),
      String(to),
      String(startByte),
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const exited = once(child, 'exit');
  const answer = once(child, 'message') as Promise<[{ accepted: number; endByte: number }]>;
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`the ingest client failed (exit code ${String(code)})`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { accepted, endByte } = (await answer)[0];
  if (accepted !== to - from) throw new Error(`the portal accepted ${accepted} of ${to - from} activities`);
  return { accepted, seconds, endByte };
}

/** A SIEM agent for activities only, sending to the sink in the benchmarks' CEF format. */
export async function createAgent(
  portal: PortalProcess,
  adminApiToken: string,
  sink: CountingSink,
  name: string,
  enabled = true,
): Promise<{ id: string; token: string }> {
  const { body } = await api<SiemAgentWithToken>(portal.url, 'POST', '/siem-agents', {
    token: adminApiToken,
    body: JSON.stringify({
      name,
      enabled,
      syslog: { host: '127.0.0.1', port: sink.port, protocol: 'tcp', framing: 'lf' },
      format: { format: 'generic', includePri: true, includeSystemName: true },
      dataTypes: { activities: { enabled: true, filter: null }, alerts: { enabled: false, filter: null } },
    }),
  });
  return { id: body.agent.id, token: body.token };
}

export interface CliDrain {
  /** First byte to last line at the sink. */
  seconds: number;
  agentCpuSeconds: number | null;
  portalCpuSeconds: number | null;
  /** The agent's RSS once it has read its config (idle), and its peak (VmHWM) at the last line. */
  idleRss: number | null;
  peakRss: number | null;
  sink: SinkCount;
}

/**
 * `events` lines drained by the shipped `cloudsiem agent` (its defaults: no NODE_OPTIONS, no unit
 * file) in a child, as a new SIEM agent that backfills the whole backlog. The agent is created
 * disabled and enabled once the process has read its config, so the clock and the CPU meters leave
 * out the start (loading and compiling the TypeScript). `sampleEvery` asks the sink for a sample.
 */
export async function drainWithCli(
  portal: PortalProcess,
  adminApiToken: string,
  sink: CountingSink,
  name: string,
  events: number,
  sampleEvery = 0,
): Promise<CliDrain> {
  const { id, token } = await createAgent(portal, adminApiToken, sink, name, false);
  const command = [
    ...AGENT_NODE_FLAGS,
    process.env.BENCH_AGENT_CLI ?? CLI,
    'agent',
    '--portal-url',
    portal.url,
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, CLOUDSIEM_TOKEN: token };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, command, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Its one-line exit message (and anything unexpected) goes to stderr: shown, indented.
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => process.stderr.write(text.replace(/^(?=.)/gm, '  ')));
  const exited = once(child, 'exit');
  try {
    await new Promise<void>((resolve, reject) => {
      readLines(child, (line) => {
        if (line.includes('"msg":"Config applied"')) resolve();
        showErrors('cloudsiem agent', line);
      });
      void exited.then(([code]) => reject(new Error(`cloudsiem agent exited (code ${String(code)})`)));
    });
    const idleRss = childRss(child.pid!)?.rss ?? null;
    const { done } = await sink.expect(events, sampleEvery);
    const agentCpu = childCpu(child.pid!);
    const portalCpu = childCpu(portal.pid);
    await api(portal.url, 'POST', `/siem-agents/${id}/enable`, { token: adminApiToken });
    const counted = await Promise.race([
      done,
      exited.then(([code]): never => {
        throw new Error(`cloudsiem agent exited (code ${String(code)}) before the sink had every line`);
      }),
    ]);
    const agentCpuSeconds = agentCpu?.seconds() ?? null;
    const portalCpuSeconds = portalCpu?.seconds() ?? null;
    const peakRss = childRss(child.pid!)?.peak ?? null;
    await interrupt(child, exited);
    const { lines } = await sink.count();
    if (lines !== events) console.log(`  NOTE: the sink counted ${lines} lines, expected ${events}`);
    return {
      seconds: counted.spanSeconds,
      agentCpuSeconds,
      portalCpuSeconds,
      idleRss,
      peakRss,
      sink: counted,
    };
  } finally {
    await interrupt(child, exited);
  }
}

export interface Database {
  /** For `cloudsiem portal --database`. */
  url: string;
  label: string;
  drop(): Promise<void>;
}

/** A throwaway PostgreSQL database (`bench_<random>` beside the tests' `test`), or the reason there is none. */
export async function createPgDatabase(): Promise<Database | { skipped: string }> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    return { skipped: `PostgreSQL at ${TEST_PG_URL} does not answer (${(error as Error).message})` };
  }
  const name = `bench_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    label: 'PostgreSQL',
    async drop() {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
