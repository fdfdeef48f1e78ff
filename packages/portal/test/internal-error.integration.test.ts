// An unexpected failure answers 500 INTERNAL with a request id and nothing else: no stack, no
// message from the failure; the portal log holds the details under the same id.
import { expect, it } from 'vitest';
import { startPortal } from '../src/server.ts';
import { openTestStore, dropTestStore, storeTargets } from '../src/store/test-support.ts';

it('answers 500 with the request id that the log line carries, and no details', async () => {
  const sqlite = (await storeTargets()).find((t) => t.name === 'sqlite')!;
  const fresh = await openTestStore(sqlite);
  await fresh.close();
  const logged: { obj: Record<string, unknown>; msg: string }[] = [];
  const portal = await startPortal({
    databaseUrl: fresh.url,
    port: 0,
    firstAdminPassword: 'a long enough password',
    logger: {
      info() {},
      warn() {},
      error: (obj, msg) => logged.push({ obj: obj as Record<string, unknown>, msg }),
    },
  });
  try {
    const admin = (await portal.services.admins.list())[0]!;
    const { token } = await portal.services.admins.createApiToken(admin.id, 'test');
    portal.services.agents.list = () => Promise.reject(new Error('secret internal detail at /srv/db.ts:12'));
    const answer = await fetch(`${portal.url}/api/v1/siem-agents`, {
      headers: { authorization: `Token ${token}` },
    });
    const text = await answer.text();
    const requestId = answer.headers.get('x-request-id');
    expect(answer.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      error: { code: 'INTERNAL', message: expect.stringContaining(`request ${requestId}`) as unknown },
    });
    expect(text).not.toContain('secret internal detail');
    expect(text).not.toContain('.ts:');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.obj.requestId).toBe(requestId);
    expect(String(logged[0]!.obj.err)).toContain('secret internal detail');
  } finally {
    await portal.close();
    await dropTestStore(fresh.url);
  }
});
