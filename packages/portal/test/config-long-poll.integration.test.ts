// Config long poll (DESIGN §6 "or long-polls"): with ?wait=S and the current ETag, the answer
// comes as soon as an admin edits the agent, or as 304 when S seconds pass without an edit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';

const sqlite = (await storeTargets()).find((t) => t.name === 'sqlite')!;

describe('GET /api/agent/v1/config?wait=S', () => {
  let portal: TestPortal;
  let token: string;
  let agentId: string;
  beforeAll(async () => {
    portal = await startTestPortal(sqlite);
    const created = await portal.api('POST', '/api/v1/siem-agents', {
      body: { name: 'long poll', syslog: { host: 'siem.example.com', port: 514 } },
    });
    token = created.body.token;
    agentId = created.body.agent.id;
  });
  afterAll(() => portal.close());

  it('answers with the new config as soon as the agent is edited', async () => {
    const first = await portal.api('GET', '/api/agent/v1/config', { token });
    const etag = first.headers.get('etag')!;
    const polling = portal.api('GET', '/api/agent/v1/config?wait=20', {
      token,
      headers: { 'if-none-match': etag },
    });
    await new Promise((r) => setTimeout(r, 300));
    const edit = await portal.api('PATCH', `/api/v1/siem-agents/${agentId}`, {
      body: { syslog: { host: 'siem.example.com', port: 6514, protocol: 'tls' } },
    });
    expect(edit.status).toBe(200);
    const answer = await polling;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('etag')).not.toBe(etag);
    expect(answer.body.syslog).toMatchObject({ port: 6514, protocol: 'tls' });
  });

  it('answers 304 when nothing changes within the wait', async () => {
    const current = await portal.api('GET', '/api/agent/v1/config', { token });
    const etag = current.headers.get('etag')!;
    const answer = await portal.api('GET', '/api/agent/v1/config?wait=1', {
      token,
      headers: { 'if-none-match': etag },
    });
    expect(answer.status).toBe(304);
  });

  it('rejects a wait over 60 seconds', async () => {
    const answer = await portal.api('GET', '/api/agent/v1/config?wait=600', { token });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('BAD_REQUEST');
  });
});
