// "Test connection" through a real type (cloudsiem, against a second real portal): the first
// records with the exact CEF line each becomes, nothing stored, and a refused token named with
// the permission it needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivityEncoder, type CefActivity } from '@cloudsiem/cef';
import { cloudsiemSettingsSchema, formatSettingsSchema, toCefSettings } from '@cloudsiem/protocol';
import { activityRecords, startTestPortal, storeTargets, type TestPortal } from '../test-support.ts';
import { cloudsiemConnector } from './cloudsiem/index.ts';
import { testConnection } from './test-connection.ts';

let remote: TestPortal;
let token: string;
beforeAll(async () => {
  const [sqlite] = await storeTargets();
  if (sqlite === undefined) throw new Error('no SQLite target');
  remote = await startTestPortal(sqlite);
  token = (await remote.portal.services.admins.createApiToken(remote.adminId, 'hub', 'read')).token;
  await remote.portal.services.events.ingestActivities(
    activityRecords('t', 12, remote.clock.now() - 1000, (i) => (i === 3 ? { ip: '2001:db8::7' } : {})),
  );
  remote.clock.advance(60_000);
});
afterAll(() => remote.close());

const options = () => ({
  clock: remote.clock,
  logger: { info() {}, warn() {}, error() {} },
  publicUrl: 'https://hub.example.com',
  initialLookbackMs: 48 * 3600_000,
});
const settings = () =>
  cloudsiemSettingsSchema.parse({ url: remote.url, dataTypes: { activities: true, alerts: true } });

describe('testConnection', () => {
  it('shows the first records of each stream and the exact CEF line each becomes', async () => {
    const result = await testConnection(cloudsiemConnector, settings(), { token }, options());
    expect(result.ok).toBe(true);
    expect(result.failure).toBeNull();
    const [activities, alerts] = result.streams;
    expect(activities).toMatchObject({ stream: 'activities', dataType: 'activities', fetched: 12 });
    expect(alerts).toMatchObject({ stream: 'alerts', fetched: 0, samples: [] });
    expect(activities?.samples).toHaveLength(5);
    const encode = createActivityEncoder(
      toCefSettings(formatSettingsSchema.parse({}), {
        systemName: 'siem-agent-host',
        portalUrl: 'https://hub.example.com',
      }),
    );
    for (const sample of activities?.samples ?? []) {
      expect(sample.rejected).toBeNull();
      expect(sample.line).toBe(encode(sample.record as unknown as CefActivity));
      expect(sample.line).toContain(`externalId=${sample.upstreamId} `);
    }
    expect(activities?.samples[3]?.line).toContain('c6a1=2001:db8::7');
    // Nothing was stored anywhere by a test: the remote still has its 12, and only those.
    expect((await remote.api('POST', '/api/v1/activities/', { body: {} })).body.total).toBe(12);
  });

  it('names a refused token and the permission it needs', async () => {
    const result = await testConnection(cloudsiemConnector, settings(), { token: 'csadm_x.y' }, options());
    expect(result.ok).toBe(false);
    expect(result.failure?.kind).toBe('auth');
    expect(result.failure?.status).toBe(401);
    expect(result.failure?.message).toContain('needs an admin API token of the other portal with scope read');
    expect(result.streams).toEqual([]);
  });
});
