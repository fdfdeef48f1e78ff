// Filters and ingest values through the admin API, on SQLite and PostgreSQL (DESIGN §3, §7): field
// names outside the catalogue and values no record can hold answer 400 naming them (never a 500,
// never a filter that silently matches everything or nothing), case variants of stored values
// too; a stored filter saved before a check existed still reads; an empty ip is no address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type ApiAnswer, type TestPortal } from '../src/test-support.ts';

const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const SEVERITIES = 'informational, low, medium, high';

type Json = Record<string, unknown>;

const activity = (id: string, fields: Json = {}): Json => ({
  id,
  timestamp: T0,
  category: 'EVENT_CATEGORY_LOGIN',
  action: 'Log on',
  ...fields,
});

const alert = (id: string, fields: Json = {}): Json => ({
  id,
  timestamp: T0,
  type: 'ALERT_IMPOSSIBLE_TRAVEL',
  policyName: 'Impossible travel',
  severity: 'low',
  ...fields,
});

const issues = (answer: ApiAnswer): { path: string; message: string }[] =>
  answer.body.error.issues as { path: string; message: string }[];

describe.each(await storeTargets())('filter validation on $name', (target) => {
  let t: TestPortal;
  beforeAll(async () => {
    t = await startTestPortal(target);
    const ingested = await t.api('POST', '/api/v1/ingest/alerts', {
      body: [
        alert('fv-high', { severity: 'high', appName: 'FV' }),
        alert('fv-low', { severity: 'low', appName: 'FV' }),
      ],
    });
    expect(ingested.body).toMatchObject({ accepted: 2, rejected: [] });
  });
  afterAll(() => t.close());

  const agentWith = (filter: unknown) =>
    t.api('POST', '/api/v1/siem-agents', {
      body: {
        name: 'Filtered',
        syslog: { host: 'siem.example.com', port: 514 },
        dataTypes: { alerts: { filter } },
      },
    });
  const preview = (dataType: string, filter: unknown) =>
    t.api('POST', '/api/v1/siem-agents/preview', { body: { dataType, filter } });

  describe.each([
    ['POST /api/v1/siem-agents', 'body.dataTypes.alerts.filter', (f: unknown) => agentWith(f)],
    ['POST /api/v1/siem-agents/preview', 'body.filter', (f: unknown) => preview('alerts', f)],
    [
      'POST /api/v1/alerts',
      'body.filters',
      (f: unknown) => t.api('POST', '/api/v1/alerts', { body: { filters: f } }),
    ],
  ])('%s', (_route, prefix, send) => {
    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
      'answers 400 BAD_REQUEST to the field %s, naming it and the known fields',
      async (field) => {
        // Sent as raw JSON so `__proto__` is an own key, as any HTTP client sends it.
        const answer = await send(JSON.parse(`{"${field}":{"eq":["x"]}}`));
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe('BAD_REQUEST');
        expect(issues(answer)).toEqual([
          {
            path: `${prefix}.${field}`,
            message: expect.stringMatching(
              new RegExp(
                `^unknown alerts field \`${field}\`; the alerts fields are id, timestamp, .*severity.*, status$`,
              ),
            ),
          },
        ]);
        expect(answer.body.error.message).toContain(`\`${field}\``);
      },
    );

    it('answers 400 BAD_REQUEST to a severity outside the set, listing the set', async () => {
      const answer = await send({ severity: { eq: ['critical'] } });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('BAD_REQUEST');
      expect(issues(answer)).toEqual([
        { path: `${prefix}.severity.eq`, message: `severity: \`critical\` is not one of ${SEVERITIES}` },
      ]);
    });
  });

  it('refuses severity High on every route, naming the stored value; high is served the high alerts', async () => {
    const refusal = `severity: \`High\` is not one of ${SEVERITIES}; did you mean \`high\`? (values are compared with their case)`;
    const refused = await agentWith({ severity: { eq: ['High'] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('BAD_REQUEST');
    expect(issues(refused)).toEqual([{ path: 'body.dataTypes.alerts.filter.severity.eq', message: refusal }]);
    expect(refused.body.error.message).toContain(refusal);
    const previewed = await preview('alerts', { severity: { eq: 'HIGH' }, appName: { eq: 'FV' } });
    expect(previewed.status).toBe(400);
    expect(issues(previewed)[0]!.message).toContain('did you mean `high`?');
    const listed = await t.api('POST', '/api/v1/alerts', { body: { filters: { severity: { eq: 'High' } } } });
    expect(listed.status).toBe(400);

    const created = await agentWith({ severity: { eq: ['high'] } });
    expect(created.status).toBe(201);
    expect(created.body.agent.dataTypes.alerts.filter).toEqual({ severity: { eq: ['high'] } });
    const pulled = await t.api('GET', '/api/agent/v1/alerts?limit=100', {
      token: created.body.token as string,
    });
    expect(pulled.status).toBe(200);
    expect((pulled.body.events as { id: string }[]).map((e) => e.id)).toEqual(['fv-high']);
    await t.api('DELETE', `/api/v1/siem-agents/${created.body.agent.id as string}`);
  });

  it('refuses an activity category that cannot be stored, in another case too', async () => {
    const refused = await preview('activities', { category: { eq: ['login'] } });
    expect(refused.status).toBe(400);
    expect(issues(refused)).toEqual([
      {
        path: 'body.filter.category.eq',
        message:
          'category: `login` is not a category like EVENT_CATEGORY_LOGIN (EVENT_CATEGORY_ then capitals, digits and _)',
      },
    ]);
    const lower = await preview('activities', { category: { eq: ['event_category_login'] } });
    expect(lower.status).toBe(400);
    expect(issues(lower)[0]!.message).toContain('did you mean `EVENT_CATEGORY_LOGIN`?');
    const exact = await preview('activities', { category: { eq: ['EVENT_CATEGORY_LOGIN'] } });
    expect(exact.status).toBe(200);
  });

  it('an agent whose stored filter the schema now refuses still reads, edits and pulls (matching what it says)', async () => {
    const created = await agentWith({ severity: { eq: ['high'] } });
    expect(created.status).toBe(201);
    const id = created.body.agent.id as string;
    const token = created.body.token as string;
    // As an older portal saved it, before values were checked.
    const row = await t.portal.context.store.db
      .selectFrom('siem_agents')
      .select('settings')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const settings = JSON.parse(row.settings) as { dataTypes: { alerts: { filter: unknown } } };
    settings.dataTypes.alerts.filter = { severity: { eq: ['High'] } };
    await t.portal.context.store.db
      .updateTable('siem_agents')
      .set({ settings: JSON.stringify(settings) })
      .where('id', '=', id)
      .execute();

    const read = await t.api('GET', `/api/v1/siem-agents/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.dataTypes.alerts.filter).toEqual({ severity: { eq: ['High'] } });
    const config = await t.api('GET', '/api/agent/v1/config', { token });
    expect(config.status).toBe(200);
    expect(config.body.dataTypes.alerts.filter).toEqual({ severity: { eq: ['High'] } });
    // It matches what it says: nothing (severities are stored lowercase).
    const pulled = await t.api('GET', '/api/agent/v1/alerts?limit=100', { token });
    expect(pulled.status).toBe(200);
    expect(pulled.body.events).toEqual([]);

    // An edit that leaves the filter alone keeps it as stored; one that replaces it is checked.
    const renamed = await t.api('PATCH', `/api/v1/siem-agents/${id}`, {
      body: { name: 'Renamed old filter' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.dataTypes.alerts.filter).toEqual({ severity: { eq: ['High'] } });
    const still = await t.api('PATCH', `/api/v1/siem-agents/${id}`, {
      body: { dataTypes: { alerts: { filter: { severity: { eq: ['High'] } } } } },
    });
    expect(still.status).toBe(400);
    const fixed = await t.api('PATCH', `/api/v1/siem-agents/${id}`, {
      body: { dataTypes: { alerts: { filter: { severity: { eq: ['high'] } } } } },
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body.dataTypes.alerts.filter).toEqual({ severity: { eq: ['high'] } });
    await t.api('DELETE', `/api/v1/siem-agents/${id}`);
  });

  it('ingests "ip": "" as no address: stored as null, empty dvc, src and c6a1 in the CEF line', async () => {
    const answer = await t.api('POST', '/api/v1/ingest/activities', {
      body: [activity('fv-no-ip', { ip: '', appName: 'NoIp' })],
    });
    expect(answer.body).toMatchObject({ accepted: 1, rejected: [] });
    const alerts = await t.api('POST', '/api/v1/ingest/alerts', {
      body: [alert('fv-alert-no-ip', { ip: '', appName: 'NoIp' })],
    });
    expect(alerts.body).toMatchObject({ accepted: 1, rejected: [] });

    const stored = await t.api('GET', '/api/v1/activities/fv-no-ip');
    expect(stored.body.ip).toBeNull();
    const storedAlert = await t.api('GET', '/api/v1/alerts/fv-alert-no-ip');
    expect(storedAlert.body.ip).toBeNull();
    const unset = await t.api('POST', '/api/v1/activities', {
      body: { filters: { appName: { eq: ['NoIp'] }, ip: { isnotset: true } } },
    });
    expect(unset.body.total).toBe(1);

    const activityLine = (await preview('activities', { appName: { eq: ['NoIp'] } })).body
      .cefLines[0] as string;
    expect(activityLine).toContain(' dvc= requestClientApplication=');
    expect(activityLine).toMatch(/ c6a1=$/);
    const alertLine = (await preview('alerts', { appName: { eq: ['NoIp'] } })).body.cefLines[0] as string;
    expect(alertLine).toContain(' src= c6a1Label=');
    expect(alertLine).toMatch(/ c6a1=$/);

    const bad = await t.api('POST', '/api/v1/ingest/activities', {
      body: [activity('fv-bad-ip', { ip: ' ' })],
    });
    expect(bad.body.rejected).toEqual([
      expect.objectContaining({
        id: 'fv-bad-ip',
        reason: expect.stringMatching(/^ip: /) as unknown as string,
      }),
    ]);
  });
});
