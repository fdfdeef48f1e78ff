// Alert triage over the admin API on SQLite and PostgreSQL: close as true positive, benign or false
// positive, reopen, mark read/unread, in bulk; who closed and when are kept, the list and the status
// filter show the change, unknown ids are named, and a read-only token may not triage.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../test-support.ts';

let portal: TestPortal | undefined;
afterEach(async () => {
  await portal?.close();
  portal = undefined;
});

const alertRecord = (id: string) => ({
  id,
  timestamp: Date.UTC(2026, 0, 1),
  type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
  policyName: 'Mass download',
  severity: 'high',
  status: 'open',
});

describe.each(await storeTargets())('alert triage on $name', (target) => {
  it('closes, reopens and marks alerts read, visible in the list and its status filter', async () => {
    portal = await startTestPortal(target);
    const ingest = await portal.api('POST', '/api/v1/ingest/alerts', {
      body: ['t-1', 't-2', 't-3'].map(alertRecord),
    });
    expect(ingest.body.accepted).toBe(3);

    const closed = await portal.api('POST', '/api/v1/alerts/close_benign', {
      body: { ids: ['t-1', 't-2', 'missing'], comment: 'Known backup job' },
    });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body).toEqual({ updated: 2, alertsNotFound: ['missing'] });

    const one = await portal.api('GET', '/api/v1/alerts/t-1');
    expect(one.body).toMatchObject({
      status: 'closed-benign',
      read: true,
      closedBy: (await portal.portal.services.admins.list())[0]!.email,
      closedAt: portal.clock.now(),
      comment: 'Known backup job',
    });
    const open = await portal.api('POST', '/api/v1/alerts', {
      body: { filters: { status: { eq: ['open'] } } },
    });
    expect(open.body.data.map((a: { id: string }) => a.id)).toEqual(['t-3']);
    const benign = await portal.api('POST', '/api/v1/alerts', {
      body: { filters: { status: { eq: ['closed-benign'] } } },
    });
    expect(benign.body.data.map((a: { id: string }) => a.id).sort()).toEqual(['t-1', 't-2']);

    await portal.api('POST', '/api/v1/alerts/close_true_positive', { body: { ids: ['t-3'] } });
    expect((await portal.api('GET', '/api/v1/alerts/t-3')).body.status).toBe('closed-true-positive');
    await portal.api('POST', '/api/v1/alerts/reopen', { body: { ids: ['t-1'] } });
    const reopened = (await portal.api('GET', '/api/v1/alerts/t-1')).body;
    expect(reopened).toMatchObject({ status: 'open', closedBy: null, closedAt: null });
    expect(reopened.comment).toBeUndefined();
    await portal.api('POST', '/api/v1/alerts/unread', { body: { ids: ['t-1'] } });
    expect((await portal.api('GET', '/api/v1/alerts/t-1')).body.read).toBe(false);

    // A read-only API token may list but not triage; a bad body is a 400.
    const { token } = await portal.portal.services.admins.createApiToken(portal.adminId, 'reader', 'read');
    const denied = await portal.api('POST', '/api/v1/alerts/close_false_positive', {
      token,
      body: { ids: ['t-2'] },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('TOKEN_SCOPE_DENIED');
    expect((await portal.api('POST', '/api/v1/alerts/read', { body: { ids: [] } })).status).toBe(400);
  });

  it('ingest stores a missing status as open and rejects one outside the set alone; a filter on it must be from the set', async () => {
    portal = await startTestPortal(target);
    const { status: _status, ...noStatus } = alertRecord('s-none');
    const ingest = await portal.api('POST', '/api/v1/ingest/alerts', {
      body: [
        noStatus,
        { ...alertRecord('s-new'), status: 'new' },
        { ...alertRecord('s-fp'), status: 'closed-false-positive' },
      ],
    });
    expect(ingest.status, ingest.text).toBe(200);
    expect(ingest.body).toMatchObject({
      accepted: 2,
      rejected: [
        {
          index: 1,
          id: 's-new',
          reason: 'status: must be one of open, closed-true-positive, closed-benign, closed-false-positive',
        },
      ],
    });
    expect((await portal.api('GET', '/api/v1/alerts/s-none')).body.status).toBe('open');
    expect((await portal.api('GET', '/api/v1/alerts/s-fp')).body.status).toBe('closed-false-positive');

    const refused = await portal.api('POST', '/api/v1/alerts', {
      body: { filters: { status: { eq: ['Open'] } } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('status: `Open` is not one of open, closed-true-positive');
    expect(refused.body.error.message).toContain('did you mean `open`?');
  });
});
