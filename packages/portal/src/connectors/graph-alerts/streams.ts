// The `alerts` stream of graph-alerts: a drain asks for alerts with lastUpdateDateTime ≥ the
// checkpoint minus OVERLAP_MS and follows @odata.nextLink to the end (Graph docs: list alerts_v2,
// paging). Graph documents no $orderby here and lists newest first, so the checkpoint moves only
// when a drain ends; in between it holds the nextLink, so a failed page resumes where it stopped.
import type { Stream, StreamContext, StreamPage } from '../types.ts';
import type { GraphAlertsClient, GraphAlertsPage } from './client.ts';
import { mapAlert, parseGraphTime } from './mapping.ts';

export interface GraphAlertsCheckpoint {
  /** The next drain asks for alerts updated at or after this, minus OVERLAP_MS (epoch ms). */
  since: number;
  /** The drain in progress, if any. */
  drain: {
    nextLink: string;
    /** Our clock when the drain began: the next `since` is never later than this. */
    startedAt: number;
    /** The newest lastUpdateDateTime seen so far in this drain. */
    newest: number;
  } | null;
}

/**
 * Re-read before the checkpoint: an alert becomes visible in the list a little after its
 * lastUpdateDateTime, and a drain started while one was being written may have missed it.
 * The re-read alerts are dropped at ingest (same id).
 */
export const OVERLAP_MS = 5 * 60_000;
/** "Test connection" reads one small page. */
export const TEST_TOP = 10;

function isCheckpoint(value: unknown): value is GraphAlertsCheckpoint {
  const c = value as Partial<GraphAlertsCheckpoint> | null;
  return typeof c?.since === 'number' && (c.drain === null || typeof c.drain?.nextLink === 'string');
}

export function alertsStream(
  client: GraphAlertsClient,
  serviceSources: readonly string[] | undefined,
): Stream {
  return {
    name: 'alerts',
    dataType: 'alerts',
    async next(checkpoint: unknown, context: StreamContext): Promise<StreamPage> {
      const now = context.clock.now();
      const at: GraphAlertsCheckpoint = isCheckpoint(checkpoint)
        ? checkpoint
        : { since: now - context.initialLookbackMs, drain: null };
      const first = () =>
        client.firstPage({
          updatedSince: at.since - OVERLAP_MS,
          ...(serviceSources === undefined ? {} : { serviceSources }),
          ...(context.mode === 'test' ? { top: TEST_TOP } : {}),
        });
      let drain = at.drain ?? { nextLink: '', startedAt: now, newest: at.since };
      let page: GraphAlertsPage;
      if (at.drain === null) page = await first();
      else {
        const followed = await client.follow(at.drain.nextLink);
        // A stored nextLink Graph no longer takes: start the drain again (repeats die at ingest).
        if (followed === 'gone') {
          drain = { nextLink: '', startedAt: now, newest: at.since };
          page = await first();
        } else page = followed;
      }
      for (const raw of page.alerts) {
        const updated = parseGraphTime((raw as { lastUpdateDateTime?: unknown } | null)?.lastUpdateDateTime);
        if (updated !== null && updated > drain.newest) drain = { ...drain, newest: updated };
      }
      const records = page.alerts.map(mapAlert);
      if (page.nextLink !== null && context.mode === 'poll') {
        return {
          records,
          checkpoint: {
            since: at.since,
            drain: { ...drain, nextLink: page.nextLink },
          } satisfies GraphAlertsCheckpoint,
          done: false,
          position: `updated ≥ ${new Date(at.since - OVERLAP_MS).toISOString()}, next page pending`,
        };
      }
      const since = Math.max(at.since, Math.min(drain.newest, drain.startedAt));
      return {
        records,
        checkpoint: { since, drain: null } satisfies GraphAlertsCheckpoint,
        done: true,
        position: `updated ≥ ${new Date(since - OVERLAP_MS).toISOString()}`,
      };
    },
  };
}
