// The protocol's admin API client against the real portal (SQLite and PostgreSQL), from Node with
// an admin API token as a connector reading another portal would: ingest and list round-trip, a
// SIEM agent's life through the client, the portal's refusals as AdminApiError; and every admin
// route declares its body and response with a schema exported by @cloudsiem/protocol.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as protocol from '@cloudsiem/protocol';
import { AdminApiError, createAdminClient, type AdminClient } from '@cloudsiem/protocol';
import { activityRecords, startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';
import { portalRoutes } from '../src/routes/index.ts';

async function failure(promise: Promise<unknown>): Promise<AdminApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AdminApiError);
  return error as AdminApiError;
}

describe.each(await storeTargets())('the admin API client against a portal on $name', (target) => {
  let t: TestPortal;
  let client: AdminClient;

  beforeAll(async () => {
    t = await startTestPortal(target);
    client = createAdminClient({ baseUrl: t.url, token: t.adminToken });
  });
  afterAll(async () => {
    await t.close();
  });

  it('ingests activities and lists them back, filtered and sorted', async () => {
    const records = activityRecords('client', 3, t.clock.now() - 60_000);
    const result = await client.ingestActivities(records);
    expect(result).toMatchObject({ accepted: 3, duplicates: 0, rejected: [] });
    expect((await client.ingestActivities(records)).duplicates).toBe(3);

    const list = await client.listActivities({
      filters: { user: { eq: ['client@contoso.com'] } },
      sortField: 'timestamp',
      sortDirection: 'asc',
      limit: 2,
    });
    expect(list.total).toBe(3);
    expect(list.hasNext).toBe(true);
    expect(list.data).toHaveLength(2);
    const first = list.data[0];
    expect(first?.user).toBe('client@contoso.com');
    expect(typeof first?.createdAt).toBe('number');
    expect((await client.getActivity(first?.id ?? '')).id).toBe(first?.id);
    expect((await client.listAlerts()).total).toBe(0);
  });

  it('adds, edits, re-tokens, lists and deletes a SIEM agent', async () => {
    const created = await client.createSiemAgent({
      name: 'Client test',
      syslog: { host: 'siem.example', port: 514, protocol: 'tcp', framing: 'lf' },
    });
    expect(created.token).toMatch(/^csat_/);
    const edited = await client.updateSiemAgent(created.agent.id, { syslog: { port: 6514 } });
    expect(edited.syslog).toMatchObject({ host: 'siem.example', port: 6514 });
    expect(edited.configVersion).toBe(created.agent.configVersion + 1);
    const again = await client.regenerateToken(created.agent.id);
    expect(again.token).not.toBe(created.token);
    expect((await client.setSiemAgentEnabled(created.agent.id, false)).enabled).toBe(false);
    expect((await client.listSiemAgents()).data.map((a) => a.id)).toContain(created.agent.id);
    expect((await client.listHeartbeats(created.agent.id, 0)).data).toEqual([]);
    const preview = await client.preview({ dataType: 'activities', limit: 1 });
    expect(preview.cefLines).toHaveLength(preview.events.length);
    await expect(client.deleteSiemAgent(created.agent.id)).resolves.toBeUndefined();
    const gone = await failure(client.getSiemAgent(created.agent.id));
    expect(gone).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('answers a refused body as BAD_REQUEST with its issues', async () => {
    const error = await failure(client.createPolicy({ name: 'x', severity: 'urgent' as 'low', filter: {} }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.issues.map((i) => i.path)).toContain('body.severity');
  });

  it("answers outside a token's scope with 403 TOKEN_SCOPE_DENIED, and without a token 401", async () => {
    const { token } = await client.createAdminToken({ name: 'reader', scope: 'read' });
    const reader = createAdminClient({ baseUrl: t.url, token });
    expect((await reader.listActivities()).total).toBeGreaterThanOrEqual(0);
    const denied = await failure(reader.createPolicy({ name: 'nope', severity: 'low', filter: {} }));
    expect(denied).toMatchObject({ status: 403, code: 'TOKEN_SCOPE_DENIED' });
    const anonymous = await failure(createAdminClient({ baseUrl: t.url }).listAlerts());
    expect(anonymous).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const tokens = await client.listAdminTokens();
    const reading = tokens.data.find((k) => k.name === 'reader');
    await client.revokeAdminToken(reading?.id ?? '');
    expect((await failure(reader.listAlerts())).status).toBe(401);
  });
});

describe('admin route declarations', () => {
  it('take every body and response schema of an admin API route from @cloudsiem/protocol', async () => {
    const exported = new Set<unknown>(Object.values(protocol));
    const t = await startTestPortal((await storeTargets())[0]!);
    try {
      const routes = portalRoutes(t.portal.services, {
        store: {} as never,
        clock: t.clock,
        logger: { info() {}, warn() {}, error() {} },
        settings: { publicUrl: t.url } as never,
      });
      const admin = routes.filter((r) => r.path.startsWith(protocol.ADMIN_API_PREFIX));
      expect(admin.length).toBeGreaterThan(20);
      for (const r of admin) {
        const label = `${r.method.toUpperCase()} ${r.path}`;
        if (r.body !== undefined) expect(exported.has(r.body), `${label} body`).toBe(true);
        if (r.successStatus === 204) expect(r.response, `${label} response`).toBeUndefined();
        else expect(exported.has(r.response), `${label} response`).toBe(true);
      }
    } finally {
      await t.close();
    }
  });
});
