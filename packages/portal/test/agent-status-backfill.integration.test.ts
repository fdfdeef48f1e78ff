// The agent protocol with a clock the test controls (DESIGN §6, §7), over real HTTP on SQLite and
// PostgreSQL: status after 2 h and 12 h of silence, the 48-hour backfill on first connect and on
// re-enable, cursor acknowledgement and resume, 409/429 answers, heartbeats → notifications.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';

const HOUR = 3600_000;

interface Page {
  events: { id: string }[];
  nextCursor: string;
  hasMore: boolean;
}

describe.each(await storeTargets())('agent protocol on $name', (target) => {
  let portal: TestPortal;
  beforeEach(async () => {
    portal = await startTestPortal(target, { settings: { pullRatePerSecond: 1000, pullBurst: 1000 } });
  });
  afterEach(() => portal.close());

  async function addAgent(body: Record<string, unknown> = {}) {
    const created = await portal.api('POST', '/api/v1/siem-agents', {
      body: { name: 'agent', syslog: { host: 'siem.example.com', port: 514 }, ...body },
    });
    expect(created.status).toBe(201);
    return { id: created.body.agent.id as string, token: created.body.token as string };
  }

  async function ingest(prefix: string, n: number, extra: Record<string, unknown> = {}) {
    const records = Array.from({ length: n }, (_, i) => ({
      id: `${prefix}-${i}`,
      timestamp: portal.clock.now() - 1000,
      category: 'EVENT_CATEGORY_LOGIN',
      action: 'Log on',
      user: `${prefix}@contoso.com`,
      ...extra,
    }));
    const answer = await portal.api('POST', '/api/v1/ingest/activities', { body: records });
    expect(answer.body.accepted).toBe(n);
    return records.map((r) => r.id);
  }

  async function pull(token: string, query: string, dataType = 'activities') {
    const answer = await portal.api('GET', `/api/agent/v1/${dataType}?${query}`, { token });
    return answer;
  }

  async function drain(
    token: string,
    cursor?: string,
    limit = 1000,
  ): Promise<{ ids: string[]; cursor: string }> {
    const ids: string[] = [];
    let next = cursor;
    for (;;) {
      const answer = await pull(token, `limit=${limit}${next === undefined ? '' : `&cursor=${next}`}`);
      expect(answer.status).toBe(200);
      const page = answer.body as Page;
      ids.push(...page.events.map((e) => e.id));
      next = page.nextCursor;
      if (!page.hasMore) return { ids, cursor: next };
    }
  }

  async function status(id: string): Promise<string> {
    return (await portal.api('GET', `/api/v1/siem-agents/${id}`)).body.status;
  }

  it('is Created until first contact, Connected, Connection error after 2 h, Disconnected after 12 h', async () => {
    const agent = await addAgent();
    expect(await status(agent.id)).toBe('created');
    expect((await portal.api('GET', '/api/agent/v1/config', { token: agent.token })).status).toBe(200);
    expect(await status(agent.id)).toBe('connected');
    portal.clock.advance(2 * HOUR);
    expect(await status(agent.id)).toBe('connected');
    portal.clock.advance(1);
    expect(await status(agent.id)).toBe('connection-error');
    portal.clock.advance(10 * HOUR - 1); // exactly 12 h of silence
    expect(await status(agent.id)).toBe('connection-error');
    portal.clock.advance(1);
    expect(await status(agent.id)).toBe('disconnected');
    await portal.api('GET', '/api/agent/v1/config', { token: agent.token });
    expect(await status(agent.id)).toBe('connected');
  });

  it('backfills 48 hours on first connect and again after re-enable, and never resumes further back', async () => {
    await ingest('72h', 2);
    portal.clock.advance(25 * HOUR);
    const at47 = await ingest('47h', 3);
    portal.clock.advance(47 * HOUR);
    const now = await ingest('now', 2);
    const agent = await addAgent();

    const first = await drain(agent.token);
    expect(first.ids).toEqual([...at47, ...now]);

    // Disabled: no data, and the config says so.
    expect((await portal.api('POST', `/api/v1/siem-agents/${agent.id}/disable`)).status).toBe(200);
    expect((await pull(agent.token, 'limit=10')).body.error.code).toBe('AGENT_DISABLED');
    expect((await pull(agent.token, 'limit=10')).status).toBe(409);
    expect((await portal.api('GET', '/api/agent/v1/config', { token: agent.token })).body.enabled).toBe(
      false,
    );
    portal.clock.advance(24 * HOUR);
    const whileDisabled = await ingest('disabled', 2);
    expect((await portal.api('POST', `/api/v1/siem-agents/${agent.id}/enable`)).status).toBe(200);
    // The cursor from before the re-enable is stale: ignored, and the 48 h window is backfilled.
    const again = await drain(agent.token, first.cursor);
    expect(again.ids).toEqual([...now, ...whileDisabled]);

    // Five days of silence: it resumes at most 48 hours back.
    portal.clock.advance(3 * 24 * HOUR);
    const recent = await ingest('recent', 1);
    portal.clock.advance(47 * HOUR);
    const latest = await ingest('latest', 1);
    const resumed = await drain(agent.token);
    expect(resumed.ids).toEqual([...recent, ...latest]);
  });

  it('acknowledges with the cursor, resumes from the committed position, and re-delivers what was not acknowledged', async () => {
    const ids = await ingest('a', 25);
    const agent = await addAgent();
    const page1 = (await pull(agent.token, 'limit=10')).body as Page;
    expect(page1.events.map((e) => e.id)).toEqual(ids.slice(0, 10));
    expect(page1.hasMore).toBe(true);
    const page2 = (await pull(agent.token, `limit=10&cursor=${page1.nextCursor}`)).body as Page;
    expect(page2.events.map((e) => e.id)).toEqual(ids.slice(10, 20));
    // The agent restarts before acknowledging page 2: it gets page 2 again (at-least-once).
    const restarted = (await pull(agent.token, 'limit=10')).body as Page;
    expect(restarted.events.map((e) => e.id)).toEqual(ids.slice(10, 20));
    const last = (await pull(agent.token, `limit=10&cursor=${restarted.nextCursor}`)).body as Page;
    expect(last.events.map((e) => e.id)).toEqual(ids.slice(20));
    expect(last.hasMore).toBe(false);
    // Acknowledge everything; nothing more until new events arrive, then exactly those.
    const empty = (await pull(agent.token, `limit=10&cursor=${last.nextCursor}`)).body as Page;
    expect(empty.events).toEqual([]);
    const more = await ingest('b', 2);
    expect((await drain(agent.token, empty.nextCursor)).ids).toEqual(more);
  });

  it('applies the data type filter and pulls alerts the same way', async () => {
    await ingest('box', 3, { appName: 'Box' });
    const github = await ingest('gh', 2, { appName: 'GitHub' });
    await portal.api('POST', '/api/v1/ingest/alerts', {
      body: [
        { id: 'al-1', timestamp: 1, type: 'ALERT_X', policyName: 'p', severity: 'low', source: 'identity' },
        { id: 'al-2', timestamp: 2, type: 'ALERT_X', policyName: 'p', severity: 'high' },
      ],
    });
    const agent = await addAgent({
      dataTypes: {
        activities: { enabled: true, filter: { appName: { eq: ['GitHub'] } } },
        alerts: { enabled: true, filter: { source: { neq: ['identity'] } } },
      },
    });
    expect((await drain(agent.token)).ids).toEqual(github);
    const alerts = (await pull(agent.token, 'limit=10', 'alerts')).body as Page;
    expect(alerts.events.map((e) => e.id)).toEqual(['al-2']);
  });

  it('answers DATA_TYPE_DISABLED, CURSOR_INVALID and RATE_LIMITED with Retry-After', async () => {
    await ingest('x', 1);
    const agent = await addAgent({ dataTypes: { alerts: { enabled: false, filter: null } } });
    const off = await pull(agent.token, 'limit=5', 'alerts');
    expect([off.status, off.body.error.code]).toEqual([409, 'DATA_TYPE_DISABLED']);
    for (const cursor of ['garbage', 'c1.1.999999']) {
      const bad = await pull(agent.token, `cursor=${cursor}`);
      expect([bad.status, bad.body.error.code]).toEqual([400, 'CURSOR_INVALID']);
    }
    const tooBig = await pull(agent.token, 'limit=100000');
    expect([tooBig.status, tooBig.body.error.code]).toEqual([400, 'BAD_REQUEST']);

    const slow = await startTestPortal(target, { settings: { pullRatePerSecond: 1, pullBurst: 2 } });
    try {
      const created = await slow.api('POST', '/api/v1/siem-agents', {
        body: { name: 'slow', syslog: { host: 'siem.example.com', port: 514 } },
      });
      const token = created.body.token as string;
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<TestPortal['api']>> | undefined;
      for (let i = 0; i < 3; i += 1) {
        const answer = await slow.api('GET', '/api/agent/v1/activities?limit=1', { token });
        statuses.push(answer.status);
        if (answer.status === 429) limited = answer;
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(limited?.body.error.code).toBe('RATE_LIMITED');
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      slow.clock.advance(1000);
      expect((await slow.api('GET', '/api/agent/v1/activities?limit=1', { token })).status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('turns reported errors into notifications that count repeats and resolve when no longer reported', async () => {
    const agent = await addAgent();
    const heartbeat = (errors: { code: string; message: string }[]) =>
      portal.api('POST', '/api/agent/v1/heartbeat', {
        token: agent.token,
        body: {
          version: '0.1.0',
          host: 'siem-agent-01',
          startedAt: portal.clock.now(),
          syslog: {
            state: errors.length > 0 ? 'disconnected' : 'connected',
            target: 'tcp://siem.example.com:514',
          },
          errors,
        },
      });
    const down = {
      code: 'SYSLOG_CONNECT',
      message: 'cannot connect to syslog server siem.example.com:514: refused',
    };
    expect((await heartbeat([down])).status).toBe(204);
    portal.clock.advance(60_000);
    expect((await heartbeat([down])).status).toBe(204);
    let shown = (await portal.api('GET', `/api/v1/siem-agents/${agent.id}`)).body;
    expect(shown.lastHeartbeat).toMatchObject({ host: 'siem-agent-01', version: '0.1.0' });
    expect(shown.notifications).toHaveLength(1);
    expect(shown.notifications[0]).toMatchObject({ code: 'SYSLOG_CONNECT', count: 2, resolvedAt: null });
    portal.clock.advance(60_000);
    await heartbeat([]);
    shown = (await portal.api('GET', `/api/v1/siem-agents/${agent.id}`)).body;
    expect(shown.notifications[0].resolvedAt).toBe(portal.clock.now());

    const invalid = await portal.api('POST', '/api/agent/v1/heartbeat', {
      token: agent.token,
      body: { version: 1 },
    });
    expect([invalid.status, invalid.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    const history = await portal.api('GET', `/api/v1/siem-agents/${agent.id}/heartbeats?since=0`);
    expect(history.body.data).toHaveLength(3);
  });
});
