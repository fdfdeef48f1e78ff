// A portal with something on every page, for the tests that walk all of them (phone layout,
// accessibility): activities and an alert, a SIEM agent whose heartbeats give it a status history
// and notifications, a connector (disabled: it never pulls), a policy and a second admin. The names
// are of the longest kind the schemas take, without a space to break at.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { activity, alert, CLOSED_SYSLOG, tempDir, type PortalProcess } from '../e2e/harness.ts';
import { postSyslogHeartbeat, startWebPortal } from './browser.ts';

export const SAMPLE = {
  agent: `sample-agent-${'a'.repeat(80)}-end`,
  connector: `sample-connector-${'c'.repeat(70)}-end`,
  policy: `sample-policy-${'p'.repeat(70)}-end`,
  alertPolicy: `sample-alert-policy-${'q'.repeat(60)}-end`,
  alertId: 'sample-alert-1',
  admin: 'Second Admin',
} as const;

export interface SamplePortal {
  portal: PortalProcess;
  agentId: string;
}

export async function startSamplePortal(): Promise<SamplePortal> {
  // Connector secrets need the portal's secret key.
  const keyFile = join(tempDir('sample-key'), 'secret.key');
  writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const portal = await startWebPortal({ args: ['--secret-key-file', keyFile] });
  await portal.api.ingest('activities', [activity('sample-activity-1'), activity('sample-activity-2')]);
  await portal.api.ingest('alerts', [alert(SAMPLE.alertId, { policyName: SAMPLE.alertPolicy })]);
  const { agent, token } = await portal.api.createAgent({ name: SAMPLE.agent, syslog: CLOSED_SYSLOG });
  // The SIEM refusing and accepting in turn (10 heartbeats, the burst the portal takes at once): a
  // status history longer than its list shows at once,
  // a resolved notification, and the last heartbeat's "SIEM unreachable".
  const startedAt = Date.now() - 600_000;
  for (let i = 0; i < 10; i += 1)
    await postSyslogHeartbeat(portal, token, i % 2 === 0 ? 'connected' : 'disconnected', { startedAt });
  const connector = await portal.api.call('POST', '/api/v1/connectors', {
    name: SAMPLE.connector,
    type: 'cloudsiem',
    enabled: false,
    settings: { url: 'http://127.0.0.1:9', dataTypes: { activities: true, alerts: true } },
    secret: { token: 'sample-upstream-token' },
  });
  expect(connector.status, JSON.stringify(connector.body)).toBe(201);
  const policy = await portal.api.call('POST', '/api/v1/policies', {
    name: SAMPLE.policy,
    severity: 'low',
    filter: { action: { eq: ['Never matches'] } },
  });
  expect(policy.status, JSON.stringify(policy.body)).toBe(201);
  await portal.api.createAdmin({
    email: 'second.admin.with.a.long.address@sample.example.com',
    name: SAMPLE.admin,
    password: 'sample second admin password',
  });
  return { portal, agentId: agent.id };
}
