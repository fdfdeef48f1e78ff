// The agent in-process against a real portal (SQLite, loopback HTTP) and a real syslog receiver:
// exactly-once delivery with acknowledgement on stop, a SIEM that is down becoming a portal
// notification and then catching up, disable/enable, format edits, and a rate-limited portal.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decode } from '@cloudsiem/cef';
import {
  activityRecords,
  startTestPortal,
  storeTargets,
  type TestPortal,
} from '@cloudsiem/portal/test-support';
import { startReceiver, type Receiver } from '@cloudsiem/syslog';
import { waitFor } from '../../../test/support/wait.ts';
import { createPortalClient, startAgent, type RunningAgent } from '../src/index.ts';
import type { PortalClient } from '../src/source/portal-client.ts';

const [sqlite] = await storeTargets();
const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface Siem {
  lines: string[];
  receiver: Receiver;
}

async function siem(port = 0): Promise<Siem> {
  const lines: string[] = [];
  const receiver = await startReceiver({ protocol: 'tcp', port, onMessage: (m) => lines.push(m) });
  return { lines, receiver };
}

const externalIds = (lines: string[]) => lines.map((line) => decode(line).extension.externalId);

describe('agent against a real portal and receiver', () => {
  let portal: TestPortal;
  let target: Siem;
  const agents: RunningAgent[] = [];

  beforeEach(async () => {
    portal = await startTestPortal(sqlite!, { settings: { pullRatePerSecond: 1000, pullBurst: 1000 } });
    target = await siem();
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await target.receiver.close();
    await portal.close();
  });

  // Agent names are unique (without case) in a portal.
  let agentsAdded = 0;
  async function addAgent(body: Record<string, unknown> = {}) {
    const created = await portal.api('POST', '/api/v1/siem-agents', {
      body: {
        name: `siem ${++agentsAdded}`,
        syslog: { host: '127.0.0.1', port: target.receiver.port },
        ...body,
      },
    });
    expect(created.status, created.text).toBe(201);
    return { id: created.body.agent.id as string, token: created.body.token as string };
  }

  function run(
    token: string,
    options: { pageSize?: number; idlePollMs?: number; client?: PortalClient } = {},
  ): RunningAgent {
    const agent = startAgent({
      client: createPortalClient({ portalUrl: portal.url, token, userAgent: 'test' }),
      logger: silent,
      idlePollMs: 50,
      configWaitS: 1,
      portalBackoff: { initialDelayMs: 10, maxDelayMs: 200 },
      syslogReconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      ...options,
    });
    agents.push(agent);
    return agent;
  }

  async function ingest(prefix: string, n: number): Promise<string[]> {
    const records = activityRecords(prefix, n, portal.clock.now() - 1000, (i) => ({
      appName: i % 2 === 0 ? 'Box' : 'Salesforce',
    }));
    const answer = await portal.api('POST', '/api/v1/ingest/activities', { body: records });
    expect(answer.body.accepted, answer.text).toBe(n);
    return records.map((r) => r.id);
  }

  it('delivers a backlog and live events exactly once, and a restart after stop() sends nothing twice', async () => {
    const { token } = await addAgent({ dataTypes: { alerts: { enabled: false } } });
    const backlog = await ingest('backlog', 250);
    const first = run(token, { pageSize: 40 });
    await waitFor(() => target.lines.length >= 250, 'the backlog');
    const live = await ingest('live', 30);
    await waitFor(() => target.lines.length >= 280, 'the live events');
    await first.stop();
    expect(first.stats().activities).toMatchObject({ eventsSent: 280, eventsDropped: 0 });

    const more = await ingest('after', 10);
    run(token, { pageSize: 40 });
    await waitFor(() => target.lines.length >= 290, 'the events ingested while it was stopped');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(externalIds(target.lines)).toEqual([...backlog, ...live, ...more]);
  });

  it('acknowledges the last pages on a clean stop with ack and limit=0, reading nothing', async () => {
    const { token } = await addAgent({ dataTypes: { alerts: { enabled: false } } });
    const backlog = await ingest('backlog', 100);
    const client = createPortalClient({ portalUrl: portal.url, token, userAgent: 'test' });
    const pulls: Parameters<PortalClient['pull']>[1][] = [];
    const spy: PortalClient = {
      ...client,
      pull: (dataType, options) => {
        pulls.push(options);
        return client.pull(dataType, options);
      },
    };
    // Caught up, it would acknowledge the last page with its next pull, a minute later.
    const agent = run(token, { pageSize: 40, idlePollMs: 60_000, client: spy });
    await waitFor(() => target.lines.length >= 100, 'the backlog');
    // Read ahead: some pull presented an ack that is not its cursor.
    expect(pulls.some((p) => p.ack !== undefined && p.ack !== p.cursor)).toBe(true);
    const before = pulls.length;
    await agent.stop();
    expect(pulls.slice(before)).toMatchObject([{ cursor: undefined, limit: 0 }]);
    expect(pulls.at(-1)?.ack).toMatch(/^c1\./);
    // The portal committed the end: a pull without a cursor reads nothing.
    const after = await portal.api('GET', '/api/agent/v1/activities', { token });
    expect([after.status, after.body.events]).toEqual([200, []]);
    expect(externalIds(target.lines)).toEqual(backlog);
  });

  it('reports an unreachable SIEM as a portal notification, then catches up and resolves it', async () => {
    const port = target.receiver.port;
    await target.receiver.close();
    const { id, token } = await addAgent({ syslog: { host: '127.0.0.1', port } });
    const ids = await ingest('while-down', 20);
    const agent = run(token);
    let notifications: { code: string; message: string; resolvedAt: number | null }[] = [];
    for (let i = 0; i < 100 && !notifications.some((n) => n.code === 'SYSLOG_CONNECT'); i++) {
      notifications = (await portal.api('GET', `/api/v1/siem-agents/${id}`)).body.notifications;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const open = notifications.find((n) => n.code === 'SYSLOG_CONNECT');
    expect(open?.message).toMatch(
      new RegExp(`cannot connect to syslog server 127\\.0\\.0\\.1:${port}: connection refused`),
    );
    expect(agent.stats().syslog.state).not.toBe('connected');

    target = await siem(port);
    await waitFor(() => target.lines.length >= 20, 'the events held back', 15_000);
    expect(externalIds(target.lines).slice(0, 20)).toEqual(ids);
    let resolved = false;
    for (let i = 0; i < 100 && !resolved; i++) {
      const list = (await portal.api('GET', `/api/v1/siem-agents/${id}`)).body
        .notifications as typeof notifications;
      resolved = list.every((n) => n.code !== 'SYSLOG_CONNECT' || n.resolvedAt !== null);
      if (!resolved) await new Promise((r) => setTimeout(r, 100));
    }
    expect(resolved).toBe(true);
  });

  it('follows disable and enable: nothing while disabled, a fresh backfill after', async () => {
    const { id, token } = await addAgent();
    await ingest('before', 5);
    const agent = run(token);
    await waitFor(() => target.lines.length >= 5, 'the first events');
    expect((await portal.api('POST', `/api/v1/siem-agents/${id}/disable`)).status).toBe(200);
    await waitFor(() => !agent.stats().enabled, 'the agent to see it is disabled');
    await ingest('while-disabled', 5);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(target.lines).toHaveLength(5);

    expect((await portal.api('POST', `/api/v1/siem-agents/${id}/enable`)).status).toBe(200);
    // Re-enable backfills the last 48 hours (DESIGN §6): the first five come again, then the rest.
    await waitFor(() => target.lines.length >= 15, 'the backfill after re-enable');
    expect(new Set(externalIds(target.lines)).size).toBe(10);
  });

  it('applies a format edit to the next batch without a restart', async () => {
    const { id, token } = await addAgent();
    await ingest('plain', 1);
    const agent = run(token);
    await waitFor(() => target.lines.length >= 1, 'the first line');
    expect(target.lines[0]).toMatch(/^\S+Z CEF:0\|MCAS\|SIEM_Agent\|/);
    const edit = await portal.api('PATCH', `/api/v1/siem-agents/${id}`, {
      body: { format: { includeSystemName: true, includePri: true, vendor: 'Contoso' } },
    });
    expect(edit.status, edit.text).toBe(200);
    await waitFor(() => agent.stats().configVersion === edit.body.configVersion, 'the new config');
    await ingest('edited', 1);
    await waitFor(() => target.lines.length >= 2, 'the second line');
    expect(target.lines[1]).toMatch(/^<\d+>\S+Z \S+ CEF:0\|Contoso\|SIEM_Agent\|/);
  });

  it('waits out a rate-limited portal (429, Retry-After) and still delivers everything', async () => {
    await portal.close();
    // The limiter refills on the portal's clock: a real one here.
    const clock = { now: () => Date.now(), set() {}, advance() {} };
    portal = await startTestPortal(sqlite!, { clock, settings: { pullRatePerSecond: 20, pullBurst: 2 } });
    const { token } = await addAgent({ dataTypes: { alerts: { enabled: false } } });
    const ids = await ingest('limited', 60);
    const agent = run(token, { pageSize: 5 });
    await waitFor(() => target.lines.length >= 60, 'every event through the rate limit', 20_000);
    expect(agent.stats().pullErrors).toBeGreaterThan(0);
    expect(new Set(externalIds(target.lines))).toEqual(new Set(ids));
  });
});
