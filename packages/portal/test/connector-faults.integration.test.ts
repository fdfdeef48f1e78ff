// Fault model at the store with a real connector type (mdca, OAuth through the fake Entra), the
// real scheduler and both stores — contract tests against documented behaviour, not Microsoft's
// service. Late records, equal `created` runs across pages, token expiry mid-drain, a page then
// 500s past every retry, and a 429 without Retry-After: every upstream id stored exactly once.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { activitySchema, alertSchema, connectorInputSchema, type Connector } from '@cloudsiem/protocol';
import { startPortal, type Portal } from '../src/server.ts';
import { connectorRuntime } from '../src/connectors/runtime.ts';
import type { ConnectorRuntimeFactory } from '../src/connectors/scheduler.ts';
import type { MappedRecord } from '../src/connectors/types.ts';
import { mapActivity, mapAlert } from '../src/connectors/mdca/mapping.ts';
import { dropTestStore, openTestStore, storeTargets } from '../src/store/test-support.ts';
import { fakeEntra } from '../../../test/upstream/entra.ts';
import { fakeMdca, makeActivities, makeAlert, MDCA_SCOPE } from '../../../test/upstream/mdca.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../test/upstream/server.ts';

const TENANT = '6f8a2c1e-1111-4222-8333-944455556666';
const CLIENT = '0b2d5f7e-aaaa-4bbb-8ccc-ddddeeeeffff';

/** Retries and throttle waits without sleeping; the portal's clock moves instead. */
const fastRuntime: ConnectorRuntimeFactory = (definition, settings, options) =>
  connectorRuntime(definition, settings, { ...options, sleep: () => Promise.resolve() });

const open: { portal?: Portal; upstream?: FakeUpstream; url?: string } = {};
afterEach(async () => {
  await open.portal?.close();
  await open.upstream?.close();
  if (open.url !== undefined) await dropTestStore(open.url);
});

function idOf(mapped: MappedRecord): string {
  if (!('record' in mapped)) throw new Error(`${mapped.upstreamId}: ${mapped.rejected}`);
  return String(mapped.record.id);
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(await storeTargets())('connector faults at the store on $name', (target) => {
  it('stores every MDCA id exactly once through late records, token expiry, 500s and a 429', async () => {
    let offset = 120_000;
    const clock = { now: () => Date.now() + offset };
    const upstream = await startFakeUpstream();
    open.upstream = upstream;
    const entra = fakeEntra(
      { tenantId: TENANT, clientId: CLIENT, clientSecret: 'faults~secret', scopes: [MDCA_SCOPE] },
      clock.now,
    );
    const mdca = fakeMdca({ entra, requestsPerMinute: 1_000_000, now: clock.now });
    upstream.mount('/entra', entra.handler);
    upstream.mount('/mdca', mdca.handler);
    const start = clock.now() - 3600_000;
    // Every 7th saved 4 min 34 s after it happened; runs of 150 equal `created` span page boundaries.
    mdca.activities.push(...makeActivities(600, { start, stepMs: 200, lateEvery: 7, equalRun: 150 }));
    mdca.alerts.push(...Array.from({ length: 40 }, (_, i) => makeAlert(i, start + i * 60_000, i % 4)));
    // The token expires mid-drain; then a page, then 500s past every retry of the HTTP layer.
    mdca.onCall = (n) => {
      if (n === 3) entra.expireAll();
    };
    mdca.fail({ afterCalls: 5, count: 12, status: 500 });

    const fresh = await openTestStore(target);
    open.url = fresh.url;
    await fresh.close();
    const portal = await startPortal({
      databaseUrl: fresh.url,
      port: 0,
      clock,
      secretKey: randomBytes(32),
      builtinPolicies: false,
      connectorRuntimeFactory: fastRuntime,
      connectorScheduler: { tickMs: 50 },
    });
    open.portal = portal;
    const admin = (await portal.services.admins.list())[0]!;
    const connector = await portal.services.connectors.create(
      admin.id,
      connectorInputSchema.parse({
        name: 'faults',
        type: 'mdca',
        settings: {
          url: `${upstream.url}/mdca`,
          auth: 'oauth',
          tenantId: TENANT,
          clientId: CLIENT,
          authorityUrl: `${upstream.url}/entra`,
          pollSeconds: 10,
        },
        secret: { clientSecret: 'faults~secret' },
      }),
    );
    const state = () => portal.services.connectors.get(connector.id);

    // The 500s outlast the retries: the poll stops with the error, keeping what it stored.
    await until(
      'the 500s to be reported',
      async () => (await state()).lastError?.message.includes('500') === true,
    );
    const partial = (await state()).recordsStored;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(640);
    expect(entra.issued).toBe(2);

    // Late arrivals while it was failing: old event times, saved now.
    mdca.activities.push(
      ...makeActivities(30, { start: clock.now() - 90_000, stepMs: 10, firstN: 5000 }).map((r) => ({
        ...r,
        timestamp: start - 86_400_000,
        timestampRaw: start - 86_400_000,
      })),
    );
    offset += 11_000;
    await portal.services.connectors.sync(connector.id);
    await until('everything stored after the 500s', async () => (await state()).recordsStored >= 670);

    // A 429 without Retry-After: Throttled for at least 60 s, then everything new arrives.
    mdca.fail({ count: 1, status: 429 });
    mdca.activities.push(...makeActivities(20, { start: clock.now() - 80_000, stepMs: 10, firstN: 6000 }));
    await portal.services.connectors.sync(connector.id);
    await until('Throttled', async () => (await state()).status === 'Throttled');
    const throttled = await state();
    expect(throttled.throttledUntil! - clock.now()).toBeGreaterThanOrEqual(55_000);
    offset += 61_000;
    await portal.services.connectors.sync(connector.id);
    await until('everything stored after the 429, and the poll reported', async () => {
      const now = await state();
      return now.recordsStored >= 690 && now.status === 'Connected';
    });
    const done: Connector = await state();
    expect(done.status).toBe('Connected');
    expect(done.recordsRejected).toBe(0);

    // Counted at the store: every upstream id once, none missing, nothing else.
    const expected = new Set([
      ...mdca.activities.map((r) => idOf(mapActivity(r))),
      ...mdca.alerts.map((r) => idOf(mapAlert(r))),
    ]);
    expect(expected.size).toBe(690);
    const stored: string[] = [];
    for (const dataType of ['activities', 'alerts'] as const) {
      for (let skip = 0; ; skip += 1000) {
        const page = JSON.parse(
          (
            await portal.services.events.list(dataType, {
              filters: {},
              sortField: 'createdAt',
              sortDirection: 'asc',
              skip,
              limit: 1000,
            })
          ).toString(),
        ) as { data: unknown[]; hasNext: boolean };
        for (const r of page.data)
          stored.push((dataType === 'activities' ? activitySchema : alertSchema).parse(r).id);
        if (!page.hasNext) break;
      }
    }
    expect(stored).toHaveLength(690);
    expect(new Set(stored)).toEqual(expected);
    expect(done.recordsStored).toBe(690);
  }, 60_000);
});
