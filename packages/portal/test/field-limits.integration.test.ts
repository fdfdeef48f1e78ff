// Field limits on both stores (issue 10 C, finding 4): a record with an oversized value in an
// indexed column (a 10 KB user) is rejected alone, with its index and reason, and the rest of the
// batch is stored — on PostgreSQL it used to fail the whole batch (btree entries over 2,704 bytes)
// with a 500. A value at the limit in 3-byte UTF-8 characters is stored on both, one over is not.
import { RECORD_LIMITS } from '@cloudsiem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityRecords, startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';

describe.each(await storeTargets())('field limits on $name', (target) => {
  let t: TestPortal;
  beforeAll(async () => {
    t = await startTestPortal(target);
  });
  afterAll(() => t.close());

  it('rejects the record with a 10 KB user alone and stores the others', async () => {
    const records = activityRecords('limits', 4, Date.UTC(2026, 0, 1), (i) =>
      i === 1 ? { user: 'u'.repeat(10_240) } : i === 3 ? { appName: 'a'.repeat(10_240) } : {},
    );
    const answer = await t.api('POST', '/api/v1/ingest/activities', { body: records });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.accepted).toBe(2);
    expect(answer.body.rejected).toEqual([
      {
        index: 1,
        id: 'limits-1',
        reason: expect.stringMatching(/^user: must be at most 2000 UTF-8 bytes/) as unknown,
      },
      {
        index: 3,
        id: 'limits-3',
        reason: expect.stringMatching(/^appName: must be at most 2000 UTF-8 bytes/) as unknown,
      },
    ]);
    for (const id of ['limits-0', 'limits-2'])
      expect((await t.api('GET', `/api/v1/activities/${id}`)).status).toBe(200);
    expect((await t.api('GET', '/api/v1/activities/limits-1')).status).toBe(404);
  });

  it('stores values at the limits, in 3-byte UTF-8 characters, in every indexed column', async () => {
    // 666 × 3 bytes = 1,998 bytes: stored. One more character (2,001 bytes) is refused.
    const atLimit = '€'.repeat(Math.floor(RECORD_LIMITS.indexedBytes / 3));
    const activity = activityRecords('edge', 2, Date.UTC(2026, 0, 1), (i) => ({
      id: i === 0 ? `edge-${'i'.repeat(RECORD_LIMITS.indexedBytes - 5)}` : 'edge-over',
      user: i === 0 ? atLimit : `${atLimit}€`,
      appName: atLimit,
      description: 'd'.repeat(RECORD_LIMITS.descriptionChars),
    }));
    const stored = await t.api('POST', '/api/v1/ingest/activities', { body: activity });
    expect(stored.status, stored.text).toBe(200);
    expect(stored.body).toMatchObject({
      accepted: 1,
      rejected: [{ index: 1, id: 'edge-over', reason: expect.stringMatching(/^user: /) as unknown }],
    });

    const alerts = [
      {
        id: 'alert-edge',
        timestamp: Date.UTC(2026, 0, 1),
        type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
        policyName: 'p',
        severity: 'low',
        user: atLimit,
        source: atLimit,
      },
      {
        id: 'alert-long-source',
        timestamp: Date.UTC(2026, 0, 1),
        type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
        policyName: 'p',
        severity: 'low',
        source: 's'.repeat(10_240),
      },
    ];
    const answer = await t.api('POST', '/api/v1/ingest/alerts', { body: alerts });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.rejected).toEqual([
      { index: 1, id: 'alert-long-source', reason: expect.stringMatching(/^source: /) as unknown },
    ]);
  });
});
