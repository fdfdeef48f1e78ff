// `cloudsiem simulate`'s loop against a real portal (SQLite, and PostgreSQL when it answers):
// every activity arrives, the built-in policies raise alerts (threshold ones included), identity
// alerts land with source "identity", and the hostile strings go through ingest intact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_POLICIES } from '@cloudsiem/portal';
import { startTestPortal, storeTargets, type TestPortal } from '@cloudsiem/portal/test-support';
import { runSimulation } from './simulate.ts';

describe.each(await storeTargets())('runSimulation against a portal on $name', (target) => {
  let portal: TestPortal;
  /** What `cloudsiem simulate` is meant to run with: a token that may only ingest. */
  let ingestToken: string;
  beforeAll(async () => {
    portal = await startTestPortal(target);
    await portal.portal.services.policies.ensure(BUILTIN_POLICIES);
    ingestToken = (await portal.portal.services.admins.createApiToken(portal.adminId, 'simulate', 'ingest'))
      .token;
  });
  afterAll(() => portal.close());

  it('delivers every activity and identity alert, and the built-in policies raise alerts', async () => {
    const totals = await runSimulation({
      portalUrl: portal.url,
      token: ingestToken,
      rate: 100_000,
      count: 4000,
      batchSize: 1000,
      seed: 11,
      signal: new AbortController().signal,
    });
    expect(totals.activitiesSent).toBe(4000);
    expect(totals.rejected).toBe(0);
    expect(totals.accepted).toBe(totals.activitiesSent + totals.alertsSent);
    expect(totals.alertsRaised).toBeGreaterThan(0);

    const stored = await portal.api('POST', '/api/v1/activities/', { body: { limit: 1, skip: 3999 } });
    expect(stored.body.total).toBe(4000);
    expect(stored.body.hasNext).toBe(false);
    const identity = await portal.api('POST', '/api/v1/alerts/', {
      body: { filters: { source: { eq: ['identity'] } } },
    });
    expect(identity.body.total).toBe(totals.alertsSent);
    const policyNames = new Set<string>();
    let skip = 0;
    for (;;) {
      const page = await portal.api('POST', '/api/v1/alerts/', {
        body: { filters: { source: { eq: ['cloud-apps'] } }, limit: 1000, skip },
      });
      for (const alert of page.body.data as { policyName: string }[]) policyNames.add(alert.policyName);
      if (!page.body.hasNext) break;
      skip += 1000;
    }
    const thresholdNames = BUILTIN_POLICIES.filter((p) => p.kind === 'threshold').map((p) => p.name);
    expect(thresholdNames.length).toBeGreaterThan(0);
    for (const name of thresholdNames) expect(policyNames).toContain(name);
    // Hostile strings were stored as sent: some description holds a line break or a pipe.
    const hostile = await portal.api('POST', '/api/v1/activities/', {
      body: { filters: { description: { contains: '|' } }, limit: 1 },
    });
    expect(hostile.body.total).toBeGreaterThan(0);
  });

  it('stops with exit code 3 naming the scope when the token may not ingest', async () => {
    const { token } = await portal.portal.services.admins.createApiToken(portal.adminId, 'reader', 'read');
    const failure = await runSimulation({
      portalUrl: portal.url,
      token,
      rate: 100_000,
      count: 10,
      batchSize: 10,
      signal: new AbortController().signal,
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ exitCode: 3 });
    expect(String((failure as Error).message)).toMatch(/TOKEN_SCOPE_DENIED.*scope ingest/);
  });
});
