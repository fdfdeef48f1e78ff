// Records per minute by key: what each ingest source stored (the ingest API, the simulator) and
// what each SIEM agent was served, for the overview. `add` is one in-memory update per batch or
// pull, never per record, so the ingest path stays as fast as it was; the counts go to the store
// (store/throughput.ts) every few seconds and before every read, so the rates survive a restart
// and add up across the portals of one database. What a process counted in its last seconds
// before it was killed is lost: these are rates to look at, not delivery counts.
// (Connectors keep their own per-minute counts, store/connectors.ts.)
import type { PortalContext } from '../context.ts';
import {
  addThroughput,
  pruneThroughput,
  throughputSince,
  type ThroughputCount,
} from '../store/throughput.ts';

export const MINUTE_MS = 60_000;
/** Minutes kept per key: the overview's window and a little more. */
const MINUTES_KEPT = 15;
/** How often the counts are written when nothing reads them. */
const FLUSH_INTERVAL_MS = 5_000;

export type ThroughputKey = 'ingest-api' | 'simulator' | `pulled:${string}`;

/** The rates over one window, read once from the store. */
export interface ThroughputRates {
  /**
   * Records per minute over the window's whole minutes before now and the current one so far: the
   * sum divided by the time the window covers, which starts no earlier than the first minute
   * anything was counted, so a fresh portal's rate is not diluted and a burst a second ago does
   * not read as that many per minute.
   */
  perMinute(key: ThroughputKey): number;
  /** Whether the key counted anything in the window (the simulator is shown while it runs). */
  active(key: ThroughputKey): boolean;
}

export function createThroughputMeter(
  context: Pick<PortalContext, 'store' | 'clock' | 'logger'>,
  options: { flushIntervalMs?: number } = {},
) {
  const { store, clock, logger } = context;
  /** Counted here and not written yet: per key, counts by the minute's start (epoch ms). */
  let pending = new Map<ThroughputKey, Map<number, number>>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();
  let prunedMinute = 0;
  let failing = false;

  const minuteOf = (at: number) => at - (at % MINUTE_MS);

  function add(key: ThroughputKey, records: number): void {
    if (records <= 0) return;
    const minute = minuteOf(clock.now());
    let counts = pending.get(key);
    if (counts === undefined) pending.set(key, (counts = new Map<number, number>()));
    counts.set(minute, (counts.get(minute) ?? 0) + records);
    if (timer === null) {
      timer = setInterval(() => void flush(), options.flushIntervalMs ?? FLUSH_INTERVAL_MS);
      timer.unref();
    }
  }

  async function write(): Promise<void> {
    const taken = pending;
    pending = new Map();
    const counts: ThroughputCount[] = [];
    for (const [key, minutes] of taken)
      for (const [minute, records] of minutes) counts.push({ key, minute, records });
    const keepFrom = minuteOf(clock.now()) - MINUTES_KEPT * MINUTE_MS;
    try {
      if (counts.length > 0) await store.db.transaction().execute((trx) => addThroughput(trx, counts));
      // Old minutes go at most once a minute.
      if (keepFrom > prunedMinute) {
        await pruneThroughput(store.db, keepFrom);
        prunedMinute = keepFrom;
      }
      if (failing) logger.info({}, 'Overview rates are written to the store again');
      failing = false;
    } catch (error) {
      // Kept for the next flush (those still in the window); the error is logged once per outage.
      for (const { key, minute, records } of counts) {
        if (minute < keepFrom) continue;
        let minutes = pending.get(key as ThroughputKey);
        if (minutes === undefined) pending.set(key as ThroughputKey, (minutes = new Map<number, number>()));
        minutes.set(minute, (minutes.get(minute) ?? 0) + records);
      }
      if (!failing) logger.warn({ err: error }, 'Overview rates could not be written; will retry');
      failing = true;
    }
  }

  /** Writes what was counted (one flush at a time, in order). */
  function flush(): Promise<void> {
    flushing = flushing.then(write);
    return flushing;
  }

  async function rates(windowMinutes: number): Promise<ThroughputRates> {
    await flush();
    const now = clock.now();
    const since = minuteOf(now) - windowMinutes * MINUTE_MS;
    const counted = await throughputSince(store.db, since);
    let first = now;
    for (const { firstMinute } of counted.values()) first = Math.min(first, firstMinute);
    const covered = Math.max(MINUTE_MS, now - Math.max(since, first));
    const total = (key: ThroughputKey) => counted.get(key)?.records ?? 0;
    return {
      perMinute: (key) => (total(key) * MINUTE_MS) / covered,
      active: (key) => total(key) > 0,
    };
  }

  /** Stops the timer and writes what is left (before the store closes). */
  async function close(): Promise<void> {
    if (timer !== null) clearInterval(timer);
    timer = null;
    await flush();
  }

  return { add, flush, rates, close };
}

export type ThroughputMeter = ReturnType<typeof createThroughputMeter>;
