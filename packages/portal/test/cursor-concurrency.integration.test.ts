// The agent cursor never skips an event when ingest transactions from several portal processes
// commit out of order (DESIGN §6). PostgreSQL only: SQLite has a single writer by construction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/db.ts';
import { openTestStore, storeTargets, dropTestStore } from '../src/store/test-support.ts';
import { insertNewEvents } from '../src/store/events.ts';
import { activityRow, type StoredActivity } from '../src/store/columns.ts';
import { createServices, type PortalServices } from '../src/services/index.ts';
import { DEFAULT_SETTINGS, silentLogger, systemClock, type PortalContext } from '../src/context.ts';
import type { AgentRow } from '../src/services/agents.ts';

const postgres = (await storeTargets()).find((t) => t.name === 'postgres');

function contextFor(store: Store): PortalContext {
  return {
    store,
    clock: systemClock,
    logger: silentLogger,
    settings: {
      ...DEFAULT_SETTINGS,
      publicUrl: 'http://portal.test',
      pullRatePerSecond: 1e6,
      pullBurst: 1e6,
    },
  };
}

let counter = 0;
function activity(): StoredActivity {
  counter += 1;
  return {
    id: `act-${counter}-${Math.random().toString(36).slice(2)}`,
    timestamp: Date.now(),
    createdAt: Date.now(),
    category: 'EVENT_CATEGORY_LOGIN',
    action: 'Log on',
    description: '',
    user: `user${counter % 7}@contoso.com`,
    appName: 'Box',
    appIds: ['APPID_BOX'],
    ip: '10.0.0.1',
    userAgent: null,
    targetObjects: [],
    policyIds: [],
  };
}

interface Page {
  events: { id: string }[];
  nextCursor: string;
  hasMore: boolean;
}

/** Pulls until the portal has nothing more right now; returns the ids and the last cursor. */
async function drain(services: PortalServices, agent: AgentRow, cursor: string | undefined) {
  const ids: string[] = [];
  let next = cursor;
  for (;;) {
    const page = JSON.parse(
      (
        await services.agents.pull(agent, 'activities', {
          limit: 50,
          ...(next === undefined ? {} : { cursor: next }),
        })
      ).toString(),
    ) as Page;
    ids.push(...page.events.map((e) => e.id));
    next = page.nextCursor;
    if (!page.hasMore && page.events.length < 50) return { ids, cursor: next };
  }
}

describe.skipIf(postgres === undefined)('cursor under concurrent ingest on PostgreSQL', () => {
  let url: string;
  let reader: Store;
  let services: PortalServices;
  let agent: AgentRow;

  beforeAll(async () => {
    const fresh = await openTestStore(postgres!);
    url = fresh.url;
    await fresh.close();
    reader = await openStore(url);
    services = createServices(contextFor(reader));
    await services.admins.ensureFirstAdmin('a long enough password');
    const [admin] = await services.admins.list();
    const { token } = await services.agents.create(admin!.id, {
      name: 'reader',
      syslog: { host: 'siem', port: 514 },
    });
    agent = await services.agents.authenticate(token);
  });

  afterAll(async () => {
    await reader.close();
    await dropTestStore(url);
  });

  /** Holds an ingest transaction open (seqs taken, not committed) until `release` is called. */
  function openIngest(store: Store, rows: StoredActivity[], withLock: boolean) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
    const done = store.db.transaction().execute(async (trx) => {
      if (withLock) await store.ops.lockIngest(trx);
      await insertNewEvents(trx, 'activities', rows.map(activityRow));
      inserted();
      await released;
    });
    return { release, insertedYet, done };
  }

  it('a later batch waits for an earlier uncommitted one, so the reader never jumps past it', async () => {
    const a = await openStore(url);
    const b = await openStore(url);
    try {
      const start = await drain(services, agent, undefined);
      const first = [activity(), activity()];
      const second = [activity(), activity()];
      const slow = openIngest(a, first, true);
      await slow.insertedYet;
      const fast = b.db.transaction().execute(async (trx) => {
        await b.ops.lockIngest(trx);
        await insertNewEvents(trx, 'activities', second.map(activityRow));
      });
      await new Promise((r) => setTimeout(r, 200));
      const during = await drain(services, agent, start.cursor);
      expect(during.ids).toEqual([]); // nothing committed yet: the second batch waits for the lock
      slow.release();
      await Promise.all([slow.done, fast]);
      const after = await drain(services, agent, during.cursor);
      expect(after.ids).toEqual([...first, ...second].map((r) => r.id));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('without the ingest lock the same interleaving would skip events (the hazard the lock removes)', async () => {
    const a = await openStore(url);
    const b = await openStore(url);
    try {
      const start = await drain(services, agent, undefined);
      const first = [activity()];
      const second = [activity()];
      const slow = openIngest(a, first, false);
      await slow.insertedYet;
      await b.db.transaction().execute(async (trx) => {
        await insertNewEvents(trx, 'activities', second.map(activityRow));
      });
      const during = await drain(services, agent, start.cursor);
      expect(during.ids).toEqual(second.map((r) => r.id));
      slow.release();
      await slow.done;
      const after = await drain(services, agent, during.cursor);
      expect(after.ids).toEqual([]); // the first batch committed below the cursor: skipped
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('four portals ingesting concurrently while an agent pulls: every event delivered exactly once', async () => {
    const writers = await Promise.all([0, 1, 2, 3].map(() => openStore(url)));
    try {
      const start = await drain(services, agent, undefined);
      const ingested: string[] = [];
      let writing = true;
      const write = async (store: Store) => {
        const events = createServices(contextFor(store)).events;
        for (let batch = 0; batch < 25; batch += 1) {
          const records = Array.from({ length: 1 + Math.floor(Math.random() * 40) }, () => {
            const { createdAt: _c, ...input } = activity();
            return input;
          });
          const result = await events.ingestActivities(records);
          expect(result.accepted).toBe(records.length);
          ingested.push(...records.map((r) => r.id));
        }
      };
      const delivered: string[] = [];
      const read = async () => {
        let cursor = start.cursor;
        while (writing) {
          const page = await drain(services, agent, cursor);
          delivered.push(...page.ids);
          cursor = page.cursor;
        }
        const rest = await drain(services, agent, cursor);
        delivered.push(...rest.ids);
      };
      const reading = read();
      await Promise.all(writers.map(write));
      writing = false;
      await reading;
      expect(ingested.length).toBeGreaterThan(100);
      expect(delivered.length).toBe(ingested.length);
      expect(new Set(delivered)).toEqual(new Set(ingested));
    } finally {
      await Promise.all(writers.map((w) => w.close()));
    }
  });
});
