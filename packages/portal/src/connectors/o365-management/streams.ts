// One stream per content type (Audit.Exchange, …) of the Office 365 Management Activity API
// (O365 docs: reference, troubleshooting). A poll is a sweep: list content in windows of at most
// 24 h, never starting more than 7 days back, following NextPageUri; fetch each listed blob whose
// content id is not remembered, and remember it until its contentExpiration. Blobs can be listed
// late (hours, days), so every sweep re-lists the last 24 h and one sweep an hour the whole 7 days;
// the remembered ids make the re-listing cost list calls only, never a blob fetched twice.
import {
  UpstreamError,
  type MappedRecord,
  type Stream,
  type StreamContext,
  type StreamPage,
} from '../types.ts';
import type { ContentEntry, ListResult, O365Client } from './client.ts';
import { mapAuditRecord } from './mapping.ts';

export interface O365Checkpoint {
  /** The first poll started the subscription (or found it enabled). */
  subscribed: boolean;
  /** Never list before this: the first poll's start, so re-listing does not backfill past the initial lookback. */
  floor: number;
  /** The sweep in progress. */
  sweep: {
    /** Its end (the poll's start time), exclusive. */
    end: number;
    /** The window being listed starts here; it ends at min(start + 24 h, end). */
    windowStart: number;
    /** The next page of that window (NextPageUri), or null for its first page. */
    pageUri: string | null;
    full: boolean;
  } | null;
  /** When the last 7-day sweep began (epoch ms): the next one is due an hour later. */
  lastFullSweepAt: number | null;
}

export const DAY_MS = 24 * 3600_000;
/** The API lists at most 7 days back; 15 minutes' margin for a sweep that takes a while. */
export const RETENTION_MS = 7 * DAY_MS - 15 * 60_000;
/** Each sweep re-lists this far back: where late blobs mostly land. */
export const RECENT_RELIST_MS = DAY_MS;
/** A sweep of the whole 7 days at most this often: blobs listed days late. */
export const FULL_SWEEP_EVERY_MS = 3600_000;
/** Blobs fetched per page: a page's records and remembered ids commit together. */
export const BLOBS_PER_PAGE = 16;
/** "Test connection" lists the last day's first page and fetches at most this many blobs. */
export const TEST_BLOBS = 2;

const second = (ms: number) => Math.floor(ms / 1000) * 1000;

function isCheckpoint(value: unknown): value is O365Checkpoint {
  const c = value as Partial<O365Checkpoint> | null;
  return typeof c?.subscribed === 'boolean' && typeof c.floor === 'number';
}

/**
 * When a remembered id may be forgotten: not before its contentExpiration, nor before it leaves every
 * window a sweep lists (created + 7 days) — else an expired blob still listed would be reported again.
 */
function forgetAt(entry: ContentEntry, now: number): number {
  const expires = Date.parse(entry.contentExpiration);
  const created = Date.parse(entry.contentCreated);
  return Math.max(
    Number.isNaN(expires) ? now + 7 * DAY_MS : expires,
    Number.isNaN(created) ? now + 7 * DAY_MS : created + 7 * DAY_MS,
    now + 60_000,
  );
}

export function contentTypeStream(client: O365Client, contentType: string): Stream {
  return {
    name: contentType,
    dataType: 'activities',
    async next(checkpoint: unknown, context: StreamContext): Promise<StreamPage> {
      const now = context.clock.now();
      const test = context.mode === 'test';
      let at: O365Checkpoint = isCheckpoint(checkpoint)
        ? checkpoint
        : {
            subscribed: false,
            floor: second(now - Math.min(context.initialLookbackMs, RETENTION_MS)),
            sweep: null,
            lastFullSweepAt: null,
          };
      if (!at.subscribed && !test) {
        await client.startSubscription(contentType);
        at = { ...at, subscribed: true };
      }
      // A sweep left off more than 7 days ago cannot be resumed: the API lists no further back.
      let sweep = at.sweep !== null && at.sweep.windowStart < now - RETENTION_MS ? null : at.sweep;
      let lastFullSweepAt = at.lastFullSweepAt;
      if (sweep === null || test) {
        const full = !test && (lastFullSweepAt === null || now - lastFullSweepAt >= FULL_SWEEP_EVERY_MS);
        if (full) lastFullSweepAt = now;
        const back = test ? DAY_MS : full ? RETENTION_MS : RECENT_RELIST_MS;
        sweep = {
          end: second(now),
          windowStart: second(Math.max(at.floor, now - back)),
          pageUri: null,
          full,
        };
      }
      const windowEnd = Math.min(sweep.windowStart + DAY_MS, sweep.end);

      const list = (): Promise<ListResult> =>
        sweep.pageUri === null
          ? client.listContent(contentType, sweep.windowStart, windowEnd)
          : client.listPage(sweep.pageUri);
      let listed = await list();
      if ('noSubscription' in listed) {
        if (test) {
          // "Test connection" shows samples, not positions: the note comes as one rejected sample.
          const note = `the subscription is not started yet (${listed.noSubscription}); the first poll starts it`;
          return {
            records: [{ upstreamId: `subscription ${contentType}`, rejected: note }],
            checkpoint: at,
            done: true,
            position: `${contentType}: ${note}`,
          };
        }
        // AF20022 / AF20023: start (or re-enable) the subscription, then list again once.
        await client.startSubscription(contentType);
        listed = await list();
        if ('noSubscription' in listed)
          throw new UpstreamError(
            'http',
            `list content ${contentType}: still ${listed.noSubscription} after starting the subscription: ${listed.message}`,
            { retriable: true },
          );
      }

      const known = await context.remembered(listed.entries.map((e) => e.contentId));
      const pending = listed.entries.filter((e) => !known.has(e.contentId));
      const batch = pending.slice(0, test ? TEST_BLOBS : BLOBS_PER_PAGE);
      const records: MappedRecord[] = [];
      const remember: { key: string; expiresAt: number }[] = [];
      const base = { subscribed: at.subscribed, floor: at.floor, lastFullSweepAt };
      for (const entry of batch) {
        let blob;
        try {
          blob = await client.fetchBlob(entry.contentUri);
        } catch (error) {
          // Throttled or failing after some blobs: store those (a blob fetched is never fetched again),
          // stay on this listing page; the next call meets the failure again and reports it.
          if (remember.length === 0 || test) throw error;
          return {
            records,
            checkpoint: { ...base, sweep } satisfies O365Checkpoint,
            remember,
            done: false,
            position: `${contentType}: sweeping, window from ${new Date(sweep.windowStart).toISOString()} (interrupted)`,
          };
        }
        if ('gone' in blob)
          // Expired or missing: reported once (a rejected record named by the content id), not fatal.
          records.push({
            upstreamId: entry.contentId,
            rejected: `content blob not retrievable (${blob.gone})`,
          });
        else blob.records.forEach((raw, i) => records.push(mapAuditRecord(raw, `${entry.contentId}#${i}`)));
        remember.push({ key: entry.contentId, expiresAt: forgetAt(entry, now) });
      }

      let next: O365Checkpoint;
      let done = false;
      if (pending.length > batch.length)
        next = { ...base, sweep }; // the same page again: the rest of its blobs
      else if (listed.nextPageUri !== null)
        next = { ...base, sweep: { ...sweep, pageUri: listed.nextPageUri } };
      else if (windowEnd < sweep.end)
        next = { ...base, sweep: { ...sweep, windowStart: windowEnd, pageUri: null } };
      else {
        next = { ...base, sweep: null };
        done = true;
      }
      const where = next.sweep ?? sweep;
      return {
        records,
        checkpoint: test ? at : next,
        ...(remember.length === 0 || test ? {} : { remember }),
        done: done || test,
        position: `${contentType}: ${done ? 'swept' : 'sweeping'} ${sweep.full ? '7 days' : 'the last day'} to ${new Date(sweep.end).toISOString()}, window from ${new Date(where.windowStart).toISOString()}`,
      };
    },
  };
}
