// The query plans of the pull and list paths (issue 12: "nothing in the pull or list path grows
// with table size"), on SQLite and PostgreSQL. The queries are the ones the store functions send,
// captured as they run, then explained with their parameters.
// - SQLite: EXPLAIN QUERY PLAN names each table access; a SCAN (every row) or a temporary B-tree
//   for ORDER BY (a sort of every match) is what grows.
// - PostgreSQL picks a sequential scan on a small table whatever indexes exist, so the plan is
//   asked for with sequential scans and sorts priced out (enable_seqscan, enable_sort off): a Seq
//   Scan or a Sort node that remains means no index can serve the query.
// A filter the order's index does not hold is checked on the rows that index walk reads: a page
// with a rare value reads further (the plan is the same at any size; the work is per match).
// A list sorted by a text column (user, action, app …) has no index for its order: it sorts every
// match, and is left out here (docs/PERFORMANCE.md names it).
import { CompiledQuery, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityRow, alertRow } from './columns.ts';
import {
  backfillStart,
  countEventsBetween,
  insertNewEvents,
  listEvents,
  pullPage,
  type ListQuery,
} from './events.ts';
import { openTestStore, storeTargets } from './test-support.ts';
import type { Filter } from '@cloudsiem/protocol';

const targets = await storeTargets();
const T0 = Date.UTC(2026, 0, 1);
const ROWS = 300;

/** Keeps every query node the store sends, to compile and explain afterwards. */
function captureQueries(): KyselyPlugin & { nodes: RootOperationNode[] } {
  const nodes: RootOperationNode[] = [];
  return {
    nodes,
    transformQuery: ({ node }) => {
      nodes.push(node);
      return node;
    },
    transformResult: ({ result }) => Promise.resolve(result),
  };
}

interface PlanVerdict {
  /** The plan, one line per node, for the failure message. */
  plan: string;
  /** The accesses that read every row or sort every match. */
  growing: string[];
}

describe.each(targets)('query plans on $name', (target) => {
  let store: Awaited<ReturnType<typeof openTestStore>>;
  beforeAll(async () => {
    store = await openTestStore(target);
    const activities = Array.from({ length: ROWS }, (_, n) =>
      activityRow({
        id: `a-${n}`,
        timestamp: T0 + n * 1000,
        createdAt: T0 + n,
        category: 'EVENT_CATEGORY_LOGIN',
        action: 'Log on',
        description: `activity ${n}`,
        user: `user-${n % 7}@contoso.com`,
        appName: 'Microsoft 365',
        appIds: ['APPID_O365'],
        ip: '203.0.113.9',
        userAgent: 'plan',
        targetObjects: [],
        policyIds: [],
      }),
    );
    const alerts = Array.from({ length: ROWS }, (_, n) =>
      alertRow({
        id: `al-${n}`,
        timestamp: T0 + n * 1000,
        createdAt: T0 + n,
        type: 'ALERT_PLAN',
        policyName: 'plan',
        policyIds: [],
        severity: n % 10 === 0 ? 'high' : 'low',
        description: 'plan',
        user: `user-${n % 7}@contoso.com`,
        appName: 'Box',
        appIds: ['APPID_BOX'],
        riskScore: null,
        relatedActivityIds: [],
        ip: null,
        source: 'cloud-apps',
        status: 'open',
      }),
    );
    await store.db.transaction().execute(async (trx) => {
      await insertNewEvents(trx, 'activities', activities);
      await insertNewEvents(trx, 'alerts', alerts);
    });
  });
  afterAll(() => store.dispose());

  /** Runs `run` against the store, and explains each query it sent. */
  async function plansOf(run: (db: typeof store.db) => Promise<unknown>): Promise<PlanVerdict[]> {
    const capture = captureQueries();
    await run(store.db.withPlugin(capture));
    expect(capture.nodes.length, 'the function sent a query').toBeGreaterThan(0);
    const executor = store.db.getExecutor();
    const verdicts: PlanVerdict[] = [];
    for (const node of capture.nodes) {
      const query = executor.compileQuery(node, { queryId: 'plan' });
      verdicts.push(await explain(query.sql, query.parameters));
    }
    return verdicts;
  }

  async function explain(text: string, parameters: readonly unknown[]): Promise<PlanVerdict> {
    if (target.name === 'sqlite') {
      const result = await store.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${text}`, [...parameters]),
      );
      const lines = result.rows.map((r) => r.detail);
      return {
        plan: lines.join('\n'),
        // `SCAN t USING INDEX i` walks an index in order (bounded by LIMIT); a bare `SCAN t` reads the table.
        // The bounded total's subquery (`limit bound + 1`, a CO-ROUTINE) is read as a whole: that is its point.
        growing: lines.filter(
          (l) =>
            (/^SCAN \w+$/.test(l) && !lines.includes(`CO-ROUTINE ${l.slice(5)}`)) ||
            l.includes('TEMP B-TREE'),
        ),
      };
    }
    return store.db.transaction().execute(async (trx) => {
      await trx.executeQuery(CompiledQuery.raw('set local enable_seqscan = off'));
      await trx.executeQuery(CompiledQuery.raw('set local enable_sort = off'));
      const result = await trx.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`explain ${text}`, [...parameters]),
      );
      const lines = result.rows.map((r) => r['QUERY PLAN']);
      return {
        plan: lines.join('\n'),
        // An Incremental Sort orders rows an index hands over sorted by the leading key (the rows of
        // one timestamp by seq): bounded by the LIMIT, unlike a Sort of every match.
        growing: lines.filter((l) => /\b(Seq Scan|(?<!Incremental )Sort)\b.*\(cost=/.test(l)),
      };
    });
  }

  function expectBounded(verdicts: PlanVerdict[]): void {
    for (const { plan, growing } of verdicts) expect(growing, plan).toEqual([]);
  }

  const alertFilter: Filter = { severity: { eq: ['high'] } };
  const userFilter: Filter = { user: { eq: ['user-3@contoso.com'] } };

  it('pulls a page along seq, with and without a filter', async () => {
    for (const filter of [null, alertFilter]) {
      expectBounded(
        await plansOf((db) =>
          pullPage(db, store.ops, 'alerts', { after: 10, upTo: 250, filter, limit: 100 }),
        ),
      );
    }
    for (const filter of [null, userFilter]) {
      expectBounded(
        await plansOf((db) =>
          pullPage(db, store.ops, 'activities', { after: 10, upTo: 250, filter, limit: 100 }),
        ),
      );
    }
  });

  it('finds the backfill floor and counts what a pull steps over by index', async () => {
    expectBounded(await plansOf((db) => backfillStart(db, 'activities', T0 + 200)));
    expectBounded(await plansOf((db) => backfillStart(db, 'activities', T0 + 250, 100)));
    expectBounded(
      await plansOf((db) =>
        countEventsBetween(db, store.ops, 'alerts', { after: 10, upTo: 250, filter: null }),
      ),
    );
  });

  const list = (dataType: 'activities' | 'alerts', q: Partial<ListQuery>) => (db: typeof store.db) =>
    listEvents(db, store.ops, dataType, {
      filter: {},
      sortField: 'timestamp',
      sortDirection: 'desc',
      skip: 0,
      limit: 50,
      ...q,
    });

  it('lists newest first, and pages on by cursor, along the time indexes', async () => {
    for (const dataType of ['activities', 'alerts'] as const) {
      expectBounded(await plansOf(list(dataType, {})));
      expectBounded(await plansOf(list(dataType, { after: { key: T0 + 100_000, seq: 101 } })));
      expectBounded(await plansOf(list(dataType, { sortDirection: 'asc' })));
      expectBounded(await plansOf(list(dataType, { sortField: 'createdAt' })));
      expectBounded(await plansOf(list(dataType, { filter: userFilter })));
    }
    expectBounded(await plansOf(list('alerts', { filter: alertFilter, limit: 10 })));
  });

  it('reports a list sorted by a text column as sorting every match (the check can fail)', async () => {
    const verdicts = await plansOf(list('activities', { sortField: 'action' }));
    expect(verdicts.flatMap((v) => v.growing).length).toBeGreaterThan(0);
  });
});
