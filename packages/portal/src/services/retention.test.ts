// Retention: events ingested longer ago than retentionDays are deleted in bounded batches, on
// SQLite and PostgreSQL; newer events and everything with retention off stay.
import { describe, expect, it } from 'vitest';
import { openTestStore, storeTargets } from '../store/test-support.ts';
import { countEvents } from '../store/events.ts';
import { DEFAULT_SETTINGS, silentLogger } from '../context.ts';
import { fakeClock } from '../test-support.ts';
import { createServices } from './index.ts';

const DAY = 86_400_000;

function activities(prefix: string, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    timestamp: 1_700_000_000_000,
    category: 'EVENT_CATEGORY_LOGIN',
    action: 'Log on',
  }));
}

function servicesOf(
  store: Awaited<ReturnType<typeof openTestStore>>,
  clock: ReturnType<typeof fakeClock>,
  retentionDays: number,
) {
  return createServices({
    store,
    clock,
    logger: silentLogger,
    settings: { ...DEFAULT_SETTINGS, publicUrl: 'http://portal.test', retentionDays },
  });
}

describe.each(await storeTargets())('retention on $name', (target) => {
  it('deletes only what is past retention, in batches, activities and alerts alike', async () => {
    const store = await openTestStore(target);
    const clock = fakeClock();
    try {
      const services = servicesOf(store, clock, 30);
      await services.events.ingestActivities(activities('old', 23));
      await services.events.ingestAlerts([
        { id: 'old-alert', timestamp: 1, type: 'ALERT_X', policyName: 'p', severity: 'low' },
      ]);
      clock.advance(31 * DAY);
      await services.events.ingestActivities(activities('new', 5));
      expect(await services.events.applyRetention(7)).toEqual({ activities: 23, alerts: 1 });
      expect(await countEvents(store.db, 'activities')).toBe(5);
      expect(await countEvents(store.db, 'alerts')).toBe(0);
      expect(await services.events.applyRetention(7)).toEqual({ activities: 0, alerts: 0 });
    } finally {
      await store.dispose();
    }
  });

  it('keeps everything when retentionDays is 0', async () => {
    const store = await openTestStore(target);
    const clock = fakeClock();
    try {
      const services = servicesOf(store, clock, 0);
      await services.events.ingestActivities(activities('a', 3));
      clock.advance(400 * DAY);
      expect(await services.events.applyRetention()).toEqual({ activities: 0, alerts: 0 });
      expect(await countEvents(store.db, 'activities')).toBe(3);
    } finally {
      await store.dispose();
    }
  });
});
