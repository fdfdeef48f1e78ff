// `npm run bench curves` (named only, not in the default set or CI): how the costs grow with the
// table. One portal per store (BENCH_CURVE_STORES, default sqlite; sqlite,postgres for both) grows
// its activities table through the ingest API in batches of 5,000 with the built-in policies on,
// to each size of BENCH_CURVE_SIZES (default 100000,1000000,10000000), the ingest rate recorded
// per step of a tenth of the way (a series against the table's size). At each size:
// - the whole path: a new `cloudsiem agent` child (its defaults) drains the table (or the first
//   BENCH_CURVE_DRAIN_MAX records) into the counting sink: events/s, its peak and idle RSS;
// - pull latency: 200 single `GET /api/agent/v1/activities?limit=1000` requests of another agent,
//   at cursors spread across the table (the bench writes `c1.<epoch>.<seq>` cursors from the
//   first one: it knows the format, DESIGN §6), p50/p99;
// - a list-API page of 1,000 with a filter (`POST /api/v1/activities`, category and user), at 20
//   skips 0, 15, … 285 (the same at every size), p50/p99.
// Writes bench/results/curves.json and docs/perf-curves.svg. A 10M table takes hours and ~8 GB of
// temporary NDJSON (and the database): run it on a quiet machine.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { activityFile } from './activity-file.ts';
import { startCountingSink } from './counting-sink.ts';
import { createSqliteDatabase } from './agent-path.ts';
import { stats } from './lib.ts';
import {
  adminToken,
  api,
  createAgent,
  createPgDatabase,
  drainWithCli,
  ingest,
  startPortalProcess,
  type Database,
} from './portal-process.ts';
import { machine, RESULTS_DIR, writeJson } from './results.ts';
import { curvesSvg } from './svg.ts';

const SIZES = (process.env.BENCH_CURVE_SIZES ?? '100000,1000000,10000000').split(',').map(Number);
const STORES = (process.env.BENCH_CURVE_STORES ?? 'sqlite').split(',');
const DRAIN_MAX = Number(process.env.BENCH_CURVE_DRAIN_MAX ?? Infinity);
const PULL_SAMPLES = 200;
const LIST_SAMPLES = 20;
const LIST_SKIP_STEP = 15;
const LIST_FILTER = {
  category: { eq: ['EVENT_CATEGORY_LOGIN'] },
  user: { eq: ['alice.johnson@contoso.com'] },
};
export const SVG_PATH = fileURLToPath(new URL('../docs/perf-curves.svg', import.meta.url));

export interface CurvePoint {
  size: number;
  drained: number;
  wholePathEventsPerS: number;
  agentPeakRssMB: number | null;
  agentIdleRssMB: number | null;
  pullMs: { p50: number; p99: number };
  listMs: { p50: number; p99: number };
}

export interface CurveStore {
  store: string;
  /** The ingest rate per step, against the table's size at the end of the step. */
  ingest: { size: number; eventsPerS: number }[];
  points: CurvePoint[];
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const f = (n: number) => Math.round(n).toLocaleString('en-US');

async function curve(database: Database): Promise<CurveStore> {
  console.log(`\n### ${database.label}`);
  const file = await activityFile(Math.max(...SIZES));
  const sink = await startCountingSink();
  const portal = await startPortalProcess(database.url);
  const result: CurveStore = { store: database.label, ingest: [], points: [] };
  try {
    const token = await adminToken(portal);
    let size = 0;
    let byte = 0;
    for (const target of SIZES) {
      const step = Math.max(5000, Math.ceil((target - size) / 10));
      while (size < target) {
        const to = Math.min(target, size + step);
        const { seconds, endByte } = await ingest(portal, token, file, { to: to - size, startByte: byte });
        byte = endByte;
        result.ingest.push({ size: to, eventsPerS: (to - size) / seconds });
        console.log(`  ingest to ${f(to)}: ${f((to - size) / seconds)}/s`);
        size = to;
      }
      const drained = Math.min(size, DRAIN_MAX);
      const drain = await drainWithCli(portal, token, sink, `curve drain ${size}`, drained);

      // Pull latency: a second agent, its first pull gives the cursor epoch; then jumps forward.
      const puller = await createAgent(portal, token, sink, `curve puller ${size}`);
      const pull = (cursor?: string) =>
        fetch(
          `${portal.url}/api/agent/v1/activities?limit=1000${cursor === undefined ? '' : `&cursor=${cursor}`}`,
          { headers: { authorization: `Token ${puller.token}` } },
        ).then(async (response) => {
          const text = await response.text();
          if (!response.ok) throw new Error(`pull: ${response.status} ${text.slice(0, 300)}`);
          return JSON.parse(text) as { nextCursor: string };
        });
      const first = await pull();
      const epoch = /^c1\.(\d+)\./.exec(first.nextCursor)?.[1] ?? '0';
      const pullMs: number[] = [];
      for (let i = 0; i < PULL_SAMPLES; i++) {
        const position = Math.floor((i / PULL_SAMPLES) * Math.max(0, size - 1000));
        pullMs.push(await timed(() => pull(`c1.${epoch}.${position}`)));
      }

      const listMs: number[] = [];
      for (let i = 0; i < LIST_SAMPLES; i++) {
        // The same skips at every size, inside the matches of the smallest table (~370 at 100k):
        // the table's size is the only thing that changes. A skip is O(skip) by nature (MDCA's
        // skip/limit), so skips that grew with the table would measure the skip, not the table.
        const skip = i * LIST_SKIP_STEP;
        const body = JSON.stringify({ filters: LIST_FILTER, skip, limit: 1000 });
        listMs.push(await timed(() => api(portal.url, 'POST', '/activities', { token, body })));
      }
      const point: CurvePoint = {
        size,
        drained,
        wholePathEventsPerS: drained / drain.seconds,
        agentPeakRssMB: drain.peakRss === null ? null : drain.peakRss / 1e6,
        agentIdleRssMB: drain.idleRss === null ? null : drain.idleRss / 1e6,
        pullMs: { p50: percentile(pullMs, 50), p99: percentile(pullMs, 99) },
        listMs: { p50: percentile(listMs, 50), p99: percentile(listMs, 99) },
      };
      result.points.push(point);
      const ingestAtSize = stats(
        result.ingest
          .filter((s) => s.size <= size)
          .slice(-3)
          .map((s) => s.eventsPerS),
      );
      console.log(
        `  ${f(size)} rows: whole path ${f(point.wholePathEventsPerS)} events/s (${f(drained)} drained), agent peak RSS ` +
          `${point.agentPeakRssMB?.toFixed(0) ?? '?'} MB; pull p50 ${point.pullMs.p50.toFixed(1)} ms, p99 ${point.pullMs.p99.toFixed(1)} ms; ` +
          `list p50 ${point.listMs.p50.toFixed(1)} ms, p99 ${point.listMs.p99.toFixed(1)} ms; ingest (last steps) ${f(ingestAtSize.median)}/s`,
      );
    }
  } finally {
    await portal.stop();
    await sink.close();
  }
  return result;
}

export async function run(): Promise<void> {
  const stores: CurveStore[] = [];
  for (const store of STORES) {
    const database = store === 'postgres' ? await createPgDatabase() : createSqliteDatabase();
    if ('skipped' in database) {
      console.log(`\n### PostgreSQL: skipped, ${database.skipped}`);
      continue;
    }
    try {
      stores.push(await curve(database));
    } finally {
      await database.drop();
    }
  }
  const path = `${RESULTS_DIR}curves.json`;
  await writeJson(path, { machine: machine(Math.max(...SIZES)), stores });
  writeFileSync(SVG_PATH, curvesSvg(stores));
  console.log(`\nwrote ${path} and ${SVG_PATH}`);
}
