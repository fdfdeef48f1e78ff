// The whole path: a real portal (`cloudsiem portal` on a temporary SQLite file, a CHILD process)
// holding a backlog of activities ingested through the admin API before the clock starts, SIEM
// agents created through the admin API, and the real agent draining the backlog over HTTP into a
// counting TCP sink (another child) — twice: startAgent + createPortalClient in this process (GC
// pauses, RSS sampled, CPU profile), then the shipped `cloudsiem agent` as a child (its own CPU
// and peak RSS, read from /proc). The portal is restarted after the ingest, so its CPU and RSS
// are those of serving. Reports events/s, agent CPU seconds per million events and peak RSS,
// portal CPU seconds per million. The in-process RSS starts from whatever this process held
// before (run agent-path alone to read it); the `cloudsiem agent` child's RSS is its own. Targets: at least 43,000 events/s; agent peak RSS under 150 MB.
// BENCH_EVENTS sets the backlog (default 1,000,000); BENCH_PAGE_SIZE the in-process agent's page
// (default the agent's, 1,000); BENCH_AGENT_CLI and BENCH_AGENT_NODE_FLAGS run another build of
// `cloudsiem agent` or add node flags to it; BENCH_PROFILE=1 adds a CPU profile run of the agent in
// this process and of the portal (BENCH_PROFILE_DIR keeps the profiles).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPortalClient, DEFAULT_PAGE_SIZE, startAgent } from '@cloudsiem/agent';
import type { SiemAgentWithToken } from '@cloudsiem/protocol';
import { activityFile, type ActivityFile } from './activity-file.ts';
import {
  benchLogger,
  continuation,
  eventsPerSecond,
  measureAgent,
  perMillion,
  printAgentRun,
  timedClient,
} from './agent-run.ts';
import { startCountingSink, type CountingSink } from './counting-sink.ts';
import {
  keepProfile,
  PROFILING,
  printProfile,
  profileCpu,
  readProfileDir,
  summarizeProfile,
} from './cpu-profile.ts';
import { childCpu, childRss, mb } from './process-stats.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const INGEST_BATCH = 5000;
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? DEFAULT_PAGE_SIZE);
const TARGET_EVENTS_PER_S = 43_000;
const TARGET_AGENT_RSS_BYTES = 150e6;
const CLI = fileURLToPath(new URL('../packages/cli/bin/cloudsiem.js', import.meta.url));
const PASSWORD = 'bench: correct horse battery staple';
const AGENT_NODE_FLAGS = (process.env.BENCH_AGENT_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');

interface PortalProcess {
  url: string;
  pid: number;
  /** The first admin's login, printed by the first start only. */
  firstAdmin: { email: string; password: string } | null;
  /** SIGINT, as a supervisor stops it; resolves when it has exited (and written its profile). */
  stop(): Promise<void>;
}

/** Calls `onLine` with each line the child writes to stdout, then `afterWrite` once a write is read. */
function readLines(child: ChildProcess, onLine: (line: string) => void, afterWrite?: () => void): void {
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
function showErrors(who: string, line: string): void {
  if (/"level":(50|60)/.test(line)) console.error(`  ${who}: ${line}`);
}

/** SIGINT, as a supervisor stops it; resolves when it has exited. */
async function interrupt(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  await exited;
}

/** `cloudsiem portal` on the SQLite file; resolves once it prints its banner. */
async function startPortalProcess(database: string, nodeFlags: string[] = []): Promise<PortalProcess> {
  const child = spawn(
    process.execPath,
    [...nodeFlags, CLI, 'portal', '--database', `sqlite:${database}`, '--port', '0', '--retention-days', '0'],
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

async function api<T>(
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
async function adminToken(portal: PortalProcess): Promise<string> {
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
// start with its garbage: the file through the API, BATCH lines a request, NDJSON bytes as stored.
const INGEST = `
const fs = require('node:fs');
const [path, url, token, batch] = process.argv.slice(1);
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
  let lines = 0;
  let rest = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let lf = data.indexOf(10); lf !== -1; lf = data.indexOf(10, lf + 1)) {
      if (++lines < Number(batch)) continue;
      parts.push(data.subarray(start, lf + 1));
      accepted += await post(parts);
      parts = [];
      lines = 0;
      start = lf + 1;
    }
    if (lines > 0) parts.push(data.subarray(start, data.lastIndexOf(10) + 1));
    rest = data.subarray(data.lastIndexOf(10) + 1);
  }
  if (lines > 0) accepted += await post(parts);
  process.send({ accepted });
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

async function ingest(portal: PortalProcess, token: string, file: ActivityFile): Promise<number> {
  const child = spawn(process.execPath, ['-e', INGEST, file.path, portal.url, token, String(INGEST_BATCH)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const answer = once(child, 'message') as Promise<[{ accepted: number }]>;
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`the ingest client failed (exit code ${String(code)})`);
  return (await answer)[0].accepted;
}

/** A SIEM agent for activities only, sending to the sink in the benchmarks' CEF format. */
async function createAgent(
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

/** The backlog drained by a new agent in this process (it backfills from the first event). */
async function drainInProcess(
  portal: PortalProcess,
  adminApiToken: string,
  sink: CountingSink,
  name: string,
) {
  const { token } = await createAgent(portal, adminApiToken, sink, name);
  const client = timedClient(
    createPortalClient({ portalUrl: portal.url, token, userAgent: 'cloudsiem-bench' }),
  );
  const portalCpu = childCpu(portal.pid);
  let portalCpuSeconds: number | null = null;
  const run = await measureAgent(
    sink,
    EVENTS,
    () => startAgent({ client, logger: benchLogger, pageSize: PAGE_SIZE, hostName: 'siem-agent-01' }),
    () => (portalCpuSeconds = portalCpu?.seconds() ?? null),
  );
  return { run, pullSeconds: client.pullSeconds, portalCpuSeconds: portalCpuSeconds as number | null };
}

/**
 * The backlog drained by the shipped `cloudsiem agent` (its defaults: pages of 5,000, pino logs)
 * in a child. The agent is created disabled and enabled once the process has read its config, so
 * the clock and the CPU meters leave out the start (loading and compiling the TypeScript).
 */
async function drainWithCli(portal: PortalProcess, adminApiToken: string, sink: CountingSink, name: string) {
  const { id, token } = await createAgent(portal, adminApiToken, sink, name, false);
  const command = [
    ...AGENT_NODE_FLAGS,
    process.env.BENCH_AGENT_CLI ?? CLI,
    'agent',
    '--portal-url',
    portal.url,
  ];
  const child = spawn(process.execPath, command, {
    env: { ...process.env, CLOUDSIEM_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    const { done } = await sink.expect(EVENTS);
    const agentCpu = childCpu(child.pid!);
    const portalCpu = childCpu(portal.pid);
    const started = process.hrtime.bigint();
    await api(portal.url, 'POST', `/siem-agents/${id}/enable`, { token: adminApiToken });
    await done;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const agentCpuSeconds = agentCpu?.seconds() ?? null;
    const portalCpuSeconds = portalCpu?.seconds() ?? null;
    const peakRss = childRss(child.pid!)?.peak ?? null;
    await interrupt(child, exited);
    const { lines } = await sink.count();
    if (lines !== EVENTS) console.log(`  NOTE: the sink counted ${lines} lines, expected ${EVENTS}`);
    return { seconds, agentCpuSeconds, portalCpuSeconds, idleRss, peakRss };
  } finally {
    await interrupt(child, exited);
  }
}

const f = (n: number) => Math.round(n).toLocaleString('en-US');

const met = (ok: boolean) => (ok ? 'met' : 'not met');
const cpuText = (seconds: number | null) =>
  seconds === null ? 'CPU not measured (no /proc)' : `${perMillion(seconds, EVENTS)} CPU-s/M events`;

export async function run(): Promise<void> {
  const file = await activityFile(EVENTS);
  const directory = mkdtempSync(join(tmpdir(), 'cloudsiem-bench-path-'));
  const database = join(directory, 'portal.db');
  const sink = await startCountingSink();
  let portal: PortalProcess | undefined;
  try {
    portal = await startPortalProcess(database);
    const token = await adminToken(portal);
    const started = process.hrtime.bigint();
    const accepted = await ingest(portal, token, file);
    const ingestSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (accepted !== EVENTS) throw new Error(`the portal accepted ${accepted} of ${EVENTS} activities`);
    console.log(
      `backlog: ${f(EVENTS)} activities (${f(file.bytes / EVENTS)} bytes of JSON each) ingested through the API in batches of ` +
        `${f(INGEST_BATCH)} in ${ingestSeconds.toFixed(1)} s (${f(EVENTS / ingestSeconds)}/s, not part of the path); ` +
        `SQLite file ${mb(statSync(database).size)}`,
    );
    await portal.stop();
    portal = await startPortalProcess(database);

    const inProcess = await drainInProcess(portal, token, sink, 'bench drain');
    const rate = eventsPerSecond(inProcess.run);
    const label = `agent in this process, pages of ${f(PAGE_SIZE)}:`;
    printAgentRun(label, inProcess.run);
    const pullShare = inProcess.pullSeconds / inProcess.run.seconds;
    console.log(
      `  ${continuation(label)}waiting for pulls (HTTP round trip: portal, transfer, body, JSON.parse) ` +
        `${(pullShare * 100).toFixed(0)} % of the wall time, the rest (encode-cef, syslog sink, loop) ${((1 - pullShare) * 100).toFixed(0)} %`,
    );
    console.log(
      `  portal: ${cpuText(inProcess.portalCpuSeconds)}` +
        (inProcess.portalCpuSeconds === null
          ? ''
          : `, busy ${((inProcess.portalCpuSeconds / inProcess.run.seconds) * 100).toFixed(0)} % of the wall time`),
    );

    const cli = await drainWithCli(portal, token, sink, 'bench drain, cloudsiem agent');
    const cliRate = EVENTS / cli.seconds;
    const build = [...AGENT_NODE_FLAGS, process.env.BENCH_AGENT_CLI ?? ''].filter((x) => x !== '').join(' ');
    console.log(
      `  cloudsiem agent (child, its defaults${build === '' ? '' : `; ${build}`}): ${f(cliRate)} events/s (${cli.seconds.toFixed(1)} s), ${cpuText(cli.agentCpuSeconds)}, ` +
        `peak RSS ${cli.peakRss === null ? '(no /proc)' : mb(cli.peakRss)} (${cli.idleRss === null ? '?' : mb(cli.idleRss)} idle before the drain)`,
    );
    const portalRss = childRss(portal.pid);
    console.log(
      `  portal: ${cpuText(cli.portalCpuSeconds)}${portalRss === null ? '' : `; peak RSS over both drains ${mb(portalRss.peak)}`}`,
    );
    console.log(
      `  target >= ${f(TARGET_EVENTS_PER_S)} events/s: in process ${met(rate >= TARGET_EVENTS_PER_S)}, ` +
        `cloudsiem agent ${met(cliRate >= TARGET_EVENTS_PER_S)}; target agent peak RSS < ${mb(TARGET_AGENT_RSS_BYTES)}: ` +
        `in process ${met(inProcess.run.peak.rss < TARGET_AGENT_RSS_BYTES)}, ` +
        `cloudsiem agent ${cli.peakRss === null ? 'not measured' : met(cli.peakRss < TARGET_AGENT_RSS_BYTES)}`,
    );

    if (PROFILING) {
      await portal.stop();
      const profiles = join(directory, 'profiles');
      portal = await startPortalProcess(database, ['--cpu-prof', `--cpu-prof-dir=${profiles}`]);
      const { result, profile } = await profileCpu(() =>
        drainInProcess(portal!, token, sink, 'bench drain, profiled'),
      );
      await portal.stop();
      console.log(`  profiled run: ${f(eventsPerSecond(result.run))} events/s`);
      keepProfile('agent-path-agent', profile);
      printProfile('agent process', summarizeProfile(profile), EVENTS);
      const portalProfile = readProfileDir(profiles);
      if (portalProfile !== null) {
        keepProfile('agent-path-portal', portalProfile);
        printProfile('portal process (its start included)', summarizeProfile(portalProfile), EVENTS);
      }
    }
  } finally {
    await portal?.stop();
    await sink.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
