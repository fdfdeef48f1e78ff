// The list API's cursor (issue 13, defect 5) on SQLite and PostgreSQL, over HTTP: following
// nextCursor lists every record once while new ones arrive, for the time sort and a text sort
// with missing values and ties; skip/limit stays as MDCA has it; a bad cursor is a clear 400.
import { afterEach, describe, expect, it } from 'vitest';
import { activityRecords, startTestPortal, storeTargets, type TestPortal } from '../test-support.ts';

let portal: TestPortal | undefined;
afterEach(async () => {
  await portal?.close();
  portal = undefined;
});

describe.each(await storeTargets())('list cursor on $name', (target) => {
  it('pages by cursor without repeats or gaps while records arrive, and keeps skip/limit', async () => {
    portal = await startTestPortal(target);
    const t0 = Date.UTC(2026, 0, 1);
    // Ties on timestamp (5 per second) and users with and without a value, for the text sort.
    const first = activityRecords('a', 40, t0, (i) => ({
      timestamp: t0 + Math.floor(i / 5) * 1000,
      user: i % 7 === 0 ? null : `u${i % 4}@contoso.com`,
    }));
    expect((await portal.api('POST', '/api/v1/ingest/activities', { body: first })).status).toBe(200);

    for (const sort of [
      { sortField: 'timestamp', sortDirection: 'desc' },
      { sortField: 'user', sortDirection: 'asc' },
      { sortField: 'user', sortDirection: 'desc' },
    ]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let arrivals = 0;
      for (let pages = 0; pages < 20; pages += 1) {
        const answer = await portal.api('POST', '/api/v1/activities', {
          body: { ...sort, limit: 7, ...(cursor === undefined ? {} : { cursor }) },
        });
        expect(answer.status, answer.text).toBe(200);
        seen.push(...(answer.body.data as { id: string }[]).map((a) => a.id));
        expect(answer.body.hasNext).toBe(answer.body.nextCursor !== undefined);
        if (!answer.body.hasNext) break;
        cursor = answer.body.nextCursor as string;
        // Newer records arrive between pages, each ahead of the cursor in the time sort.
        const more = activityRecords(
          `${sort.sortField}-${sort.sortDirection}-new${arrivals}`,
          3,
          t0 + 100_000,
        );
        arrivals += 1;
        await portal.api('POST', '/api/v1/ingest/activities', { body: more });
      }
      const ofFirst = seen.filter((id) => /^a-\d+$/.test(id));
      expect(new Set(seen).size, `${JSON.stringify(sort)}: no record twice`).toBe(seen.length);
      expect(ofFirst.sort(), `${JSON.stringify(sort)}: every first record once`).toEqual(
        first.map((a) => a.id).sort(),
      );
    }

    // The time sort by cursor is the order of one big page.
    const all = await portal.api('POST', '/api/v1/activities', { body: { limit: 1000 } });
    const ordered = (all.body.data as { id: string; timestamp: number }[]).map((a) => a.timestamp);
    expect(ordered).toEqual([...ordered].sort((x, y) => y - x));

    // skip/limit as MDCA has it, with a nextCursor beside hasNext.
    const skipped = await portal.api('POST', '/api/v1/activities', { body: { skip: 5, limit: 5 } });
    expect(skipped.status).toBe(200);
    expect(skipped.body.data.map((a: { id: string }) => a.id)).toEqual(
      all.body.data.slice(5, 10).map((a: { id: string }) => a.id),
    );
    expect(typeof skipped.body.nextCursor).toBe('string');
    const after = await portal.api('POST', '/api/v1/activities', {
      body: { limit: 5, cursor: skipped.body.nextCursor },
    });
    expect(after.body.data.map((a: { id: string }) => a.id)).toEqual(
      all.body.data.slice(10, 15).map((a: { id: string }) => a.id),
    );
    // GET takes the cursor as a query parameter.
    const got = await portal.api(
      'GET',
      `/api/v1/activities?limit=5&cursor=${encodeURIComponent(skipped.body.nextCursor as string)}`,
    );
    expect(got.body.data).toEqual(after.body.data);
  });

  it('answers 400 CURSOR_INVALID for a cursor that is malformed or from another request', async () => {
    portal = await startTestPortal(target);
    await portal.api('POST', '/api/v1/ingest/activities', {
      body: activityRecords('b', 5, Date.UTC(2026, 0, 1)),
    });
    const page = await portal.api('POST', '/api/v1/activities', { body: { limit: 2 } });
    const cursor = page.body.nextCursor as string;
    for (const [body, message] of [
      [{ cursor: 'nonsense' }, /not a list cursor/],
      [{ cursor: `l1.${Buffer.from('{"k":1}').toString('base64url')}` }, /not a list cursor/],
      [{ cursor, sortField: 'user' }, /another list request/],
      [{ cursor, filters: { user: { eq: ['b@contoso.com'] } } }, /another list request/],
    ] as const) {
      const answer = await portal.api('POST', '/api/v1/activities', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('CURSOR_INVALID');
      expect(answer.body.error.message).toMatch(message);
    }
    const both = await portal.api('POST', '/api/v1/activities', { body: { cursor, skip: 2 } });
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('BAD_REQUEST');
    expect(both.body.error.message).toMatch(/skip/);
  });
});
