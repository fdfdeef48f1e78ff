// The agent's pipeline without a portal: the real startAgent (a page → encode-cef → syslog sink →
// the next pull acknowledges) fed by a file-backed PortalClient that reads a backlog of activities
// (NDJSON, ~800 bytes a line) a page at a time, into a counting TCP sink in a CHILD process.
// Reports events/s, the agent process's CPU seconds per million events (reading the file and
// JSON.parse are in-process: they stand in for the HTTP pull) and its peak RSS. Target: at least
// 70,000 events/s. Beside it: the same file and sink through a minimal Node script (parse each
// line, write the raw lines), and the figures of syslog-ng from the issue.
// BENCH_EVENTS sets the backlog (default 1,000,000), BENCH_PAGE_SIZE the page (default the
// agent's, 1,000); BENCH_PROFILE=1 adds a CPU profile run (BENCH_PROFILE_DIR keeps the profile).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAgent, type PortalClient, DEFAULT_PAGE_SIZE } from '@cloudsiem/agent';
import { agentConfigSchema, formatSettingsSchema, type AgentConfig } from '@cloudsiem/protocol';
import { activityFile, LineReader, type ActivityFile } from './activity-file.ts';
import {
  benchLogger,
  continuation,
  eventsPerSecond,
  measureAgent,
  perMillion,
  printAgentRun,
  timedClient,
} from './agent-run.ts';
import { startCountingSink, type CountingSink } from './counting-sink.ts';
import { keepProfile, PROFILING, printProfile, profileCpu, summarizeProfile } from './cpu-profile.ts';
import { mb } from './process-stats.ts';
import { BENCH_SETTINGS } from './records.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? DEFAULT_PAGE_SIZE);
const TARGET_EVENTS_PER_S = 70_000;
/** The figures for the same records, JSON → the same CEF → TCP. */
const SYSLOG_NG = { version: '3.38', eventsPerS: 28_600, cpuSecondsPerMillion: 52 };
const NODE_FLOOR_REFERENCE = 81_000;

/** The agent's settings in the portal: activities only, to the sink, the benchmarks' CEF format. */
function benchConfig(sinkPort: number): AgentConfig {
  return agentConfigSchema.parse({
    agentId: 'bench-agent',
    name: 'bench',
    version: 1,
    enabled: true,
    syslog: { host: '127.0.0.1', port: sinkPort, protocol: 'tcp', framing: 'lf' },
    format: formatSettingsSchema.parse({ format: 'generic', includePri: true, includeSystemName: true }),
    dataTypes: { activities: { enabled: true, filter: null }, alerts: { enabled: false, filter: null } },
    configPollIntervalMs: 30_000,
    heartbeatIntervalMs: 60_000,
    backfillHours: 48,
    portalUrl: BENCH_SETTINGS.portalUrl,
  });
}

/** JSON.parse of every line: a function of its own, so a CPU profile tells it from reading. */
function parsePage(lines: readonly string[]): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const line of lines) events.push(JSON.parse(line) as Record<string, unknown>);
  return events;
}

/**
 * A portal that is a file: the config is fixed (a long poll waits until the agent stops), a pull
 * returns the next `limit` lines parsed, and the cursor is the line number. A cursor behind the
 * read position (a rewind after a lost connection) re-reads the file up to it.
 */
function fileClient(path: string, config: AgentConfig): PortalClient {
  let reader: Promise<LineReader> = LineReader.open(path);
  let position = 0;
  return {
    async config({ etag, waitS, signal } = {}) {
      if (etag === undefined) return { changed: true, config, etag: `"v${config.version}"` };
      await sleep((waitS ?? 0) * 1000, undefined, signal === undefined ? {} : { signal });
      return { changed: false };
    },
    async pull(dataType, { cursor, limit }) {
      if (dataType !== 'activities') return { refused: 'DATA_TYPE_DISABLED', message: 'activities only' };
      const from = cursor === undefined ? 0 : Number(cursor);
      if (from !== position) {
        await (await reader).close();
        reader = LineReader.open(path);
        for (position = 0; position < from;) position += (await (await reader).lines(from - position)).length;
      }
      const lines = await (await reader).lines(limit);
      const events = parsePage(lines);
      position += lines.length;
      return { events, nextCursor: String(position), hasMore: lines.length === limit };
    },
    heartbeat: () => Promise.resolve(),
    close: async () => (await reader).close(),
  };
}

// The Node floor: read the file in 1 MiB chunks, JSON.parse every line, write the raw lines.
const NODE_FLOOR = `
const fs = require('node:fs');
const net = require('node:net');
const { once } = require('node:events');
const [path, port] = process.argv.slice(1);
const socket = net.connect(Number(port), '127.0.0.1', () => process.send({ type: 'ready' }));
process.once('message', async () => {
  const cpu = process.cpuUsage();
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  let rest = '';
  let parsed = 0;
  const stream = fs.createReadStream(path, { highWaterMark: 1024 * 1024, encoding: 'utf8' });
  for await (const chunk of stream) {
    const lines = (rest + chunk).split('\\n');
    rest = lines.pop();
    for (const line of lines) if (JSON.parse(line).id !== undefined) parsed++;
    if (!socket.write(lines.join('\\n') + '\\n')) await once(socket, 'drain');
  }
  socket.end();
  await once(socket, 'finish');
  clearInterval(timer);
  const used = process.cpuUsage(cpu);
  process.send({ type: 'done', parsed, cpuSeconds: (used.user + used.system) / 1e6, peakRss });
  process.disconnect();
});
`;

interface FloorRun {
  seconds: number;
  cpuSeconds: number;
  peakRss: number;
}

async function measureNodeFloor(sink: CountingSink, file: ActivityFile): Promise<FloorRun> {
  const child = spawn(process.execPath, ['-e', NODE_FLOOR, file.path, String(sink.port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await once(child, 'message');
  const { done } = await sink.expect(file.records);
  const started = process.hrtime.bigint();
  const report = once(child, 'message') as Promise<[{ cpuSeconds: number; peakRss: number }]>;
  child.send({ type: 'go' });
  await done;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [{ cpuSeconds, peakRss }] = await report;
  await once(child, 'exit');
  return { seconds, cpuSeconds, peakRss };
}

const f = (n: number) => Math.round(n).toLocaleString('en-US');

export async function run(): Promise<void> {
  const file = await activityFile(EVENTS);
  console.log(
    `${f(file.records)} activities, NDJSON, ${f(file.bytes / file.records)} bytes a line; pages of ${f(PAGE_SIZE)}`,
  );
  const sink = await startCountingSink();
  try {
    const config = benchConfig(sink.port);
    let client: ReturnType<typeof timedClient> | undefined;
    const start = () => {
      client = timedClient(fileClient(file.path, config));
      return startAgent({ client, logger: benchLogger, pageSize: PAGE_SIZE, hostName: 'siem-agent-01' });
    };

    const agent = await measureAgent(sink, file.records, start);
    const rate = eventsPerSecond(agent);
    const label = 'agent (startAgent, file client)';
    printAgentRun(label, agent);
    const pullShare = client!.pullSeconds / agent.seconds;
    console.log(
      `  ${continuation(label)}in pull() (file read + JSON.parse) ${(pullShare * 100).toFixed(0)} % of the wall time, ` +
        `the rest (encode-cef, syslog sink, loop) ${((1 - pullShare) * 100).toFixed(0)} %`,
    );

    const floor = await measureNodeFloor(sink, file);
    const floorRate = file.records / floor.seconds;
    console.log(
      `  Node floor (parse, raw lines)   ${f(floorRate)} events/s, ${perMillion(floor.cpuSeconds, file.records)} CPU-s/M events, peak RSS ${mb(floor.peakRss)}`,
    );
    console.log(
      `  reference (issue): syslog-ng ${SYSLOG_NG.version} JSON → CEF → TCP ${f(SYSLOG_NG.eventsPerS)} events/s at ` +
        `${SYSLOG_NG.cpuSecondsPerMillion} CPU-s/M; a minimal Node script ~${f(NODE_FLOOR_REFERENCE)} events/s`,
    );
    const agentCpu = (agent.cpuSeconds / file.records) * 1e6;
    const floorCpu = (floor.cpuSeconds / file.records) * 1e6;
    console.log(
      `  agent against the Node floor: ${(rate / floorRate).toFixed(2)}x the rate, ${(agentCpu / floorCpu).toFixed(1)}x the CPU ` +
        `per event; against syslog-ng: ${(rate / SYSLOG_NG.eventsPerS).toFixed(1)}x the rate, ` +
        `${(agentCpu / SYSLOG_NG.cpuSecondsPerMillion).toFixed(2)}x the CPU per event`,
    );
    console.log(
      `  target >= ${f(TARGET_EVENTS_PER_S)} events/s: ${rate >= TARGET_EVENTS_PER_S ? 'met' : 'not met'}`,
    );

    if (PROFILING) {
      const { result, profile } = await profileCpu(() => measureAgent(sink, file.records, start));
      console.log(`  profiled run: ${f(eventsPerSecond(result))} events/s`);
      keepProfile('agent-pipeline', profile);
      printProfile('agent process', summarizeProfile(profile), file.records);
    }
  } finally {
    await sink.close();
  }
}
