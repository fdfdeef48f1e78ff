// The checked-token cache of the agent API (services/agents.ts, TOKEN_CACHE_MS) on SQLite and
// PostgreSQL: a token that was just used, so its agent's row is held, stops at once when this
// portal disables, regenerates or deletes the agent or removes the token's owner; a change made by
// another portal process sharing the store takes effect here within TOKEN_CACHE_MS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPortal, type Portal } from '../src/index.ts';
import { TOKEN_CACHE_MS } from '../src/services/agents.ts';
import { silentLogger } from '../src/context.ts';
import { startTestPortal, storeTargets, type ApiAnswer, type TestPortal } from '../src/test-support.ts';

const PULL = '/api/agent/v1/activities?limit=10';

function expectError(answer: ApiAnswer, status: number, code: string): void {
  expect([answer.status, answer.body?.error?.code]).toEqual([status, code]);
}

describe.each(await storeTargets())('checked agent tokens on $name', (target) => {
  let t: TestPortal;
  /** A second portal process on the same store (here: in this process, with its own store connection). */
  let other: Portal;

  beforeAll(async () => {
    t = await startTestPortal(target);
    other = await startPortal({
      databaseUrl: t.databaseUrl,
      port: 0,
      logger: silentLogger,
      builtinPolicies: false,
    });
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  /** A new agent whose token was just used twice: its row is held by this portal. */
  const usedAgent = async (name: string, token?: string) => {
    const created = await t.api('POST', '/api/v1/siem-agents', {
      ...(token === undefined ? {} : { token }),
      body: { name, syslog: { host: 'siem.example.com', port: 514 } },
    });
    expect(created.status).toBe(201);
    const agent = { id: created.body.agent.id as string, token: created.body.token as string };
    for (let i = 0; i < 2; i += 1)
      expect((await t.api('GET', PULL, { token: agent.token })).status).toBe(200);
    return agent;
  };

  it('stops a token just used at once when this portal disables, regenerates or deletes its agent', async () => {
    const disabled = await usedAgent('Disabled here');
    expect(
      (await t.api('PATCH', `/api/v1/siem-agents/${disabled.id}`, { body: { enabled: false } })).status,
    ).toBe(200);
    expectError(await t.api('GET', PULL, { token: disabled.token }), 409, 'AGENT_DISABLED');

    const regenerated = await usedAgent('Regenerated here');
    const fresh = await t.api('POST', `/api/v1/siem-agents/${regenerated.id}/regenerate-token`);
    expectError(await t.api('GET', PULL, { token: regenerated.token }), 401, 'TOKEN_INVALID');
    expect((await t.api('GET', PULL, { token: fresh.body.token as string })).status).toBe(200);

    const deleted = await usedAgent('Deleted here');
    expect((await t.api('DELETE', `/api/v1/siem-agents/${deleted.id}`)).status).toBe(204);
    expectError(await t.api('GET', PULL, { token: deleted.token }), 410, 'AGENT_DELETED');
  });

  it("stops a token just used at once when this portal removes the token's owner", async () => {
    const added = await t.api('POST', '/api/v1/admins', {
      body: { email: 'cache-leaver@contoso.com', name: 'Leaver', password: 'a long enough password' },
    });
    expect(added.status).toBe(201);
    const { token: leaverToken } = await t.portal.services.admins.createApiToken(
      added.body.id as string,
      'x',
    );
    const agent = await usedAgent("Leaver's agent", leaverToken);
    expect((await t.api('DELETE', `/api/v1/admins/${added.body.id as string}`)).status).toBe(204);
    expectError(await t.api('GET', PULL, { token: agent.token }), 401, 'TOKEN_OWNER_REMOVED');
  });

  it('sees a regeneration, a disable or a deletion by another portal on the store within TOKEN_CACHE_MS', async () => {
    const regenerated = await usedAgent('Regenerated elsewhere');
    const disabled = await usedAgent('Disabled elsewhere');
    const deleted = await usedAgent('Deleted elsewhere');
    const { token: fresh } = await other.services.agents.regenerateToken(t.adminId, regenerated.id);
    await other.services.agents.update(disabled.id, { enabled: false });
    await other.services.agents.remove(deleted.id);
    // The new token works here at once: only successful checks are held.
    expect((await t.api('GET', PULL, { token: fresh })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, TOKEN_CACHE_MS + 50));
    expectError(await t.api('GET', PULL, { token: regenerated.token }), 401, 'TOKEN_INVALID');
    expectError(await t.api('GET', PULL, { token: disabled.token }), 409, 'AGENT_DISABLED');
    expectError(await t.api('GET', PULL, { token: deleted.token }), 410, 'AGENT_DELETED');
  });
});
