// Scoped admin API tokens (issue 10, finding 6) on SQLite and PostgreSQL: a token is created with
// a scope (admin by default), the list shows it; an `ingest` token may only ingest, a `read` token
// only read (GET, and the list and preview requests sent as POST); anything else answers 403
// TOKEN_SCOPE_DENIED and changes nothing. The routes come from the OpenAPI document, which lists
// the scopes each operation accepts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type ApiAnswer, type TestPortal } from '../src/test-support.ts';

const T0 = Date.UTC(2026, 10, 28, 11, 0, 0);

interface Operation {
  method: string;
  path: string;
  scopes: string[];
}

/** What a read token may POST: list and preview requests. */
const READ_POSTS: Record<string, unknown> = {
  'POST /api/v1/activities': {},
  'POST /api/v1/alerts': {},
  'POST /api/v1/siem-agents/preview': { dataType: 'activities' },
};

function expectDenied(answer: ApiAnswer, label: string): void {
  expect(answer.status, label).toBe(403);
  expect(answer.body?.error?.code, label).toBe('TOKEN_SCOPE_DENIED');
}

describe.each(await storeTargets())('admin API token scopes on $name', (target) => {
  let t: TestPortal;
  let operations: Operation[];
  const tokens = { ingest: '', read: '', admin: '' };

  const snapshot = async () => ({
    agents: (await t.api('GET', '/api/v1/siem-agents')).body,
    admins: (await t.api('GET', '/api/v1/admins')).body,
    policies: (await t.api('GET', '/api/v1/policies')).body,
    // lastUsedAt moves as tokens are used: compare what a token is, not when it was used.
    tokens: ((await t.api('GET', '/api/v1/admin-tokens')).body.data as { lastUsedAt: unknown }[]).map(
      ({ lastUsedAt: _used, ...rest }) => rest,
    ),
    activities: (await t.api('POST', '/api/v1/activities', { body: {} })).body.total as number,
  });

  beforeAll(async () => {
    t = await startTestPortal(target);
    for (const scope of ['ingest', 'read'] as const) {
      const created = await t.api('POST', '/api/v1/admin-tokens', {
        body: { name: `${scope} token`, scope },
      });
      expect(created.status).toBe(201);
      expect(created.body.adminToken.scope).toBe(scope);
      tokens[scope] = created.body.token as string;
    }
    const plain = await t.api('POST', '/api/v1/admin-tokens', { body: { name: 'no scope named' } });
    expect(plain.body.adminToken.scope).toBe('admin');
    tokens.admin = plain.body.token as string;
    await t.api('POST', '/api/v1/siem-agents', {
      body: { name: 'Agent', syslog: { host: 'siem.example.com', port: 514 } },
    });

    const doc = await t.api('GET', '/api/openapi.json', { token: null });
    const paths = doc.body.paths as Record<string, Record<string, { security: Record<string, string[]>[] }>>;
    operations = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.security.some((s) => 'adminToken' in s))
        .map(([method, op]) => ({
          method: method.toUpperCase(),
          path,
          scopes: op.security.flatMap((s) => s.adminToken ?? []),
        })),
    );
  });
  afterAll(() => t.close());

  it('lists each token with its scope, and refuses an unknown scope', async () => {
    const list = await t.api('GET', '/api/v1/admin-tokens');
    const scopes = Object.fromEntries(
      (list.body.data as { name: string; scope: string }[]).map((x) => [x.name, x.scope]),
    );
    expect(scopes).toMatchObject({
      tests: 'admin',
      'ingest token': 'ingest',
      'read token': 'read',
      'no scope named': 'admin',
    });
    const bad = await t.api('POST', '/api/v1/admin-tokens', { body: { name: 'x', scope: 'root' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('body.scope');
  });

  it('documents the scopes of each operation in the OpenAPI document', () => {
    const scopesOf = (name: string) => operations.find((o) => `${o.method} ${o.path}` === name)?.scopes;
    expect(scopesOf('POST /api/v1/ingest/activities')).toEqual(['admin', 'ingest']);
    expect(scopesOf('POST /api/v1/ingest/alerts')).toEqual(['admin', 'ingest']);
    expect(scopesOf('GET /api/v1/siem-agents')).toEqual(['admin', 'read']);
    expect(scopesOf('POST /api/v1/activities')).toEqual(['admin', 'read']);
    expect(scopesOf('POST /api/v1/siem-agents')).toEqual(['admin']);
    expect(scopesOf('POST /api/v1/admin-tokens')).toEqual(['admin']);
    expect(operations.length).toBeGreaterThan(20);
  });

  it('lets an ingest token ingest, and nothing else', async () => {
    const ingested = await t.api('POST', '/api/v1/ingest/activities', {
      token: tokens.ingest,
      body: [{ id: 'by-ingest-token', timestamp: T0, category: 'EVENT_CATEGORY_LOGIN', action: 'Log on' }],
    });
    expect(ingested.status).toBe(200);
    expect(ingested.body.accepted).toBe(1);
    const before = await snapshot();
    let refused = 0;
    for (const op of operations) {
      if (op.path.startsWith('/api/v1/ingest/')) continue;
      const path = op.path.replace('{id}', randomUUID());
      const answer = await t.api(op.method, path, {
        token: tokens.ingest,
        ...(op.method === 'GET' || op.method === 'DELETE'
          ? {}
          : { body: READ_POSTS[`${op.method} ${op.path}`] ?? {} }),
      });
      expectDenied(answer, `${op.method} ${op.path}`);
      refused += 1;
    }
    expect(refused).toBeGreaterThan(20);
    expect(await snapshot()).toEqual(before);
  });

  it('lets a read token read (GET, list and preview requests), and change nothing', async () => {
    const before = await snapshot();
    const allowed: string[] = [];
    for (const op of operations) {
      const name = `${op.method} ${op.path}`;
      const path = op.path.replace('{id}', randomUUID());
      const reads = op.method === 'GET' || name in READ_POSTS;
      const answer = await t.api(op.method, path, {
        token: tokens.read,
        ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { body: READ_POSTS[name] ?? {} }),
      });
      if (reads) {
        // 404 for the made-up id of a GET /{id}: the scope let it through.
        expect([200, 404], `${name}: ${answer.text}`).toContain(answer.status);
        allowed.push(name);
      } else expectDenied(answer, name);
    }
    expect(allowed).toEqual(expect.arrayContaining(['GET /api/v1/siem-agents', ...Object.keys(READ_POSTS)]));
    // Ingest is not reading.
    expectDenied(
      await t.api('POST', '/api/v1/ingest/activities', {
        token: tokens.read,
        body: [{ id: 'by-read-token', timestamp: T0, category: 'EVENT_CATEGORY_LOGIN', action: 'Log on' }],
      }),
      'ingest with a read token',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('keeps full rights for an admin-scope token, and a narrower token cannot mint a wider one', async () => {
    const created = await t.api('POST', '/api/v1/admin-tokens', {
      token: tokens.admin,
      body: { name: 'made by admin token', scope: 'read' },
    });
    expect(created.status).toBe(201);
    for (const token of [tokens.read, tokens.ingest]) {
      expectDenied(
        await t.api('POST', '/api/v1/admin-tokens', { token, body: { name: 'escalate', scope: 'admin' } }),
        'mint',
      );
    }
  });
});
