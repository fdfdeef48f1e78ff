// The agent's pipeline without a portal: the real startAgent (a page → encode-cef → syslog sink →
// the next pull acknowledges) fed by a file-backed PortalClient that reads a backlog of activities
// (NDJSON, ~800 bytes a line) a page at a time, into a counting TCP sink in a CHILD process.
// Reports events/s, the agent process's CPU seconds per million events (reading the file and
// JSON.parse are in-process: they stand in for the HTTP pull) and its peak RSS. In the same run,
// interleaved round by round: syslog-ng reading the same file into the same CEF (syslog-ng.ts,
// checked by fairness.ts), the Node parse-and-write floor and the bare copy floor (floors.ts).
// Targets (issue 12): the agent >= 4x syslog-ng and >= the Node floor, per round.
// BENCH_EVENTS sets the backlog (default 1,000,000), BENCH_PAGE_SIZE the page (default the
// agent's, 1,000), BENCH_ROUNDS the rounds (default 3); BENCH_PROFILE=1 adds a CPU profile run
// (BENCH_PROFILE_DIR keeps the profile).
import { setTimeout as sleep } from 'node:timers/promises';
import { startAgent, type PortalClient, DEFAULT_PAGE_SIZE } from '@cloudsiem/agent';
import { agentConfigSchema, formatSettingsSchema, type AgentConfig } from '@cloudsiem/protocol';
import { activityFile, LineReader } from './activity-file.ts';
import { benchLogger, eventsPerSecond, measureAgent, printAgentRun, timedClient } from './agent-run.ts';
import { startCountingSink } from './counting-sink.ts';
import { keepProfile, PROFILING, printProfile, profileCpu, summarizeProfile } from './cpu-profile.ts';
import { checkFairness, fairnessText, sampleEvery } from './fairness.ts';
import { copyFloor, measureCopyFloor, measureNodeFloor } from './floors.ts';
import { BENCH_SETTINGS } from './records.ts';
import { addFigure, addNote, interleave, type Contender } from './results.ts';
import { findSyslogNg, runSyslogNg } from './syslog-ng.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? DEFAULT_PAGE_SIZE);
const TARGET_TIMES_SYSLOG_NG = 4;

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

const f = (n: number) => Math.round(n).toLocaleString('en-US');

export async function run(): Promise<void> {
  const file = await activityFile(EVENTS);
  console.log(
    `${f(file.records)} activities, NDJSON, ${f(file.bytes / file.records)} bytes a line; pages of ${f(PAGE_SIZE)}`,
  );
  const sink = await startCountingSink();
  const floor = copyFloor();
  const syslogNg = findSyslogNg();
  try {
    const config = benchConfig(sink.port);
    let client: ReturnType<typeof timedClient> | undefined;
    const start = () => {
      client = timedClient(fileClient(file.path, config));
      return startAgent({ client, logger: benchLogger, pageSize: PAGE_SIZE, hostName: 'siem-agent-01' });
    };
    const every = sampleEvery(file.records);
    const pullShares: number[] = [];
    const contenders: Contender[] = [];
    if (syslogNg === null)
      console.log('  syslog-ng not found (.tools/syslog-ng or PATH): no peer in this run');
    else
      contenders.push({
        name: `syslog-ng ${syslogNg.version}`,
        reference: true,
        async run() {
          const peer = await runSyslogNg(syslogNg, file.path, file.records, sink, every);
          console.log(
            `  ${fairnessText('syslog-ng', await checkFairness('syslog-ng', peer.sink.samples, file.path))}`,
          );
          return { events: file.records, ...peer };
        },
      });
    contenders.push(
      {
        name: 'agent (startAgent, file client)',
        async run() {
          const agent = await measureAgent(sink, file.records, start, undefined, every);
          await checkFairness('agent', agent.sink.samples, file.path);
          printAgentRun('agent:', agent);
          pullShares.push(client!.pullSeconds / agent.seconds);
          return {
            events: file.records,
            seconds: agent.sink.spanSeconds,
            cpuSeconds: agent.cpuSeconds,
            peakRss: agent.peak.rss,
          };
        },
      },
      {
        name: 'Node floor (parse, write raw lines)',
        reference: true,
        run: async () => ({ events: file.records, ...(await measureNodeFloor(sink, file)) }),
      },
      {
        name: `bare copy floor: ${floor.kind}`,
        run: async () => ({ events: file.records, ...(await measureCopyFloor(floor, sink, file)) }),
      },
    );
    const comparison = await interleave(
      'agent-pipeline',
      'agent pipeline (file-fed startAgent in this process) against syslog-ng and the floors',
      file.records,
      contenders,
    );
    const share = pullShares.reduce((a, b) => a + b, 0) / pullShares.length;
    addNote(
      comparison,
      `agent: in pull() (file read + JSON.parse) ${(share * 100).toFixed(0)} % of the wall time, the rest (encode-cef, syslog sink, loop) ${((1 - share) * 100).toFixed(0)} %; its RSS includes this process's`,
    );
    const agent = comparison.contenders.find((c) => c.name.startsWith('agent'))!;
    const peer = syslogNg === null ? undefined : agent.ratios[`syslog-ng ${syslogNg.version}`];
    const nodeFloor = agent.ratios['Node floor (parse, write raw lines)']!;
    addNote(
      comparison,
      `target agent >= ${TARGET_TIMES_SYSLOG_NG}x syslog-ng: ${peer === undefined ? 'no peer' : peer.median >= TARGET_TIMES_SYSLOG_NG ? 'met' : 'not met'}` +
        `; agent >= the Node floor: ${nodeFloor.median >= 1 ? 'met' : 'not met'} (median ratio per round)`,
    );
    addFigure('agent-pipeline', 'pullShare', share);

    if (PROFILING) {
      const { result, profile } = await profileCpu(() => measureAgent(sink, file.records, start));
      console.log(`  profiled run: ${f(eventsPerSecond(result))} events/s`);
      keepProfile('agent-pipeline', profile);
      printProfile('agent process', summarizeProfile(profile), file.records);
    }
  } finally {
    floor.close();
    await sink.close();
  }
}
