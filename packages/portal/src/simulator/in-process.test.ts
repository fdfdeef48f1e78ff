// The in-process simulation feeds a real portal's ingest service on a timer, and a batch the
// store refuses is retried on the next tick instead of being dropped.
import { describe, expect, it } from 'vitest';
import type { IngestResult } from '@cloudsiem/protocol';
import { openTestStore, storeTargets } from '../store/test-support.ts';
import { countEvents } from '../store/events.ts';
import { DEFAULT_SETTINGS, silentLogger, systemClock } from '../context.ts';
import { createServices } from '../services/index.ts';
import { waitFor } from '../../../../test/support/wait.ts';
import { startInProcessSimulation, type IngestTarget } from './in-process.ts';

const sqlite = (await storeTargets()).find((t) => t.name === 'sqlite')!;

describe('startInProcessSimulation', () => {
  it('ingests activities at about the asked rate into the store', async () => {
    const store = await openTestStore(sqlite);
    try {
      const services = createServices({
        store,
        clock: systemClock,
        logger: silentLogger,
        settings: { ...DEFAULT_SETTINGS, publicUrl: 'http://portal.test' },
      });
      const simulation = startInProcessSimulation(services.events, { rate: 400, seed: 3, tickMs: 50 });
      await waitFor(() => simulation.counts().activities >= 300, '300 simulated activities', 10_000);
      await simulation.stop();
      const counts = simulation.counts();
      expect(await countEvents(store.db, 'activities')).toBe(counts.activities);
      expect(counts.rejected).toBe(0);
    } finally {
      await store.dispose();
    }
  });

  it('keeps a refused batch and sends the same records on the next tick', async () => {
    const seen: string[][] = [];
    let failures = 2;
    const target: IngestTarget = {
      ingestActivities: (items) => {
        seen.push(items.map((i) => (i as { id: string }).id));
        if (failures-- > 0) return Promise.reject(new Error('database is locked'));
        return Promise.resolve({
          accepted: items.length,
          duplicates: 0,
          alertsRaised: 0,
          rejected: [],
        } as IngestResult);
      },
      ingestAlerts: (items) =>
        Promise.resolve({
          accepted: items.length,
          duplicates: 0,
          alertsRaised: 0,
          rejected: [],
        } as IngestResult),
    };
    const errors: unknown[] = [];
    const simulation = startInProcessSimulation(target, {
      rate: 100,
      seed: 1,
      tickMs: 20,
      onError: (e) => errors.push(e),
    });
    await waitFor(() => seen.length >= 4, 'four ingest calls', 5000);
    await simulation.stop();
    expect(errors).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    expect(seen[3]).not.toEqual(seen[0]);
  });
});
