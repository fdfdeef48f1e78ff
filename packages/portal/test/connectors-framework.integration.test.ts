// The connector framework (DESIGN §9) with a fake connector type over an in-memory upstream, on
// SQLite and PostgreSQL: every upstream id stored once and none missing, equal times across a page
// boundary, a page whose checkpoint write fails rolled back and read again, a 500 after a page
// resumed from the checkpoint, throttling and refused credentials as status, rejected records
// counted with their upstream ids, and the ingest hook's transaction.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';
import {
  FAKE_PERMISSIONS,
  fakeConnector,
  fakeConnectorInput,
  fakeRecords,
  fakeUpstream,
  type FakeUpstream,
} from '../src/connectors/test-support.ts';
import { UpstreamError } from '../src/connectors/types.ts';
import type { Logger } from '../src/context.ts';

const targets = await storeTargets();

function recordingLogger(): Logger & {
  lines: { level: string; msg: string; obj: object }[];
  text(): string;
} {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const push = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, msg, obj });
    if (level === 'error') console.error(msg, obj);
  };
  return {
    lines,
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    text: () =>
      lines
        .map(
          (l) =>
            `${l.msg} ${JSON.stringify(l.obj, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))}`,
        )
        .join('\n'),
  };
}

async function storedIds(t: TestPortal): Promise<string[]> {
  const rows = await t.portal.context.store.db.selectFrom('activities').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

describe.each(targets)('connector framework on $name', (target) => {
  let t: TestPortal | undefined;
  let upstream: FakeUpstream;
  let logger: ReturnType<typeof recordingLogger>;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function start(records = fakeRecords('r', 0, () => 0), pageSize = 5) {
    upstream = fakeUpstream(records, pageSize);
    logger = recordingLogger();
    t = await startTestPortal(target, {
      logger,
      portal: {
        secretKey: randomBytes(32),
        connectorDefinitions: { cloudsiem: fakeConnector(upstream) },
        // Passes run when the test asks (tick) or an edit wakes the scheduler.
        connectorScheduler: { tickMs: 3_600_000 },
      },
    });
    const created = await t.api('POST', '/api/v1/connectors', { body: fakeConnectorInput() });
    expect(created.status).toBe(201);
    await t.portal.scheduler?.tick();
    return { t, id: created.body.id as string };
  }

  async function connector(id: string) {
    const answer = await t!.api('GET', `/api/v1/connectors/${id}`);
    expect(answer.status).toBe(200);
    return answer.body;
  }

  async function syncNow(id: string) {
    expect((await t!.api('POST', `/api/v1/connectors/${id}/sync`)).status).toBe(200);
    await t!.portal.scheduler?.tick();
  }

  it('stores every upstream id once, none missing, with equal times across page boundaries', async () => {
    const base = Date.UTC(2026, 10, 28, 11, 0, 0);
    // Pages of 5; seven records share one time, spanning a page boundary, and so do the last six.
    const records = [
      ...fakeRecords('a', 3, (i) => base + i),
      ...fakeRecords('same', 7, () => base + 10),
      ...fakeRecords('b', 4, (i) => base + 20 + i),
      ...fakeRecords('tail', 6, () => base + 30),
    ];
    const { id } = await start(records);
    expect(await storedIds(t!)).toEqual(records.map((r) => r.id).sort());
    let c = await connector(id);
    expect(c).toMatchObject({
      status: 'Connected',
      recordsStored: 20,
      recordsRejected: 0,
      lastError: null,
      newestRecordAt: base + 30,
    });
    expect(c.streams).toEqual([
      expect.objectContaining({ stream: 'activities', dataType: 'activities', recordsStored: 20 }),
    ]);
    expect(c.recordsPerMinute).toBe(4);

    // Later records at the same time as the last checkpoint, and after: only they are read.
    upstream.records.push(
      ...fakeRecords('late', 3, () => base + 30),
      ...fakeRecords('new', 2, () => base + 40),
    );
    const calls = upstream.served.length;
    await syncNow(id);
    expect(upstream.served[calls]).toEqual({ from: base + 30, skip: 6 });
    expect((await storedIds(t!)).length).toBe(25);
    c = await connector(id);
    expect(c.recordsStored).toBe(25);
    // One structured line per stream and poll, and no record read twice.
    const polls = logger.lines.filter((l) => l.msg === 'Connector poll');
    expect(polls).toHaveLength(2);
    expect(polls.map((l) => l.obj)).toEqual([
      expect.objectContaining({
        connectorId: id,
        stream: 'activities',
        stored: 20,
        duplicates: 0,
        rejected: 0,
      }),
      expect.objectContaining({
        connectorId: id,
        stream: 'activities',
        stored: 5,
        duplicates: 0,
        rejected: 0,
      }),
    ]);
  });

  it('rolls a page back when its checkpoint cannot be written (lease lost), and reads it again', async () => {
    const records = fakeRecords('r', 12, (i) => 1000 + i);
    const { id } = await start([], 5);
    const db = t!.portal.context.store.db;
    upstream.records.push(...records);
    // While the second page is being fetched, another portal takes the lease.
    upstream.before = async (call) => {
      if (call === upstream.served.length && upstream.served.length === 3) {
        await db
          .updateTable('connectors')
          .set({ lease_owner: 'another-portal', lease_until: 8.64e15 })
          .execute();
      }
    };
    const first = upstream.served.length;
    await syncNow(id);
    expect(upstream.served.length).toBe(first + 2);
    // The first page and its checkpoint committed; the second page's records were rolled back.
    expect(await storedIds(t!)).toEqual(
      records
        .slice(0, 5)
        .map((r) => r.id)
        .sort(),
    );
    const stream = await db.selectFrom('connector_streams').selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(stream.checkpoint ?? 'null')).toEqual({ from: 1004, skip: 1 });
    expect(logger.lines.some((l) => l.msg.startsWith('Connector lease lost'))).toBe(true);
    expect(t!.portal.scheduler?.held()).toEqual([]);

    // The other portal goes away: this one takes over and reads from the committed checkpoint.
    upstream.before = undefined;
    await db.updateTable('connectors').set({ lease_owner: null, lease_until: null }).execute();
    await syncNow(id);
    expect(upstream.served.at(-3)).toEqual({ from: 1004, skip: 1 });
    expect(await storedIds(t!)).toEqual(records.map((r) => r.id).sort());
    expect((await connector(id)).recordsStored).toBe(12);
  });

  it('keeps the checkpoint when the upstream fails after a page, and resumes there', async () => {
    const records = fakeRecords('r', 12, (i) => 2000 + i);
    const { id } = await start([], 5);
    upstream.records.push(...records);
    const fail = upstream.served.length + 2;
    upstream.before = (call) => {
      if (call === fail)
        throw new UpstreamError('http', 'list activities: the upstream answered 500', { status: 500 });
    };
    await syncNow(id);
    expect(await storedIds(t!)).toEqual(
      records
        .slice(0, 5)
        .map((r) => r.id)
        .sort(),
    );
    let c = await connector(id);
    expect(c.lastError).toMatchObject({ code: 'UPSTREAM_HTTP', message: expect.stringContaining('500') });
    // One failed poll after a success: still Connected, the error in the detail.
    expect(c.status).toBe('Connected');
    expect(c.statusDetail).toContain('500');

    upstream.before = undefined;
    const resumedAt = upstream.served.length;
    await syncNow(id);
    expect(upstream.served[resumedAt]).toEqual({ from: 2004, skip: 1 });
    expect(await storedIds(t!)).toEqual(records.map((r) => r.id).sort());
    c = await connector(id);
    expect(c).toMatchObject({ status: 'Connected', lastError: null, recordsStored: 12 });
  });

  it('turns failures that last longer than 3 poll intervals into Connection error', async () => {
    const { id } = await start([], 5);
    upstream.before = () => {
      throw new UpstreamError('http', 'list activities: the upstream answered 503', { status: 503 });
    };
    await syncNow(id);
    // The first poll (at creation) succeeded: one failure since is not yet a connection error.
    expect((await connector(id)).status).toBe('Connected');
    t!.clock.advance(3 * 60_000 + 1);
    await t!.portal.scheduler?.tick();
    const c = await connector(id);
    expect(c.status).toBe('Connection error');
    expect(c.notifications).toEqual([expect.objectContaining({ code: 'UPSTREAM_HTTP', resolvedAt: null })]);
  });

  it('shows Throttled until Retry-After, polls nothing meanwhile, then resumes', async () => {
    const { id } = await start([], 5);
    upstream.records.push(...fakeRecords('r', 3, (i) => 3000 + i));
    upstream.before = (call) => {
      if (call === upstream.served.length && upstream.before !== undefined)
        throw new UpstreamError('throttled', 'the upstream is throttling (429)', {
          status: 429,
          retryAfterMs: 120_000,
        });
    };
    await syncNow(id);
    let c = await connector(id);
    expect(c.status).toBe('Throttled');
    expect(c.throttledUntil).toBe(t!.clock.now() + 120_000);
    upstream.before = undefined;
    const calls = upstream.served.length;
    await syncNow(id);
    expect(upstream.served.length).toBe(calls);
    t!.clock.advance(120_001);
    await t!.portal.scheduler?.tick();
    c = await connector(id);
    expect(c).toMatchObject({ status: 'Connected', throttledUntil: null, recordsStored: 3 });
  });

  it('shows refused credentials as Connection error naming the permission, and notifies', async () => {
    const { id } = await start([], 5);
    upstream.before = () => {
      throw new UpstreamError('auth', 'list activities: the upstream refused the credentials (401)', {
        status: 401,
      });
    };
    await syncNow(id);
    const c = await connector(id);
    expect(c.status).toBe('Connection error');
    expect(c.statusDetail).toContain(FAKE_PERMISSIONS);
    expect(c.notifications).toEqual([
      expect.objectContaining({ code: 'UPSTREAM_AUTH', message: expect.stringContaining(FAKE_PERMISSIONS) }),
    ]);
    // A later success resolves it.
    upstream.before = undefined;
    await syncNow(id);
    const after = await connector(id);
    expect(after.status).toBe('Connected');
    expect(after.notifications[0].resolvedAt).not.toBeNull();
  });

  it('counts rejected records with their upstream ids while the good ones go through', async () => {
    const records = fakeRecords('r', 10, (i) => 4000 + i);
    records[3]!.bad = 'mapping';
    records[6]!.bad = 'invalid';
    const { id } = await start(records, 4);
    const good = records.filter((r) => r.bad === undefined).map((r) => r.id);
    expect(await storedIds(t!)).toEqual(good.sort());
    const c = await connector(id);
    expect(c).toMatchObject({ recordsStored: 8, recordsRejected: 2 });
    expect(c.notifications).toEqual([expect.objectContaining({ code: 'RECORDS_REJECTED' })]);
    const rejections = await t!.api('GET', `/api/v1/connectors/${id}/rejections`);
    expect(rejections.body.data).toEqual([
      expect.objectContaining({ upstreamId: 'r-6', reason: expect.stringContaining('category') }),
      expect.objectContaining({ upstreamId: 'r-3', reason: 'mapping: no user in the upstream record' }),
    ]);
    const warned = logger.lines.filter((l) => l.msg === 'Connector records rejected');
    expect(
      warned.flatMap((l) =>
        (l.obj as { examples: { upstreamId: string }[] }).examples.map((e) => e.upstreamId),
      ),
    ).toEqual(['r-3', 'r-6']);
    // The poll line counts them too.
    expect(logger.lines.find((l) => l.msg === 'Connector poll')?.obj).toMatchObject({
      stored: 8,
      rejected: 2,
    });
  });

  it('keeps its leases when stopped without release, even in the middle of a pass', async () => {
    const { id } = await start([], 5);
    const scheduler = t!.portal.scheduler!;
    expect(scheduler.held()).toEqual([id]);
    const db = t!.portal.context.store.db;
    // A pass is under way (reading the connectors) when the portal "dies".
    const pass = scheduler.tick();
    await scheduler.stop({ release: false });
    await pass;
    const row = await db
      .selectFrom('connectors')
      .select(['lease_owner', 'lease_until'])
      .executeTakeFirstOrThrow();
    expect(row.lease_owner).toBe(scheduler.owner);
    expect(row.lease_until).toBeGreaterThan(t!.clock.now());
    expect(scheduler.held()).toEqual([]);
  });

  it('runs the ingest hook inside the records’ transaction: a throw there stores nothing', async () => {
    await start();
    const { events } = t!.portal.services;
    const items = fakeRecords('hook', 3, () => 5000).map((r) => ({
      id: r.id,
      timestamp: r.created,
      category: 'EVENT_CATEGORY_LOGIN',
      action: 'Log on',
    }));
    await expect(
      events.ingestActivities(items, {
        within: async (trx, result) => {
          expect(result.accepted).toBe(3);
          // The records are visible inside the transaction…
          const seen = await sql<{
            n: number;
          }>`select count(*) as n from activities where id like 'hook-%'`.execute(trx);
          expect(Number(seen.rows[0]?.n)).toBe(3);
          throw new Error('crash between the records and the checkpoint');
        },
      }),
    ).rejects.toThrow('crash between');
    // …and gone after the rollback.
    expect(await storedIds(t!)).toEqual([]);
    let inside: number | null = null;
    const result = await events.ingestActivities(items, {
      within: (_trx, r) => {
        inside = r.accepted;
        return Promise.resolve();
      },
    });
    expect(inside).toBe(3);
    expect(result.accepted).toBe(3);
    expect(await storedIds(t!)).toEqual(['hook-0', 'hook-1', 'hook-2']);
  });
});
