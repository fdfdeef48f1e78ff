// The mdca streams against the loopback fake of test/upstream/mdca.ts, through the real HTTP
// client and Entra ID token cache: contract tests against documented behaviour (reference/upstream/
// mdca), never a claim about Microsoft's service. A dedupe Set stands in for ingest (idempotent by id).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectorSecretSchema, mdcaSettingsSchema, type MdcaSettings } from '@cloudsiem/protocol';
import { fakeEntra, type FakeEntra } from '../../../../../test/upstream/entra.ts';
import {
  fakeMdca,
  makeActivities,
  makeAlert,
  MDCA_SCOPE,
  type FakeMdca,
  type FakeMdcaOptions,
} from '../../../../../test/upstream/mdca.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../../../test/upstream/server.ts';
import { silentLogger } from '../../context.ts';
import { entraTokenSource } from '../entra.ts';
import { createUpstreamHttp, type UpstreamHttpClient } from '../http.ts';
import { connectorDefinition } from '../registry.ts';
import { connectorRuntime } from '../runtime.ts';
import { testConnection } from '../test-connection.ts';
import { UpstreamError, type ConnectorRuntime, type Stream, type StreamContext } from '../types.ts';
import { mdcaConnector } from './index.ts';
import type { MdcaCheckpoint } from './streams.ts';

const TENANT = '6b2f0c1e-1d3a-4c5e-9f70-1a2b3c4d5e6f';
const CLIENT = '00001111-aaaa-2222-bbbb-3333cccc4444';
const SECRET = 'qWgdYAmab0YSkuL1qKv5bPX';
const LEGACY = 'A'.repeat(64);
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const MINUTE = 60_000;

let upstream: FakeUpstream;
let entra: FakeEntra;
let mdca: FakeMdca;
let now: number;
let prefix = 0;
const clients: UpstreamHttpClient[] = [];

beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** A fresh tenant (fake Entra + fake MDCA under their own prefix) and a connector on it. */
function tenant(options: FakeMdcaOptions = {}, settings: Partial<MdcaSettings> = {}) {
  const p = `/t${++prefix}`;
  entra = fakeEntra(
    { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, scopes: [MDCA_SCOPE] },
    () => now,
  );
  mdca = fakeMdca({ entra, legacyToken: LEGACY, now: () => now, ...options });
  upstream.mount(`${p}/entra`, entra.handler);
  upstream.mount(`${p}/mdca`, mdca.handler);
  const parsed = mdcaSettingsSchema.parse({
    url: `${upstream.url}${p}/mdca`,
    auth: 'oauth',
    tenantId: TENANT,
    clientId: CLIENT,
    authorityUrl: `${upstream.url}${p}/entra`,
    ...settings,
  });
  const http = createUpstreamHttp({
    // The fake's limit is under test, not the bucket's: a budget the drains never wait for.
    requestsPerMinute: 100_000,
    throttleFloorMs: mdcaConnector.throttleFloorMs,
    sleep: () => Promise.resolve(),
  });
  clients.push(http);
  const runtime: ConnectorRuntime = {
    http,
    entraToken: (o) => entraTokenSource(http, { ...o, now: () => now }),
    logger: silentLogger,
    clock: { now: () => now },
  };
  const secret = connectorSecretSchema.parse(
    parsed.auth === 'oauth' ? { clientSecret: SECRET } : { token: LEGACY },
  );
  const streams = mdcaConnector.streams(parsed, secret, runtime);
  const byName = (name: string) => {
    const stream = streams.find((s) => s.name === name);
    if (stream === undefined) throw new Error(`no stream ${name}`);
    return stream;
  };
  return {
    http,
    settings: parsed,
    streams,
    get activities() {
      return byName('activities');
    },
    get alerts() {
      return byName('alerts');
    },
  };
}

function context(mode: 'poll' | 'test' = 'poll'): StreamContext {
  return {
    clock: { now: () => now },
    remembered: () => Promise.resolve(new Set()),
    mode,
    initialLookbackMs: 48 * 60 * MINUTE,
    signal: new AbortController().signal,
  };
}

/** Ingest's stand-in: ids stored once; a repeated id is a duplicate re-read. */
class Ingest {
  readonly ids = new Set<string>();
  duplicates = 0;
  rejected = 0;
  add(records: { upstreamId: string; rejected?: string }[]) {
    for (const r of records) {
      if (r.rejected !== undefined) this.rejected++;
      else if (this.ids.has(r.upstreamId)) this.duplicates++;
      else this.ids.add(r.upstreamId);
    }
  }
}

/** One poll as the scheduler runs it: next() until done, the checkpoint applied after each page. */
async function poll(stream: Stream, state: { checkpoint: unknown }, ingest: Ingest, maxPages = 1000) {
  let pages = 0;
  for (;;) {
    const page = await stream.next(state.checkpoint, context());
    ingest.add(page.records);
    state.checkpoint = page.checkpoint;
    pages++;
    if (page.done) return pages;
    if (pages >= maxPages) throw new Error('poll did not end');
  }
}

const idsOf = (records: Record<string, unknown>[]) => new Set(records.map((r) => r._id as string));

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError');
}

beforeEach(() => {
  now = T0;
});

describe('mdca: contract tests against documented behaviour', () => {
  it('is registered with its throttle: settings.requestsPerMinute (default 20) and a 60 s floor', () => {
    const definition = connectorDefinition('mdca');
    expect(definition).toBe(mdcaConnector);
    const settings = mdcaSettingsSchema.parse({
      url: 'https://x.portal.cloudappsecurity.com',
      auth: 'token',
    });
    expect(mdcaConnector.requestsPerMinute(settings)).toBe(20);
    expect(mdcaConnector.requestsPerMinute({ ...settings, requestsPerMinute: 7 })).toBe(7);
    expect(mdcaConnector.throttleFloorMs).toBe(60_000);
    expect(mdcaConnector.permissions).toBe('Investigation.Read');
    const { streams } = tenant(
      {},
      {
        dataTypes: { activities: false, alerts: true },
      },
    );
    expect(streams.map((s) => s.name)).toEqual(['alerts']);
  });

  it('drains a backlog of 2,500 activities and 300 alerts: every id once, re-reads counted', async () => {
    const { activities, alerts, http } = tenant();
    // Saved over the last ~2 h, runs of 3 sharing one `created` (so runs straddle page boundaries),
    // every 7th saved 4 min 34 s after it happened.
    mdca.activities.push(
      ...makeActivities(2500, { start: T0 - 2 * 60 * MINUTE, stepMs: 2500, equalRun: 3, lateEvery: 7 }),
    );
    mdca.alerts.push(
      ...Array.from({ length: 300 }, (_, i) => makeAlert(i, T0 - 2 * 60 * MINUTE + i * 20_000, i % 4)),
    );
    const ingest = new Ingest();
    const alertIngest = new Ingest();
    const state = { checkpoint: null as unknown };
    const alertState = { checkpoint: null as unknown };

    const started = performance.now();
    const callsBefore = mdca.calls;
    const pages = await poll(activities, state, ingest);
    const activityCalls = mdca.calls - callsBefore;
    const elapsedMs = performance.now() - started;
    await poll(alerts, alertState, alertIngest);

    expect(ingest.ids).toEqual(idsOf(mdca.activities));
    expect(alertIngest.ids).toEqual(idsOf(mdca.alerts));
    expect(ingest.rejected + alertIngest.rejected).toBe(0);
    // Within a poll the keyset skips what it already read at the page's first millisecond.
    expect(ingest.duplicates).toBe(0);
    expect(pages).toBe(activityCalls);
    // ≤ 100 per page, each page re-reading at most the run at its first millisecond.
    expect(pages).toBeLessThanOrEqual(26);
    expect(mdca.bodies.every((b) => Number(b.body.limit) <= 100)).toBe(true);
    expect(
      mdca.bodies.filter((b) => b.resource === 'activities').every((b) => b.body.sortField === 'created'),
    ).toBe(true);

    // The next poll re-reads the overlap (5 min of `created` for activities, 30 min for alerts).
    now += 5 * MINUTE;
    const before = { activities: ingest.duplicates, alerts: alertIngest.duplicates };
    await poll(activities, state, ingest);
    await poll(alerts, alertState, alertIngest);
    const reReads = {
      activities: ingest.duplicates - before.activities,
      alerts: alertIngest.duplicates - before.alerts,
    };
    expect(ingest.ids.size).toBe(2500);
    expect(reReads.activities).toBeGreaterThan(0);
    // 5 min of records saved every 2.5 s (runs of 3 at one ms): the overlap and the run at its start.
    expect(reReads.activities).toBeLessThanOrEqual(3 * Math.ceil((5 * MINUTE) / 7500) + 3);
    expect(reReads.alerts).toBeLessThanOrEqual(Math.ceil((30 * MINUTE) / 20_000) + 1);

    console.info(
      `mdca drain: ${2500} activities in ${pages} pages, ${elapsedMs.toFixed(0)} ms ` +
        `(${Math.round(2500 / (elapsedMs / 1000))} records/s), ${((activityCalls / 2500) * 1000).toFixed(1)} calls per 1,000; ` +
        `next poll re-read ${reReads.activities} activities and ${reReads.alerts} alerts; http calls ${http.calls}`,
    );
  });

  it('picks up late records (saved minutes after they happened) and waits out the settle time', async () => {
    const { activities } = tenant();
    mdca.activities.push(...makeActivities(50, { start: T0 - 30 * MINUTE, stepMs: 30_000 }));
    // Saved 30 s ago: inside the settle time, left for the next poll.
    const settling = makeActivities(5, { start: T0 - 30_000, firstN: 1000 });
    mdca.activities.push(...settling);
    const ingest = new Ingest();
    const state = { checkpoint: null as unknown };
    await poll(activities, state, ingest);
    expect(ingest.ids.size).toBe(50);
    for (const id of idsOf(settling)) expect(ingest.ids.has(id)).toBe(false);

    // Happened 40 min ago — before everything read so far — but saved 2 min from now.
    const late = makeActivities(20, { start: T0 + 2 * MINUTE, firstN: 2000 }).map((r) => ({
      ...r,
      timestamp: T0 - 40 * MINUTE,
      timestampRaw: T0 - 40 * MINUTE,
    }));
    mdca.activities.push(...late);
    now = T0 + 4 * MINUTE;
    await poll(activities, state, ingest);
    for (const id of [...idsOf(settling), ...idsOf(late)]) expect(ingest.ids.has(id)).toBe(true);
    expect(ingest.ids).toEqual(idsOf(mdca.activities));
  });

  it('loses nothing when equal `created` values cross a page boundary, even a run longer than a page', async () => {
    const { activities } = tenant();
    // 95 singles, then 40 sharing one ms (across the first boundary), then 150 sharing one ms
    // (more than a page: only skip moves past it), then 80 singles.
    mdca.activities.push(
      ...makeActivities(95, { start: T0 - 60 * MINUTE, stepMs: 1000 }),
      ...makeActivities(40, { start: T0 - 50 * MINUTE, equalRun: 40, firstN: 100 }),
      ...makeActivities(150, { start: T0 - 40 * MINUTE, equalRun: 150, firstN: 200 }),
      ...makeActivities(80, { start: T0 - 30 * MINUTE, stepMs: 1000, firstN: 400 }),
    );
    const ingest = new Ingest();
    await poll(activities, { checkpoint: null }, ingest);
    expect(ingest.ids).toEqual(idsOf(mdca.activities));
    expect(ingest.duplicates).toBe(0);
    expect(mdca.bodies.some((b) => Number(b.body.skip) === 100)).toBe(true);
  });

  it('passes a record it cannot map on as rejected, with its id and reason, never dropped', async () => {
    const { activities } = tenant();
    const records = makeActivities(30, { start: T0 - 60 * MINUTE, stepMs: 1000 });
    const broken: Record<string, unknown> = { ...records[10], eventTypeName: undefined };
    records[10] = broken;
    mdca.activities.push(...records);
    const page = await activities.next(null, context());
    const rejected = page.records.filter((r) => 'rejected' in r);
    expect(rejected).toEqual([{ upstreamId: broken._id, rejected: 'eventTypeName: missing' }]);
    expect(page.records).toHaveLength(30);
  });

  it('renews an Entra token that expires mid-drain (401 → new token → continue)', async () => {
    const { activities } = tenant();
    mdca.activities.push(...makeActivities(800, { start: T0 - 60 * MINUTE, stepMs: 1000 }));
    mdca.onCall = (n) => {
      if (n === 4) entra.expireAll();
    };
    const ingest = new Ingest();
    await poll(activities, { checkpoint: null }, ingest);
    expect(ingest.ids).toEqual(idsOf(mdca.activities));
    expect(entra.issued).toBe(2);
    const authHeaders = upstream.requests
      .filter((r) => r.path.includes('/api/v1/activities/'))
      .map((r) => r.headers.authorization);
    expect(new Set(authHeaders).size).toBeGreaterThanOrEqual(2);
  });

  it('a page, then 500s: UpstreamError, the last checkpoint still valid, the resume gets the rest', async () => {
    const { activities } = tenant();
    mdca.activities.push(...makeActivities(600, { start: T0 - 60 * MINUTE, stepMs: 1000 }));
    mdca.fail({ afterCalls: 3, status: 500 });
    const ingest = new Ingest();
    const state = { checkpoint: null as unknown };
    const error = await failure(poll(activities, state, ingest));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(500);
    expect(error.retriable).toBe(true);
    expect(ingest.ids.size).toBeGreaterThanOrEqual(297);
    expect((state.checkpoint as MdcaCheckpoint).caughtUp).toBe(false);

    mdca.fail({ count: 0 });
    await poll(activities, state, ingest);
    expect(ingest.ids).toEqual(idsOf(mdca.activities));
    expect(ingest.duplicates).toBe(0);
  });

  it('a 429 without Retry-After (reason TOO MANY REQUESTS) → throttled, retry after ≥ 60 s', async () => {
    const { settings } = tenant({ requestsPerMinute: 2 });
    mdca.activities.push(...makeActivities(300, { start: T0 - 60 * MINUTE, stepMs: 1000 }));
    // The portal's own runtime for this type: its bucket (20/min) and its 60 s throttle floor.
    const runtime = connectorRuntime(mdcaConnector, settings, {
      clock: { now: () => now },
      logger: silentLogger,
      sleep: () => Promise.resolve(),
    });
    clients.push(runtime.http);
    const [activities] = mdcaConnector.streams(settings, { clientSecret: SECRET }, runtime);
    const ingest = new Ingest();
    const state = { checkpoint: null as unknown };
    const error = await failure(
      activities === undefined ? Promise.resolve() : poll(activities, state, ingest),
    );
    expect(error.kind).toBe('throttled');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(60_000);
    // Two pages answered: 100, then 99 new (page 2 starts at page 1's last `created`, re-reading it).
    expect(ingest.ids.size).toBe(199);
    expect(mdca.calls).toBe(3);
    // A minute later the poll resumes from the checkpoint.
    now += MINUTE;
    if (activities !== undefined) await poll(activities, state, ingest);
    expect(ingest.ids.size).toBe(300);
  });

  it('Test connection: one page per stream, nothing stored, the exact CEF lines', async () => {
    const { settings } = tenant();
    mdca.activities.push(...makeActivities(120, { start: T0 - 60 * MINUTE, stepMs: 1000 }));
    mdca.alerts.push(makeAlert(1, T0 - 10 * MINUTE));
    const result = await testConnection(
      mdcaConnector,
      settings,
      { clientSecret: SECRET },
      {
        clock: { now: () => now },
        logger: silentLogger,
        sleep: () => Promise.resolve(),
        publicUrl: 'https://portal.example.com',
        initialLookbackMs: 48 * 60 * MINUTE,
      },
    );
    expect(result.failure).toBeNull();
    expect(result.streams.map((s) => [s.stream, s.fetched])).toEqual([
      ['activities', 100],
      ['alerts', 1],
    ]);
    const first = result.streams[0]?.samples[0];
    expect(first?.rejected).toBeNull();
    expect(first?.line).toContain('|EVENT_CATEGORY_UNSPECIFIED|FilePreviewed|0|externalId=97134000_15600_');
    expect(first?.line).toContain(
      ' dvc=8.8.8.8 requestClientApplication=OneDriveMpc-Transform_Thumbnail/1.0 ',
    );

    entra.setSecret('rotated');
    const refused = await testConnection(
      mdcaConnector,
      settings,
      { clientSecret: SECRET },
      {
        clock: { now: () => now },
        logger: silentLogger,
        publicUrl: 'https://portal.example.com',
        initialLookbackMs: MINUTE,
      },
    );
    expect(refused.ok).toBe(false);
    expect(refused.failure?.kind).toBe('auth');
    expect(refused.failure?.message).toMatch(/client secret.*needs Investigation\.Read/);
  });

  it('a connector without its secret fails its first call, not its construction', async () => {
    const { settings } = tenant();
    const [activities] = mdcaConnector.streams(settings, { token: 'x' }, runtimeFor());
    const error = await failure(activities?.next(null, context()) ?? Promise.resolve());
    expect(error.kind).toBe('auth');
    expect(error.retriable).toBe(false);
  });

  it("mode 'test' fetches one page and leaves the checkpoint alone", async () => {
    const { activities, alerts } = tenant();
    mdca.activities.push(...makeActivities(250, { start: T0 - 60 * MINUTE, stepMs: 1000 }));
    mdca.alerts.push(makeAlert(1, T0 - 10 * MINUTE));
    const page = await activities.next(null, context('test'));
    expect(page.done).toBe(true);
    expect(page.checkpoint).toBeNull();
    expect(page.records).toHaveLength(100);
    expect(mdca.calls).toBe(1);
    const alertPage = await alerts.next(null, context('test'));
    expect(alertPage.records).toHaveLength(1);
    expect(alertPage.records[0]).toMatchObject({ record: { severity: 'medium', source: 'cloud-apps' } });
  });

  it('authenticates with a legacy API token; a wrong one is refused as MDCA does (403)', async () => {
    const { activities } = tenant({}, { auth: 'token', tenantId: undefined, clientId: undefined });
    mdca.activities.push(...makeActivities(10, { start: T0 - 60 * MINUTE }));
    const ingest = new Ingest();
    await poll(activities, { checkpoint: null }, ingest);
    expect(ingest.ids.size).toBe(10);
    const sent = upstream.requests.at(-1)?.headers.authorization;
    expect(sent).toBe(`Token ${LEGACY}`);

    const wrong = mdcaConnector.streams(
      mdcaSettingsSchema.parse({ url: mdcaUrl(), auth: 'token' }),
      { token: 'B'.repeat(64) },
      runtimeFor(),
    )[0];
    const error = await failure(wrong?.next(null, context()) ?? Promise.resolve());
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(403);
  });

  it('a wrong client secret is named by the Entra token endpoint', async () => {
    const { activities } = tenant();
    entra.setSecret('rotated');
    const error = await failure(activities.next(null, context()));
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/client secret/);
  });

  it('follows scan mode nextQueryFilters when the upstream gives them, and falls back when it refuses', async () => {
    for (const scan of ['follow', 'refuse'] as const) {
      now = T0;
      const { activities } = tenant({ scan });
      mdca.activities.push(...makeActivities(700, { start: T0 - 60 * MINUTE, stepMs: 1000, equalRun: 7 }));
      const ingest = new Ingest();
      await poll(activities, { checkpoint: null }, ingest);
      expect(ingest.ids).toEqual(idsOf(mdca.activities));
      expect(ingest.duplicates).toBe(0);
      const scanned = mdca.bodies.filter((b) => b.body.isScan === true).length;
      if (scan === 'follow') expect(scanned).toBe(mdca.bodies.length);
      // Refused once, then keyset for the rest of the connector's life.
      else expect(scanned).toBe(1);
    }
  });
});

function mdcaUrl(): string {
  return `${upstream.url}/t${prefix}/mdca`;
}

function runtimeFor(): ConnectorRuntime {
  const http = createUpstreamHttp({
    requestsPerMinute: 100_000,
    throttleFloorMs: 60_000,
    sleep: () => Promise.resolve(),
  });
  clients.push(http);
  return {
    http,
    entraToken: (o) => entraTokenSource(http, o),
    logger: silentLogger,
    clock: { now: () => now },
  };
}
