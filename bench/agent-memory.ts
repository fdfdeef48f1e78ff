// `npm run bench agent-memory` (named only): the shipped `cloudsiem agent` child, with its
// defaults (no NODE_OPTIONS, no unit file), draining a long backlog (BENCH_MEMORY_EVENTS, default
// 10,000,000) while its RSS is sampled every second: does the agent's memory stay flat with the
// length of the drain? A 10M-row portal takes most of an hour to fill on this machine; the agent's
// memory does not depend on where the pages come from, so a real portal (SQLite) serves one real
// page of 1,000 activities (and the agent's config) once, and a replay server then answers every
// pull with those bytes behind a moving cursor until the backlog is served. The sink counts every
// line. What it leaves out: the portal's own speed (agent-path and curves measure that).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { activityFile } from './activity-file.ts';
import { startCountingSink, type CountingSink } from './counting-sink.ts';
import {
  adminToken,
  createAgent,
  ingest,
  readLines,
  showErrors,
  startPortalProcess,
} from './portal-process.ts';
import { childRss, mb } from './process-stats.ts';
import { addFigure, writeResults } from './results.ts';

const EVENTS = Number(process.env.BENCH_MEMORY_EVENTS ?? 10_000_000);
const PAGE = 1000;
const CLI = fileURLToPath(new URL('../packages/cli/bin/cloudsiem.js', import.meta.url));
const TARGET_PEAK_MB = 150;
const TARGET_IDLE_MB = 70;

/** A real portal's answers for one agent: its config and the bytes of one page of activities. */
async function realAnswers(sink: CountingSink): Promise<{ token: string; config: string; events: string }> {
  const file = await activityFile(PAGE);
  const dir = mkdtempSync(`${tmpdir()}/cloudsiem-agent-memory-`);
  const portal = await startPortalProcess(`sqlite:${dir}/portal.db`);
  try {
    const admin = await adminToken(portal);
    await ingest(portal, admin, file);
    const { token } = await createAgent(portal, admin, sink, 'agent-memory');
    const headers = { authorization: `Token ${token}` };
    const config = await (await fetch(`${portal.url}/api/agent/v1/config`, { headers })).text();
    const page = await (
      await fetch(`${portal.url}/api/agent/v1/activities?limit=${PAGE}`, { headers })
    ).text();
    const events = JSON.stringify((JSON.parse(page) as { events: unknown[] }).events);
    if ((JSON.parse(events) as unknown[]).length !== PAGE) throw new Error('the portal served a short page');
    return { token, config, events };
  } finally {
    await portal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Serves the config and the page again and again, `total` events in all, then empty pages. */
async function replayPortal(config: string, events: string, total: number) {
  const etag = `"v${(JSON.parse(config) as { version: number }).version}"`;
  let served = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://replay');
    const json = (body: string) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (url.pathname.endsWith('/config')) {
      if (req.headers['if-none-match'] !== etag) {
        res.writeHead(200, { 'content-type': 'application/json', etag });
        res.end(config);
        return;
      }
      // The long poll: unchanged, answered when the wait is over (or at once without one).
      const wait = Math.min(60, Number(url.searchParams.get('wait') ?? 0));
      const timer = setTimeout(() => res.writeHead(304).end(), wait * 1000);
      res.on('close', () => clearTimeout(timer));
    } else if (url.pathname.endsWith('/heartbeat')) {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    } else {
      const cursor = url.searchParams.get('cursor') ?? 'c1.0.0';
      const committed = url.searchParams.get('ack') ?? cursor;
      const position = Number(cursor.split('.')[2] ?? 0);
      const more = url.pathname.endsWith('/activities') && served < total;
      if (more) served += PAGE;
      json(
        more
          ? `{"events":${events},"cursor":"${cursor}","nextCursor":"c1.0.${position + PAGE}","committed":"${committed}","hasMore":true}`
          : `{"events":[],"cursor":"${cursor}","nextCursor":"${cursor}","committed":"${committed}","hasMore":false}`,
      );
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

export async function run(): Promise<void> {
  const sink = await startCountingSink();
  const { token, config, events } = await realAnswers(sink);
  const replay = await replayPortal(config, events, EVENTS);
  const env: NodeJS.ProcessEnv = { ...process.env, CLOUDSIEM_TOKEN: token };
  delete env.NODE_OPTIONS;
  const { done } = await sink.expect(EVENTS, 0);
  const child = spawn(process.execPath, [CLI, 'agent', '--portal-url', replay.url], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let idle: number | null = null;
  readLines(child, (line) => {
    if (idle === null && line.includes('"msg":"Config applied"')) idle = childRss(child.pid!)?.rss ?? null;
    showErrors('cloudsiem agent', line);
  });
  // RSS once a second from the config on (the drain); printed at every tenth of it.
  const series: { rssMB: number }[] = [];
  let printed = 0;
  const sampler = setInterval(() => {
    const rss = childRss(child.pid!);
    if (rss !== null && idle !== null) series.push({ rssMB: rss.rss / 1e6 });
  }, 1000);
  const progress = setInterval(() => {
    void sink.count().then(({ lines }) => {
      const tenth = Math.floor((lines * 10) / EVENTS);
      if (tenth > printed) {
        printed = tenth;
        const rss = childRss(child.pid!);
        console.log(
          `  ${lines.toLocaleString('en-US')} lines: RSS ${rss === null ? '—' : mb(rss.rss)}, peak so far ${rss === null ? '—' : mb(rss.peak)}`,
        );
      }
    });
  }, 2000);
  try {
    const counted = await Promise.race([
      done,
      exited.then(([code]): never => {
        throw new Error(`cloudsiem agent exited (code ${String(code)}) before the sink had every line`);
      }),
    ]);
    const peak = childRss(child.pid!)?.peak ?? NaN;
    const rss = series.map((s) => s.rssMB);
    const tenth = Math.max(1, Math.floor(rss.length / 10));
    const firstTenth = rss.slice(0, tenth);
    const lastTenth = rss.slice(-tenth);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const result = {
      events: EVENTS,
      seconds: counted.spanSeconds,
      eventsPerS: EVENTS / counted.spanSeconds,
      idleRssMB: idle === null ? null : idle / 1e6,
      peakRssMB: peak / 1e6,
      meanRssFirstTenthMB: mean(firstTenth),
      meanRssLastTenthMB: mean(lastTenth),
    };
    addFigure('agent-memory', 'cloudsiem agent (defaults) draining from a replayed page', result);
    await writeResults('agent-memory.json', EVENTS);
    console.log(
      `  cloudsiem agent, ${EVENTS.toLocaleString('en-US')} events in ${counted.spanSeconds.toFixed(0)} s: ` +
        `idle ${result.idleRssMB?.toFixed(1) ?? '—'} MB, peak ${result.peakRssMB.toFixed(0)} MB; ` +
        `mean RSS over the first tenth ${result.meanRssFirstTenthMB.toFixed(0)} MB, the last tenth ${result.meanRssLastTenthMB.toFixed(0)} MB`,
    );
    console.log(
      `  target peak < ${TARGET_PEAK_MB} MB: ${result.peakRssMB < TARGET_PEAK_MB ? 'met' : 'not met'}; ` +
        `idle < ${TARGET_IDLE_MB} MB: ${result.idleRssMB !== null && result.idleRssMB < TARGET_IDLE_MB ? 'met' : 'not met'}`,
    );
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await exited;
    }
    replay.close();
    await sink.close();
  }
}
