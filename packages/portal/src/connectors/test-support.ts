// Test helpers: a tiny fake connector type over an in-memory upstream (records with ids and
// "created" times, paged in created order with a {from, skip} checkpoint) that tests register in
// place of a real type to prove the framework: exactly once, crashes, failures, rejections, leases.
import { cloudsiemSettingsSchema } from '@cloudsiem/protocol';
import type { ConnectorDefinition, Stream, StreamPage } from './types.ts';

export interface FakeRecord {
  id: string;
  created: number;
  /** `mapping`: the type's mapping refuses it; `invalid`: mapped, but ingest refuses it. */
  bad?: 'mapping' | 'invalid';
}

export interface FakeCheckpoint {
  from: number;
  skip: number;
}

export interface FakeUpstream {
  records: FakeRecord[];
  pageSize: number;
  /** Every next() call: the checkpoint it started from. */
  served: (FakeCheckpoint | null)[];
  /** Runs before a page is served (call is 1-based): throw an UpstreamError, or wait. */
  before?: (call: number, signal: AbortSignal) => Promise<void> | void;
}

export function fakeUpstream(records: FakeRecord[] = [], pageSize = 5): FakeUpstream {
  return { records, pageSize, served: [] };
}

/** `n` records `prefix-0…` created at `created(i)`. */
export function fakeRecords(prefix: string, n: number, created: (i: number) => number): FakeRecord[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, created: created(i) }));
}

export const FAKE_PERMISSIONS = 'Fake.Read.All';

function fakeStream(upstream: FakeUpstream): Stream {
  return {
    name: 'activities',
    dataType: 'activities',
    async next(checkpoint, context): Promise<StreamPage> {
      const at = (checkpoint as FakeCheckpoint | null) ?? { from: 0, skip: 0 };
      upstream.served.push(checkpoint as FakeCheckpoint | null);
      await upstream.before?.(upstream.served.length, context.signal);
      // Created order, stable for equal times (the order they arrived in), as real upstreams sort.
      const ordered = [...upstream.records].sort((a, b) => a.created - b.created);
      const after = ordered.filter((r) => r.created >= at.from).slice(at.skip, at.skip + upstream.pageSize);
      let next = at;
      for (const r of after)
        next =
          r.created === next.from ? { from: next.from, skip: next.skip + 1 } : { from: r.created, skip: 1 };
      return {
        records: after.map((r) =>
          r.bad === 'mapping'
            ? { upstreamId: r.id, rejected: 'no user in the upstream record' }
            : {
                upstreamId: r.id,
                record: {
                  id: r.id,
                  timestamp: r.created,
                  ...(r.bad === 'invalid' ? {} : { category: 'EVENT_CATEGORY_LOGIN' }),
                  action: 'Log on',
                  user: 'fake@contoso.com',
                },
              },
        ),
        checkpoint: next,
        done: after.length < upstream.pageSize,
        position: `created ≥ ${next.from} (+${next.skip})`,
      };
    },
  };
}

/** The fake type, registered under `cloudsiem` (its settings schema and token secret). */
export function fakeConnector(upstream: FakeUpstream): ConnectorDefinition<'cloudsiem'> {
  return {
    type: 'cloudsiem',
    title: 'Fake upstream (tests)',
    settingsSchema: cloudsiemSettingsSchema,
    permissions: FAKE_PERMISSIONS,
    requestsPerMinute: () => 6000,
    throttleFloorMs: 1000,
    streams: () => [fakeStream(upstream)],
  };
}

/** An API body creating a fake connector. */
export function fakeConnectorInput(secret = 'fake-upstream-token-1234567890') {
  return {
    name: 'Fake upstream',
    type: 'cloudsiem',
    settings: { url: 'http://127.0.0.1:9', dataTypes: { activities: true, alerts: false } },
    secret: { token: secret },
  };
}
