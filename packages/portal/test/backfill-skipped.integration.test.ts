// Skipped backfill made visible (issue 10 "Delivery" E), with the portal's controlled clock: an
// agent away longer than its backfill window resumes at the window's start, and that pull answers
// `skipped: { count, fromTimestamp, toTimestamp }`, records a BACKFILL_SKIPPED agent notification
// and logs a line. The window is a per-agent setting (`backfillHours`, 1–720).
import { activitiesPageSchema } from '@cloudsiem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activityRecords,
  fakeClock,
  startTestPortal,
  storeTargets,
  type TestPortal,
} from '../src/test-support.ts';

const HOUR = 3600_000;

describe.each(await storeTargets())('skipped backfill on $name', (target) => {
  let t: TestPortal;
  const clock = fakeClock();
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  beforeAll(async () => {
    t = await startTestPortal(target, {
      clock,
      logger: {
        info() {},
        warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }),
        error: (obj, msg) => console.error(msg, obj),
      },
    });
  });
  afterAll(() => t.close());

  const ingest = async (prefix: string, n: number, fields?: (i: number) => Record<string, unknown>) => {
    const answer = await t.api('POST', '/api/v1/ingest/activities', {
      body: activityRecords(prefix, n, clock.now(), fields),
    });
    expect(answer.status, answer.text).toBe(200);
  };
  const pull = async (token: string, cursor?: string) => {
    const answer = await t.api(
      'GET',
      `/api/agent/v1/activities?limit=100${cursor === undefined ? '' : `&cursor=${cursor}`}`,
      { token },
    );
    expect(answer.status, answer.text).toBe(200);
    const page = activitiesPageSchema.parse(answer.body);
    return { ...page, ids: page.events.map((e) => e.id) };
  };
  // Agent names are unique (without case) in a portal.
  let agentsAdded = 0;
  const createAgent = async (body: Record<string, unknown> = {}) => {
    const created = await t.api('POST', '/api/v1/siem-agents', {
      body: { name: `away ${++agentsAdded}`, syslog: { host: 'siem.example.com', port: 514 }, ...body },
    });
    expect(created.status, created.text).toBe(201);
    return {
      id: created.body.agent.id as string,
      token: created.body.token as string,
      agent: created.body.agent,
    };
  };

  it('reports what an agent away longer than the window never received, once', async () => {
    const { id, token, agent } = await createAgent();
    expect(agent.backfillHours).toBe(48);
    await ingest('seen', 3);
    const first = await pull(token);
    expect(first.ids).toEqual(['seen-0', 'seen-1', 'seen-2']);
    expect(first.skipped).toBeUndefined();
    // The agent goes away. Ten activities arrive in its absence, then 50 hours pass.
    clock.advance(HOUR);
    const fromTimestamp = clock.now();
    await ingest('missed-a', 6);
    clock.advance(HOUR);
    const toTimestamp = clock.now();
    await ingest('missed-b', 4);
    clock.advance(50 * HOUR);
    await ingest('fresh', 2);

    // It comes back with its last cursor: the pull starts 48 hours back and says what it skipped.
    const back = await pull(token, first.nextCursor);
    expect(back.ids).toEqual(['fresh-0', 'fresh-1']);
    expect(back.skipped).toEqual({ count: 10, fromTimestamp, toTimestamp });
    const listed = await t.api('GET', `/api/v1/siem-agents/${id}`);
    const notes = (listed.body.notifications as { code: string; message: string }[]).filter(
      (n) => n.code === 'BACKFILL_SKIPPED',
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]!.message).toBe(
      `10 activities from ${new Date(fromTimestamp).toISOString()} to ${new Date(toTimestamp).toISOString()} were older than the 48-hour backfill window and were not sent`,
    );
    const logged = warnings.filter((w) => w.obj.agentId === id);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.obj).toMatchObject({ count: 10, fromTimestamp, toTimestamp, backfillHours: 48 });

    // Reported once: the next pulls carry no `skipped`, and no second notification appears.
    const again = await pull(token, back.nextCursor);
    expect(again.skipped).toBeUndefined();
    const relisted = await t.api('GET', `/api/v1/siem-agents/${id}`);
    expect(
      (relisted.body.notifications as { code: string }[]).filter((n) => n.code === 'BACKFILL_SKIPPED'),
    ).toHaveLength(1);
  });

  it('counts only what the agent’s filter would have sent, and says nothing when that is nothing', async () => {
    const { token } = await createAgent({
      dataTypes: { activities: { enabled: true, filter: { appName: { eq: ['GitHub'] } } } },
    });
    await ingest('f-start', 1, () => ({ appName: 'GitHub' }));
    const first = await pull(token);
    expect(first.ids).toEqual(['f-start-0']);
    clock.advance(HOUR);
    await ingest('f-box', 5, () => ({ appName: 'Box' }));
    await ingest('f-gh', 2, () => ({ appName: 'GitHub' }));
    clock.advance(49 * HOUR);
    const back = await pull(token, first.nextCursor);
    expect(back.skipped?.count).toBe(2);

    // Only non-matching events in the gap: nothing skipped that it would have received.
    clock.advance(HOUR);
    await ingest('f-box2', 3, () => ({ appName: 'Box' }));
    clock.advance(49 * HOUR);
    const quiet = await pull(token, back.nextCursor);
    expect(quiet.skipped).toBeUndefined();
  });

  it('uses the agent’s own backfillHours (1–720) for its first pull and its resume floor', async () => {
    clock.advance(100 * HOUR);
    await ingest('h3', 1);
    clock.advance(2 * HOUR);
    await ingest('h1', 1);
    clock.advance(HOUR / 2);
    const { id, token, agent } = await createAgent({ backfillHours: 1 });
    expect(agent.backfillHours).toBe(1);
    expect((await t.api('GET', '/api/agent/v1/config', { token })).body.backfillHours).toBe(1);
    const first = await pull(token);
    expect(first.ids).toEqual(['h1-0']);

    clock.advance(HOUR);
    await ingest('gap', 2);
    clock.advance(90 * 60_000);
    const back = await pull(token, first.nextCursor);
    expect(back.ids).toEqual([]);
    expect(back.skipped?.count).toBe(2);
    const listed = await t.api('GET', `/api/v1/siem-agents/${id}`);
    expect(
      (listed.body.notifications as { code: string; message: string }[]).find(
        (n) => n.code === 'BACKFILL_SKIPPED',
      )?.message,
    ).toMatch(/^2 activities from .* were older than the 1-hour backfill window and were not sent$/);

    for (const bad of [0, 721, 1.5, '24']) {
      const refused = await t.api('PATCH', `/api/v1/siem-agents/${id}`, { body: { backfillHours: bad } });
      expect(refused.status, `backfillHours ${String(bad)}`).toBe(400);
    }
    const widened = await t.api('PATCH', `/api/v1/siem-agents/${id}`, { body: { backfillHours: 720 } });
    expect(widened.body.backfillHours).toBe(720);
    const reset = await t.api('PATCH', `/api/v1/siem-agents/${id}`, { body: { backfillHours: null } });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.body.backfillHours).toBe(48);
    expect((await t.api('GET', '/api/agent/v1/config', { token })).body.backfillHours).toBe(48);
  });
});
