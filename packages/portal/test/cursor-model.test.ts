// A model test of the agent pull cursor (DESIGN §6): random operations (ingest, acknowledging pull,
// pull after a restart, clock moves, disable+enable, filter edits) against a real portal on SQLite,
// each pull compared with a simple in-memory model of ingest order, committed position and epoch.
import fc from 'fast-check';
import type { Filter } from '@cloudsiem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';

const HOUR = 3600_000;
const WINDOW_MS = 48 * HOUR;
const APPS = ['Box', 'GitHub', 'Slack'] as const;
type App = (typeof APPS)[number];

/** The filters an admin may set, each with what it means in the model. */
const FILTERS = {
  all: { filter: null, matches: () => true },
  github: { filter: { appName: { eq: ['GitHub'] } }, matches: (app: App) => app === 'GitHub' },
  notBox: { filter: { appName: { neq: ['Box'] } }, matches: (app: App) => app !== 'Box' },
} satisfies Record<string, { filter: Filter | null; matches: (app: App) => boolean }>;
type FilterName = keyof typeof FILTERS;

type Op =
  | { kind: 'ingest'; apps: App[] }
  | { kind: 'pull'; limit: number } // with the last cursor the agent got: the acknowledgement
  | { kind: 'restart'; limit: number } // without a cursor: the agent lost its state
  | { kind: 'advance'; ms: number }
  | { kind: 'reEnable' }
  | { kind: 'filter'; name: FilterName };

const appsArb = fc.array(fc.constantFrom(...APPS), { maxLength: 6 });
const limitArb = fc.integer({ min: 1, max: 6 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: appsArb.map((apps) => ({ kind: 'ingest' as const, apps })) },
  { weight: 5, arbitrary: limitArb.map((limit) => ({ kind: 'pull' as const, limit })) },
  { weight: 2, arbitrary: limitArb.map((limit) => ({ kind: 'restart' as const, limit })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom(1, 24, 47, 48, 49, 120).map((h) => h * HOUR),
        // Whole seconds: the portal's backfill floor is by design up to a second late (it moves
        // in steps of FLOOR_STEP_MS, services/agents.ts), which an exact model cannot follow at
        // a sub-second distance from the window's edge (fast-check found it: 48 h, then 1 ms).
        fc.integer({ min: 1, max: 6 * 3600 }).map((s) => s * 1000),
      )
      .map((ms) => ({ kind: 'advance' as const, ms })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reEnable' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...(Object.keys(FILTERS) as FilterName[]))
      .map((name) => ({ kind: 'filter' as const, name })),
  },
);

interface Ingested {
  id: string;
  createdAt: number;
  app: App;
}

interface Page {
  events: { id: string; createdAt: number }[];
  nextCursor: string;
  hasMore: boolean;
}

const sqlite = (await storeTargets()).find((t) => t.name === 'sqlite');
if (sqlite === undefined) throw new Error('no SQLite store target');

describe('agent pull cursor against a model', () => {
  let portal: TestPortal;
  /** Every event in the store, in ingest order: the runs share one portal. */
  const ingested: Ingested[] = [];
  let serial = 0;
  let agents = 0;

  beforeAll(async () => {
    // No rate limit (the fake clock stands still between pulls) and no retention (the clock jumps days).
    portal = await startTestPortal(sqlite, {
      settings: { pullRatePerSecond: 1e9, pullBurst: 1e9, retentionDays: 0 },
    });
  });
  afterAll(() => portal?.close());

  async function ingest(apps: readonly App[]): Promise<void> {
    const now = portal.clock.now();
    const records = apps.map((app, i) => ({
      id: `ev-${(serial += 1)}`,
      // Event times out of order and long ago: the cursor must follow ingest order regardless.
      timestamp: now - ((serial * 7 + i) % 5) * 30 * 24 * HOUR,
      category: 'EVENT_CATEGORY_LOGIN',
      action: 'Log on',
      appName: app,
    }));
    const result = await portal.portal.services.events.ingestActivities(records);
    expect(result.accepted).toBe(records.length);
    ingested.push(...records.map((r) => ({ id: r.id, createdAt: now, app: r.appName })));
  }

  /**
   * A new agent, after moving the clock past the window: earlier runs' events are out of reach, so
   * a counterexample fast-check prints describes the whole scenario.
   */
  async function newAgent(filter: FilterName) {
    portal.clock.advance(WINDOW_MS + HOUR);
    const { agent, token } = await portal.portal.services.agents.create(portal.adminId, {
      name: `model-${(agents += 1)}`,
      syslog: { host: 'siem.example.com', port: 514 },
      dataTypes: { activities: { enabled: true, filter: FILTERS[filter].filter } },
    });
    const { agents: service } = portal.portal.services;
    return {
      id: agent.id,
      /** As the HTTP route does: authenticate (a fresh row: enabled, epoch, settings), then pull. */
      async pull(query: { cursor?: string; limit: number }): Promise<Page> {
        const row = await service.authenticate(token);
        return JSON.parse((await service.pull(row, 'activities', query)).toString()) as Page;
      },
      update: (patch: Parameters<typeof service.update>[1]) => service.update(agent.id, patch),
    };
  }

  /** Index of the first event inside the backfill window at `now`; everything from there is in it. */
  function windowStart(now: number): number {
    const i = ingested.findIndex((e) => e.createdAt >= now - WINDOW_MS);
    return i === -1 ? ingested.length : i;
  }

  it('each pull returns exactly the slice the model expects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<FilterName>('all', 'github'),
        fc.array(opArb, { minLength: 5, maxLength: 60, size: 'max' }),
        async (initial, ops) => {
          const agent = await newAgent(initial);
          // The model. Positions are indices into `ingested`: "everything before this is acknowledged".
          let committed: number | null = null;
          let epoch = 1;
          let filter: FilterName = initial;
          let last: { cursor: string; epoch: number; position: number } | null = null;

          for (const op of ops) {
            switch (op.kind) {
              case 'ingest':
                await ingest(op.apps);
                break;
              case 'advance':
                portal.clock.advance(op.ms);
                break;
              case 'filter':
                await agent.update({ dataTypes: { activities: { filter: FILTERS[op.name].filter } } });
                filter = op.name;
                break;
              case 'reEnable': {
                await agent.update({ enabled: false });
                await expect(agent.pull({ limit: 1 })).rejects.toMatchObject({ code: 'AGENT_DISABLED' });
                await agent.update({ enabled: true });
                epoch += 1;
                committed = null;
                break;
              }
              case 'pull':
              case 'restart': {
                const cursor = op.kind === 'pull' ? last?.cursor : undefined;
                const page = await agent.pull({
                  ...(cursor === undefined ? {} : { cursor }),
                  limit: op.limit,
                });

                // A cursor of this epoch acknowledges; one from before a re-enable is ignored.
                if (cursor !== undefined && last !== null && last.epoch === epoch) committed = last.position;
                const now = portal.clock.now();
                const start = Math.max(committed ?? 0, windowStart(now));
                committed = start;
                const { matches } = FILTERS[filter];
                const candidates = ingested
                  .map((e, index) => ({ ...e, index }))
                  .filter((e) => e.index >= start && matches(e.app));
                const expected = candidates.slice(0, op.limit);
                const full = expected.length === op.limit;
                const position = full ? (expected.at(-1)?.index ?? 0) + 1 : ingested.length;

                const context = JSON.stringify({ op, committed, epoch, filter, now });
                expect(
                  page.events.map((e) => e.id),
                  context,
                ).toEqual(expected.map((e) => e.id));
                // Nothing from outside the window, whatever the committed position said.
                for (const e of page.events) expect(e.createdAt).toBeGreaterThanOrEqual(now - WINDOW_MS);
                // hasMore: never when the page is short or nothing follows it; always when a match does.
                if (!full || position === ingested.length) expect(page.hasMore, context).toBe(false);
                if (candidates.length > op.limit) expect(page.hasMore, context).toBe(true);
                last = { cursor: page.nextCursor, epoch, position };
                break;
              }
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('with every page acknowledged, the pulls together deliver each event in the window once, in ingest order', async () => {
    const stepArb = fc.record({
      batches: fc.array(appsArb, { maxLength: 3 }),
      // Under 48 h between two catch-ups, so nothing ages out of the window unseen.
      advanceMs: fc.integer({ min: 0, max: WINDOW_MS - 1 }),
      limit: limitArb,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<FilterName>('all', 'notBox'),
        fc.array(stepArb, { minLength: 1, maxLength: 12, size: 'max' }),
        async (filter, steps) => {
          const agent = await newAgent(filter);
          const delivered: string[] = [];
          let cursor: string | undefined;
          let firstStart: number | null = null;
          for (const step of steps) {
            for (const apps of step.batches) await ingest(apps);
            portal.clock.advance(step.advanceMs);
            firstStart ??= windowStart(portal.clock.now());
            // Catch up as an agent does: pull, acknowledging each page with the next pull, until no more.
            for (let i = 0; ; i += 1) {
              expect(i).toBeLessThan(500);
              const page = await agent.pull({
                ...(cursor === undefined ? {} : { cursor }),
                limit: step.limit,
              });
              delivered.push(...page.events.map((e) => e.id));
              cursor = page.nextCursor;
              if (!page.hasMore) break;
            }
          }
          const { matches } = FILTERS[filter];
          const expected = ingested.slice(firstStart ?? 0).filter((e) => matches(e.app));
          expect(new Set(delivered).size).toBe(delivered.length);
          expect(delivered).toEqual(expected.map((e) => e.id));
        },
      ),
      { numRuns: 40 },
    );
  });
});
