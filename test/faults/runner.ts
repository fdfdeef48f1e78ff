// Runs one fault scenario over real processes and measures it (docs/RELIABILITY.md "Fault runs"):
// ingest a backlog, start the agent, stream the rest while the scenario's fault runs, then wait
// until every ingested id arrived (or the time bound passed) and count missing and duplicates.
import { join } from 'node:path';
import { DEFAULT_PAGE_SIZE } from '@cloudsiem/agent';
import { cleanup, request, type AgentProcess } from '../e2e/harness.ts';
import type { Listener } from '../interop/daemons.ts';
import type { TestCerts } from '../support/certs.ts';
import type { Tool } from '../support/tools.ts';
import { ingestBatch, makeBatches, Tally } from './events.ts';
import {
  FaultPortal,
  peakRssBytes,
  rsyslogRelpKind,
  seededRandom,
  Siem,
  sleep,
  startFaultAgent,
  sumSeries,
  syslogNgKind,
  type StoreKind,
} from './world.ts';
import { freePort } from '../support/free-port.ts';

export type Transport = 'tcp' | 'tls' | 'udp' | 'relp';

/** The replay-window gauge the delivery work adds; read when the agent serves it. */
export const REPLAY_WINDOW_SERIES = 'cloudsiem_syslog_replay_window_bytes';
/**
 * Without that gauge the bound is estimated from the agent's resend window on main (1 s,
 * packages/agent/src/checkpoint.ts): the most events it handed over in any such window.
 */
const ESTIMATE_WINDOW_MS = 1000;
const SAMPLE_MS = 500;
const SETTLE_MS = 3000;
/** Nothing arrived for this long while the agent reports itself caught up: it is done. */
const QUIET_MS = 8000;
export const RELP_UNAVAILABLE = 'RELP transport not available in this build';

export interface FaultContext {
  readonly random: () => number;
  readonly portal: FaultPortal;
  /** The SIEM(s): [0] is the one the agent starts on. */
  readonly siems: Siem[];
  readonly agentId: string;
  readonly short: boolean;
  /** The running agent (the latest, after restartAgent). */
  agent(): AgentProcess;
  startAgentAgain(): AgentProcess;
  /** The syslog target of `siems[index]` for this scenario's transport. */
  target(index: number): Record<string, unknown>;
  /** Waits for `n` more lines than have arrived now (bounded by the scenario's time). */
  moreLines(n: number): Promise<void>;
  wait(ms: number): Promise<void>;
  /** A fault the agent must recover from: one replay window of duplicates each. */
  fault(): void;
  /** The failed part is back (or the target switched): recovery is measured from now. */
  back(): void;
  note(text: string): void;
}

export interface Scenario {
  id: string;
  title: string;
  transport: Transport;
  store?: StoreKind;
  /** Receivers to start (the port-switch scenarios use two). */
  receivers?: number;
  /** In the short mode (`FAULTS_SHORT=1`, and `npm test`). */
  short?: boolean;
  /** UDP promises nothing: reported, never asserted. */
  informational?: boolean;
  /** The longest the fault itself takes; the time bound adds the drain to it. */
  faultMs: number;
  fault(ctx: FaultContext): Promise<void>;
}

export interface RunOptions {
  events: number;
  seed: number;
  short: boolean;
  syslogNg: Tool;
  rsyslog: Tool | undefined;
  certs: TestCerts;
  log?: (line: string) => void;
}

export interface ScenarioResult {
  id: string;
  title: string;
  transport: Transport;
  store: StoreKind;
  seed: number;
  skipped?: string;
  /** The run itself failed (a process would not start); nothing was measured. */
  error?: string;
  informational: boolean;
  events: number;
  received: number;
  lines: number;
  missing: number;
  firstMissing: string[];
  duplicates: number;
  duplicateBound: number;
  /** Where the bound came from: the agent's replay-window gauge, or the 1 s estimate. */
  boundSource: 'gauge' | 'estimate';
  fragments: number;
  unexpected: number;
  maxAgentRssBytes: number;
  /** From the failed part being back to the first new line / to every event received. */
  recoveryFirstLineMs: number | null;
  recoveryDrainedMs: number | null;
  /** From the agent's start until every event arrived (or the bound). */
  durationMs: number;
  timeBoundMs: number;
  timedOut: boolean;
  faults: number;
  notes: string[];
  udp?: { sent: number; received: number; lostPercent: number; truncated: number };
  passed: boolean;
}

/** The time bound of a scenario: its fault, plus a drain allowance for the events. */
export function timeBoundMs(scenario: Scenario, events: number): number {
  return scenario.faultMs + 60_000 + events * 1.5;
}

class Aborted extends Error {}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const store = scenario.store ?? 'sqlite';
  const notes: string[] = [];
  const base = {
    id: scenario.id,
    title: scenario.title,
    transport: scenario.transport,
    store,
    seed: options.seed,
    informational: scenario.informational === true,
  };
  const bound = timeBoundMs(scenario, options.events);
  try {
    // ---- processes ----
    let relpPort: number | undefined;
    let kind = syslogNgKind(options.syslogNg);
    let tool = options.syslogNg;
    if (scenario.transport === 'relp') {
      if (options.rsyslog === undefined) return skipped(base, 'rsyslog is not installed');
      relpPort = await freePort();
      kind = rsyslogRelpKind(options.rsyslog, relpPort);
      tool = options.rsyslog;
    }
    const [portal, ...siems] = await Promise.all([
      FaultPortal.start(store),
      ...Array.from({ length: scenario.receivers ?? 1 }, () => Siem.start(kind, tool, options.certs)),
    ]);
    const target = (index: number): Record<string, unknown> => {
      const { ports } = siems[index]!.receiver;
      if (scenario.transport === 'relp') return { host: '127.0.0.1', port: relpPort, protocol: 'relp' };
      return { host: '127.0.0.1', port: ports[scenario.transport as Listener], protocol: scenario.transport };
    };
    const created = await portal.api.call('POST', '/api/v1/siem-agents', {
      name: `faults ${scenario.id}`,
      syslog: target(0),
    });
    if (created.status === 400 && scenario.transport === 'relp') return skipped(base, RELP_UNAVAILABLE);
    if (created.status !== 201)
      throw new Error(`create the SIEM agent: HTTP ${created.status} ${created.text}`);
    const { agent: agentRecord, token } = created.body as { agent: { id: string }; token: string };
    const files = siems.map(({ receiver }) =>
      scenario.transport === 'relp'
        ? join(receiver.dir, 'relp.log')
        : receiver.file(scenario.transport as Listener).path,
    );

    // ---- data ----
    const batches = makeBatches(scenario.id, options.events, random);
    const expected = new Set(batches.flatMap((b) => b.ids));
    const tally = new Tally(files, expected);
    const backlogBatches = Math.ceil(batches.length / 2);
    const ingestDeadline = Date.now() + bound;
    for (const batch of batches.slice(0, backlogBatches))
      await ingestBatch(portal.api, batch, ingestDeadline);
    log(
      `${scenario.id}: ${expected.size} events (${backlogBatches} of ${batches.length} batches before the agent)`,
    );

    // ---- the agent and what is sampled while it runs ----
    const caFile = scenario.transport === 'tls' ? options.certs.caFile : undefined;
    const agents: AgentProcess[] = [startFaultAgent(token, caFile)];
    const startedAt = Date.now();
    const deadline = startedAt + bound;
    let aborted = false;
    let maxRss = 0;
    /** Per agent process: [time, events handed to the socket] samples. */
    const sentSamples: { at: number; sent: number }[][] = [[]];
    let maxReplayBytes: number | undefined;
    let lastSent = 0;
    /** The agent says it sent the newest event and its syslog connection is up: it is done. */
    let caughtUp = false;
    const sample = async () => {
      for (const agent of agents) {
        const rss = agent.pid === undefined ? undefined : peakRssBytes(agent.pid);
        if (rss !== undefined) maxRss = Math.max(maxRss, rss);
      }
      const current = agents.at(-1)!;
      if (!current.running) return;
      try {
        const port = await Promise.race([current.metricsPort(), sleep(200).then(() => undefined)]);
        if (port === undefined) return;
        const text = (await request(`http://127.0.0.1:${port}/metrics`)).text;
        const sent = sumSeries(text, 'cloudsiem_sent_events_total');
        if (sent !== undefined) {
          sentSamples.at(-1)!.push({ at: Date.now(), sent });
          lastSent = sent;
        }
        caughtUp =
          sumSeries(text, 'cloudsiem_lag_seconds') === 0 &&
          sumSeries(text, 'cloudsiem_syslog_connected') === 1;
        const replay = sumSeries(text, REPLAY_WINDOW_SERIES);
        if (replay !== undefined) maxReplayBytes = Math.max(maxReplayBytes ?? 0, replay);
      } catch {
        // killed in between
      }
    };
    let sampling = false;
    const sampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      void sample().finally(() => (sampling = false));
    }, SAMPLE_MS);
    let backAt: number | undefined;
    let linesAtBack = 0;
    let firstAfterBack: number | undefined;
    let drainedAt: number | undefined;
    /** When the run ended with events missing and the agent caught up. */
    let settledAt: number | undefined;
    const poll = () => {
      tally.poll();
      if (backAt !== undefined && firstAfterBack === undefined && tally.lines > linesAtBack)
        firstAfterBack = Date.now();
    };
    const poller = setInterval(poll, 100);
    let faults = 0;
    const check = () => {
      if (aborted || Date.now() > deadline) throw new Aborted();
    };
    const ctx: FaultContext = {
      random,
      portal,
      siems,
      agentId: agentRecord.id,
      short: options.short,
      agent: () => agents.at(-1)!,
      startAgentAgain: () => {
        agents.push(startFaultAgent(token, caFile));
        sentSamples.push([]);
        return agents.at(-1)!;
      },
      target,
      async moreLines(n) {
        poll();
        const want = tally.lines + n;
        while (tally.lines < want) {
          check();
          await sleep(50);
          poll();
        }
      },
      async wait(ms) {
        const until = Date.now() + ms;
        while (Date.now() < until) {
          check();
          await sleep(Math.min(100, until - Date.now()));
        }
      },
      fault: () => void faults++,
      back: () => {
        poll();
        backAt = Date.now();
        linesAtBack = tally.lines;
        firstAfterBack = undefined;
      },
      note: (text) => {
        notes.push(text);
        log(`${scenario.id}: ${text}`);
      },
    };

    let timedOut = false;
    try {
      try {
        await ctx.moreLines(1);
        // The rest is ingested while the fault runs: one batch a second.
        const streaming = (async () => {
          for (const batch of batches.slice(backlogBatches)) {
            if (aborted) return;
            await ingestBatch(portal.api, batch, deadline);
            await sleep(1000);
          }
        })();
        const faulting = scenario.fault(ctx);
        // Whichever fails first decides; the other must not end as an unhandled rejection.
        faulting.catch(() => {});
        streaming.catch(() => {});
        await Promise.all([faulting, streaming]);
        const streamedAt = Date.now();
        if (scenario.informational) {
          // UDP: done when the agent handed every event to the socket and nothing more arrives.
          while (lastSent < expected.size || Date.now() - (tally.lastLineAt ?? 0) < SETTLE_MS) {
            check();
            await sleep(200);
            poll();
          }
        } else {
          // Done when every event arrived, or when the agent is caught up and nothing has arrived
          // for a while: it will not send what is missing (a loss, not a slow drain).
          const quiet = () => Date.now() - Math.max(tally.lastLineAt ?? 0, streamedAt) > QUIET_MS;
          while (tally.distinct < expected.size && !(caughtUp && quiet())) {
            check();
            await sleep(100);
            poll();
          }
        }
        if (tally.distinct === expected.size) drainedAt = Date.now();
        else settledAt = Date.now();
      } catch (error) {
        if (!(error instanceof Aborted)) throw error;
        timedOut = true;
        aborted = true;
      }
      // Late duplicates: wait until nothing has arrived for a few seconds (at most 10 s).
      const settleUntil = Date.now() + 10_000;
      while (Date.now() < settleUntil && Date.now() - (tally.lastLineAt ?? 0) < SETTLE_MS) {
        await sleep(200);
        poll();
      }
      await sample();
    } finally {
      clearInterval(sampler);
      clearInterval(poller);
    }
    poll();

    // ---- the bound on duplicates ----
    let windowEvents = 0;
    let boundSource: ScenarioResult['boundSource'] = 'estimate';
    if (maxReplayBytes !== undefined) {
      boundSource = 'gauge';
      windowEvents = Math.ceil(maxReplayBytes / tally.minLineBytes);
    } else {
      for (const samples of sentSamples)
        for (let i = 0; i < samples.length; i++)
          for (
            let j = i - 1;
            j >= 0 && samples[i]!.at - samples[j]!.at <= ESTIMATE_WINDOW_MS + SAMPLE_MS;
            j--
          )
            windowEvents = Math.max(windowEvents, samples[i]!.sent - samples[j]!.sent);
    }
    // Per fault: a window of replayed events, plus the page in flight of each data type's pipeline.
    const duplicateBound = Math.max(1, faults) * (windowEvents + 2 * DEFAULT_PAGE_SIZE);

    const missingIds = tally.missingIds();
    const result: ScenarioResult = {
      ...base,
      events: expected.size,
      received: tally.distinct,
      lines: tally.lines,
      missing: missingIds.length,
      firstMissing: missingIds.slice(0, 5),
      duplicates: tally.duplicates,
      duplicateBound,
      boundSource,
      fragments: tally.fragments,
      unexpected: tally.unexpected,
      maxAgentRssBytes: maxRss,
      recoveryFirstLineMs:
        backAt !== undefined && firstAfterBack !== undefined ? firstAfterBack - backAt : null,
      recoveryDrainedMs: backAt !== undefined && drainedAt !== undefined ? drainedAt - backAt : null,
      durationMs: (drainedAt ?? settledAt ?? Date.now()) - startedAt,
      timeBoundMs: bound,
      timedOut,
      faults,
      notes,
      passed: false,
    };
    if (scenario.informational) {
      const received = tally.distinct + [...tally.cutIds].filter((id) => !tally.counts.has(id)).length;
      result.udp = {
        sent: lastSent,
        received,
        lostPercent: lastSent === 0 ? 0 : (100 * Math.max(0, lastSent - received)) / lastSent,
        truncated: tally.fragments,
      };
    }
    result.passed =
      !timedOut && (scenario.informational || (result.missing === 0 && result.duplicates <= duplicateBound));
    return result;
  } finally {
    await cleanup();
  }
}

/** The result of a scenario that could not run here, and why. */
export function skippedResult(scenario: Scenario, seed: number, reason: string): ScenarioResult {
  return skipped(
    {
      id: scenario.id,
      title: scenario.title,
      transport: scenario.transport,
      store: scenario.store ?? 'sqlite',
      seed,
      informational: scenario.informational === true,
    },
    reason,
  );
}

function skipped(
  base: Pick<ScenarioResult, 'id' | 'title' | 'transport' | 'store' | 'seed' | 'informational'>,
  reason: string,
): ScenarioResult {
  return {
    ...base,
    skipped: reason,
    events: 0,
    received: 0,
    lines: 0,
    missing: 0,
    firstMissing: [],
    duplicates: 0,
    duplicateBound: 0,
    boundSource: 'estimate',
    fragments: 0,
    unexpected: 0,
    maxAgentRssBytes: 0,
    recoveryFirstLineMs: null,
    recoveryDrainedMs: null,
    durationMs: 0,
    timeBoundMs: 0,
    timedOut: false,
    faults: 0,
    notes: [],
    passed: true,
  };
}
