// What the agent details page derives from an agent's heartbeats (GET /siem-agents/:id/heartbeats,
// oldest first): events sent per minute per data type, and the status history — starts, syslog
// connection changes, reported problems, configuration versions applied and silences.
import type { DataType } from '@cloudsiem/protocol';
import type { HeartbeatEntry } from '../../api.ts';
import { formatDuration } from '../../time.ts';

export interface RatePoint {
  at: number;
  perMinute: number;
}

/** A gap longer than this between heartbeats breaks the chart's line (the agent sends one a minute). */
export const SILENCE_MS = 5 * 60_000;
/**
 * The shortest interval a rate is computed over: an agent also sends a heartbeat 2 s after a change
 * of state, and a rate over 2 s is noise (a backfill burst would read as thousands per minute).
 */
export const MIN_INTERVAL_MS = 30_000;

/**
 * Events sent per minute between heartbeats of one run (the counters are cumulative since the
 * agent started), over intervals of at least MIN_INTERVAL_MS; after a (re)start, from the start.
 * A `null` point marks a silence: the chart breaks its line there.
 */
export function ratesPerMinute(entries: readonly HeartbeatEntry[], dataType: DataType): (RatePoint | null)[] {
  const points: (RatePoint | null)[] = [];
  let previous: HeartbeatEntry | undefined;
  /** Where the next interval starts: a heartbeat already counted, or the run's start. */
  let anchor = { at: 0, sent: 0, startedAt: Number.NaN };
  for (const entry of entries) {
    const { startedAt } = entry.heartbeat;
    const sent = entry.heartbeat.counters[dataType].eventsSent;
    if (previous !== undefined && entry.at - previous.at > SILENCE_MS) points.push(null);
    if (anchor.startedAt !== startedAt || sent < anchor.sent) anchor = { at: startedAt, sent: 0, startedAt };
    const interval = entry.at - anchor.at;
    if (interval >= MIN_INTERVAL_MS) {
      points.push({ at: entry.at, perMinute: ((sent - anchor.sent) * 60_000) / interval });
      anchor = { at: entry.at, sent, startedAt };
    }
    previous = entry;
  }
  return points;
}

/**
 * Where the chart starts: `rangeMs` before `to`, or when the agent was added if that is later —
 * a chart of an agent added minutes ago is not a flat line across six hours with its data
 * squeezed into the last pixels.
 */
export function chartStart(
  to: number,
  rangeMs: number,
  createdAt: number,
): { from: number; sinceAdded: boolean } {
  const rangeStart = to - rangeMs;
  return createdAt > rangeStart && createdAt < to
    ? { from: createdAt, sinceAdded: true }
    : { from: rangeStart, sinceAdded: false };
}

export type HistoryTone = 'good' | 'warning' | 'bad' | 'neutral';

export interface HistoryItem {
  at: number;
  text: string;
  tone: HistoryTone;
}

const SYSLOG_TEXT: Record<string, [string, HistoryTone]> = {
  connected: ['Connected to the SIEM', 'good'],
  connecting: ['Connecting to the SIEM', 'warning'],
  disconnected: ['Lost the connection to the SIEM', 'bad'],
  idle: ['No data type to send (idle)', 'neutral'],
};

/**
 * The status history, newest first: what changed from one heartbeat to the next, and silences
 * (no heartbeat for longer than SILENCE_MS, including the one going on at `now`).
 */
export function statusHistory(entries: readonly HeartbeatEntry[], now: number): HistoryItem[] {
  const items: HistoryItem[] = [];
  let previous: HeartbeatEntry | undefined;
  for (const entry of entries) {
    const hb = entry.heartbeat;
    const before = previous?.heartbeat;
    if (previous !== undefined && entry.at - previous.at > SILENCE_MS) {
      items.push({
        at: previous.at,
        text: `No heartbeat for ${formatDuration(entry.at - previous.at)}`,
        tone: 'bad',
      });
    }
    if (before === undefined || before.startedAt !== hb.startedAt) {
      items.push({
        at: Math.min(entry.at, Math.max(hb.startedAt, previous?.at ?? 0)),
        text: `Agent ${before === undefined ? 'started' : 'restarted'}: version ${hb.version} on ${hb.host}`,
        tone: 'neutral',
      });
    }
    if (
      before === undefined ||
      before.syslog.state !== hb.syslog.state ||
      before.syslog.target !== hb.syslog.target
    ) {
      const [text, tone] = SYSLOG_TEXT[hb.syslog.state] ?? [`Syslog ${hb.syslog.state}`, 'neutral'];
      items.push({
        at: entry.at,
        text: hb.syslog.target === '' ? text : `${text} (${hb.syslog.target})`,
        tone,
      });
    }
    if (before !== undefined && hb.configVersion !== null && before.configVersion !== hb.configVersion) {
      items.push({
        at: entry.at,
        text: `Applied configuration version ${hb.configVersion}`,
        tone: 'neutral',
      });
    }
    const codes = new Set(hb.errors.map((e) => e.code));
    const beforeCodes = new Set(before?.errors.map((e) => e.code) ?? []);
    for (const error of hb.errors) {
      if (!beforeCodes.has(error.code))
        items.push({ at: entry.at, text: `Problem: ${error.message}`, tone: 'bad' });
    }
    for (const code of beforeCodes) {
      if (!codes.has(code)) items.push({ at: entry.at, text: `Resolved: ${code}`, tone: 'good' });
    }
    previous = entry;
  }
  if (previous !== undefined && now - previous.at > SILENCE_MS) {
    items.push({
      at: previous.at,
      text: `No heartbeat since then (${formatDuration(now - previous.at)})`,
      tone: 'bad',
    });
  }
  // Newest first; items of one heartbeat keep their order reversed too (the latest change on top).
  return items.reverse().sort((a, b) => b.at - a.at);
}
