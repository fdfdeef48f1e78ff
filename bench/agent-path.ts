// The whole path: a real portal (`cloudsiem portal`, a CHILD process, on a temporary SQLite file
// and then on a throwaway PostgreSQL database) holding a backlog of activities ingested through
// the admin API in batches of 5,000 before the clock starts (the ingest rate is reported too),
// and a fresh shipped `cloudsiem agent` child per round (its defaults: no NODE_OPTIONS, no unit
// file), created through the admin API so that it backfills the whole backlog, draining into a
// counting TCP sink (another child). Interleaved with it, round by round: syslog-ng reading the
// same records from the NDJSON file into the same CEF and sink (syslog-ng.ts; the fairness check
// compares a sample of both senders' lines with our encoder's). The portal is restarted after the
// ingest, so its CPU and RSS are those of serving. Then, once, a diagnostic drain by startAgent +
// createPortalClient in this process: how much of the wall time the agent waits for pulls.
// Targets (issue 12): on SQLite >= 2.5x syslog-ng's events/s, on PostgreSQL >= 2x; the agent's
// peak RSS under 150 MB, idle under 70 MB.
// BENCH_EVENTS sets the backlog (default 1,000,000), BENCH_ROUNDS the rounds (default 3),
// BENCH_PATH_STORES the stores (default sqlite,postgres), BENCH_PAGE_SIZE the in-process agent's
// page (default the agent's, 1,000); BENCH_AGENT_CLI and BENCH_AGENT_NODE_FLAGS run another build
// of `cloudsiem agent` or add node flags to it; BENCH_PROFILE=1 adds a CPU profile run of the
// in-process agent and of the portal (BENCH_PROFILE_DIR keeps the profiles).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPortalClient, DEFAULT_PAGE_SIZE, startAgent } from '@cloudsiem/agent';
import type { CefSettings } from '@cloudsiem/cef';
import { activityFile, type ActivityFile } from './activity-file.ts';
import { benchLogger, eventsPerSecond, measureAgent, printAgentRun, timedClient } from './agent-run.ts';
import { startCountingSink, type CountingSink } from './counting-sink.ts';
import {
  keepProfile,
  PROFILING,
  printProfile,
  profileCpu,
  readProfileDir,
  summarizeProfile,
} from './cpu-profile.ts';
import { checkFairness, fairnessText, sampleEvery } from './fairness.ts';
import {
  AGENT_BUILD,
  adminToken,
  createAgent,
  createPgDatabase,
  drainWithCli,
  ingest,
  INGEST_BATCH,
  startPortalProcess,
  type Database,
  type PortalProcess,
} from './portal-process.ts';
import { childCpu, childRss, mb } from './process-stats.ts';
import { BENCH_SETTINGS } from './records.ts';
import { addFigure, addNote, interleave, type Contender } from './results.ts';
import { findSyslogNg, runSyslogNg, type SyslogNgTool } from './syslog-ng.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? DEFAULT_PAGE_SIZE);
const STORES = (process.env.BENCH_PATH_STORES ?? 'sqlite,postgres').split(',');
const TARGET_TIMES_SYSLOG_NG: Record<string, number> = { SQLite: 2.5, PostgreSQL: 2 };
const TARGET_PEAK_RSS = 150e6;
const TARGET_IDLE_RSS = 70e6;

/** The backlog drained by a new agent in this process (it backfills from the first event). */
async function drainInProcess(
  portal: PortalProcess,
  adminApiToken: string,
  sink: CountingSink,
  name: string,
) {
  const { token } = await createAgent(portal, adminApiToken, sink, name);
  const client = timedClient(
    createPortalClient({ portalUrl: portal.url, token, userAgent: 'cloudsiem-bench' }),
  );
  const portalCpu = childCpu(portal.pid);
  let portalCpuSeconds: number | null = null;
  const run = await measureAgent(
    sink,
    EVENTS,
    () => startAgent({ client, logger: benchLogger, pageSize: PAGE_SIZE, hostName: 'siem-agent-01' }),
    () => (portalCpuSeconds = portalCpu?.seconds() ?? null),
  );
  return { run, pullSeconds: client.pullSeconds, portalCpuSeconds: portalCpuSeconds as number | null };
}

const f = (n: number) => Math.round(n).toLocaleString('en-US');
const met = (ok: boolean) => (ok ? 'met' : 'not met');

/** A temporary SQLite file. */
export function createSqliteDatabase(): Database {
  const directory = mkdtempSync(join(tmpdir(), 'cloudsiem-bench-path-'));
  const path = join(directory, 'portal.db');
  return {
    url: `sqlite:${path}`,
    label: 'SQLite',
    drop: () => Promise.resolve(rmSync(directory, { recursive: true, force: true })),
  };
}

async function wholePath(
  database: Database,
  file: ActivityFile,
  sink: CountingSink,
  syslogNg: SyslogNgTool | null,
): Promise<void> {
  console.log(`\n### ${database.label}`);
  let portal = await startPortalProcess(database.url);
  try {
    const token = await adminToken(portal);
    const { seconds: ingestSeconds } = await ingest(portal, token, file);
    const sqliteFile = database.url.startsWith('sqlite:') ? database.url.slice('sqlite:'.length) : null;
    console.log(
      `backlog: ${f(EVENTS)} activities (${f(file.bytes / EVENTS)} bytes of JSON each) ingested through the API in batches of ` +
        `${f(INGEST_BATCH)} in ${ingestSeconds.toFixed(1)} s (${f(EVENTS / ingestSeconds)}/s, built-in policies on)` +
        (sqliteFile === null ? '' : `; SQLite file ${mb(statSync(sqliteFile).size)}`),
    );
    addFigure('agent-path', `ingest ${database.label}`, {
      eventsPerS: EVENTS / ingestSeconds,
      seconds: ingestSeconds,
      batch: INGEST_BATCH,
    });
    await portal.stop();
    portal = await startPortalProcess(database.url);

    const every = sampleEvery(EVENTS);
    // What `cloudsiem agent` encodes with: this host's name and the portal's URL in the links.
    const settings: CefSettings = { ...BENCH_SETTINGS, systemName: hostname(), portalUrl: portal.url };
    const idle: number[] = [];
    const portalCpu: number[] = [];
    const contenders: Contender[] = [];
    if (syslogNg !== null)
      contenders.push({
        name: `syslog-ng ${syslogNg.version} (from the file)`,
        reference: true,
        async run() {
          const peer = await runSyslogNg(syslogNg, file.path, file.records, sink, every, settings);
          console.log(
            `  ${fairnessText('syslog-ng', await checkFairness('syslog-ng', peer.sink.samples, file.path, settings))}`,
          );
          return { events: file.records, ...peer };
        },
      });
    let round = 0;
    const current = portal;
    contenders.push({
      name: `portal (${database.label}) → cloudsiem agent${AGENT_BUILD === '' ? '' : ` (${AGENT_BUILD})`}`,
      async run() {
        const drain = await drainWithCli(current, token, sink, `bench drain ${++round}`, EVENTS, every);
        console.log(
          `  ${fairnessText('cloudsiem agent', await checkFairness('cloudsiem agent', drain.sink.samples, file.path, settings, ['cs4']))}`,
        );
        if (drain.idleRss !== null) idle.push(drain.idleRss);
        if (drain.portalCpuSeconds !== null) portalCpu.push((drain.portalCpuSeconds / EVENTS) * 1e6);
        return {
          events: EVENTS,
          seconds: drain.seconds,
          cpuSeconds: drain.agentCpuSeconds ?? NaN,
          peakRss: drain.peakRss ?? NaN,
        };
      },
    });
    const comparison = await interleave(
      `agent-path-${database.label.toLowerCase()}`,
      `whole path on ${database.label}: portal → cloudsiem agent (child, its defaults) → TCP sink, against syslog-ng`,
      EVENTS,
      contenders,
    );
    const ours = comparison.contenders.at(-1)!;
    const idleMedian = idle.length === 0 ? NaN : idle.sort((a, b) => a - b)[Math.floor(idle.length / 2)]!;
    const portalMedian =
      portalCpu.length === 0 ? NaN : portalCpu.sort((a, b) => a - b)[Math.floor(portalCpu.length / 2)]!;
    addNote(
      comparison,
      `cloudsiem agent idle (config read, before the drain) ${mb(idleMedian)} median; portal ${portalMedian.toFixed(1)} CPU-s/M events while serving, peak RSS ${mb(childRss(portal.pid)?.peak ?? NaN)}`,
    );
    addFigure('agent-path', `agent idle RSS MB ${database.label}`, idleMedian / 1e6);
    addFigure('agent-path', `portal CPU-s/M ${database.label}`, portalMedian);
    const ratio = syslogNg === null ? undefined : ours.ratios[comparison.references[0]!];
    const target = TARGET_TIMES_SYSLOG_NG[database.label] ?? 2;
    addNote(
      comparison,
      `target >= ${target}x syslog-ng: ${ratio === undefined ? 'no peer' : met(ratio.median >= target)}; ` +
        `peak RSS < ${mb(TARGET_PEAK_RSS)}: ${met(ours.peakRssMB.max * 1e6 < TARGET_PEAK_RSS)}; ` +
        `idle < ${mb(TARGET_IDLE_RSS)}: ${met(idleMedian < TARGET_IDLE_RSS)}`,
    );

    const inProcess = await drainInProcess(portal, token, sink, 'bench drain, in process');
    const label = `diagnostic: agent in this process, pages of ${f(PAGE_SIZE)}:`;
    printAgentRun(label, inProcess.run);
    const pullShare = inProcess.pullSeconds / inProcess.run.seconds;
    addNote(
      comparison,
      `in-process agent (pages of ${f(PAGE_SIZE)}): ${f(eventsPerSecond(inProcess.run))} events/s, waiting for pulls ` +
        `(HTTP round trip: portal, transfer, body, JSON.parse) ${(pullShare * 100).toFixed(0)} % of the wall time`,
    );
    addFigure('agent-path', `in-process pull share ${database.label}`, pullShare);

    if (PROFILING) {
      await portal.stop();
      const profiles = mkdtempSync(join(tmpdir(), 'cloudsiem-bench-profiles-'));
      portal = await startPortalProcess(database.url, ['--cpu-prof', `--cpu-prof-dir=${profiles}`]);
      const { result, profile } = await profileCpu(() =>
        drainInProcess(portal, token, sink, 'bench drain, profiled'),
      );
      await portal.stop();
      console.log(`  profiled run: ${f(eventsPerSecond(result.run))} events/s`);
      keepProfile('agent-path-agent', profile);
      printProfile('agent process', summarizeProfile(profile), EVENTS);
      const portalProfile = readProfileDir(profiles);
      if (portalProfile !== null) {
        keepProfile('agent-path-portal', portalProfile);
        printProfile('portal process (its start included)', summarizeProfile(portalProfile), EVENTS);
      }
      rmSync(profiles, { recursive: true, force: true });
    }
  } finally {
    await portal.stop();
  }
}

export async function run(): Promise<void> {
  const file = await activityFile(EVENTS);
  const sink = await startCountingSink();
  const syslogNg = findSyslogNg();
  if (syslogNg === null) console.log('  syslog-ng not found (.tools/syslog-ng or PATH): no peer in this run');
  try {
    for (const store of STORES) {
      const database = store === 'postgres' ? await createPgDatabase() : createSqliteDatabase();
      if ('skipped' in database) {
        console.log(`\n### PostgreSQL: skipped, ${database.skipped}`);
        addFigure('agent-path', 'PostgreSQL skipped', database.skipped);
        continue;
      }
      try {
        await wholePath(database, file, sink, syslogNg);
      } finally {
        await database.drop();
      }
    }
  } finally {
    await sink.close();
  }
}
