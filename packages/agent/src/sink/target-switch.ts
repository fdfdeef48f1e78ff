// The sink of the agent's current target: opens the registry's sink for it and, when the admin
// edits the target, retires the old one (DESIGN §6, edits apply without a restart). A write still
// waiting on the old target fails at once (the page is read again and goes to the new target), and
// the old connection gets closeTimeoutMs to confirm it delivered everything; if it does not (a hung
// SIEM), its replay window counts as lost and is re-read too. The pipeline waits for that outcome
// (settled()) before its next pull, so a rewind never re-sends what the new target already has.
import type { SyslogTarget } from '@cloudsiem/protocol';
import { AgentError } from '../errors.ts';
import { SINKS } from './registry.ts';
import { targetLabel, type Sink, type SinkContext, type SinkPosition, type SinkReport } from './sink.ts';

interface Opened {
  id: number;
  target: SyslogTarget;
  sink: Sink;
  /** Rejects the writes still waiting on it when it is retired. */
  waiting: Set<(error: AgentError) => void>;
  closed?: Promise<void>;
}

/** Retired sinks kept to answer for positions written on them: far more than are ever pending. */
const RETIRED_KEPT = 16;

export interface TargetSwitch extends Sink {
  /** Points at `target`; a different one retires the current sink. */
  configure(target: SyslogTarget): void;
  /** Resolves once every retired sink's close has an outcome (each bounded by closeTimeoutMs). */
  settled(signal: AbortSignal): Promise<void>;
  /** Counters summed over every sink this switch had. */
  report(): SinkReport;
}

function sameTarget(a: SyslogTarget, b: SyslogTarget): boolean {
  return (
    a.host === b.host &&
    a.port === b.port &&
    a.protocol === b.protocol &&
    a.framing === b.framing &&
    a.udpMaxBytes === b.udpMaxBytes
  );
}

export function createTargetSwitch(context: SinkContext): TargetSwitch {
  let current: Opened | undefined;
  let lastId = 0;
  const retired = new Map<number, Opened>();
  /** Counters of retired sinks, so the totals only grow. */
  const past = { reconnects: 0, datagramsSent: 0, datagramsTruncated: 0 };
  let stopped = false;

  function retire(old: Opened): void {
    const error = new AgentError(
      'SINK_TARGET_CHANGED',
      `the syslog target changed from ${targetLabel(old.target)}; the page is sent to the new target`,
    );
    for (const reject of old.waiting) reject(error);
    old.waiting.clear();
    // Its writes are over: its counters are final now, and the totals keep them.
    const { counters } = old.sink.report();
    past.reconnects += counters.reconnects;
    past.datagramsSent += counters.datagramsSent;
    past.datagramsTruncated += counters.datagramsTruncated;
    old.closed = old.sink.close();
    retired.set(old.id, old);
    if (retired.size > RETIRED_KEPT) retired.delete(retired.keys().next().value!);
  }

  const owner = (position: SinkPosition): Opened | undefined =>
    position.sink === current?.id ? current : retired.get(position.sink ?? -1);

  return {
    configure(target) {
      if (stopped || (current !== undefined && sameTarget(current.target, target))) return;
      const old = current;
      current = { id: ++lastId, target, sink: SINKS[target.protocol](target, context), waiting: new Set() };
      if (old !== undefined) retire(old);
    },

    async write(lines) {
      const opened = current;
      if (opened === undefined) throw new Error('the sink has no target yet');
      let reject!: (error: AgentError) => void;
      const retiredWhileWaiting = new Promise<never>((_, r) => (reject = r));
      opened.waiting.add(reject);
      const written = opened.sink.write(lines);
      // Once retired, the old sink's own outcome no longer matters to the pipeline.
      written.catch(() => {});
      try {
        const receipt = await Promise.race([written, retiredWhileWaiting]);
        return { ...receipt, position: { ...receipt.position, sink: opened.id } };
      } finally {
        opened.waiting.delete(reject);
      }
    },

    status(position) {
      const opened = owner(position);
      return opened === undefined ? 'lost' : opened.sink.status(position);
    },

    async waitUntilConnected(signal) {
      while (!signal.aborted && current !== undefined) {
        const opened = current;
        await opened.sink.waitUntilConnected(signal);
        // Retired while waiting: wait for the new target instead.
        if (opened === current) return;
      }
    },

    async settled(signal) {
      const closes = [...retired.values()].flatMap((r) => (r.closed === undefined ? [] : [r.closed]));
      if (closes.length === 0) return;
      const aborted = new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      await Promise.race([Promise.allSettled(closes), aborted]);
    },

    report() {
      const now = current?.sink.report();
      const counters = now?.counters ?? { reconnects: 0, datagramsSent: 0, datagramsTruncated: 0 };
      return {
        state: stopped ? 'idle' : (now?.state ?? 'idle'),
        target: now?.target ?? '',
        lastError: now?.lastError ?? null,
        counters: {
          reconnects: past.reconnects + counters.reconnects,
          datagramsSent: past.datagramsSent + counters.datagramsSent,
          datagramsTruncated: past.datagramsTruncated + counters.datagramsTruncated,
        },
        replayWindowBytes: now?.replayWindowBytes ?? context.replayWindowBytes,
      };
    },

    async close() {
      stopped = true;
      if (current !== undefined) {
        const last = current;
        last.closed ??= last.sink.close();
        retired.set(last.id, last);
      }
      await Promise.allSettled(
        [...retired.values()].flatMap((r) => (r.closed === undefined ? [] : [r.closed])),
      );
    },
  };
}
