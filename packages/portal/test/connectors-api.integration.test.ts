// The connectors admin API (DESIGN §9) with a fake connector type: CRUD, settings merged on PATCH,
// validation errors with their paths, the secret never in any answer nor in the log, Test
// connection (saved and unsaved, nothing stored), the OpenAPI document, and a portal without a key.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortal } from '../src/server.ts';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';
import {
  FAKE_PERMISSIONS,
  fakeConnector,
  fakeConnectorInput,
  fakeRecords,
  fakeUpstream,
} from '../src/connectors/test-support.ts';
import { UpstreamError } from '../src/connectors/types.ts';
import type { Logger } from '../src/context.ts';

const targets = await storeTargets();
const SECRET = `csadm_${randomBytes(16).toString('hex')}.first-secret-value`;
const NEW_SECRET = `csadm_${randomBytes(16).toString('hex')}.second-secret-value`;

function textLogger(): Logger & { text: string[] } {
  const text: string[] = [];
  const push = (obj: object, msg: string) => {
    text.push(
      `${msg} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v))}`,
    );
  };
  return { text, info: push, warn: push, error: push };
}

describe.each(targets)('connectors API on $name', (target) => {
  let t: TestPortal;
  const upstream = fakeUpstream(
    fakeRecords('u', 8, (i) => Date.UTC(2026, 10, 28, 10) + i),
    100,
  );
  const logger = textLogger();
  const answers: string[] = [];
  const key = randomBytes(32);

  beforeAll(async () => {
    t = await startTestPortal(target, {
      logger,
      portal: {
        secretKey: key,
        connectorDefinitions: { cloudsiem: fakeConnector(upstream) },
        // These tests are about the API: no polls unless asked.
        connectorScheduler: { enabled: false },
      },
    });
  });
  afterAll(() => t.close());

  async function call(method: string, path: string, body?: unknown) {
    const answer = await t.api(method, path, body === undefined ? {} : { body });
    answers.push(answer.text);
    return answer;
  }

  it('creates, lists, reads, edits (settings merged, secret kept or replaced) and deletes', async () => {
    const created = await call('POST', '/api/v1/connectors', fakeConnectorInput(SECRET));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Fake upstream',
      type: 'cloudsiem',
      enabled: true,
      settings: {
        url: 'http://127.0.0.1:9',
        dataTypes: { activities: true, alerts: false },
        pollSeconds: 60,
        requestsPerMinute: 600,
      },
      secretSet: { field: 'token', hint: expect.stringMatching(/^set \d{4}-\d{2}-\d{2}$/) },
      status: 'Created',
      createdBy: 'admin@cloudsiem.local',
      recordsStored: 0,
      streams: [],
      notifications: [],
    });
    const id = created.body.id as string;

    const list = await call('GET', '/api/v1/connectors');
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([id]);

    const edited = await call('PATCH', `/api/v1/connectors/${id}`, {
      name: 'Renamed',
      settings: { pollSeconds: 120, dataTypes: { alerts: true } },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      name: 'Renamed',
      settings: {
        url: 'http://127.0.0.1:9',
        pollSeconds: 120,
        dataTypes: { activities: true, alerts: true },
      },
      secretSet: { field: 'token' },
    });
    // The stored secret was kept: a saved test still authenticates with it.
    const row = await t.portal.context.store.db
      .selectFrom('connectors')
      .select(['secret_enc', 'config_version'])
      .executeTakeFirstOrThrow();
    expect(row.secret_enc).toMatch(/^v1:/);
    expect(row.secret_enc).not.toContain('secret-value');
    expect(row.config_version).toBe(2);

    const replaced = await call('PATCH', `/api/v1/connectors/${id}`, { secret: { token: NEW_SECRET } });
    expect(replaced.status).toBe(200);
    const after = await t.portal.context.store.db
      .selectFrom('connectors')
      .select('secret_enc')
      .executeTakeFirstOrThrow();
    expect(after.secret_enc).not.toBe(row.secret_enc);

    expect((await call('GET', `/api/v1/connectors/${id}`)).body.name).toBe('Renamed');
    expect((await call('DELETE', `/api/v1/connectors/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/connectors/${id}`)).status).toBe(404);
    expect((await call('GET', '/api/v1/connectors')).body.data).toEqual([]);
  });

  it('reports every settings problem as settings.<path>: message, and the wrong secret field by name', async () => {
    const bad = await call('POST', '/api/v1/connectors', {
      ...fakeConnectorInput(SECRET),
      settings: {
        url: 'http://example.com',
        pollSeconds: 5,
        dataTypes: { activities: false, alerts: false },
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_REQUEST');
    const paths = (bad.body.error.issues as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(['settings.dataTypes', 'settings.pollSeconds', 'settings.url']);
    expect(bad.body.error.message).toContain(
      'settings.url: plain http is allowed only on loopback; use https',
    );

    const wrongField = await call('POST', '/api/v1/connectors', {
      ...fakeConnectorInput(),
      secret: { clientSecret: SECRET },
    });
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.error.message).toBe(
      'secret.clientSecret: this connector takes secret.token, not secret.clientSecret',
    );

    const mdca = await call('POST', '/api/v1/connectors', {
      name: 'MDCA',
      type: 'mdca',
      settings: { url: 'https://contoso.portal.cloudappsecurity.com', auth: 'oauth' },
      secret: { clientSecret: SECRET },
    });
    expect(mdca.status).toBe(400);
    expect(mdca.body.error.message).toContain('settings.tenantId: is required with auth "oauth"');
    expect(mdca.body.error.message).toContain('settings.clientId: is required with auth "oauth"');

    const unknown = await call('PATCH', '/api/v1/connectors/nope', { name: 'x' });
    expect(unknown.status).toBe(404);
  });

  it('tests an unsaved and a saved connector: first records, their CEF lines, nothing stored', async () => {
    upstream.records[2]!.bad = 'mapping';
    const unsaved = await call('POST', '/api/v1/connectors/test', fakeConnectorInput(SECRET));
    expect(unsaved.status).toBe(200);
    expect(unsaved.body.ok).toBe(true);
    expect(unsaved.body.failure).toBeNull();
    const [stream] = unsaved.body.streams;
    expect(stream).toMatchObject({ stream: 'activities', dataType: 'activities', fetched: 8 });
    expect(stream.samples).toHaveLength(5);
    expect(stream.samples[0].line).toMatch(
      /CEF:0\|MCAS\|SIEM_Agent\|.*\|EVENT_CATEGORY_LOGIN\|Log on\|0\|externalId=u-0 /,
    );
    expect(stream.samples[2]).toMatchObject({
      upstreamId: 'u-2',
      line: null,
      rejected: 'no user in the upstream record',
    });
    expect((await call('GET', '/api/v1/connectors')).body.data).toEqual([]);

    const created = await call('POST', '/api/v1/connectors', fakeConnectorInput(SECRET));
    const saved = await call('POST', `/api/v1/connectors/${created.body.id}/test`);
    expect(saved.body).toMatchObject({ ok: true, streams: [{ fetched: 8 }] });

    upstream.before = () => {
      throw new UpstreamError('auth', 'list activities: the upstream refused the credentials (401)', {
        status: 401,
      });
    };
    const refused = await call('POST', `/api/v1/connectors/${created.body.id}/test`);
    upstream.before = undefined;
    expect(refused.body).toMatchObject({
      ok: false,
      failure: { kind: 'auth', status: 401, message: expect.stringContaining(FAKE_PERMISSIONS) },
    });
    const stored = await t.portal.context.store.db.selectFrom('activities').select('id').execute();
    expect(stored).toEqual([]);
    await call('DELETE', `/api/v1/connectors/${created.body.id}`);
  });

  it('lists every connector route in the OpenAPI document', async () => {
    const doc = await call('GET', '/api/openapi.json');
    const paths = doc.body.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/api/v1/connectors'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(paths['/api/v1/connectors/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
    for (const p of [
      '/api/v1/connectors/test',
      '/api/v1/connectors/{id}/test',
      '/api/v1/connectors/{id}/sync',
    ])
      expect(Object.keys(paths[p] ?? {})).toEqual(['post']);
  });

  it('never shows the secret: not in any answer, not in the log', () => {
    expect(answers.length).toBeGreaterThan(10);
    for (const text of [...answers, ...logger.text]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(NEW_SECRET);
      expect(text).not.toContain('secret-value');
    }
    expect(logger.text.some((l) => l.startsWith('Connector created'))).toBe(true);
  });

  it('without a secret key: serves the rest, lists connectors, refuses to save, test or run them', async () => {
    const created = await call('POST', '/api/v1/connectors', fakeConnectorInput(SECRET));
    const id = created.body.id as string;
    const keyless = textLogger();
    const portal = await startPortal({
      databaseUrl: t.databaseUrl,
      port: 0,
      clock: t.clock,
      logger: keyless,
      connectorDefinitions: { cloudsiem: fakeConnector(upstream) },
    });
    try {
      expect(portal.scheduler).toBeNull();
      expect(keyless.text.filter((l) => l.startsWith('Connectors are off'))).toHaveLength(1);
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`${portal.url}${path}`, {
          method,
          headers: { authorization: `Token ${t.adminToken}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      expect((await api('GET', '/healthz')).status).toBe(200);
      const list = (await (await api('GET', '/api/v1/connectors')).json()) as {
        data: { status: string; statusDetail: string }[];
      };
      expect(list.data[0]).toMatchObject({
        status: 'Connection error',
        statusDetail: expect.stringContaining('no secret key'),
      });
      for (const [method, path, body] of [
        ['POST', '/api/v1/connectors', fakeConnectorInput(SECRET)],
        ['POST', `/api/v1/connectors/${id}/test`, undefined],
        ['POST', `/api/v1/connectors/${id}/sync`, undefined],
        ['PATCH', `/api/v1/connectors/${id}`, { secret: { token: NEW_SECRET } }],
      ] as const) {
        const answer = await api(method, path, body);
        expect(answer.status).toBe(503);
        const error = ((await answer.json()) as { error: { code: string; message: string } }).error;
        expect(error.code).toBe('SECRET_KEY_MISSING');
        expect(error.message).not.toContain('\n');
        expect(error.message).toContain('--secret-key-file');
      }
      // Renaming needs no key.
      expect((await api('PATCH', `/api/v1/connectors/${id}`, { name: 'Still here' })).status).toBe(200);
    } finally {
      await portal.close();
    }
  });
});
