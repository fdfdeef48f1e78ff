// One measured agent run, shared by agent-pipeline and agent-path: the agent runs in this process
// until the counting sink has every line; wall time, this process's CPU time, GC pauses and peak
// RSS (sampled every 100 ms) are what it cost. Then it stops and the sink's count is checked.
import type { AgentLogger, AgentStop, PortalClient, RunningAgent } from '@cloudsiem/agent';
import type { CountingSink, SinkCount } from './counting-sink.ts';
import { mb, observeGc, sampleRss, selfCpu, type GcTotals, type RssPeak } from './process-stats.ts';

/** Warnings and errors print (a lost connection explains a slow run); the rest is dropped. */
export const benchLogger: AgentLogger = {
  debug() {},
  info() {},
  warn: (obj, msg) => console.warn(`  agent: ${msg}`, obj),
  error: (obj, msg) => console.error(`  agent: ${msg}`, obj),
};

/**
 * A PortalClient that adds up the wall time its pulls take (for the file client: reading and
 * JSON.parse; over HTTP: the round trip, the portal's work, the body and JSON.parse).
 */
export function timedClient(client: PortalClient): PortalClient & { readonly pullSeconds: number } {
  let pullNs = 0n;
  return {
    config: (options) => client.config(options),
    async pull(dataType, options) {
      const started = process.hrtime.bigint();
      try {
        return await client.pull(dataType, options);
      } finally {
        pullNs += process.hrtime.bigint() - started;
      }
    },
    heartbeat: (body, signal) => client.heartbeat(body, signal),
    close: () => client.close(),
    get pullSeconds() {
      return Number(pullNs) / 1e9;
    },
  };
}

export interface AgentRun {
  events: number;
  seconds: number;
  cpuSeconds: number;
  gc: GcTotals;
  peak: RssPeak;
  baselineRss: number;
  /** What the sink counted when the last expected line arrived, and its CPU time. */
  sink: SinkCount;
}

/**
 * Starts the agent `start()` returns and measures until the sink has counted `events` lines
 * (`atEnd` runs at that moment, to read other meters); then stops the agent and checks that
 * nothing was lost or sent twice.
 */
export async function measureAgent(
  sink: CountingSink,
  events: number,
  start: () => RunningAgent,
  atEnd?: () => void,
  sampleEvery = 0,
): Promise<AgentRun> {
  const { done } = await sink.expect(events, sampleEvery);
  const baselineRss = process.memoryUsage.rss();
  const rss = sampleRss(100);
  const gc = observeGc();
  const cpu = selfCpu();
  const started = process.hrtime.bigint();
  const agent = start();
  const stopped: Promise<AgentStop> = agent.done;
  const counted = await Promise.race([
    done,
    stopped.then((stop): never => {
      throw new Error(`the agent stopped before delivering everything: ${JSON.stringify(stop)}`);
    }),
  ]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = cpu.seconds();
  atEnd?.();
  const gcTotals = gc.stop();
  const peak = rss.stop();
  await agent.stop();
  const final = await sink.count();
  if (final.lines !== events)
    console.log(`  NOTE: the sink counted ${final.lines} lines, expected ${events}`);
  return { events, seconds, cpuSeconds, gc: gcTotals, peak, baselineRss, sink: counted };
}

const f = (n: number) => Math.round(n).toLocaleString('en-US');

/** CPU seconds per million events. */
export function perMillion(cpuSeconds: number, events: number): string {
  return ((cpuSeconds / events) * 1e6).toFixed(1);
}

export function eventsPerSecond(run: AgentRun): number {
  return run.events / run.seconds;
}

/** Spaces that line a continuation line up with what follows `label ` on the line above. */
export function continuation(label: string): string {
  return ''.padEnd(label.length + 1);
}

/** Three lines: rate, CPU, RSS; what the peak RSS held; GC pauses and the sink's share. */
export function printAgentRun(label: string, run: AgentRun): void {
  const indent = continuation(label);
  console.log(
    `  ${label} ${f(eventsPerSecond(run))} events/s (${run.seconds.toFixed(1)} s), ` +
      `${perMillion(run.cpuSeconds, run.events)} CPU-s/M events, peak RSS ${mb(run.peak.rss)}`,
  );
  console.log(
    `  ${indent}RSS ${mb(run.baselineRss)} before start; at the peak the V8 heap was ${mb(run.peak.heapTotal)} ` +
      `(${mb(run.peak.heapUsed)} used), Buffers ${mb(run.peak.arrayBuffers)}`,
  );
  console.log(
    `  ${indent}GC pauses ${perMillion((run.gc.minorMs + run.gc.majorMs) / 1000, run.events)} s/M ` +
      `(scavenge ${perMillion(run.gc.minorMs / 1000, run.events)}, mark-compact ${perMillion(run.gc.majorMs / 1000, run.events)}); ` +
      `${f(run.sink.bytes / run.events)} bytes a CEF line; sink child ${perMillion(run.sink.cpuSeconds, run.events)} CPU-s/M`,
  );
}
