// The agent ↔ portal protocol end to end over HTTP (DESIGN §6, §7), on SQLite and PostgreSQL, with
// the portal's fake clock: status from the last contact, the versioned config (ETag/304), the 48 h
// backfill, cursor acknowledgement and resume, filters, the 409/400/429 answers, and heartbeats
// that become agent notifications.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/services/cursor.ts';
import {
  activityRecords,
  startTestPortal,
  storeTargets,
  type ApiAnswer,
  type TestPortal,
} from '../src/test-support.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface Page {
  events: { id: string; createdAt: number }[];
  cursor: string;
  nextCursor: string;
  committed?: string;
  hasMore: boolean;
}

const ids = (page: Page) => page.events.map((e) => e.id);

describe.each(await storeTargets())('agent protocol on $name', (target) => {
  let portal: TestPortal;
  beforeEach(async () => {
    portal = await startTestPortal(target, { settings: { pullRatePerSecond: 10_000, pullBurst: 10_000 } });
  });
  afterEach(() => portal.close());

  // Agent names are unique (without case) in a portal.
  let agentsAdded = 0;
  async function addAgent(body: Record<string, unknown> = {}) {
    const created = await portal.api('POST', '/api/v1/siem-agents', {
      body: {
        name: `siem-${String(++agentsAdded).padStart(2, '0')}`,
        syslog: { host: 'siem.example.com', port: 514 },
        ...body,
      },
    });
    expect(created.status, created.text).toBe(201);
    return { id: created.body.agent.id as string, token: created.body.token as string };
  }

  /** Ingests n activities now (portal clock); returns their ids in ingest order. */
  async function ingest(prefix: string, n: number, extra: Record<string, unknown> = {}): Promise<string[]> {
    const records = activityRecords(prefix, n, portal.clock.now() - 1000, () => extra);
    const answer = await portal.api('POST', '/api/v1/ingest/activities', { body: records });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.accepted).toBe(n);
    return records.map((r) => r.id);
  }

  async function ingestAlerts(prefix: string, sources: string[]): Promise<string[]> {
    const records = sources.map((source, i) => ({
      id: `${prefix}-${i}`,
      timestamp: portal.clock.now() - 1000,
      type: 'ALERT_IMPOSSIBLE_TRAVEL',
      policyName: 'Impossible travel',
      severity: 'high',
      source,
    }));
    const answer = await portal.api('POST', '/api/v1/ingest/alerts', { body: records });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.accepted).toBe(sources.length);
    return records.map((r) => r.id);
  }

  function pull(
    token: string,
    options: { cursor?: string; ack?: string; limit?: number; dataType?: 'activities' | 'alerts' } = {},
  ): Promise<ApiAnswer> {
    const query = new URLSearchParams();
    if (options.cursor !== undefined) query.set('cursor', options.cursor);
    if (options.ack !== undefined) query.set('ack', options.ack);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    return portal.api('GET', `/api/agent/v1/${options.dataType ?? 'activities'}?${query.toString()}`, {
      token,
    });
  }

  async function page(token: string, options: Parameters<typeof pull>[1] = {}): Promise<Page> {
    const answer = await pull(token, options);
    expect(answer.status, answer.text).toBe(200);
    return answer.body as Page;
  }

  /** What an agent does: pull, acknowledging each page with the next pull, until hasMore is false. */
  async function drain(token: string, cursor?: string, limit = 1000) {
    const all: string[] = [];
    let next = cursor;
    for (let i = 0; i < 100; i += 1) {
      const p = await page(token, { ...(next === undefined ? {} : { cursor: next }), limit });
      all.push(...ids(p));
      next = p.nextCursor;
      if (!p.hasMore) return { ids: all, cursor: next };
    }
    throw new Error('hasMore never became false');
  }

  async function shown(id: string) {
    const answer = await portal.api('GET', `/api/v1/siem-agents/${id}`);
    expect(answer.status).toBe(200);
    return answer.body;
  }

  describe('status', () => {
    it('is Created, then Connected, Connection error just past 2 h, Disconnected just past 12 h, Connected again', async () => {
      const agent = await addAgent();
      expect(await shown(agent.id)).toMatchObject({ status: 'created', lastSeenAt: null });

      expect((await portal.api('GET', '/api/agent/v1/config', { token: agent.token })).status).toBe(200);
      const contact = portal.clock.now();
      expect(await shown(agent.id)).toMatchObject({ status: 'connected', lastSeenAt: contact });

      portal.clock.advance(2 * HOUR);
      expect((await shown(agent.id)).status).toBe('connected');
      portal.clock.advance(1);
      expect((await shown(agent.id)).status).toBe('connection-error');
      portal.clock.set(contact + 12 * HOUR);
      expect((await shown(agent.id)).status).toBe('connection-error');
      portal.clock.advance(1);
      expect((await shown(agent.id)).status).toBe('disconnected');
      portal.clock.advance(3 * DAY);
      expect((await shown(agent.id)).status).toBe('disconnected');

      // Any authenticated request is contact, not just the config read.
      expect((await pull(agent.token, { limit: 1 })).status).toBe(200);
      expect(await shown(agent.id)).toMatchObject({ status: 'connected', lastSeenAt: portal.clock.now() });
    });

    it('does not count a request with a wrong token as contact', async () => {
      const agent = await addAgent();
      const forged = `${agent.token.slice(0, -4)}${agent.token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      const answer = await portal.api('GET', '/api/agent/v1/config', { token: forged });
      expect([answer.status, answer.body.error.code]).toEqual([401, 'TOKEN_INVALID']);
      expect((await shown(agent.id)).status).toBe('created');
    });
  });

  describe('config', () => {
    it('answers with the version as ETag, 304 when unchanged, and shows each edit under a new version', async () => {
      const agent = await addAgent();
      const read = (etag?: string) =>
        portal.api('GET', '/api/agent/v1/config', {
          token: agent.token,
          ...(etag === undefined ? {} : { headers: { 'if-none-match': etag } }),
        });

      const first = await read();
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toBe(`"v${first.body.version}"`);
      expect(first.body).toMatchObject({
        agentId: agent.id,
        enabled: true,
        syslog: { host: 'siem.example.com', port: 514 },
        dataTypes: { activities: { enabled: true, filter: null }, alerts: { enabled: true, filter: null } },
        backfillHours: 48,
      });
      const v1 = first.headers.get('etag') ?? '';

      const unchanged = await read(v1);
      expect(unchanged.status).toBe(304);
      expect(unchanged.text).toBe('');
      expect(unchanged.headers.get('etag')).toBe(v1);

      const edits: [Record<string, unknown>, (config: ApiAnswer['body']) => void][] = [
        [
          { syslog: { port: 6514 } },
          (c) => expect(c.syslog).toMatchObject({ host: 'siem.example.com', port: 6514 }),
        ],
        [
          { dataTypes: { alerts: { enabled: false } } },
          (c) => expect(c.dataTypes.alerts.enabled).toBe(false),
        ],
        [
          { dataTypes: { activities: { filter: { appName: { eq: ['GitHub'] } } } } },
          (c) => {
            expect(c.dataTypes.activities).toEqual({
              enabled: true,
              filter: { appName: { eq: ['GitHub'] } },
            });
            // Fields not named in the patch keep their value.
            expect(c.syslog.port).toBe(6514);
            expect(c.dataTypes.alerts.enabled).toBe(false);
          },
        ],
      ];
      let etag = v1;
      let version = first.body.version as number;
      for (const [patch, check] of edits) {
        const edited = await portal.api('PATCH', `/api/v1/siem-agents/${agent.id}`, { body: patch });
        expect(edited.status, edited.text).toBe(200);
        expect(edited.body.configVersion).toBe(version + 1);
        const fresh = await read(etag);
        expect(fresh.status).toBe(200);
        expect(fresh.body.version).toBe(version + 1);
        expect(fresh.headers.get('etag')).toBe(`"v${version + 1}"`);
        expect(fresh.headers.get('etag')).not.toBe(etag);
        check(fresh.body);
        etag = fresh.headers.get('etag') ?? '';
        version += 1;
        expect((await read(etag)).status).toBe(304);
      }

      // Disabling is an edit too: the agent learns it from its config, which it may still read.
      expect((await portal.api('POST', `/api/v1/siem-agents/${agent.id}/disable`)).status).toBe(200);
      const disabled = await read(etag);
      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({ enabled: false, version: version + 1 });
    });
  });

  describe('backfill', () => {
    it('serves what was ingested in the last 48 h on first pull, again after re-enable, and never more', async () => {
      const t72 = await ingest('t-72h', 2);
      portal.clock.advance(25 * HOUR);
      const t47 = await ingest('t-47h', 2);
      portal.clock.advance(47 * HOUR);
      const t0 = await ingest('t', 3);
      const agent = await addAgent();

      const first = await page(agent.token);
      expect(ids(first)).toEqual([...t47, ...t0]);
      expect(ids(first)).not.toContain(t72[0]);
      expect(first.hasMore).toBe(false);
      const ack = await page(agent.token, { cursor: first.nextCursor });
      expect(ack.events).toEqual([]);

      // Disabled: no data; what is ingested meanwhile is still in the window when it comes back.
      expect((await portal.api('POST', `/api/v1/siem-agents/${agent.id}/disable`)).status).toBe(200);
      const refused = await pull(agent.token);
      expect([refused.status, refused.body.error.code]).toEqual([409, 'AGENT_DISABLED']);
      const whileDisabled = await ingest('disabled', 2);
      portal.clock.advance(2 * HOUR); // the T-47h events fall out of the window
      expect((await portal.api('POST', `/api/v1/siem-agents/${agent.id}/enable`)).status).toBe(200);

      // The agent still holds its cursor from before: stale, ignored (not CURSOR_INVALID), and the
      // window is backfilled again, including what it had already acknowledged.
      const again = await pull(agent.token, { cursor: ack.nextCursor });
      expect(again.status, again.text).toBe(200);
      expect(ids(again.body as Page)).toEqual([...t0, ...whileDisabled]);
      // Without a cursor after re-enable: the same backfill start, pinned by the first pull.
      expect(ids(await page(agent.token))).toEqual([...t0, ...whileDisabled]);
      const caughtUp = await drain(agent.token, (again.body as Page).nextCursor);
      expect(caughtUp.ids).toEqual([]);

      // Silent for 5 days, its committed position far behind: it resumes at most 48 h back.
      const old = await ingest('day-0', 2);
      portal.clock.advance(3 * DAY + 1 * HOUR);
      const recent = await ingest('day-3', 2);
      portal.clock.advance(2 * DAY - 1 * HOUR);
      const latest = await ingest('day-5', 1);
      const resumed = await drain(agent.token);
      expect(resumed.ids).toEqual([...recent, ...latest]);
      expect(resumed.ids).not.toContain(old[0]);
    });

    it('includes an event ingested exactly 48 h ago and orders by ingest, not event time', async () => {
      const edge = await ingest('edge', 1);
      portal.clock.advance(48 * HOUR);
      const late = await ingest('late', 2, { timestamp: Date.UTC(2020, 0, 1) });
      const agent = await addAgent();
      const first = await page(agent.token);
      expect(ids(first)).toEqual([...edge, ...late]);
      expect(first.events.every((e) => e.createdAt >= portal.clock.now() - 48 * HOUR)).toBe(true);
    });
  });

  describe('cursor', () => {
    it('pages with limit, resumes from the acknowledged point after a restart, and re-delivers the unacknowledged page', async () => {
      const all = await ingest('a', 23);
      const agent = await addAgent();

      const p1 = await page(agent.token, { limit: 10 });
      expect([ids(p1), p1.hasMore]).toEqual([all.slice(0, 10), true]);
      const p2 = await page(agent.token, { cursor: p1.nextCursor, limit: 10 });
      expect([ids(p2), p2.hasMore]).toEqual([all.slice(10, 20), true]);

      // Restart before page 2 is acknowledged: resume after page 1, so page 2 comes again.
      const restarted = await page(agent.token, { limit: 10 });
      expect(ids(restarted)).toEqual(all.slice(10, 20));
      expect(ids(await page(agent.token, { limit: 10 }))).toEqual(all.slice(10, 20));

      const p3 = await page(agent.token, { cursor: restarted.nextCursor, limit: 10 });
      expect([ids(p3), p3.hasMore]).toEqual([all.slice(20), false]);
      // Passing the same cursor again is harmless: the same page.
      const p3again = await page(agent.token, { cursor: restarted.nextCursor, limit: 10 });
      expect(ids(p3again)).toEqual(all.slice(20));

      // Acknowledged everything: empty, and still empty after a restart.
      const empty = await page(agent.token, { cursor: p3.nextCursor, limit: 10 });
      expect([empty.events, empty.hasMore]).toEqual([[], false]);
      expect((await page(agent.token, { limit: 10 })).events).toEqual([]);

      // A page that ends exactly on the newest event has no more.
      const more = await ingest('b', 4);
      const exact = await page(agent.token, { cursor: empty.nextCursor, limit: 4 });
      expect([ids(exact), exact.hasMore]).toEqual([more, false]);
      const last = await page(agent.token, { cursor: exact.nextCursor, limit: 4 });
      expect(last.events).toEqual([]);
    });

    it('says where each page starts: presenting that cursor later moves the committed position back and reads the page again', async () => {
      const all = await ingest('a', 30);
      const agent = await addAgent();
      // The first pull has no cursor, yet its start is named, so a SIEM that lost it can get it again.
      const p1 = await page(agent.token, { limit: 10 });
      const p2 = await page(agent.token, { cursor: p1.nextCursor, limit: 10 });
      expect(decodeCursor(p2.cursor)?.position).toBe(decodeCursor(p1.nextCursor)?.position);
      const p3 = await page(agent.token, { cursor: p2.nextCursor, limit: 10 });
      expect(ids(p3)).toEqual(all.slice(20));
      const again = await page(agent.token, { cursor: p1.cursor, limit: 10 });
      expect(ids(again)).toEqual(all.slice(0, 10));
      // And the committed position went back with it: a restart resumes after page 1.
      expect(ids(await page(agent.token, { limit: 10 }))).toEqual(all.slice(0, 10));
    });

    it('reads ahead with ack: the cursor is read from but not committed, the ack is', async () => {
      const all = await ingest('a', 30);
      const agent = await addAgent();
      const p1 = await page(agent.token, { limit: 10 });
      // Page 2 read while page 1 is still on its way: page 1 is not acknowledged yet, so a
      // restart (a pull without a cursor) reads it again.
      const p2 = await page(agent.token, { cursor: p1.nextCursor, ack: p1.cursor, limit: 10 });
      expect(ids(p2)).toEqual(all.slice(10, 20));
      const r1 = await page(agent.token, { limit: 10 });
      expect(ids(r1)).toEqual(all.slice(0, 10));
      // The restarted agent: page 1 delivered, page 3 read ahead. A restart resumes after page 1,
      // so page 2 comes again.
      const r2 = await page(agent.token, { cursor: r1.nextCursor, ack: r1.cursor, limit: 10 });
      const r3 = await page(agent.token, { cursor: r2.nextCursor, ack: r1.nextCursor, limit: 10 });
      expect(ids(r3)).toEqual(all.slice(20, 30));
      expect(ids(await page(agent.token, { limit: 10 }))).toEqual(all.slice(10, 20));
      // A clean stop: limit=0 with ack reads nothing and commits the ack.
      const stop = await page(agent.token, { ack: r3.nextCursor, limit: 0 });
      expect([stop.events, stop.hasMore]).toEqual([[], false]);
      expect(decodeCursor(stop.nextCursor)?.position).toBe(decodeCursor(r3.nextCursor)?.position);
      expect((await page(agent.token, { limit: 10 })).events).toEqual([]);
      // An agent rewinds with a plain pull from an older cursor, which moves the position back.
      await page(agent.token, { cursor: p1.nextCursor, limit: 0 });
      expect(ids(await page(agent.token, { limit: 10 }))).toEqual(all.slice(10, 20));
    });

    it('ignores the ack of a read-ahead that arrives after the agent dropped it and pulled again', async () => {
      const all = await ingest('a', 40);
      const agent = await addAgent();
      const p1 = await page(agent.token, { limit: 10 });
      const p2 = await page(agent.token, { cursor: p1.nextCursor, ack: p1.cursor, limit: 10 });
      const p3 = await page(agent.token, { cursor: p2.nextCursor, ack: p1.nextCursor, limit: 10 });
      // The agent sent pages 1–3, then read ahead page 4 acknowledging pages 1–2; that request is
      // slow. The SIEM connection is lost and the replay window says page 2 on may be gone: the
      // agent drops the read-ahead and rewinds with a plain pull from page 2's start.
      const late = { cursor: p3.nextCursor, ack: p2.nextCursor, limit: 10 };
      const again = await page(agent.token, { cursor: p2.cursor, limit: 10 });
      expect(ids(again)).toEqual(all.slice(10, 20));
      // The dropped read-ahead arrives now. Committed, its ack would skip pages 2 and 3 for an agent
      // killed before it sends them again.
      const stale = await page(agent.token, late);
      expect(stale.committed).toBe(again.committed);
      // A restart resumes where the rewind put it: page 2 comes again.
      expect(ids(await page(agent.token, { limit: 10 }))).toEqual(all.slice(10, 20));
      // The agent's own next read-ahead (an ack from after the rewind) commits as before.
      const next = await page(agent.token, { cursor: again.nextCursor, ack: again.nextCursor, limit: 10 });
      expect(ids(next)).toEqual(all.slice(20, 30));
      expect(ids(await page(agent.token, { limit: 10 }))).toEqual(all.slice(20, 30));
    });

    it('refuses an ack ahead of the cursor, malformed or past the newest event, committing nothing', async () => {
      const all = await ingest('a', 20);
      const agent = await addAgent();
      const p1 = await page(agent.token, { limit: 5 });
      const p2 = await page(agent.token, { cursor: p1.nextCursor, limit: 5 });
      const past = decodeCursor(p2.nextCursor)!;
      for (const [ack, cursor] of [
        [p2.nextCursor, p1.nextCursor],
        ['garbage', p2.nextCursor],
        [encodeCursor({ epoch: past.epoch, position: past.position + 100 }), undefined],
      ] as const) {
        const bad = await pull(agent.token, { ack, ...(cursor === undefined ? {} : { cursor }), limit: 5 });
        expect([bad.status, bad.body?.error?.code], `ack ${ack}`).toEqual([400, 'CURSOR_INVALID']);
      }
      expect(ids(await page(agent.token, { limit: 5 }))).toEqual(all.slice(5, 10));
    });

    it('rejects a malformed cursor and one past the newest event with CURSOR_INVALID, committing nothing', async () => {
      const all = await ingest('a', 5);
      const agent = await addAgent();
      const p1 = await page(agent.token, { limit: 2 });
      expect(ids(p1)).toEqual(all.slice(0, 2));

      const decoded = decodeCursor(p1.nextCursor);
      expect(decoded).not.toBeNull();
      const newest = decodeCursor((await page(agent.token, { cursor: p1.nextCursor, limit: 10 })).nextCursor);
      expect(newest).not.toBeNull();
      const pastNewest = encodeCursor({ epoch: decoded?.epoch ?? 0, position: (newest?.position ?? 0) + 1 });
      for (const cursor of [
        'garbage',
        '',
        'c1.1.-1',
        'c1.x.3',
        `${p1.nextCursor}0000000000000000`,
        pastNewest,
      ]) {
        const bad = await pull(agent.token, { cursor, limit: 2 });
        expect([bad.status, bad.body?.error?.code], `cursor ${JSON.stringify(cursor)}`).toEqual([
          400,
          'CURSOR_INVALID',
        ]);
      }
      // The last good acknowledgement (p1) still holds.
      expect(ids(await page(agent.token, { limit: 10 }))).toEqual(all.slice(2));
    });

    it('keeps accepting a cursor it issued after retention has emptied the table', async () => {
      // A quiet tenant: a few alerts, acknowledged, then nothing for longer than the retention.
      const agent = await addAgent();
      const old = await ingestAlerts('old', ['cloud-apps', 'cloud-apps']);
      const first = await page(agent.token, { dataType: 'alerts' });
      expect(ids(first)).toEqual(old);
      portal.clock.advance(31 * DAY);
      expect((await portal.portal.services.events.applyRetention()).alerts).toBe(2);

      // The agent acknowledges with the cursor the portal gave it: that is not "past the newest".
      const ack = await pull(agent.token, { dataType: 'alerts', cursor: first.nextCursor });
      expect(ack.status, ack.text).toBe(200);
      expect((ack.body as Page).events).toEqual([]);
      const fresh = await ingestAlerts('fresh', ['cloud-apps']);
      const next = await page(agent.token, { dataType: 'alerts', cursor: (ack.body as Page).nextCursor });
      expect(ids(next)).toEqual(fresh);
    });

    it('applies the data type filter to the pull, and an edited filter from the next pull on', async () => {
      const agent = await addAgent({
        dataTypes: { activities: { enabled: true, filter: { appName: { eq: ['GitHub'] } } } },
      });
      const expected: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        await ingest(`box-${i}`, 2, { appName: 'Box' });
        expected.push(...(await ingest(`gh-${i}`, 1, { appName: 'GitHub' })));
      }
      // Small pages: the filtered-out events in between are stepped over, never delivered.
      const got = await drain(agent.token, undefined, 3);
      expect(got.ids).toEqual(expected);

      const edited = await portal.api('PATCH', `/api/v1/siem-agents/${agent.id}`, {
        body: { dataTypes: { activities: { filter: { appName: { eq: ['Box'] } } } } },
      });
      expect(edited.status, edited.text).toBe(200);
      await ingest('gh-new', 2, { appName: 'GitHub' });
      const box = await ingest('box-new', 2, { appName: 'Box' });
      expect((await drain(agent.token, got.cursor)).ids).toEqual(box);
    });

    it('pulls alerts the same way, with their own filter and their own cursor', async () => {
      const agent = await addAgent({
        dataTypes: { alerts: { enabled: true, filter: { source: { neq: ['identity'] } } } },
      });
      const activities = await ingest('act', 3);
      const mixed = await ingestAlerts('al', [
        'cloud-apps',
        'identity',
        'cloud-apps',
        'cloud-apps',
        'identity',
      ]);
      const wanted = [mixed[0], mixed[2], mixed[3]];

      const a1 = await page(agent.token, { dataType: 'alerts', limit: 2 });
      expect([ids(a1), a1.hasMore]).toEqual([wanted.slice(0, 2), true]);
      // Acknowledging activities does not move the alerts cursor, and the other way round.
      const acts = await drain(agent.token);
      expect(acts.ids).toEqual(activities);
      const restarted = await page(agent.token, { dataType: 'alerts', limit: 2 });
      expect(ids(restarted)).toEqual(wanted.slice(0, 2));
      const a2 = await page(agent.token, { dataType: 'alerts', cursor: restarted.nextCursor, limit: 2 });
      expect([ids(a2), a2.hasMore]).toEqual([wanted.slice(2), false]);
      expect((await page(agent.token, { cursor: acts.cursor })).events).toEqual([]);

      const bad = await pull(agent.token, { dataType: 'alerts', cursor: 'nope' });
      expect([bad.status, bad.body.error.code]).toEqual([400, 'CURSOR_INVALID']);
    });
  });

  describe('refusals', () => {
    it('answers 409 DATA_TYPE_DISABLED for a switched-off data type and AGENT_DISABLED for a disabled agent', async () => {
      await ingest('a', 1);
      const agent = await addAgent({ dataTypes: { alerts: { enabled: false, filter: null } } });
      const alerts = await pull(agent.token, { dataType: 'alerts' });
      expect([alerts.status, alerts.body.error.code]).toEqual([409, 'DATA_TYPE_DISABLED']);
      expect((await pull(agent.token)).status).toBe(200);

      await portal.api('PATCH', `/api/v1/siem-agents/${agent.id}`, {
        body: { dataTypes: { activities: { enabled: false }, alerts: { enabled: true } } },
      });
      const activities = await pull(agent.token);
      expect([activities.status, activities.body.error.code]).toEqual([409, 'DATA_TYPE_DISABLED']);
      expect((await pull(agent.token, { dataType: 'alerts' })).status).toBe(200);

      expect((await portal.api('POST', `/api/v1/siem-agents/${agent.id}/disable`)).status).toBe(200);
      for (const dataType of ['activities', 'alerts'] as const) {
        const answer = await pull(agent.token, { dataType });
        expect([answer.status, answer.body.error.code]).toEqual([409, 'AGENT_DISABLED']);
      }
    });

    it('answers 429 RATE_LIMITED with Retry-After beyond the configured rate, measured on the portal clock', async () => {
      const slow = await startTestPortal(target, { settings: { pullRatePerSecond: 1, pullBurst: 2 } });
      try {
        const ingested = await slow.api('POST', '/api/v1/ingest/activities', {
          body: ['r-0', 'r-1'].map((id) => ({
            id,
            timestamp: slow.clock.now(),
            category: 'EVENT_CATEGORY_LOGIN',
            action: 'Log on',
          })),
        });
        expect(ingested.body.accepted).toBe(2);
        const created = await slow.api('POST', '/api/v1/siem-agents', {
          body: { name: 'slow', syslog: { host: 'siem.example.com', port: 514 } },
        });
        const token = created.body.token as string;
        const get = (query: string, dataType = 'activities') =>
          slow.api('GET', `/api/agent/v1/${dataType}?${query}`, { token });

        const first = await get('limit=1');
        expect(first.status).toBe(200);
        expect(first.body.events.map((e: { id: string }) => e.id)).toEqual(['r-0']);
        expect((await get('limit=1')).status).toBe(200);
        // The burst is spent; this one also carries an acknowledgement, which must not count.
        const limited = await get(`limit=1&cursor=${first.body.nextCursor}`);
        expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
        expect(limited.headers.get('retry-after')).toBe('1');
        // Per data type: alerts have their own budget; config reads are not pulls.
        expect((await get('limit=1', 'alerts')).status).toBe(200);
        expect((await slow.api('GET', '/api/agent/v1/config', { token })).status).toBe(200);

        slow.clock.advance(999);
        expect((await get('limit=1')).status).toBe(429);
        slow.clock.advance(1);
        const allowed = await get('limit=1');
        expect(allowed.status).toBe(200);
        // The refused acknowledgement was not committed: r-0 comes again.
        expect(allowed.body.events.map((e: { id: string }) => e.id)).toEqual(['r-0']);
        expect((await get('limit=1')).status).toBe(429);
      } finally {
        await slow.close();
      }
    });
  });

  describe('heartbeat', () => {
    const syslogDown = {
      code: 'SYSLOG_CONNECT',
      message: 'cannot connect to syslog server siem:514: connect ECONNREFUSED 10.0.0.5:514',
    };

    it('is shown on the agent, and reported errors become notifications that count repeats and resolve', async () => {
      const agent = await addAgent();
      const beat = (errors: { code: string; message: string }[]) =>
        portal.api('POST', '/api/agent/v1/heartbeat', {
          token: agent.token,
          body: {
            version: '1.2.3',
            host: 'collector-7',
            startedAt: portal.clock.now() - 60_000,
            configVersion: 1,
            counters: { activities: { eventsSent: 42 } },
            syslog: { state: errors.length > 0 ? 'connecting' : 'connected', target: 'tcp://siem:514' },
            errors,
          },
        });

      const ok = await beat([]);
      expect([ok.status, ok.text]).toEqual([204, '']);
      let view = await shown(agent.id);
      expect(view.status).toBe('connected');
      expect(view.lastHeartbeat).toMatchObject({
        version: '1.2.3',
        host: 'collector-7',
        receivedAt: portal.clock.now(),
        counters: { activities: { eventsSent: 42, bytesSent: 0 } },
        syslog: { state: 'connected' },
      });
      expect(view.notifications).toEqual([]);

      portal.clock.advance(60_000);
      const firstAt = portal.clock.now();
      expect((await beat([syslogDown])).status).toBe(204);
      view = await shown(agent.id);
      expect(view.notifications).toEqual([
        expect.objectContaining({ ...syslogDown, count: 1, firstAt, lastAt: firstAt, resolvedAt: null }),
      ]);

      for (let i = 2; i <= 3; i += 1) {
        portal.clock.advance(60_000);
        expect((await beat([syslogDown])).status).toBe(204);
      }
      view = await shown(agent.id);
      expect(view.notifications).toEqual([
        expect.objectContaining({ code: 'SYSLOG_CONNECT', count: 3, firstAt, lastAt: portal.clock.now() }),
      ]);
      expect(view.notifications[0].resolvedAt).toBeNull();
      expect(view.lastHeartbeat.syslog.state).toBe('connecting');

      portal.clock.advance(60_000);
      const resolvedAt = portal.clock.now();
      expect((await beat([])).status).toBe(204);
      view = await shown(agent.id);
      expect(view.notifications).toEqual([
        expect.objectContaining({ code: 'SYSLOG_CONNECT', count: 3, resolvedAt }),
      ]);

      // It happens again later: a new open notification; the resolved one stays as history.
      portal.clock.advance(60_000);
      await beat([syslogDown]);
      view = await shown(agent.id);
      expect(
        view.notifications.map((n: { count: number; resolvedAt: number | null }) => [n.count, n.resolvedAt]),
      ).toEqual([
        [1, null],
        [3, resolvedAt],
      ]);
    });

    it('rejects an invalid heartbeat body with 400 and keeps the last good one', async () => {
      const agent = await addAgent();
      const good = {
        version: '1.2.3',
        host: 'collector-7',
        startedAt: 1,
        syslog: { state: 'connected', target: 'tcp://siem:514' },
      };
      expect(
        (await portal.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body: good })).status,
      ).toBe(204);
      const invalid: unknown[] = [
        { version: 1 },
        { ...good, syslog: { state: 'sleeping', target: 'x' } },
        { ...good, startedAt: -1 },
        { ...good, errors: [{ code: '', message: 'x' }] },
        { ...good, errors: Array.from({ length: 21 }, (_, i) => ({ code: `E${i}`, message: 'x' })) },
        'not json',
      ];
      for (const body of invalid) {
        const answer = await portal.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body });
        expect([answer.status, answer.body?.error?.code], JSON.stringify(body)).toEqual([400, 'BAD_REQUEST']);
      }
      const view = await shown(agent.id);
      expect(view.lastHeartbeat).toMatchObject({ version: '1.2.3', host: 'collector-7' });
      expect(view.notifications).toEqual([]);
      // The history for the details page holds the good heartbeat only.
      const history = await portal.api('GET', `/api/v1/siem-agents/${agent.id}/heartbeats?since=0`);
      expect(history.body.data.map((h: { heartbeat: { host: string } }) => h.heartbeat.host)).toEqual([
        'collector-7',
      ]);
    });
  });
});
