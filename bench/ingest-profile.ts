// Ingest alone, in-process and over HTTP (NDJSON), batches of 5,000, built-in policies on, into a
// fresh store: the rate per phase and, with BENCH_PROFILE=1, where the CPU time goes. Bodies are
// built before the clock starts. Usage: tsx bench/ingest-profile.ts [sqlite|postgres] [events]
import { performance } from 'node:perf_hooks';
import { startPortal } from '@cloudsiem/portal';
import { dropTestStore, storeTargets } from '../packages/portal/src/store/test-support.ts';
import { makeActivities } from './records.ts';
import { PROFILING, printProfile, profileCpu, summarizeProfile, keepProfile } from './cpu-profile.ts';

const BATCH = 5000;
const storeName = process.argv[2] ?? 'sqlite';
const EVENTS = Number(process.argv[3] ?? 100_000);
const MODES = (process.env.INGEST_MODES ?? 'inproc,http').split(',');

const target = (await storeTargets()).find((t) => t.name === storeName);
if (target === undefined) throw new Error(`no store ${storeName}`);
const records = makeActivities(EVENTS * MODES.length, 7).map(({ createdAt: _c, ...r }) => r);
const url = target.freshUrl();
const portal = await startPortal({
  databaseUrl: url,
  port: 0,
  settings: { pullRatePerSecond: 1e6, pullBurst: 1e6 },
});
try {
  const admin = (await portal.services.admins.list())[0]!;
  const { token } = await portal.services.admins.createApiToken(admin.id, 'bench', 'ingest');
  let offset = 0;
  for (const mode of MODES) {
    const slice = records.slice(offset, offset + EVENTS);
    offset += EVENTS;
    const bodies: string[] = [];
    if (mode === 'http')
      for (let i = 0; i < slice.length; i += BATCH)
        bodies.push(
          slice
            .slice(i, i + BATCH)
            .map((r) => JSON.stringify(r))
            .join('\n'),
        );
    if (mode === 'floor') {
      const { activitySchema } = await import('@cloudsiem/protocol');
      const { activityRow } = await import('../packages/portal/src/store/columns.ts');
      const { insertNewEvents } = await import('../packages/portal/src/store/events.ts');
      const rows = slice.map((r) => activityRow({ ...activitySchema.parse(r), createdAt: Date.now() }));
      const { db, ops } = portal.context.store;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let i = 0; i < rows.length; i += BATCH)
        await db.transaction().execute(async (trx) => {
          await ops.lockIngest(trx);
          await insertNewEvents(trx, 'activities', rows.slice(i, i + BATCH));
        });
      const ms = performance.now() - t0;
      const used = process.cpuUsage(c0);
      console.log(
        `${storeName} floor: ${rows.length} rows in ${ms.toFixed(0)} ms = ${Math.round((rows.length / ms) * 1000)}/s, CPU ${(((used.user + used.system) / 1000 / rows.length) * 1000).toFixed(1)} µs/row`,
      );
      continue;
    }
    const batches =
      mode === 'inproc'
        ? Array.from({ length: slice.length / BATCH }, (_, i) => slice.slice(i * BATCH, (i + 1) * BATCH))
        : [];
    const work = async () => {
      let alerts = 0;
      if (mode === 'inproc') {
        // INGEST_STEP: the rate of every step of that many rows, to see whether it stays flat as the table grows.
        const step = Number(process.env.INGEST_STEP ?? 0);
        let stepStarted = performance.now();
        let done = 0;
        for (const batch of batches) {
          alerts += (await portal.services.events.ingestActivities(batch)).alertsRaised;
          done += batch.length;
          if (step > 0 && done % step === 0) {
            const now = performance.now();
            console.log(
              `  rows ${done}: ${Math.round((step / (now - stepStarted)) * 1000)}/s over the last ${step}`,
            );
            stepStarted = now;
          }
        }
      } else {
        for (const body of bodies) {
          const response = await fetch(`${portal.url}/api/v1/ingest/activities`, {
            method: 'POST',
            headers: { authorization: `Token ${token}`, 'content-type': 'application/x-ndjson' },
            body,
          });
          const result = (await response.json()) as { alertsRaised: number; rejected: unknown[] };
          if (!response.ok || result.rejected.length > 0)
            throw new Error(JSON.stringify(result).slice(0, 500));
          alerts += result.alertsRaised;
        }
      }
      return alerts;
    };
    const started = performance.now();
    const cpu = process.cpuUsage();
    const { result: alerts, profile } = PROFILING
      ? await profileCpu(work)
      : { result: await work(), profile: null };
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    console.log(
      `${storeName} ${mode}: ${slice.length} activities in ${ms.toFixed(0)} ms = ${Math.round((slice.length / ms) * 1000)}/s, ` +
        `CPU ${(((used.user + used.system) / 1000 / slice.length) * 1000).toFixed(1)} µs/row, ${alerts} alerts`,
    );
    console.log();
    if (profile !== null) {
      printProfile(`${storeName} ${mode}`, summarizeProfile(profile), slice.length);
      keepProfile(`ingest-${storeName}-${mode}`, profile);
    }
  }
} finally {
  await portal.close();
  await dropTestStore(url);
}
