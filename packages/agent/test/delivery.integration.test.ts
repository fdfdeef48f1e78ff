// The agent's delivery promise at the SIEM hop (DESIGN §5, §6; docs/RELIABILITY.md), in-process
// against a real portal (SQLite) and real receivers: a receiver killed while it was not reading
// (the bytes in its buffers die with it) still gets everything after its restart; a target switch
// away from a hung SIEM sends everything to the new one; a SIEM that is back is found on a backoff
// capped at 2 s; and UDP truncation is counted and logged.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decode } from '@cloudsiem/cef';
import {
  activityRecords,
  startTestPortal,
  storeTargets,
  type TestPortal,
} from '@cloudsiem/portal/test-support';
import { startReceiver, type Receiver } from '@cloudsiem/syslog';
import { rawServer, waitUntilStable } from '../../syslog/src/test-support.ts';
import { Child } from '../../../test/support/child.ts';
import { waitFor } from '../../../test/support/wait.ts';
import { createPortalClient, startAgent, type AgentOptions, type RunningAgent } from '../src/index.ts';

const [sqlite] = await storeTargets();
const CLI = resolve(import.meta.dirname, '../../cli/bin/cloudsiem.js');

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

function recordingLogger() {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (fields: object, msg: string): void =>
      void lines.push({ level, msg, fields: fields as Record<string, unknown> });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const idOf = (line: string) => decode(line).extension.externalId;

/** `cloudsiem receive` in a child process, appending every message to `file`: a SIEM we can SIGSTOP and SIGKILL. */
async function childReceiver(file: string, port = 0): Promise<{ child: Child; port: number }> {
  const child = new Child(process.execPath, [
    CLI,
    'receive',
    '--protocol',
    'tcp',
    '--port',
    String(port),
    '--output',
    file,
  ]);
  await waitFor(
    () => /listening on 127\.0\.0\.1:\d+/.test(child.stderr) || !child.running,
    'receive',
    60_000,
  );
  const match = /listening on 127\.0\.0\.1:(\d+)/.exec(child.stderr);
  if (match === null) throw new Error(`cloudsiem receive did not start: ${child.output}`);
  return { child, port: Number(match[1]) };
}

describe('agent delivery at the SIEM hop', () => {
  let portal: TestPortal;
  const agents: RunningAgent[] = [];
  const cleanups: (() => Promise<unknown> | void)[] = [];

  beforeEach(async () => {
    portal = await startTestPortal(sqlite!, { settings: { pullRatePerSecond: 1000, pullBurst: 1000 } });
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await portal.close();
  });

  // Agent names are unique (without case) in a portal.
  let agentsAdded = 0;
  async function addAgent(syslog: Record<string, unknown>) {
    const created = await portal.api('POST', '/api/v1/siem-agents', {
      body: {
        name: `siem ${++agentsAdded}`,
        syslog: { host: '127.0.0.1', ...syslog },
        dataTypes: { alerts: { enabled: false } },
      },
    });
    expect(created.status, created.text).toBe(201);
    return { id: created.body.agent.id as string, token: created.body.token as string };
  }

  function run(token: string, options: Partial<AgentOptions> = {}): RunningAgent {
    const agent = startAgent({
      client: createPortalClient({ portalUrl: portal.url, token, userAgent: 'test' }),
      logger: recordingLogger().logger,
      idlePollMs: 50,
      configWaitS: 1,
      portalBackoff: { initialDelayMs: 10, maxDelayMs: 200 },
      pageSize: 200,
      ...options,
    });
    agents.push(agent);
    return agent;
  }

  /** `n` activities of about 1.2 kB each (the size of real CEF lines). */
  async function ingest(prefix: string, n: number): Promise<string[]> {
    const records = activityRecords(prefix, n, portal.clock.now() - 1000, () => ({
      description: 'padding '.repeat(120),
    }));
    for (let i = 0; i < n; i += 5000) {
      const answer = await portal.api('POST', '/api/v1/ingest/activities', {
        body: records.slice(i, i + 5000),
      });
      expect(answer.body.accepted, answer.text).toBe(Math.min(5000, n - i));
    }
    return records.map((r) => r.id);
  }

  it('re-sends what a receiver killed while stalled had not read: everything arrives after its restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-delivery-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'received.log');
    const received = () =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.endsWith(' c6a1='))
        .map(idOf);
    let siem = await childReceiver(file);
    cleanups.push(() => siem.child.kill());
    const { token } = await addAgent({ port: siem.port });
    const before = await ingest('before', 300);
    const agent = run(token);
    await waitFor(() => received().length >= 300, 'the first events', 30_000);

    // The SIEM stops reading (SIGSTOP); the agent keeps writing into the kernel's buffers.
    process.kill(siem.child.process.pid!, 'SIGSTOP');
    const during = await ingest('during', 4000);
    // Until its buffers are full (or it took everything): then for well over the old 1 s window.
    await waitUntilStable(() => agent.stats().activities.eventsSent, 1500);
    expect(agent.stats().activities.eventsSent).toBeGreaterThan(300);
    const readBeforeKill = received().length;
    expect(readBeforeKill, 'the stalled receiver did not read everything').toBeLessThan(4300);
    await siem.child.kill();
    siem = await childReceiver(file, siem.port);

    const all = [...before, ...during];
    await waitFor(() => new Set(received()).size >= all.length, 'every event after the restart', 60_000);
    expect(new Set(received())).toEqual(new Set(all));
    const stats = agent.stats();
    expect(stats.activities.rewinds).toBeGreaterThanOrEqual(1);
    expect(stats.activities.eventsReplayed).toBeGreaterThan(0);
    // What was sent again is bounded by what that connection carried.
    expect(stats.activities.eventsReplayed).toBeLessThanOrEqual(4300);
  }, 120_000);

  it('switching the target away from a hung SIEM sends everything it did not confirm to the new one', async () => {
    // A SIEM that accepts the connection and never reads.
    const hung = await rawServer((socket) => socket.pause());
    cleanups.push(() => hung.close());
    const lines: string[] = [];
    const second: Receiver = await startReceiver({
      protocol: 'tcp',
      port: 0,
      onMessage: (m) => lines.push(m),
    });
    cleanups.push(() => second.close());
    const { id, token } = await addAgent({ port: hung.port });
    const { lines: log, logger } = recordingLogger();
    const agent = run(token, { logger, syslogCloseTimeoutMs: 500 });
    const ids = await ingest('switch', 3000);
    // Blocked on the hung SIEM: its buffers are full, the page in flight waits.
    await waitFor(() => agent.stats().activities.eventsSent > 0, 'writes into the hung SIEM', 30_000);

    const edit = await portal.api('PATCH', `/api/v1/siem-agents/${id}`, {
      body: { syslog: { port: second.port } },
    });
    expect(edit.status, edit.text).toBe(200);
    await waitFor(() => new Set(lines.map(idOf)).size >= ids.length, 'every event at the new SIEM', 60_000);
    expect(new Set(lines.map(idOf))).toEqual(new Set(ids));
    expect(agent.stats().syslog.target).toBe(`127.0.0.1:${second.port} (tcp)`);
    expect(agent.stats().activities.rewinds).toBeGreaterThanOrEqual(1);
    // Abandoning the hung connection is said once, with what it puts at risk.
    const abandoned = log.filter((l) => l.msg.startsWith('Abandoned the syslog connection'));
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]).toMatchObject({
      level: 'warn',
      fields: { syslog: `127.0.0.1:${hung.port} (tcp)`, reason: 'close() timed out after 500 ms' },
    });
    expect(abandoned[0]!.fields.resendBytes).toBeGreaterThan(0);
  }, 120_000);

  it('looks for a SIEM that is down on a backoff capped at 2 s, and delivers as soon as it is back', async () => {
    const first = await startReceiver({ protocol: 'tcp', port: 0, onMessage: () => {} });
    const port = first.port;
    await first.close();
    const { token } = await addAgent({ port });
    const { lines: log, logger } = recordingLogger();
    // The defaults: no syslogReconnect given.
    const agent = run(token, { logger });
    const ids = await ingest('down', 10);
    const retries = () => log.filter((l) => l.msg === 'Syslog server unreachable; retrying');
    await waitFor(() => retries().length >= 9, 'nine reconnect attempts', 60_000);
    expect(agent.stats().syslog.state).not.toBe('connected');
    const delays = retries().map((l) => l.fields.delayMs as number);
    // 100 ms doubling, full jitter: attempt n waits under min(2000, 100·2^(n-1)) — never the old 30 s.
    delays.forEach((delay, i) =>
      expect(delay, `attempt ${i + 1}`).toBeLessThan(Math.min(2000, 100 * 2 ** i)),
    );

    const lines: string[] = [];
    const back = await startReceiver({ protocol: 'tcp', port, onMessage: (m) => lines.push(m) });
    cleanups.push(() => back.close());
    await waitFor(() => lines.length >= 10, 'the events held back', 30_000);
    expect(lines.map(idOf)).toEqual(ids);
    expect(agent.stats().syslog.state).toBe('connected');
  }, 120_000);

  it('counts UDP datagrams and the lines cut to udpMaxBytes, and says so in the log', async () => {
    const datagrams: string[] = [];
    const siem = await startReceiver({ protocol: 'udp', port: 0, onMessage: (m) => datagrams.push(m) });
    cleanups.push(() => siem.close());
    const { token } = await addAgent({ port: siem.port, protocol: 'udp', udpMaxBytes: 600 });
    const { lines: log, logger } = recordingLogger();
    const agent = run(token, { logger });
    // 1.2 kB lines: every one is cut.
    await ingest('udp', 20);
    await waitFor(() => agent.stats().activities.eventsSent >= 20, 'the datagrams', 30_000);
    expect(agent.stats()).toMatchObject({ syslogDatagramsSent: 20, syslogDatagramsTruncated: 20 });
    const warned = log.filter((l) => /^\d+ lines were truncated to udpMaxBytes \(600 bytes\)$/.test(l.msg));
    // Throttled: one line (the page of 20), the next no sooner than a minute later.
    expect(warned).toHaveLength(1);
    expect(warned[0]!.msg).toBe('20 lines were truncated to udpMaxBytes (600 bytes)');
    expect(warned[0]!.fields).toMatchObject({ udpMaxBytes: 600 });
    await waitFor(() => datagrams.length >= 1, 'a datagram');
    expect(Buffer.byteLength(datagrams[0]!)).toBeLessThanOrEqual(600);
  }, 60_000);
});
