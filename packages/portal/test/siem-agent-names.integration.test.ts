// SIEM agent names and the SIEM side of an agent's status through the admin API, on SQLite and
// PostgreSQL (issue 13, defects 4 and 2): a name another agent has, in any case, answers 409
// NAME_TAKEN naming it (a deleted agent's name is free again); names are at most 100 characters;
// a Connected agent carries `siem` from its last heartbeat's syslog state, with the lag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERRORS } from '@cloudsiem/protocol';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';

const SYSLOG = { host: 'siem.example.com', port: 514 };

describe.each(await storeTargets())('SIEM agent names and SIEM side on $name', (target) => {
  let t: TestPortal;
  beforeAll(async () => {
    t = await startTestPortal(target);
  });
  afterAll(() => t.close());

  const create = (name: string) => t.api('POST', '/api/v1/siem-agents', { body: { name, syslog: SYSLOG } });

  it('refuses a name taken in another case with 409 NAME_TAKEN, on create and on rename', async () => {
    expect(API_ERRORS.NAME_TAKEN.status).toBe(409);
    const first = await create('QRadar EU');
    expect(first.status).toBe(201);
    const message =
      'a SIEM agent named "QRadar EU" already exists: choose another name (names are compared without case)';

    for (const name of ['QRadar EU', 'qradar eu', '  QRADAR EU  ']) {
      const taken = await create(name);
      expect(taken.status).toBe(409);
      expect(taken.body.error).toEqual({
        code: 'NAME_TAKEN',
        message,
        issues: [{ path: 'body.name', message }],
      });
    }

    const other = await create('Splunk');
    expect(other.status).toBe(201);
    const renamed = await t.api('PATCH', `/api/v1/siem-agents/${other.body.agent.id as string}`, {
      body: { name: 'qRadar eu' },
    });
    expect(renamed.status).toBe(409);
    expect(renamed.body.error.code).toBe('NAME_TAKEN');
    // Its own name in another case is no conflict.
    const recased = await t.api('PATCH', `/api/v1/siem-agents/${first.body.agent.id as string}`, {
      body: { name: 'QRADAR EU' },
    });
    expect(recased.status).toBe(200);
    expect(recased.body.name).toBe('QRADAR EU');

    const list = await t.api('GET', '/api/v1/siem-agents');
    expect((list.body.data as { name: string }[]).map((a) => a.name).sort()).toEqual(['QRADAR EU', 'Splunk']);

    // A deleted agent's name can be used again.
    expect((await t.api('DELETE', `/api/v1/siem-agents/${first.body.agent.id as string}`)).status).toBe(204);
    expect((await create('QRadar EU')).status).toBe(201);
  });

  it('takes a 100-character name without spaces and refuses 101', async () => {
    const long = `n${'x'.repeat(99)}`;
    expect((await create(long)).status).toBe(201);
    const longer = await create(`${long}y`);
    expect(longer.status).toBe(400);
    expect(longer.body.error.issues[0].path).toBe('body.name');
  });

  it('carries the SIEM side of a Connected agent from its heartbeat', async () => {
    const created = await create('Heartbeats');
    const id = created.body.agent.id as string;
    const token = created.body.token as string;
    expect(created.body.agent.siem).toBeNull();
    const beat = async (syslog: { state: string; target: string }, errors: unknown[] = []) => {
      const answer = await t.api('POST', '/api/agent/v1/heartbeat', {
        token,
        body: {
          version: '1.0.0',
          host: 'h',
          startedAt: 1,
          counters: { alerts: { lagSeconds: 900 }, activities: { lagSeconds: 30 } },
          syslog,
          errors,
        },
      });
      expect(answer.status).toBe(204);
      return (await t.api('GET', `/api/v1/siem-agents/${id}`)).body as {
        status: string;
        siem: unknown;
      };
    };
    const target = 'tcp://127.0.0.1:9';
    const refused = { code: 'SYSLOG_CONNECT', message: 'cannot reach syslog server 127.0.0.1:9' };
    expect(await beat({ state: 'disconnected', target }, [refused])).toMatchObject({
      status: 'connected',
      siem: { state: 'unreachable', target, error: refused.message, lagSeconds: 900 },
    });
    // Reconnecting after a failure is still unreachable; without an error it is connecting.
    expect((await beat({ state: 'connecting', target }, [refused])).siem).toMatchObject({
      state: 'unreachable',
    });
    expect((await beat({ state: 'connecting', target })).siem).toMatchObject({
      state: 'connecting',
      error: null,
    });
    expect((await beat({ state: 'connected', target })).siem).toEqual({
      state: 'connected',
      target,
      error: null,
      lagSeconds: 900,
    });
    // Silent for more than 2 hours: Connection error, and no word on the SIEM from an old heartbeat.
    t.clock.advance(2 * 3600_000 + 1000);
    const stale = (await t.api('GET', `/api/v1/siem-agents/${id}`)).body as { status: string; siem: unknown };
    expect(stale).toMatchObject({ status: 'connection-error', siem: null });
  });
});
