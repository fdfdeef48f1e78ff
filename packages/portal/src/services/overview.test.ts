// The overview service on SQLite and PostgreSQL: the simulator appears while it stores records and not before,
// connectors are sources with their rate and, when failing, the reason; the rate an agent's
// heartbeats report survives a restart of the agent inside the window.
import type { Connector } from '@cloudsiem/protocol';
import { heartbeatSchema, OVERVIEW_WINDOW_MINUTES } from '@cloudsiem/protocol';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, silentLogger, type PortalContext } from '../context.ts';
import { fakeClock } from '../test-support.ts';
import { openTestStore, storeTargets } from '../store/test-support.ts';
import { createAgentService } from './agents.ts';
import type { ConnectorService } from './connectors.ts';
import { createEventService } from './events.ts';
import { createOverviewService, sentPerMinute } from './overview.ts';
import { createPolicyService } from './policies.ts';
import { createThroughputMeter } from './throughput.ts';

const MINUTE = 60_000;

function connector(fields: Partial<Connector>): Connector {
  // Only what the overview reads; the rest of a connector does not matter here.
  return {
    id: 'c-1',
    name: 'Contoso MDCA',
    status: 'Connected',
    statusDetail: null,
    lastError: null,
    recordsPerMinute: 0,
    ...fields,
  } as Connector;
}

describe.each(await storeTargets())('the overview service on $name', (target) => {
  it('shows the simulator while it stores records, and connectors with their rate and failure', async () => {
    const store = await openTestStore(target);
    const clock = fakeClock();
    try {
      const context: PortalContext = {
        store,
        clock,
        logger: silentLogger,
        settings: { ...DEFAULT_SETTINGS, publicUrl: 'http://portal.test' },
      };
      const throughput = createThroughputMeter(context);
      const events = createEventService(context, createPolicyService(context), throughput);
      const connectors = {
        list: () =>
          Promise.resolve([
            connector({ recordsPerMinute: 12.5 }),
            connector({
              id: 'c-2',
              name: 'Graph',
              status: 'Connection error',
              statusDetail: 'Entra refused the client secret (AADSTS7000215)',
            }),
          ]),
      } as unknown as ConnectorService;
      const overview = createOverviewService(context, {
        agents: createAgentService(context, throughput),
        connectors,
        throughput,
      });

      const before = await overview.overview();
      expect(before.sources.map((s) => s.name)).toEqual(['Ingest API', 'Contoso MDCA', 'Graph']);
      expect(before.sources.slice(1)).toEqual([
        {
          kind: 'connector',
          id: 'c-1',
          name: 'Contoso MDCA',
          eventsPerMinute: 12.5,
          connectorStatus: 'Connected',
          problem: null,
        },
        {
          kind: 'connector',
          id: 'c-2',
          name: 'Graph',
          eventsPerMinute: 0,
          connectorStatus: 'Connection error',
          problem: 'Entra refused the client secret (AADSTS7000215)',
        },
      ]);

      const records = Array.from({ length: 40 }, (_, i) => ({
        id: `sim-${i}`,
        timestamp: clock.now(),
        category: 'EVENT_CATEGORY_LOGIN',
        action: 'Log on',
      }));
      // Without a source (a test, a tool calling the service): counted nowhere.
      await events.ingestActivities(records.slice(0, 10));
      expect((await overview.overview()).sources[0]?.name).toBe('Ingest API');
      await events.ingestActivities(records.slice(10), { source: 'simulator' });
      clock.advance(2 * MINUTE);
      const running = await overview.overview();
      expect(running.sources[0]).toMatchObject({ kind: 'simulator', name: 'Simulator', eventsPerMinute: 15 });
      expect(running.sources[1]).toMatchObject({ kind: 'ingest-api', eventsPerMinute: 0 });

      // Stopped: once its records leave the window, it is no longer drawn.
      clock.advance(6 * MINUTE);
      expect((await overview.overview()).sources.map((s) => s.kind)).not.toContain('simulator');
      await throughput.close();
    } finally {
      await store.close();
    }
  });

  it('keeps the rates in the store: they survive a restart and add up across portals', async () => {
    const store = await openTestStore(target);
    const clock = fakeClock();
    try {
      const context = { store, clock, logger: silentLogger };
      // Two portal processes on one database, counting their own ingests and pulls.
      const first = createThroughputMeter(context);
      const second = createThroughputMeter(context);
      first.add('ingest-api', 300);
      second.add('ingest-api', 300);
      second.add('pulled:agent-1', 120);
      clock.advance(2 * MINUTE);
      // A reader writes what it counted itself; the other's counts were written by its close.
      await second.close();
      const both = await first.rates(OVERVIEW_WINDOW_MINUTES);
      expect(both.perMinute('ingest-api')).toBe(300);
      expect(both.perMinute('pulled:agent-1')).toBe(60);
      expect(both.active('simulator')).toBe(false);
      await first.close();

      // After a restart (a new meter, nothing counted yet), the window still holds them.
      const restarted = createThroughputMeter(context);
      expect((await restarted.rates(OVERVIEW_WINDOW_MINUTES)).perMinute('ingest-api')).toBe(300);
      // Past the window they no longer count; past keeping they are deleted.
      clock.advance(20 * MINUTE);
      restarted.add('simulator', 1);
      const later = await restarted.rates(OVERVIEW_WINDOW_MINUTES);
      expect(later.active('ingest-api')).toBe(false);
      expect(later.active('simulator')).toBe(true);
      const kept = await store.db.selectFrom('throughput_minutes').select('key').execute();
      expect(kept.map((r) => r.key)).toEqual(['simulator']);
      await restarted.close();
    } finally {
      await store.close();
    }
  });
});

describe('events sent per minute from heartbeats', () => {
  const T0 = Date.UTC(2026, 0, 1, 12);
  const entry = (at: number, startedAt: number, sent: number) => ({
    at,
    heartbeat: heartbeatSchema.parse({
      version: '0.1.0',
      host: 'h',
      startedAt,
      counters: { activities: { eventsSent: sent }, alerts: { eventsSent: 0 } },
      syslog: { state: 'connected', target: 't' },
    }),
  });

  it('compares the newest heartbeat with the earliest of its run, or with the run start', () => {
    expect(sentPerMinute([])).toBeNull();
    expect(
      sentPerMinute([entry(T0, T0 - 10 * MINUTE, 100), entry(T0 + 2 * MINUTE, T0 - 10 * MINUTE, 700)]),
    ).toBe(300);
    // Restarted in the window: its counters start again at zero; 200 in the 90 s since its start.
    expect(
      sentPerMinute([
        entry(T0, T0 - 10 * MINUTE, 5000),
        entry(T0 + MINUTE, T0 + 30_000, 50),
        entry(T0 + 2 * MINUTE, T0 + 30_000, 200),
      ]),
    ).toBeCloseTo((200 * 60) / 90, 6);
    // A heartbeat 2 s after the start says nothing yet.
    expect(sentPerMinute([entry(T0 + 2000, T0, 1000)])).toBeNull();
  });
});
