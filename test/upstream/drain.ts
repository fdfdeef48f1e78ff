// Drains a connector stream the way the scheduler does, for the connectors' contract tests:
// next() in a loop, each page's checkpoint stored as JSON (as the store would), a Map standing in
// for the remembered keys, and a Set-like id map standing in for ingest's idempotency by `id`
// (each record also validated by the canonical schema, as ingest does). Retriable upstream errors
// end the call; the next call resumes from the last stored checkpoint, as the next poll would.
import { activitySchema, alertSchema } from '@cloudsiem/protocol';
import type { Clock } from '../../packages/portal/src/context.ts';
import {
  UpstreamError,
  type Stream,
  type StreamContext,
} from '../../packages/portal/src/connectors/types.ts';

export interface DrainState {
  checkpoint: unknown;
  /** Stored records by id: ingest keeps the first, drops repeats. */
  stored: Map<string, Record<string, unknown>>;
  /** Repeats dropped at ingest (the re-read cost). */
  duplicates: number;
  rejected: { upstreamId: string; rejected: string }[];
  /** Keys remembered by earlier pages, with their expiry (epoch ms). */
  remembered: Map<string, number>;
  pages: number;
  /** Retriable failures a poll ended with (resumed by the next call). */
  failures: UpstreamError[];
  /** The last page's position text. */
  position: string;
}

export function drainState(): DrainState {
  return {
    checkpoint: null,
    stored: new Map(),
    duplicates: 0,
    rejected: [],
    remembered: new Map(),
    pages: 0,
    failures: [],
    position: '',
  };
}

export interface DrainOptions {
  clock: Clock;
  mode?: 'poll' | 'test';
  initialLookbackMs?: number;
  /** Stop after this many pages (to change the upstream mid-drain); default: until done. */
  maxPages?: number;
  /** Polls that may end in a retriable failure before the drain gives up. Default 10. */
  maxFailures?: number;
}

export function streamContext(state: DrainState, options: DrainOptions): StreamContext {
  return {
    clock: options.clock,
    mode: options.mode ?? 'poll',
    initialLookbackMs: options.initialLookbackMs ?? 48 * 3600_000,
    signal: new AbortController().signal,
    remembered(keys) {
      const now = options.clock.now();
      return Promise.resolve(new Set(keys.filter((k) => (state.remembered.get(k) ?? 0) > now)));
    },
  };
}

/** Returns true when the stream said done (false: stopped at maxPages). */
export async function drain(stream: Stream, state: DrainState, options: DrainOptions): Promise<boolean> {
  const context = streamContext(state, options);
  const schema = stream.dataType === 'alerts' ? alertSchema : activitySchema;
  let failures = 0;
  for (let n = 0; options.maxPages === undefined || n < options.maxPages; n++) {
    let page;
    try {
      page = await stream.next(state.checkpoint, context);
    } catch (error) {
      if (!(error instanceof UpstreamError) || !error.retriable || ++failures > (options.maxFailures ?? 10))
        throw error;
      state.failures.push(error);
      continue;
    }
    state.pages++;
    for (const mapped of page.records) {
      if ('rejected' in mapped) {
        state.rejected.push(mapped);
        continue;
      }
      const record = schema.parse(mapped.record) as Record<string, unknown>;
      const id = record.id as string;
      if (state.stored.has(id)) state.duplicates++;
      else state.stored.set(id, record);
    }
    for (const { key, expiresAt } of page.remember ?? []) state.remembered.set(key, expiresAt);
    // Stored as JSON in the same transaction as the records.
    state.checkpoint = JSON.parse(JSON.stringify(page.checkpoint)) as unknown;
    state.position = page.position;
    if (page.done) return true;
  }
  return false;
}
