// Heartbeats cannot grow the store without bound (issue 10, finding 2), on SQLite and PostgreSQL:
// one agent token is rate-limited (429 RATE_LIMITED with Retry-After), its open notifications are
// capped, its resolved ones pruned (the newest 100, none older than 30 days), and the agents
// table shows each agent's newest 50, read per agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';

const DAY_MS = 86_400_000;

function beat(errors: { code: string; message: string }[] = []) {
  return {
    version: '0.1.0',
    host: 'siem-agent-01',
    startedAt: Date.UTC(2026, 10, 28),
    syslog: { state: 'connected', target: 'siem.example.com:514' },
    errors,
  };
}

/** 20 problems with codes no heartbeat reported before: each becomes a new notification. */
function freshErrors(round: number) {
  return Array.from({ length: 20 }, (_, i) => ({ code: `E_${round}_${i}`, message: 'x'.repeat(1000) }));
}

describe.each(await storeTargets())('heartbeat limits on $name', (target) => {
  let t: TestPortal;
  const createAgent = async (name: string) => {
    const created = await t.api('POST', '/api/v1/siem-agents', {
      body: { name, syslog: { host: 'siem.example.com', port: 514 } },
    });
    expect(created.status).toBe(201);
    return { id: created.body.agent.id as string, token: created.body.token as string };
  };
  const notificationRows = async (agentId: string) => {
    const { db } = t.portal.context.store;
    const rows = await db
      .selectFrom('agent_notifications')
      .select(['resolved_at'])
      .where('agent_id', '=', agentId)
      .execute();
    return { open: rows.filter((r) => r.resolved_at === null).length, total: rows.length };
  };

  beforeAll(async () => {
    t = await startTestPortal(target);
  });
  afterAll(() => t.close());

  it('answers a flood of heartbeats from one token with 429 RATE_LIMITED and Retry-After', async () => {
    const agent = await createAgent('Flooded');
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestPortal['api']>> | undefined;
    for (let i = 0; i < 40; i += 1) {
      const answer = await t.api('POST', '/api/agent/v1/heartbeat', {
        token: agent.token,
        body: beat(freshErrors(i)),
      });
      statuses.push(answer.status);
      if (answer.status === 429) limited ??= answer;
    }
    const accepted = statuses.filter((s) => s === 204).length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s !== 204).every((s) => s === 429)).toBe(true);
    expect(limited?.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // What was refused wrote nothing.
    const rows = await t.portal.context.store.db
      .selectFrom('agent_heartbeats')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', agent.id)
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(accepted);
    // Another agent is not affected, and time lets this one in again.
    const other = await createAgent('Neighbour');
    expect(
      (await t.api('POST', '/api/agent/v1/heartbeat', { token: other.token, body: beat() })).status,
    ).toBe(204);
    t.clock.advance(Number(limited?.headers.get('retry-after')) * 1000);
    expect(
      (await t.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body: beat() })).status,
    ).toBe(204);
  });

  it('caps open notifications and prunes resolved ones: the newest 100, none older than 30 days', async () => {
    const agent = await createAgent('Churning');
    for (let round = 0; round < 30; round += 1) {
      t.clock.advance(10_000);
      const answer = await t.api('POST', '/api/agent/v1/heartbeat', {
        token: agent.token,
        body: beat(freshErrors(round)),
      });
      expect(answer.status, `round ${round}`).toBe(204);
    }
    // 30 rounds × 20 new problems: 20 open, 580 resolved, of which the newest 100 are kept.
    expect(await notificationRows(agent.id)).toEqual({ open: 20, total: 120 });
    // The agents table shows the newest 50, the open ones (seen last) first.
    const shown = (await t.api('GET', `/api/v1/siem-agents/${agent.id}`)).body.notifications as {
      code: string;
      resolvedAt: number | null;
      lastAt: number;
    }[];
    expect(shown).toHaveLength(50);
    expect(shown.slice(0, 20).every((n) => n.resolvedAt === null && n.code.startsWith('E_29_'))).toBe(true);
    const lastAts = shown.map((n) => n.lastAt);
    expect(lastAts).toEqual([...lastAts].sort((a, b) => b - a));

    // A month later, a clean heartbeat resolves the rest and prunes everything older than 30 days.
    t.clock.advance(31 * DAY_MS);
    expect(
      (await t.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body: beat() })).status,
    ).toBe(204);
    expect(await notificationRows(agent.id)).toEqual({ open: 0, total: 20 });
  });

  it("lists each agent's own newest notifications, however many another agent has", async () => {
    const quiet = await createAgent('Quiet');
    t.clock.advance(10_000);
    await t.api('POST', '/api/agent/v1/heartbeat', {
      token: quiet.token,
      body: beat([
        { code: 'SYSLOG_CONNECT', message: 'cannot connect to syslog server siem.example.com:514' },
      ]),
    });
    const noisy = await createAgent('Noisy');
    for (let round = 0; round < 5; round += 1) {
      t.clock.advance(10_000);
      await t.api('POST', '/api/agent/v1/heartbeat', { token: noisy.token, body: beat(freshErrors(round)) });
    }
    const list = (await t.api('GET', '/api/v1/siem-agents')).body.data as {
      id: string;
      notifications: { code: string }[];
    }[];
    const byId = new Map(list.map((a) => [a.id, a.notifications]));
    expect(byId.get(quiet.id)?.map((n) => n.code)).toEqual(['SYSLOG_CONNECT']);
    expect(byId.get(noisy.id)).toHaveLength(50);
  });
});
