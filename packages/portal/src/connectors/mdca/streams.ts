// The mdca connector's two streams (DESIGN §9): activities windowed on `created` (when MDCA saved
// the record), alerts on `date`; keyset pages of ≤ 100 sorted ascending, an overlap re-read at the
// start of every poll and a settle time, scan mode where it works (api-activities-investigate-script.md).
import type { Logger } from '../../context.ts';
import type { MappedRecord, Stream, StreamContext, StreamPage } from '../types.ts';
import {
  MdcaScanRefused,
  type MdcaClient,
  type MdcaFilters,
  type MdcaListBody,
  type MdcaResource,
} from './client.ts';
import { mapActivity, mapAlert } from './mapping.ts';
import { MDCA_PAGE_LIMIT } from './settings.ts';

export interface WindowOptions {
  /** Each poll re-reads from the newest window time seen minus this (records saved out of order). */
  overlapMs: number;
  /** Records whose window time is younger than this are left for the next poll (still being saved). */
  settleMs: number;
  /** Items per request, at most the documented cap of 100. */
  limit: number;
}

export const ACTIVITY_WINDOW: WindowOptions = {
  overlapMs: 5 * 60_000,
  settleMs: 60_000,
  limit: MDCA_PAGE_LIMIT,
};
/** Alerts: a wider overlap, since MDCA may list an alert well after its `date` (see docs/connectors.md). */
export const ALERT_WINDOW: WindowOptions = {
  overlapMs: 30 * 60_000,
  settleMs: 60_000,
  limit: MDCA_PAGE_LIMIT,
};

/**
 * Where a stream stands, stored with the records of its page. `from` is the keyset position (the
 * window field's value of the last record read), `seen` the ids already read at exactly `from`,
 * `high` the newest value read, `caughtUp` whether the last page ended a poll (the next page then
 * starts a new poll at `high − overlap`), `scan` the filters MDCA gave for the next scan page.
 */
export interface MdcaCheckpoint {
  v: 1;
  from: number;
  seen: string[];
  high: number;
  caughtUp: boolean;
  scan: MdcaFilters | null;
}

function parseCheckpoint(value: unknown): MdcaCheckpoint | null {
  if (typeof value !== 'object' || value === null) return null;
  const c = value as Partial<MdcaCheckpoint>;
  if (
    c.v !== 1 ||
    typeof c.from !== 'number' ||
    typeof c.high !== 'number' ||
    typeof c.caughtUp !== 'boolean' ||
    !Array.isArray(c.seen) ||
    !c.seen.every((id) => typeof id === 'string')
  )
    return null;
  const scan = typeof c.scan === 'object' && c.scan !== null ? c.scan : null;
  return { v: 1, from: c.from, seen: c.seen, high: c.high, caughtUp: c.caughtUp, scan };
}

interface StreamSpec {
  name: 'activities' | 'alerts';
  resource: MdcaResource;
  /** The filter and sort field of the window (requests.json: activities `created`, alerts `date`). */
  field: 'created' | 'date';
  /** The record's value of that field. */
  timeOf(raw: Record<string, unknown>): number | undefined;
  map(raw: unknown): MappedRecord;
  window: WindowOptions;
  /** Try scan mode (activities only); it turns itself off if MDCA refuses it. */
  scan: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

function windowStream(client: MdcaClient, spec: StreamSpec, logger: Logger): Stream {
  let scanEnabled = spec.scan;
  const limit = Math.min(spec.window.limit, MDCA_PAGE_LIMIT);

  async function fetchPage(state: MdcaCheckpoint, until: number) {
    // More records than a page at one millisecond: only `skip` moves past them (needs a stable
    // order of ties upstream; documented nowhere, so used only in this corner).
    const skip = state.seen.length >= limit ? state.seen.length : 0;
    const keyset: MdcaListBody = {
      filters: { [spec.field]: { gte: state.from, lte: until } },
      sortField: spec.field,
      sortDirection: 'asc',
      limit,
      ...(skip > 0 ? { skip } : {}),
    };
    if (scanEnabled && skip === 0) {
      const body: MdcaListBody = {
        ...keyset,
        isScan: true,
        ...(state.scan === null ? {} : { filters: state.scan }),
      };
      try {
        return { answer: await client.list(spec.resource, body), scanned: true };
      } catch (error) {
        if (!(error instanceof MdcaScanRefused)) throw error;
        scanEnabled = false;
        logger.warn({ stream: spec.name }, 'MDCA refused scan mode; paging by keyset instead');
      }
    }
    return { answer: await client.list(spec.resource, keyset), scanned: false };
  }

  return {
    name: spec.name,
    dataType: spec.name,
    async next(checkpoint: unknown, context: StreamContext): Promise<StreamPage> {
      if (context.signal.aborted) throw context.signal.reason;
      const now = context.clock.now();
      const until = now - spec.window.settleMs;
      let state = parseCheckpoint(checkpoint);
      if (state === null) {
        if (checkpoint !== null && checkpoint !== undefined)
          logger.warn(
            { stream: spec.name },
            'MDCA checkpoint unreadable; starting from the initial lookback',
          );
        const start = Math.max(0, now - context.initialLookbackMs);
        state = { v: 1, from: start, seen: [], high: start, caughtUp: false, scan: null };
      } else if (state.caughtUp) {
        // A new poll: re-read the overlap; the records already stored die at ingest (idempotent by id).
        state = {
          ...state,
          from: Math.max(0, state.high - spec.window.overlapMs),
          seen: [],
          caughtUp: false,
          scan: null,
        };
      }

      const { answer, scanned } = await fetchPage(state, until);
      const seen = new Set(state.seen);
      const records: MappedRecord[] = [];
      let from = state.from;
      let atFrom = [...state.seen];
      let high = state.high;
      for (const item of answer.data) {
        const raw = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
        const id = typeof raw._id === 'string' ? raw._id : undefined;
        const time = spec.timeOf(raw) ?? from;
        // Keyset re-read: the page starts at `from` inclusive, so what was read there comes again.
        if (time === state.from && id !== undefined && seen.has(id)) continue;
        records.push(spec.map(item));
        if (time > from) {
          from = time;
          atFrom = [];
        }
        if (time === from && id !== undefined) atFrom.push(id);
        if (time > high) high = time;
      }
      const progressed = from !== state.from || atFrom.length !== state.seen.length;
      const done = !answer.hasNext || answer.data.length === 0 || !progressed;
      if (answer.hasNext && !progressed)
        logger.warn({ stream: spec.name, from: iso(from) }, 'MDCA page brought nothing new; ending the poll');
      const next: MdcaCheckpoint = {
        v: 1,
        from,
        seen: atFrom,
        high,
        caughtUp: done,
        scan: scanned && !done ? answer.nextQueryFilters : null,
      };
      return {
        records,
        checkpoint: context.mode === 'test' ? checkpoint : next,
        done: context.mode === 'test' ? true : done,
        position: `${spec.field} ≥ ${iso(from)}${atFrom.length > 0 ? ` (${atFrom.length} read at that ms)` : ''}`,
      };
    },
  };
}

const numberField = (field: string) => (raw: Record<string, unknown>) => {
  const value = raw[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
};

export function activitiesStream(
  client: MdcaClient,
  logger: Logger,
  options: { window?: WindowOptions; scan?: boolean } = {},
): Stream {
  return windowStream(
    client,
    {
      name: 'activities',
      resource: 'activities',
      field: 'created',
      timeOf: numberField('created'),
      map: (raw) => mapActivity(raw),
      window: options.window ?? ACTIVITY_WINDOW,
      scan: options.scan ?? true,
    },
    logger,
  );
}

export function alertsStream(
  client: MdcaClient,
  logger: Logger,
  options: { window?: WindowOptions } = {},
): Stream {
  return windowStream(
    client,
    {
      name: 'alerts',
      resource: 'alerts',
      field: 'date',
      // The alerts' `date` filter and sort are on the alert's `timestamp` ("when the alert was created").
      timeOf: numberField('timestamp'),
      map: (raw) => mapAlert(raw),
      window: options.window ?? ALERT_WINDOW,
      scan: false,
    },
    logger,
  );
}
