// Editing a SIEM agent (PATCH): only the named fields change, nested settings merge field by
// field, the merged settings are validated as a whole, and each edit bumps the config version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPortal, storeTargets, type TestPortal } from '../src/test-support.ts';

describe.each(await storeTargets())('PATCH /api/v1/siem-agents/:id on $name', (target) => {
  let portal: TestPortal;
  let id: string;
  beforeAll(async () => {
    portal = await startTestPortal(target);
    const created = await portal.api('POST', '/api/v1/siem-agents', {
      body: {
        name: 'QRadar',
        format: { vendor: 'ACME' },
        syslog: { host: 'siem.example.com', port: 514 },
        dataTypes: { alerts: { enabled: true, filter: { source: { neq: ['identity'] } } } },
      },
    });
    expect(created.status).toBe(201);
    id = created.body.agent.id;
  });
  afterAll(() => portal.close());

  it('merges nested settings and keeps what the patch does not name', async () => {
    const edited = await portal.api('PATCH', `/api/v1/siem-agents/${id}`, {
      body: {
        syslog: { port: 6514 },
        format: { includePri: true },
        dataTypes: { activities: { enabled: false } },
      },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.configVersion).toBe(2);
    expect(edited.body.syslog).toEqual({
      host: 'siem.example.com',
      port: 6514,
      protocol: 'tcp',
      framing: 'lf',
      udpMaxBytes: 2048,
    });
    expect(edited.body.format).toMatchObject({ vendor: 'ACME', includePri: true, format: 'generic' });
    expect(edited.body.dataTypes).toEqual({
      alerts: { enabled: true, filter: { source: { neq: ['identity'] } } },
      activities: { enabled: false, filter: null },
    });
    expect(edited.body.name).toBe('QRadar');
  });

  it('rejects a patch whose merged settings are invalid, naming each field, and changes nothing', async () => {
    const before = await portal.api('GET', `/api/v1/siem-agents/${id}`);
    const bad = await portal.api('PATCH', `/api/v1/siem-agents/${id}`, {
      body: { syslog: { port: 0 }, dataTypes: { alerts: { filter: { nope: { eq: ['x'] } } } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_REQUEST');
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual([
      'body.syslog.port',
      'body.dataTypes.alerts.filter.nope',
    ]);
    const after = await portal.api('GET', `/api/v1/siem-agents/${id}`);
    expect(after.body.configVersion).toBe(before.body.configVersion);
  });

  it('rejects unknown fields in a patch', async () => {
    const bad = await portal.api('PATCH', `/api/v1/siem-agents/${id}`, { body: { syslog: { hots: 'x' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/hots/);
  });
});
