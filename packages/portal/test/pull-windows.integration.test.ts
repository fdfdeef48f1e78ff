// A pull reads bounded seq windows: with a selective filter far behind, one request answers an
// empty page with hasMore and an advanced cursor instead of scanning the whole backlog, and the
// agent that keeps pulling gets every match exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';

describe.each(await storeTargets())('pull windows on $name', (target) => {
  let portal: TestPortal;
  beforeAll(async () => {
    portal = await startTestPortal(target, { settings: { pullScanWindow: 5 } });
  });
  afterAll(() => portal.close());

  it('steps over non-matching events in bounded windows and delivers every match once', async () => {
    const records = Array.from({ length: 400 }, (_, i) => ({
      id: `w-${i}`,
      timestamp: 1_700_000_000_000 + i,
      category: 'EVENT_CATEGORY_LOGIN',
      action: 'Log on',
      appName: i === 150 || i === 399 ? 'GitHub' : 'Box',
    }));
    expect((await portal.api('POST', '/api/v1/ingest/activities', { body: records })).body.accepted).toBe(
      400,
    );
    const created = await portal.api('POST', '/api/v1/siem-agents', {
      body: {
        name: 'github only',
        syslog: { host: 'siem.example.com', port: 514 },
        dataTypes: { activities: { enabled: true, filter: { appName: { eq: ['GitHub'] } } } },
      },
    });
    const token = created.body.token as string;

    const delivered: string[] = [];
    let cursor: string | undefined;
    let pulls = 0;
    let emptyButMore = 0;
    for (;;) {
      pulls += 1;
      const answer = await portal.api(
        'GET',
        `/api/agent/v1/activities?limit=1${cursor === undefined ? '' : `&cursor=${cursor}`}`,
        { token },
      );
      expect(answer.status).toBe(200);
      delivered.push(...(answer.body.events as { id: string }[]).map((e) => e.id));
      if (answer.body.events.length === 0 && answer.body.hasMore) emptyButMore += 1;
      expect(answer.body.nextCursor).not.toBe(cursor);
      cursor = answer.body.nextCursor;
      if (!answer.body.hasMore) break;
      expect(pulls).toBeLessThan(100);
    }
    expect(delivered).toEqual(['w-150', 'w-399']);
    // limit 1 → windows of max(1 × 8, 5) = 8 seqs, 16 per pull = 128 seqs: the gaps before w-150
    // and w-399 take more than one pull each.
    expect(emptyButMore).toBeGreaterThan(0);
  });
});
