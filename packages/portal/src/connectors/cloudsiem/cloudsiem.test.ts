// The `cloudsiem` connector type against a real second portal (in process, SQLite): batches that
// share one createdAt across page boundaries, records ingested while the drain runs, a refused
// token named, and every record read exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudsiemSettingsSchema } from '@cloudsiem/protocol';
import { activityRecords, startTestPortal, storeTargets, type TestPortal } from '../../test-support.ts';
import { createUpstreamHttp } from '../http.ts';
import { UpstreamError, type ConnectorRuntime, type Stream, type StreamContext } from '../types.ts';
import { cloudsiemConnector } from './index.ts';
import { SETTLE_MS } from './streams.ts';

let remote: TestPortal;
let readToken: string;
beforeAll(async () => {
  const [sqlite] = await storeTargets();
  if (sqlite === undefined) throw new Error('no SQLite target');
  remote = await startTestPortal(sqlite);
  readToken = (await remote.portal.services.admins.createApiToken(remote.adminId, 'hub', 'read')).token;
});
afterAll(() => remote.close());

function runtime(): ConnectorRuntime & { http: ReturnType<typeof createUpstreamHttp> } {
  return {
    http: createUpstreamHttp({ requestsPerMinute: 6000, throttleFloorMs: 0, maxRetries: 0 }),
    entraToken: () => {
      throw new Error('not used');
    },
    logger: { info() {}, warn() {}, error() {} },
    clock: remote.clock,
  };
}

function context(mode: 'poll' | 'test' = 'poll'): StreamContext {
  return {
    clock: remote.clock,
    remembered: () => Promise.resolve(new Set()),
    mode,
    initialLookbackMs: 48 * 3600_000,
    signal: new AbortController().signal,
  };
}

/** Drains a stream as the scheduler does, returning the ids in the order read. */
async function drain(stream: Stream, from: { checkpoint: unknown }): Promise<string[]> {
  const ids: string[] = [];
  for (let pages = 0; pages < 100; pages++) {
    const page = await stream.next(from.checkpoint, context());
    for (const r of page.records) if ('record' in r) ids.push(r.upstreamId);
    from.checkpoint = page.checkpoint;
    if (page.done) return ids;
  }
  throw new Error('the stream never finished');
}

const settings = (url: string) =>
  cloudsiemSettingsSchema.parse({ url, dataTypes: { activities: true, alerts: false } });

describe('cloudsiem connector against a second real portal', () => {
  it('reads every record once, across batches sharing one createdAt and pages of 1,000', async () => {
    const start = remote.clock.now();
    // Three batches: 2,500 records with one createdAt (spans three pages), 700 a second later, 1 more.
    await remote.portal.services.events.ingestActivities(activityRecords('a', 2500, start - 60_000));
    remote.clock.advance(1000);
    await remote.portal.services.events.ingestActivities(activityRecords('b', 700, start - 60_000));
    remote.clock.advance(1000);
    await remote.portal.services.events.ingestActivities(activityRecords('c', 1, start));
    const rt = runtime();
    const [stream] = cloudsiemConnector.streams(settings(remote.url), { token: readToken }, rt);
    if (stream === undefined) throw new Error('no stream');
    const position = { checkpoint: null as unknown };

    // Within the settle time nothing is read: a batch stamped then may still be committing.
    expect(await drain(stream, position)).toEqual([]);
    remote.clock.advance(SETTLE_MS + 1);
    const first = await drain(stream, position);
    expect(first).toHaveLength(3201);
    expect(new Set(first).size).toBe(3201);
    expect(first.slice(0, 3)).toEqual(['a-0', 'a-1', 'a-2']);
    expect(first.at(-1)).toBe('c-0');
    // 3,201 records in pages of 1,000: four calls (the last page is short and ends the drain) plus the empty first poll.
    expect(rt.http.calls).toBe(5);

    // Records arriving later (an old event time, a new ingest time) are read next time, and only they.
    remote.clock.advance(5000);
    await remote.portal.services.events.ingestActivities(activityRecords('late', 10, start - 3600_000));
    remote.clock.advance(SETTLE_MS + 1);
    expect(await drain(stream, position)).toEqual(activityRecords('late', 10, 0).map((r) => r.id));
    expect(await drain(stream, position)).toEqual([]);
    await rt.http.close();
  });

  it('drops createdAt, keeps the rest of the canonical record', async () => {
    const rt = runtime();
    const [stream] = cloudsiemConnector.streams(settings(remote.url), { token: readToken }, rt);
    const page = await stream!.next(null, context('test'));
    expect(page.records.length).toBeGreaterThan(0);
    const first = page.records[0]!;
    if (!('record' in first)) throw new Error(first.rejected);
    expect(first.record).not.toHaveProperty('createdAt');
    expect(first.record).toMatchObject({ id: first.upstreamId, category: 'EVENT_CATEGORY_LOGIN' });
    await rt.http.close();
  });

  it('names a refused token as an auth failure, without the token in the message', async () => {
    const rt = runtime();
    const [stream] = cloudsiemConnector.streams(settings(remote.url), { token: 'csadm_nope.nope' }, rt);
    const error = await stream!.next(null, context('test')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).kind).toBe('auth');
    expect((error as UpstreamError).message).not.toContain('csadm_nope');
    await rt.http.close();
  });
});
