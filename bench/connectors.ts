// `npm run bench connectors`: what a connector costs, measured in one run on this machine against
// the loopback fakes of test/upstream (documented behaviour, not Microsoft's service): records/s a
// real portal stores through its scheduler (upstream call → mapping → ingest with the built-in
// policies → checkpoint in the same transaction), API calls per 1,000 records, the drain time of a
// 100,000-record MDCA backlog under the 20 requests/min budget computed from the measured calls,
// and the duplicate re-reads the overlap causes in steady state.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectorInputSchema, type Connector } from '@cloudsiem/protocol';
import { startPortal, type Portal } from '../packages/portal/src/server.ts';
import { connectorRuntime } from '../packages/portal/src/connectors/runtime.ts';
import type { ConnectorRuntimeFactory } from '../packages/portal/src/connectors/scheduler.ts';
import { fakeMdca, makeActivities } from '../test/upstream/mdca.ts';
import { startFakeUpstream } from '../test/upstream/server.ts';

const RECORDS = Number(process.env.BENCH_CONNECTOR_RECORDS ?? 20_000);
const LEGACY_TOKEN = 'bench-legacy-token';

/** A clock ahead of the wall clock, so records created "just now" are past every settle time. */
const AHEAD_MS = 120_000;
const clock = { now: () => Date.now() + AHEAD_MS };

interface PollTotals {
  stored: number;
  duplicates: number;
}

/**
 * The bench lifts the connector's token bucket (the schema caps mdca at 30/min) so the measurement
 * shows the portal's own cost per call; the drain under the real budget is computed from it.
 */
const unthrottled: ConnectorRuntimeFactory = (definition, settings, options) =>
  connectorRuntime({ ...definition, requestsPerMinute: () => 1_000_000 }, settings, options);

async function hub(dir: string, polls: PollTotals[]): Promise<Portal> {
  return startPortal({
    databaseUrl: `sqlite:${join(dir, 'hub.db')}`,
    port: 0,
    clock,
    secretKey: randomBytes(32),
    connectorRuntimeFactory: unthrottled,
    connectorScheduler: { tickMs: 50 },
    logger: {
      info(obj, msg) {
        if (msg === 'Connector poll') polls.push(obj as PollTotals);
      },
      warn() {},
      error(obj, msg) {
        console.error(msg, obj);
      },
    },
  });
}

async function waitStored(portal: Portal, id: string, n: number): Promise<Connector> {
  for (;;) {
    const connector = await portal.services.connectors.get(id);
    if (connector.recordsStored >= n) return connector;
    if (connector.lastError !== null && connector.status === 'Connection error')
      throw new Error(`connector failed: ${connector.lastError.message}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-bench-connectors-'));
  const upstream = await startFakeUpstream();
  const rows: string[][] = [];
  try {
    // ---- mdca, pages of 100 (the documented cap), legacy token ----
    const mdca = fakeMdca({ legacyToken: LEGACY_TOKEN, requestsPerMinute: 1_000_000, now: clock.now });
    const start = clock.now() - 3600_000;
    mdca.activities.push(...makeActivities(RECORDS, { start, stepMs: 100, lateEvery: 10, equalRun: 3 }));
    upstream.mount('/mdca', mdca.handler);
    const polls: PollTotals[] = [];
    const portal = await hub(dir, polls);
    const admin = (await portal.services.admins.list())[0]!;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const created = await portal.services.connectors.create(
      admin.id,
      connectorInputSchema.parse({
        name: 'bench mdca',
        type: 'mdca',
        settings: {
          url: `${upstream.url}/mdca`,
          auth: 'token',
          dataTypes: { activities: true, alerts: false },
          pollSeconds: 3600,
        },
        secret: { token: LEGACY_TOKEN },
      }),
    );
    await waitStored(portal, created.id, RECORDS);
    const seconds = (performance.now() - t0) / 1000;
    const cpuS = cpuSeconds(cpu);
    const calls = mdca.calls;
    rows.push([
      'mdca activities, pages of 100',
      String(RECORDS),
      Math.round(RECORDS / seconds).toLocaleString('en-US'),
      (cpuS / (RECORDS / 1000)).toFixed(3),
      ((calls / RECORDS) * 1000).toFixed(1),
    ]);
    const perCallMs = (seconds * 1000) / calls;
    const backlogCalls = Math.ceil((100_000 / RECORDS) * calls);

    // Steady state: 5 minutes of new records (one per 2.5 s), then the next poll re-reads its overlap.
    const before = polls.length;
    const newest = clock.now() - 90_000;
    mdca.activities.push(
      ...makeActivities(120, { start: newest - 300_000, stepMs: 2500, firstN: RECORDS + 10 }),
    );
    await portal.services.connectors.sync(created.id);
    await waitStored(portal, created.id, RECORDS + 120);
    await new Promise((r) => setTimeout(r, 300));
    const steady = polls
      .slice(before)
      .reduce((sum, p) => ({ stored: sum.stored + p.stored, duplicates: sum.duplicates + p.duplicates }), {
        stored: 0,
        duplicates: 0,
      });
    await portal.close();

    // ---- cloudsiem, pages of 1,000: a second portal's list API ----
    const spoke = await startPortal({
      databaseUrl: `sqlite:${join(dir, 'spoke.db')}`,
      port: 0,
      builtinPolicies: false,
      logger: { info() {}, warn() {}, error: (obj, msg) => console.error(msg, obj) },
    });
    const spokeAdmin = (await spoke.services.admins.list())[0]!;
    const { token } = await spoke.services.admins.createApiToken(spokeAdmin.id, 'bench', 'read');
    for (let i = 0; i < RECORDS; i += 5000) {
      await spoke.services.events.ingestActivities(
        makeActivities(Math.min(5000, RECORDS - i), { start, firstN: i }).map((r, k) => ({
          id: `spoke-${i + k}`,
          timestamp: (r.timestamp as number) ?? start,
          category: 'EVENT_CATEGORY_LOGIN',
          action: 'Log on',
          description: 'Log on',
          user: `user${k % 50}@contoso.com`,
          appName: 'Box',
          appIds: ['APPID_BOX'],
          ip: '13.82.149.151',
        })),
      );
    }
    const hubPolls: PollTotals[] = [];
    const hub2 = await hub(mkdtempSync(join(dir, 'hub2-')), hubPolls);
    const hub2Admin = (await hub2.services.admins.list())[0]!;
    const cpu2 = process.cpuUsage();
    const t1 = performance.now();
    const origin = spoke.url;
    const createdSpoke = await hub2.services.connectors.create(
      hub2Admin.id,
      connectorInputSchema.parse({
        name: 'bench spoke',
        type: 'cloudsiem',
        settings: { url: origin, dataTypes: { activities: true, alerts: false }, pollSeconds: 3600 },
        secret: { token },
      }),
    );
    const done = await waitStored(hub2, createdSpoke.id, RECORDS);
    const seconds2 = (performance.now() - t1) / 1000;
    const cpuS2 = cpuSeconds(cpu2);
    const listCalls = Math.ceil(RECORDS / 1000) + 1;
    rows.push([
      'cloudsiem activities, pages of 1,000',
      String(done.recordsStored),
      Math.round(RECORDS / seconds2).toLocaleString('en-US'),
      (cpuS2 / (RECORDS / 1000)).toFixed(3),
      ((listCalls / RECORDS) * 1000).toFixed(1),
    ]);
    await hub2.close();
    await spoke.close();

    console.log(
      '| connector | records | records/s stored | CPU s per 1,000 (both portals, this process) | API calls per 1,000 |',
    );
    console.log('|---|--:|--:|--:|--:|');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log(
      `\nmdca: ${calls} list calls for ${RECORDS} records, ${perCallMs.toFixed(1)} ms of portal work per call ` +
        `(bucket lifted for the measurement). A 100,000-record backlog needs ${backlogCalls} calls; ` +
        `at 20 requests/min that is ${backlogCalls} / 20 = ${(backlogCalls / 20).toFixed(0)} min, ` +
        `of which the portal works ${((backlogCalls * perCallMs) / 60_000).toFixed(1)} min: the budget, not the CPU, is the limit.`,
    );
    console.log(
      `mdca steady state: the next poll re-read ${steady.duplicates} records already stored — those created in ` +
        `the 5-minute overlap before the checkpoint (the backlog ran at 10 records/s: 10 × 300 = 3,000) — and ` +
        `stored ${steady.stored} new ones; ingest dropped the re-reads by id. At a steady rate with pollSeconds ` +
        `300 and the 300 s overlap that is about one duplicate re-read per record. cloudsiem: the {from, skip} ` +
        `checkpoint re-reads nothing (${hubPolls.reduce((s, p) => s + p.duplicates, 0)} duplicates in the drain).`,
    );
    console.log(
      'cloudsiem calls per 1,000 are counted from its pages (one list call per 1,000 and one empty page at the end).',
    );
  } finally {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
