// One stream per data type of the other portal, read in its ingest-time order: `createdAt` ≥ the
// checkpoint's `from`, skipping the records at exactly `from` already stored (a batch of 5,000 shares
// one createdAt, so a keyset on the time alone would loop or skip), and never the last
// `settleMs` — a batch stamped earlier may still be committing there.
import type { DataType } from '@cloudsiem/protocol';
import type { Stream, StreamContext, StreamPage } from '../types.ts';
import type { PortalListClient } from './client.ts';
import { mapRecord } from './mapping.ts';

export interface CloudsiemCheckpoint {
  /** Read records ingested at or after this (the other portal's createdAt, epoch ms). */
  from: number;
  /** How many records at exactly `from` were already read (the list's createdAt, seq order is stable). */
  skip: number;
}

/** Pages of 1,000, the list API's most; a test reads one page of 100. */
const PAGE = 1000;
const TEST_PAGE = 100;
/** Longer than an ingest transaction on the other portal takes to commit after stamping createdAt. */
export const SETTLE_MS = 30_000;

function isCheckpoint(value: unknown): value is CloudsiemCheckpoint {
  const c = value as Partial<CloudsiemCheckpoint> | null;
  return typeof c?.from === 'number' && typeof c.skip === 'number';
}

export function cloudsiemStream(client: PortalListClient, dataType: DataType): Stream {
  return {
    name: dataType,
    dataType,
    async next(checkpoint: unknown, context: StreamContext): Promise<StreamPage> {
      const now = context.clock.now();
      const at: CloudsiemCheckpoint = isCheckpoint(checkpoint)
        ? checkpoint
        : { from: now - context.initialLookbackMs, skip: 0 };
      const upTo = now - SETTLE_MS;
      const limit = context.mode === 'test' ? TEST_PAGE : PAGE;
      const page = await client.list(dataType, {
        filters: { createdAt: { gte: at.from, lte: upTo } },
        sortField: 'createdAt',
        sortDirection: 'asc',
        skip: at.skip,
        limit,
      });
      let next = at;
      for (const raw of page.data) {
        const createdAt = (raw as { createdAt?: unknown } | null)?.createdAt;
        if (typeof createdAt !== 'number') continue;
        next =
          createdAt === next.from ? { from: next.from, skip: next.skip + 1 } : { from: createdAt, skip: 1 };
      }
      // A record without createdAt cannot move the position; the page still counts for the skip.
      const counted = page.data.filter(
        (r) => typeof (r as { createdAt?: unknown } | null)?.createdAt === 'number',
      );
      if (counted.length < page.data.length && next === at)
        next = { from: at.from, skip: at.skip + page.data.length };
      return {
        records: page.data.map(mapRecord),
        checkpoint: next,
        done: !page.hasNext || page.data.length === 0,
        position: `createdAt ≥ ${new Date(next.from).toISOString()} (+${next.skip})`,
      };
    },
  };
}
