// The overview API (GET /api/v1/overview) on SQLite and PostgreSQL: admins only; the ingest API's
// records per minute, what an agent pulled and what its heartbeats say it sent, its lag; a SIEM
// the agent cannot reach and an agent gone silent are failures in words.
import { overviewSchema } from '@cloudsiem/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { activityRecords, startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';

let t: TestPortal | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const MINUTE = 60_000;

function beat(startedAt: number, eventsSent: number, syslog = 'connected', errors: object[] = []) {
  return {
    version: '0.1.0',
    host: 'siem-agent-01',
    startedAt,
    counters: { activities: { eventsSent, lagSeconds: 42 } },
    syslog: { state: syslog, target: 'tcp://siem.example.com:514' },
    errors,
  };
}

describe.each(await storeTargets())('overview API on $name', (target) => {
  it('needs an admin', async () => {
    t = await startTestPortal(target);
    const anonymous = await t.api('GET', '/api/v1/overview', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
    expect(anonymous.text).not.toMatch(/at .*\.ts/);
  });

  it('shows the ingest API and the store with nothing yet, and no agents', async () => {
    t = await startTestPortal(target);
    const answer = await t.api('GET', '/api/v1/overview');
    expect(answer.status, answer.text).toBe(200);
    const overview = overviewSchema.parse(answer.body);
    expect(overview.sources).toEqual([
      {
        kind: 'ingest-api',
        id: null,
        name: 'Ingest API',
        eventsPerMinute: 0,
        connectorStatus: null,
        problem: null,
      },
    ]);
    expect(overview.store).toEqual({
      state: 'ok',
      newestActivityAt: null,
      newestAlertAt: null,
      problem: null,
    });
    expect(overview.agents).toEqual([]);
  });

  it('counts what was ingested, pulled and sent per minute; a SIEM refusing and a silent agent fail in words', async () => {
    t = await startTestPortal(target);
    const start = t.clock.now();
    const created = await t.api('POST', '/api/v1/siem-agents', {
      body: { name: 'Splunk', syslog: { host: 'siem.example.com', port: 514 } },
    });
    const agent = { id: created.body.agent.id as string, token: created.body.token as string };

    const ingested = await t.api('POST', '/api/v1/ingest/activities', {
      body: activityRecords('ov', 300, start),
    });
    expect(ingested.body.accepted).toBe(300);
    t.clock.advance(MINUTE);
    const pulled = await t.api('GET', '/api/agent/v1/activities?limit=1000', { token: agent.token });
    expect(pulled.body.events).toHaveLength(300);
    const startedAt = start + 30_000;
    await t.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body: beat(startedAt, 0) });

    // A minute after the portal started: 300 in one minute.
    let overview = overviewSchema.parse((await t.api('GET', '/api/v1/overview')).body);
    expect(overview.sources.find((s) => s.kind === 'ingest-api')?.eventsPerMinute).toBe(300);
    expect(overview.store.newestActivityAt).toBe(start);
    expect(overview.agents).toHaveLength(1);
    expect(overview.agents[0]).toMatchObject({
      id: agent.id,
      name: 'Splunk',
      status: 'connected',
      pulledPerMinute: 300,
      siem: { target: 'tcp://siem.example.com:514', state: 'connected', error: null },
      problem: null,
    });

    // The agent reports the 300 sent a minute later: 300 per minute to the SIEM; the ingest and
    // the pull are now spread over the two minutes since the portal started.
    t.clock.advance(MINUTE);
    await t.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body: beat(startedAt, 300) });
    overview = overviewSchema.parse((await t.api('GET', '/api/v1/overview')).body);
    expect(overview.sources.find((s) => s.kind === 'ingest-api')?.eventsPerMinute).toBe(150);
    expect(overview.agents[0]).toMatchObject({ pulledPerMinute: 150, sentPerMinute: 300, lagSeconds: 42 });

    // The SIEM refuses connections.
    t.clock.advance(MINUTE);
    const refused = beat(startedAt, 300, 'disconnected', [
      { code: 'SYSLOG_CONNECT', message: 'cannot connect to 127.0.0.1:514: ECONNREFUSED' },
    ]);
    await t.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body: refused });
    overview = overviewSchema.parse((await t.api('GET', '/api/v1/overview')).body);
    expect(overview.agents[0]).toMatchObject({
      sentPerMinute: 150,
      siem: { state: 'unreachable', error: 'cannot connect to 127.0.0.1:514: ECONNREFUSED' },
      problem: 'SIEM unreachable: cannot connect to 127.0.0.1:514: ECONNREFUSED',
    });

    // Then the agent goes silent: more than three heartbeat intervals.
    t.clock.advance(4 * MINUTE);
    overview = overviewSchema.parse((await t.api('GET', '/api/v1/overview')).body);
    expect(overview.agents[0]).toMatchObject({
      status: 'connected',
      // The heartbeats left in the window (the last two) say nothing more was sent.
      sentPerMinute: 0,
      problem: 'No heartbeat for 4 min',
    });
  });
});
