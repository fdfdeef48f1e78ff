// The event tables' insert (idempotent by id, batch order), the pull's page (the records joined in
// seq order) and list pages (hasNext read one row ahead, total bounded by LIST_TOTAL_BOUND), on
// SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityRow, alertRow, type StoredActivity } from './columns.ts';
import { insertNewEvents, LIST_TOTAL_BOUND, listEvents, pullPage, type ListQuery } from './events.ts';
import { openTestStore, storeTargets } from './test-support.ts';

const targets = await storeTargets();
const T0 = Date.UTC(2026, 0, 1);

function activity(n: number, category: string): StoredActivity {
  return {
    id: `a-${n}`,
    timestamp: T0 + n * 1000,
    createdAt: T0,
    category,
    action: 'act',
    description: `activity ${n}`,
    user: `user-${n % 7}@contoso.com`,
    appName: 'Microsoft 365',
    appIds: ['APPID_O365'],
    ip: '203.0.113.9',
    userAgent: 'bench',
    targetObjects: [],
    policyIds: [],
  };
}

const STORED = LIST_TOTAL_BOUND + 205;
const EVEN = Math.ceil(STORED / 2);

describe.each(targets)('event tables on $name', (target) => {
  let store: Awaited<ReturnType<typeof openTestStore>>;
  beforeAll(async () => {
    store = await openTestStore(target);
    const rows = Array.from({ length: STORED }, (_, n) =>
      activityRow(activity(n, n % 2 === 0 ? 'EVEN' : 'ODD')),
    );
    await store.db.transaction().execute((trx) => insertNewEvents(trx, 'activities', rows));
  });
  afterAll(() => store.dispose());

  const list = (q: Partial<ListQuery>) =>
    listEvents(store.db, store.ops, 'activities', {
      filter: {},
      sortField: 'timestamp',
      sortDirection: 'desc',
      skip: 0,
      limit: 10,
      ...q,
    });

  it("joins a pull's page in seq order, with and without a filter, after rewritten rows moved", async () => {
    // A rewritten row (PostgreSQL: a new tuple at the heap's end) must not move in the page.
    await store.db
      .updateTable('activities')
      .set({ description: 'rewritten' })
      .where('seq', '<=', 40)
      .where('seq', '>', 10)
      .execute();
    for (const filter of [null, { category: { eq: ['EVEN'] } }]) {
      let expected = store.db
        .selectFrom('activities')
        .select(['seq', 'data'])
        .where('seq', '>', 5)
        .where('seq', '<=', 300);
      if (filter !== null) expected = expected.where('category', '=', 'EVEN');
      const rows = await expected.orderBy('seq').limit(100).execute();
      const page = await pullPage(store.db, store.ops, 'activities', {
        after: 5,
        upTo: 300,
        filter,
        limit: 100,
      });
      const json = typeof page.json === 'string' ? page.json : Buffer.from(page.json ?? []).toString('utf8');
      expect(json).toBe(rows.map((r) => r.data).join(','));
      expect([page.count, page.last]).toEqual([rows.length, rows.at(-1)?.seq]);
    }
    const empty = await pullPage(store.db, store.ops, 'activities', {
      after: 5,
      upTo: 5,
      filter: null,
      limit: 10,
    });
    expect(empty).toEqual({ json: null, count: 0, last: null });
  });

  // The inserts are written from a column list of their own: a column it misses would be left
  // at its default without an error. Every column the row carries must read back as written.
  it('writes every column of a row, on both tables', async () => {
    const rows = {
      activities: {
        ...activityRow(activity(STORED + 50, 'ALL')),
        country: 'DE',
        device_type: 'MOBILE',
        is_admin: 1,
      },
      alerts: alertRow({
        id: 'alert-all-columns',
        timestamp: T0 + 5,
        createdAt: T0 + 6,
        type: 'ALERT_ALL_COLUMNS',
        policyName: 'every column',
        policyIds: ['p-1'],
        severity: 'high',
        description: 'all columns',
        user: 'eve@contoso.com',
        appName: 'Box',
        appIds: ['APPID_BOX'],
        riskScore: 7.5,
        relatedActivityIds: ['a-1'],
        ip: '198.51.100.4',
        source: 'cloud-apps',
        status: 'closed-benign',
      }),
    };
    for (const table of ['activities', 'alerts'] as const) {
      const row = rows[table];
      await store.db.transaction().execute((trx) => insertNewEvents(trx, table, [row] as never));
      const stored = await store.db
        .selectFrom(table as 'activities')
        .selectAll()
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
      const { seq: _seq, ...columns } = stored;
      expect(columns).toEqual(row);
      // The other tests count the table's rows.
      await store.db
        .deleteFrom(table as 'activities')
        .where('id', '=', row.id)
        .execute();
    }
  });

  it('inserts the first occurrence of an id, skips stored ones, and numbers seq in batch order', async () => {
    const again = [activity(STORED + 1, 'NEW'), { ...activity(STORED + 1, 'SECOND'), description: 'dup' }];
    const inserted = await store.db
      .transaction()
      .execute((trx) =>
        insertNewEvents(
          trx,
          'activities',
          [...again, activity(0, 'EVEN'), activity(STORED + 2, 'NEW')].map(activityRow),
        ),
      );
    expect([...inserted].sort()).toEqual([`a-${STORED + 1}`, `a-${STORED + 2}`]);
    const rows = await store.db
      .selectFrom('activities')
      .select(['id', 'category', 'seq'])
      .where('category', 'in', ['NEW', 'SECOND'])
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => [r.id, r.category])).toEqual([
      [`a-${STORED + 1}`, 'NEW'],
      [`a-${STORED + 2}`, 'NEW'],
    ]);
    await store.db.deleteFrom('activities').where('category', '=', 'NEW').execute();
  });

  it('counts a total exactly below the bound, newest first', async () => {
    const page = await list({ filter: { category: { eq: ['EVEN'] } } });
    expect(page).toMatchObject({ hasNext: true, total: EVEN, moreThanTotal: false });
    expect(page.data.map((d) => (JSON.parse(d) as { id: string }).id)[0]).toBe(
      `a-${STORED - (STORED % 2 === 0 ? 2 : 1)}`,
    );
  });

  it('stops counting at the bound and says so', async () => {
    expect(await list({})).toMatchObject({ hasNext: true, total: LIST_TOTAL_BOUND, moreThanTotal: true });
    // A page reaching past the bound needs no count: it has a next page, so at least one more matches.
    const deep = await list({ skip: LIST_TOTAL_BOUND, limit: 100 });
    expect(deep).toMatchObject({ hasNext: true, total: LIST_TOTAL_BOUND + 101, moreThanTotal: true });
    expect(deep.data).toHaveLength(100);
  });

  it('knows the exact total from the last page, and counts when skip passes the end', async () => {
    const last = await list({ skip: STORED - 5 });
    expect(last).toMatchObject({ hasNext: false, total: STORED, moreThanTotal: false });
    expect(last.data).toHaveLength(5);
    expect(await list({ skip: STORED + 50 })).toEqual({
      data: [],
      hasNext: false,
      total: STORED,
      moreThanTotal: false,
    });
  });
});
