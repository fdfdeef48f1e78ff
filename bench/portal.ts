// The portal's two hot paths on SQLite and PostgreSQL: ingest (validate, policies, insert in
// ingest order) in-process and through the HTTP API as NDJSON, in batches of 5,000 (the API's
// largest), and the agent's pull over real HTTP (cursor, filter, JSON out), draining a backlog.
// Beside them the store's own floor: the same activities as rows built before the clock starts,
// written with the insert ingest uses (insertNewEvents, 5,000 rows a transaction) into a fresh
// store, so the ingest rates can be read against what the database takes on this machine.
// Set BENCH_PORTAL_EVENTS to change the backlog (default 200,000 activities).
import { performance } from 'node:perf_hooks';
import { BUILTIN_POLICIES, startPortal } from '@cloudsiem/portal';
import { activitySchema } from '@cloudsiem/protocol';
import { dropTestStore, openTestStore, storeTargets } from '../packages/portal/src/store/test-support.ts';
import { activityRow } from '../packages/portal/src/store/columns.ts';
import { insertNewEvents } from '../packages/portal/src/store/events.ts';
import { addFigure } from './results.ts';
import { createSimulator } from '@cloudsiem/portal/simulator';
import { makeActivities } from './records.ts';

const EVENTS = Number(process.env.BENCH_PORTAL_EVENTS ?? 200_000);
const BATCH = 5000;
/** Pages of the agent pull. */
const PULL_LIMITS = [1000, 5000];

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
}

/**
 * A pull, tried again once if the connection was reset: the keep-alive connection the ingest
 * left may have been closed by the server while this process was busy ingesting in-process, and
 * fetch only learns it when it reuses it. Re-reading a page is what an agent does too.
 */
async function pullOnce(url: string, headers: Record<string, string>): Promise<Response> {
  try {
    return await fetch(url, { headers });
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
    return fetch(url, { headers });
  }
}

/** The store's insert alone: rows built (validated, encoded) before the clock starts. */
async function storeFloor(target: Awaited<ReturnType<typeof storeTargets>>[number], records: unknown[]) {
  const rows = records.map((r) => activityRow({ ...activitySchema.parse(r), createdAt: Date.now() }));
  const store = await openTestStore(target);
  try {
    const started = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) {
      await store.db.transaction().execute(async (trx) => {
        await store.ops.lockIngest(trx);
        await insertNewEvents(trx, 'activities', rows.slice(i, i + BATCH));
      });
    }
    return (rows.length / (performance.now() - started)) * 1000;
  } finally {
    await store.dispose();
  }
}

export async function run(): Promise<void> {
  const records = makeActivities(EVENTS, 7).map(({ createdAt: _c, ...r }) => r);
  for (const target of await storeTargets()) {
    const floor = await storeFloor(target, records);
    console.log(
      `${target.name}: the store's insert alone (rows built beforehand, batches of ${BATCH}): ${Math.round(floor).toLocaleString('en-US')}/s`,
    );
    addFigure('portal', `store insert floor ${target.name}`, floor);
    const url = target.freshUrl();
    const portal = await startPortal({
      databaseUrl: url,
      port: 0,
      builtinPolicies: false,
      settings: { pullRatePerSecond: 1e6, pullBurst: 1e6 },
    });
    try {
      const admin = (await portal.services.admins.list())[0]!;
      await portal.services.policies.create(
        {
          name: 'bench: external share',
          severity: 'medium',
          filter: { category: { eq: ['EVENT_CATEGORY_SHARE_FILE'] } },
        },
        null,
      );
      let started = performance.now();
      let alerts = 0;
      for (let i = 0; i < records.length; i += BATCH) {
        alerts += (await portal.services.events.ingestActivities(records.slice(i, i + BATCH))).alertsRaised;
      }
      const ingestMs = performance.now() - started;
      addFigure('portal', `ingest in-process ${target.name}`, (EVENTS / ingestMs) * 1000);
      console.log(
        `${target.name}: ingest ${EVENTS.toLocaleString('en-US')} activities in batches of ${BATCH}: ${rate(EVENTS, ingestMs)} (${alerts} alerts raised)`,
      );

      // The same records again through the HTTP API (NDJSON, an ingest-scoped token), with new ids:
      // the route's parsing and the response on top of the service.
      const { token: ingestToken } = await portal.services.admins.createApiToken(admin.id, 'bench', 'ingest');
      const http = Math.min(EVENTS, 100_000);
      started = performance.now();
      for (let i = 0; i < http; i += BATCH) {
        const body = records
          .slice(i, Math.min(i + BATCH, http))
          .map((r) => JSON.stringify({ ...r, id: `http-${r.id}` }))
          .join('\n');
        const response = await fetch(`${portal.url}/api/v1/ingest/activities`, {
          method: 'POST',
          headers: { authorization: `Token ${ingestToken}`, 'content-type': 'application/x-ndjson' },
          body,
        });
        if (!response.ok) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
        await response.text();
      }
      const httpMs = performance.now() - started;
      addFigure('portal', `ingest HTTP ${target.name}`, (http / httpMs) * 1000);
      console.log(
        `${target.name}: ingest ${http.toLocaleString('en-US')} activities through the HTTP API (NDJSON, batches of ${BATCH}): ${rate(http, httpMs)}`,
      );

      // Simulated traffic (bursts, hostile strings) with the built-in policies, threshold ones included.
      await portal.services.policies.ensure(BUILTIN_POLICIES);
      const simulator = createSimulator({ seed: 5 });
      const simulated = Math.min(EVENTS, 100_000);
      let raised = 0;
      started = performance.now();
      for (let i = 0; i < simulated; i += BATCH) {
        raised += (await portal.services.events.ingestActivities(simulator.activities(BATCH))).alertsRaised;
      }
      console.log(
        `${target.name}: ingest ${simulated.toLocaleString('en-US')} simulated activities with the built-in policies: ${rate(simulated, performance.now() - started)} (${raised} alerts raised)`,
      );

      for (const limit of PULL_LIMITS) {
        const { token } = await portal.services.agents.create(admin.id, {
          name: `bench ${limit}`,
          syslog: { host: 'siem', port: 514 },
          dataTypes: {
            alerts: { enabled: false, filter: null },
            activities: { enabled: true, filter: null },
          },
        });
        const headers = { authorization: `Token ${token}` };
        let cursor: string | undefined;
        let pulled = 0;
        let bytes = 0;
        started = performance.now();
        for (;;) {
          const query = `limit=${limit}${cursor === undefined ? '' : `&cursor=${cursor}`}`;
          const response = await pullOnce(`${portal.url}/api/agent/v1/activities?${query}`, headers);
          const text = await response.text();
          bytes += Buffer.byteLength(text);
          const page = JSON.parse(text) as { events: unknown[]; nextCursor: string; hasMore: boolean };
          pulled += page.events.length;
          cursor = page.nextCursor;
          if (!page.hasMore) break;
        }
        const pullMs = performance.now() - started;
        addFigure('portal', `pull ${limit} ${target.name}`, (pulled / pullMs) * 1000);
        console.log(
          `${target.name}: agent pull over HTTP, pages of ${limit}: ${pulled.toLocaleString('en-US')} events, ${rate(pulled, pullMs)}, ${(bytes / pullMs / 1000).toFixed(1)} MB/s`,
        );
      }
    } finally {
      await portal.close();
      await dropTestStore(url);
    }
  }
}
