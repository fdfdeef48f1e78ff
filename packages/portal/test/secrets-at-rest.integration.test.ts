// What the store keeps of secrets (DESIGN §6): hashes only. Agent tokens, admin API tokens,
// session ids and passwords never appear in any stored row; and the public URL given at start
// is the one agent tokens carry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startPortal, type Portal } from '../src/server.ts';
import { parseAgentToken } from '../src/auth/secrets.ts';
import { dropTestStore, openTestStore, storeTargets } from '../src/store/test-support.ts';

const PASSWORD = 'a long enough password';
const TABLES = ['admins', 'sessions', 'admin_tokens', 'siem_agents'] as const;

describe.each(await storeTargets())('secrets at rest on $name', (target) => {
  let portal: Portal;
  let url: string;
  beforeAll(async () => {
    const fresh = await openTestStore(target);
    url = fresh.url;
    await fresh.close();
    portal = await startPortal({
      databaseUrl: url,
      port: 0,
      publicUrl: 'https://portal.example.com:8443/',
      firstAdminPassword: PASSWORD,
      builtinPolicies: false,
    });
  });
  afterAll(async () => {
    await portal.close();
    await dropTestStore(url);
  });

  it('stores hashes only: no token, session id or password in any row', async () => {
    const { services } = portal;
    const [admin] = await services.admins.list();
    const { sessionId } = await services.admins.login(admin!.email, PASSWORD, '127.0.0.1');
    const { token: adminToken } = await services.admins.createApiToken(admin!.id, 'ci');
    const { token: agentToken } = await services.agents.create(admin!.id, {
      name: 'QRadar',
      syslog: { host: 'siem.example.com', port: 514 },
    });
    const { token: regenerated } = await services.agents.regenerateToken(
      admin!.id,
      parseAgentToken(agentToken)!.agentId,
    );
    const secrets = [PASSWORD, sessionId, adminToken, agentToken, regenerated].map((s) =>
      s.slice(s.lastIndexOf('.') + 1),
    );
    const db = portal.context.store.db;
    let rows = 0;
    for (const table of TABLES) {
      const dump = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
      rows += dump.rows.length;
      const text = JSON.stringify(dump.rows);
      for (const secret of secrets) expect(text, `${table} holds a secret`).not.toContain(secret);
    }
    expect(rows).toBeGreaterThanOrEqual(4);
  });

  it('puts the public URL given at start, without its trailing slash, into agent tokens and config', async () => {
    const [admin] = await portal.services.admins.list();
    const { token } = await portal.services.agents.create(admin!.id, {
      name: 'ArcSight',
      syslog: { host: 'siem.example.com', port: 514 },
    });
    expect(parseAgentToken(token)?.portalUrl).toBe('https://portal.example.com:8443');
    const agent = await portal.services.agents.authenticate(token);
    expect(portal.services.agents.config(agent).portalUrl).toBe('https://portal.example.com:8443');
  });
});
