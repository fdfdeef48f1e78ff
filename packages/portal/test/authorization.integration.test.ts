// The authorization matrix (DESIGN §6, §7) on SQLite and PostgreSQL: an agent token reads only its
// own agent's config and data and writes only its heartbeat; admin credentials do not work on the
// agent API; removing the token's owner, regenerating and deleting each end a token with their own
// code; and a wrong token never tells whether its agent exists, by its answer or its timing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAgentToken, newSecret, parseAgentToken } from '../src/auth/secrets.ts';
import { startTestPortal, storeTargets, type ApiAnswer, type TestPortal } from '../src/test-support.ts';

const T0 = Date.UTC(2026, 10, 28, 11, 0, 0);

const heartbeat = {
  version: '0.1.0',
  host: 'siem-agent-01',
  startedAt: T0,
  syslog: { state: 'connected', target: 'siem.example.com:514' },
};

function activity(id: string, appName: string) {
  return { id, timestamp: T0, category: 'EVENT_CATEGORY_LOGIN', action: 'Log on', appName };
}

function expectError(answer: ApiAnswer, status: number, code: string, label = ''): void {
  expect(answer.status, label).toBe(status);
  expect(answer.body?.error?.code, label).toBe(code);
  expect(answer.text, label).not.toMatch(/\.ts:\d+/);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe.each(await storeTargets())('authorization on $name', (target) => {
  let t: TestPortal;
  const agents: Record<'a' | 'b', { id: string; token: string }> = {
    a: { id: '', token: '' },
    b: { id: '', token: '' },
  };

  const createAgent = async (name: string, appName: string, token?: string) => {
    const created = await t.api('POST', '/api/v1/siem-agents', {
      ...(token === undefined ? {} : { token }),
      body: {
        name,
        syslog: { host: 'siem.example.com', port: 514 },
        dataTypes: { activities: { filter: { appName: { eq: [appName] } } } },
      },
    });
    expect(created.status).toBe(201);
    return { id: created.body.agent.id as string, token: created.body.token as string };
  };

  beforeAll(async () => {
    t = await startTestPortal(target);
    agents.a = await createAgent('Agent A', 'AppA');
    agents.b = await createAgent('Agent B', 'AppB');
    const ingested = await t.api('POST', '/api/v1/ingest/activities', {
      body: [
        activity('a-1', 'AppA'),
        activity('b-1', 'AppB'),
        activity('a-2', 'AppA'),
        activity('b-2', 'AppB'),
        activity('other', 'AppC'),
      ],
    });
    expect(ingested.body.accepted).toBe(5);
  });
  afterAll(() => t.close());

  describe('an agent token', () => {
    /** Every admin route of the OpenAPI document, `{id}` set to agent A's own id. */
    let adminRoutes: { method: string; path: string }[];

    beforeAll(async () => {
      const doc = await t.api('GET', '/api/openapi.json', { token: null });
      const paths = doc.body.paths as Record<string, Record<string, { security: Record<string, unknown>[] }>>;
      adminRoutes = Object.entries(paths).flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(([, op]) => op.security.some((s) => 'adminToken' in s))
          .map(([method]) => ({ method: method.toUpperCase(), path: path.replace('{id}', agents.a.id) })),
      );
    });

    it('is refused on every admin route with 403 FORBIDDEN, and changes nothing', async () => {
      const before = {
        agent: (await t.api('GET', `/api/v1/siem-agents/${agents.a.id}`)).body,
        agents: (await t.api('GET', '/api/v1/siem-agents')).body.data.length as number,
        admins: (await t.api('GET', '/api/v1/admins')).body,
        policies: (await t.api('GET', '/api/v1/policies')).body,
        activities: (await t.api('POST', '/api/v1/activities', { body: {} })).body.total as number,
      };
      // The list comes from the OpenAPI document: check it is not vacuous.
      const names = adminRoutes.map((r) => `${r.method} ${r.path.replace(agents.a.id, '{id}')}`);
      expect(names).toEqual(
        expect.arrayContaining([
          'GET /api/v1/activities',
          'POST /api/v1/activities',
          'GET /api/v1/alerts/{id}',
          'POST /api/v1/ingest/activities',
          'POST /api/v1/ingest/alerts',
          'GET /api/v1/siem-agents',
          'POST /api/v1/siem-agents',
          'POST /api/v1/siem-agents/preview',
          'GET /api/v1/siem-agents/{id}',
          'PATCH /api/v1/siem-agents/{id}',
          'DELETE /api/v1/siem-agents/{id}',
          'POST /api/v1/siem-agents/{id}/regenerate-token',
          'POST /api/v1/siem-agents/{id}/disable',
          'POST /api/v1/siem-agents/{id}/enable',
          'GET /api/v1/siem-agents/{id}/heartbeats',
          'GET /api/v1/admins',
          'POST /api/v1/admins',
          'DELETE /api/v1/admins/{id}',
          'GET /api/v1/admin-tokens',
          'POST /api/v1/admin-tokens',
          'DELETE /api/v1/admin-tokens/{id}',
          'GET /api/v1/policies',
          'POST /api/v1/policies',
          'PATCH /api/v1/policies/{id}',
          'DELETE /api/v1/policies/{id}',
          'GET /api/v1/auth/me',
          'POST /api/v1/auth/logout',
        ]),
      );
      // Bodies a real caller would send, so a refusal is the authorization's doing, not validation's.
      const bodies: Record<string, unknown> = {
        'POST /api/v1/ingest/activities': [activity('sneaked-in', 'AppA')],
        'POST /api/v1/ingest/alerts': [
          { id: 'sneaked-alert', timestamp: T0, type: 'ALERT_X', policyName: 'x', severity: 'low' },
        ],
        'POST /api/v1/siem-agents': { name: 'sneaky', syslog: { host: 'evil.example', port: 514 } },
        'PATCH /api/v1/siem-agents/{id}': { syslog: { host: 'evil.example' } },
        'POST /api/v1/admins': {
          email: 'evil@example.com',
          name: 'Evil',
          password: 'a long enough password',
        },
        'POST /api/v1/admin-tokens': { name: 'evil' },
        'POST /api/v1/policies': { name: 'evil', severity: 'low', filter: {} },
        'PATCH /api/v1/policies/{id}': { enabled: false },
        'POST /api/v1/siem-agents/preview': { dataType: 'activities' },
      };
      for (const { method, path } of adminRoutes) {
        const name = `${method} ${path.replace(agents.a.id, '{id}')}`;
        for (const token of [agents.a.token, agents.b.token]) {
          const answer = await t.api(method, path, {
            token,
            ...(method === 'GET' || method === 'DELETE' ? {} : { body: bodies[name] ?? {} }),
          });
          expectError(answer, 403, 'FORBIDDEN', name);
        }
      }

      expect((await t.api('GET', `/api/v1/siem-agents/${agents.a.id}`)).body).toEqual(before.agent);
      expect((await t.api('GET', '/api/v1/siem-agents')).body.data).toHaveLength(before.agents);
      expect((await t.api('GET', '/api/v1/admins')).body).toEqual(before.admins);
      expect((await t.api('GET', '/api/v1/policies')).body).toEqual(before.policies);
      expect((await t.api('POST', '/api/v1/activities', { body: {} })).body.total).toBe(before.activities);
      expect((await t.api('GET', '/api/agent/v1/config', { token: agents.a.token })).status).toBe(200);
    });

    it("only ever yields its own agent's config", async () => {
      for (const self of [agents.a, agents.b]) {
        const config = await t.api('GET', '/api/agent/v1/config', { token: self.token });
        expect(config.status).toBe(200);
        expect(config.body.agentId).toBe(self.id);
      }
      // Naming the other agent in the query does not help.
      const named = await t.api('GET', `/api/agent/v1/config?agentId=${agents.b.id}`, {
        token: agents.a.token,
      });
      expect(named.status === 400 || named.body.agentId === agents.a.id).toBe(true);
      // Nor does pairing the other agent's id with one's own secret.
      const a = parseAgentToken(agents.a.token)!;
      const spliced = formatAgentToken({ ...a, agentId: agents.b.id });
      expectError(await t.api('GET', '/api/agent/v1/config', { token: spliced }), 401, 'TOKEN_INVALID');
    });

    it("pulls only its own agent's data", async () => {
      const pulledIds = async (token: string, query = '') => {
        const page = await t.api('GET', `/api/agent/v1/activities${query}`, { token });
        expect(page.status).toBe(200);
        return (page.body.events as { id: string }[]).map((e) => e.id);
      };
      expect(await pulledIds(agents.a.token)).toEqual(['a-1', 'a-2']);
      expect(await pulledIds(agents.b.token)).toEqual(['b-1', 'b-2']);
      // Another agent's id in the query is ignored or refused, never honoured.
      const named = await t.api('GET', `/api/agent/v1/activities?agentId=${agents.b.id}&cursor=c1.1.0`, {
        token: agents.a.token,
      });
      if (named.status === 200) {
        expect((named.body.events as { id: string }[]).map((e) => e.id)).toEqual(['a-1', 'a-2']);
      } else expect(named.status).toBe(400);
    });

    it('writes nothing but its heartbeat', async () => {
      const admin = await t.api('GET', `/api/v1/siem-agents/${agents.a.id}`);
      const config = await t.api('GET', '/api/agent/v1/config', { token: agents.a.token });
      const attempts: [string, string][] = [];
      for (const path of ['/api/agent/v1/config', '/api/agent/v1/activities', '/api/agent/v1/alerts']) {
        for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) attempts.push([method, path]);
      }
      attempts.push(['GET', '/api/agent/v1/heartbeat'], ['DELETE', '/api/agent/v1/heartbeat']);
      for (const [method, path] of attempts) {
        const answer = await t.api(method, path, {
          token: agents.a.token,
          ...(method === 'GET' || method === 'DELETE'
            ? {}
            : { body: { enabled: false, syslog: { host: 'evil.example', port: 1 } } }),
        });
        expect(answer.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(answer.status, `${method} ${path}`).toBeLessThan(500);
        expect(answer.body.error.code, `${method} ${path}`).toEqual(expect.any(String));
      }
      const beat = await t.api('POST', '/api/agent/v1/heartbeat', { token: agents.a.token, body: heartbeat });
      expect(beat.status).toBe(204);

      const configAfter = await t.api('GET', '/api/agent/v1/config', { token: agents.a.token });
      expect(configAfter.body).toEqual(config.body);
      const adminAfter = await t.api('GET', `/api/v1/siem-agents/${agents.a.id}`);
      expect(adminAfter.body).toMatchObject({
        name: admin.body.name,
        enabled: true,
        configVersion: admin.body.configVersion,
        syslog: admin.body.syslog,
        lastHeartbeat: expect.objectContaining({ host: 'siem-agent-01' }),
      });
    });
  });

  describe('the agent API', () => {
    it('refuses admin API tokens, session cookies and no token with 401 TOKEN_INVALID', async () => {
      const login = await t.api('POST', '/api/v1/auth/login', {
        token: null,
        body: { email: 'admin@cloudsiem.local', password: t.password },
      });
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      const routes: [string, string, unknown][] = [
        ['GET', '/api/agent/v1/config', undefined],
        ['GET', '/api/agent/v1/activities', undefined],
        ['GET', '/api/agent/v1/alerts', undefined],
        ['POST', '/api/agent/v1/heartbeat', heartbeat],
      ];
      for (const [method, path, body] of routes) {
        const withBody = body === undefined ? {} : { body };
        expectError(await t.api(method, path, withBody), 401, 'TOKEN_INVALID', `admin token ${path}`);
        expectError(await t.api(method, path, { ...withBody, token: null }), 401, 'TOKEN_INVALID', path);
        const session = await t.api(method, path, {
          ...withBody,
          token: null,
          headers: { cookie, origin: t.url },
        });
        expectError(session, 401, 'TOKEN_INVALID', `session ${path}`);
      }
    });

    it('answers malformed tokens with 401 TOKEN_INVALID, never a 500', async () => {
      const good = parseAgentToken(agents.a.token)!;
      const url = Buffer.from(good.portalUrl).toString('base64url');
      const headers = [
        'Token abc',
        'Bearer csat_x',
        '',
        'Token ',
        'Token',
        'Basic dXNlcjpwYXNzd29yZA==',
        'Token csat_',
        'Token csat_...',
        'Token csat_a.b.c',
        `Token csat_${url}.${good.agentId}.${good.secret}.extra`,
        `Token csat_${url}.${good.agentId}`,
        `Token csat_${url}.not-a-uuid.${good.secret}`,
        `Token csat_${url}.${good.agentId}.${good.secret.slice(1)}`,
        `Token csat_${url}.${good.agentId}.${good.secret}x`,
        `Token csat_${url}.${good.agentId}.${good.secret.slice(0, -1)}+`,
        `Token csat_${Buffer.from('javascript:alert(1)').toString('base64url')}.${good.agentId}.${good.secret}`,
        `Token csat_${url}.${good.agentId.toUpperCase()}.${good.secret}`,
        `Token CSAT_${url}.${good.agentId}.${good.secret}`,
        `Token ${agents.a.token} ${agents.a.token}`,
        `Token csat_${'A'.repeat(5000)}.${good.agentId}.${good.secret}`,
        `Token csat_${url}.${good.agentId}.${good.secret}%00`,
        `Token csadm_${good.agentId}.${good.secret}`,
      ];
      for (const authorization of headers) {
        const answer = await t.api('GET', '/api/agent/v1/config', {
          token: null,
          headers: { authorization },
        });
        expectError(answer, 401, 'TOKEN_INVALID', JSON.stringify(authorization.slice(0, 80)));
      }
      // On an admin route the same headers are 401 UNAUTHENTICATED (or 403 for a csat_ token), never a 500.
      for (const authorization of headers) {
        const answer = await t.api('GET', '/api/v1/siem-agents', { token: null, headers: { authorization } });
        const label = JSON.stringify(authorization.slice(0, 80));
        if (/^(?:Token|Bearer)\s+csat_\S*\s*$/.test(authorization))
          expectError(answer, 403, 'FORBIDDEN', label);
        else expectError(answer, 401, 'UNAUTHENTICATED', label);
      }
      // The real token still works: nothing above locked it out.
      expect((await t.api('GET', '/api/agent/v1/config', { token: agents.a.token })).status).toBe(200);
    });
  });

  describe('ending a token', () => {
    it("stops a removed admin's agents with 401 TOKEN_OWNER_REMOVED until the token is regenerated", async () => {
      const added = await t.api('POST', '/api/v1/admins', {
        body: { email: 'leaver@contoso.com', name: 'Leaver', password: 'a long enough password' },
      });
      expect(added.status).toBe(201);
      const leaver = added.body.id as string;
      const { token: leaverToken } = await t.portal.services.admins.createApiToken(leaver, 'x');
      const agent = await createAgent("Leaver's agent", 'AppA', leaverToken);
      const own = await t.api('GET', `/api/v1/siem-agents/${agent.id}`);
      expect(own.body).toMatchObject({ createdBy: { id: leaver }, tokenOwner: { id: leaver } });
      expect((await t.api('GET', '/api/agent/v1/config', { token: agent.token })).status).toBe(200);

      expect((await t.api('DELETE', `/api/v1/admins/${leaver}`)).status).toBe(204);
      for (const path of ['/api/agent/v1/config', '/api/agent/v1/activities']) {
        expectError(await t.api('GET', path, { token: agent.token }), 401, 'TOKEN_OWNER_REMOVED', path);
      }
      expectError(
        await t.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body: heartbeat }),
        401,
        'TOKEN_OWNER_REMOVED',
      );
      // The removed admin's own API token is gone too.
      expectError(await t.api('GET', '/api/v1/siem-agents', { token: leaverToken }), 401, 'UNAUTHENTICATED');
      const listed = await t.api('GET', `/api/v1/siem-agents/${agent.id}`);
      expect(listed.body.tokenOwner).toMatchObject({ id: leaver, removed: true });

      const regenerated = await t.api('POST', `/api/v1/siem-agents/${agent.id}/regenerate-token`);
      expect(regenerated.status).toBe(200);
      expect(regenerated.body.agent).toMatchObject({
        createdBy: { id: leaver, removed: true },
        tokenOwner: { id: t.adminId, removed: false },
      });
      const fresh = regenerated.body.token as string;
      const config = await t.api('GET', '/api/agent/v1/config', { token: fresh });
      expect(config.status).toBe(200);
      expect(config.body.agentId).toBe(agent.id);
      // The token from before the regeneration stays dead, now as a plain invalid token.
      expectError(await t.api('GET', '/api/agent/v1/config', { token: agent.token }), 401, 'TOKEN_INVALID');
    });

    it("answers a regenerated token's predecessor with 401 TOKEN_INVALID", async () => {
      const agent = await createAgent('Regenerated', 'AppA');
      const regenerated = await t.api('POST', `/api/v1/siem-agents/${agent.id}/regenerate-token`);
      const fresh = regenerated.body.token as string;
      for (const path of ['/api/agent/v1/config', '/api/agent/v1/activities', '/api/agent/v1/alerts']) {
        expectError(await t.api('GET', path, { token: agent.token }), 401, 'TOKEN_INVALID', path);
      }
      expectError(
        await t.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body: heartbeat }),
        401,
        'TOKEN_INVALID',
      );
      expect((await t.api('GET', '/api/agent/v1/config', { token: fresh })).status).toBe(200);
      // Regenerating twice: only the newest works.
      const again = await t.api('POST', `/api/v1/siem-agents/${agent.id}/regenerate-token`);
      expectError(await t.api('GET', '/api/agent/v1/config', { token: fresh }), 401, 'TOKEN_INVALID');
      expect((await t.api('GET', '/api/agent/v1/config', { token: again.body.token })).status).toBe(200);
    });

    it("answers a deleted agent's token with 410 AGENT_DELETED", async () => {
      const agent = await createAgent('Deleted', 'AppA');
      expect((await t.api('DELETE', `/api/v1/siem-agents/${agent.id}`)).status).toBe(204);
      for (const path of ['/api/agent/v1/config', '/api/agent/v1/activities', '/api/agent/v1/alerts']) {
        expectError(await t.api('GET', path, { token: agent.token }), 410, 'AGENT_DELETED', path);
      }
      expectError(
        await t.api('POST', '/api/agent/v1/heartbeat', { token: agent.token, body: heartbeat }),
        410,
        'AGENT_DELETED',
      );
      // A wrong secret for the deleted agent tells nothing: plain TOKEN_INVALID.
      const wrong = formatAgentToken({
        portalUrl: t.portal.publicUrl,
        agentId: agent.id,
        secret: newSecret(),
      });
      expectError(await t.api('GET', '/api/agent/v1/config', { token: wrong }), 401, 'TOKEN_INVALID');
    });
  });

  describe('a wrong secret', () => {
    const wrongToken = (agentId: string) =>
      formatAgentToken({ portalUrl: t.portal.publicUrl, agentId, secret: newSecret() });

    it('gets the same answer whether or not its agent id exists', async () => {
      const known = await t.api('GET', '/api/agent/v1/config', { token: wrongToken(agents.a.id) });
      const unknown = await t.api('GET', '/api/agent/v1/config', { token: wrongToken(randomUUID()) });
      expectError(known, 401, 'TOKEN_INVALID');
      expect(unknown.status).toBe(known.status);
      expect(unknown.body).toEqual(known.body);
      expect(unknown.headers.get('content-length')).toBe(known.headers.get('content-length'));
      const knownPull = await t.api('GET', '/api/agent/v1/alerts', { token: wrongToken(agents.b.id) });
      const unknownPull = await t.api('GET', '/api/agent/v1/alerts', { token: wrongToken(randomUUID()) });
      expect(unknownPull.status).toBe(401);
      expect(unknownPull.body).toEqual(knownPull.body);
    });

    it('takes about as long whether or not its agent id exists', async () => {
      const known = wrongToken(agents.a.id);
      const unknown = wrongToken(randomUUID());
      const time = async (token: string) => {
        const start = performance.now();
        const answer = await t.api('GET', '/api/agent/v1/config', { token });
        const elapsed = performance.now() - start;
        expect(answer.status).toBe(401);
        return elapsed;
      };
      for (let i = 0; i < 30; i += 1) {
        await time(known);
        await time(unknown);
      }
      const knownMs: number[] = [];
      const unknownMs: number[] = [];
      for (let i = 0; i < 150; i += 1) {
        // Alternate which goes first, so neither always meets a warmer connection.
        if (i % 2 === 0) {
          knownMs.push(await time(known));
          unknownMs.push(await time(unknown));
        } else {
          unknownMs.push(await time(unknown));
          knownMs.push(await time(known));
        }
      }
      const k = median(knownMs);
      const u = median(unknownMs);
      console.log(
        `[${target.name}] wrong-secret median: known agent id ${k.toFixed(3)} ms, unknown agent id ${u.toFixed(3)} ms`,
      );
      expect(Math.abs(k - u)).toBeLessThan(Math.max(2, 0.5 * Math.min(k, u)));
    });
  });
});
