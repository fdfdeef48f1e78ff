// Connectors end to end through real processes (DESIGN §9): an upstream → `cloudsiem portal`'s
// connector → `cloudsiem agent` → a real syslog-ng. Every upstream record arrives exactly once,
// byte-equal to the encoder's line for the stored record.
// - hub and spoke: the `cloudsiem` type reads a second real `cloudsiem portal` process, fed by
//   `cloudsiem simulate` (activities and the Defender for Identity alerts they raise).
// - mdca: the loopback fake of Defender for Cloud Apps and Entra ID (documented behaviour, not
//   Microsoft's service) with OAuth client credentials; the lines must be what the encoder writes
//   for the mapped record.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  activitySchema,
  alertSchema,
  type Activity,
  type Alert,
  type Connector,
  type DataType,
} from '@cloudsiem/protocol';
import { mapActivity, mapAlert } from '../../packages/portal/src/connectors/mdca/mapping.ts';
import { fakeEntra } from '../upstream/entra.ts';
import { fakeMdca, makeActivities, makeAlert, MDCA_SCOPE } from '../upstream/mdca.ts';
import { startFakeUpstream } from '../upstream/server.ts';
import {
  countIds,
  describeWithSyslogNg,
  expectedLine,
  onCleanup,
  received,
  startAgent,
  startPortal,
  tempDir,
  waitUntil,
  type PortalProcess,
} from './harness.ts';
import { Child } from '../support/child.ts';

const CLI = join(import.meta.dirname, '../../packages/cli/bin/cloudsiem.js');

/** `cloudsiem portal` arguments for a connector secret key (the hub's). */
function secretKeyArgs(): string[] {
  const keyFile = join(tempDir('key'), 'secret.key');
  writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  return ['--secret-key-file', keyFile];
}

/** Every record of a data type a portal holds, through its list API. */
async function everything(portal: PortalProcess, dataType: DataType): Promise<(Activity | Alert)[]> {
  const all: (Activity | Alert)[] = [];
  for (let skip = 0; ; skip += 1000) {
    const answer = await portal.api.call('POST', `/api/v1/${dataType}/`, {
      skip,
      limit: 1000,
      sortField: 'createdAt',
      sortDirection: 'asc',
    });
    const { data, hasNext } = answer.body as { data: (Activity | Alert)[]; hasNext: boolean };
    all.push(...data);
    if (!hasNext) return all;
  }
}

describeWithSyslogNg('connectors end to end', (suite) => {
  const startPortalAndSyslogNg = (options: Parameters<typeof suite.startPortalAndSyslogNg>[0]) =>
    suite.startPortalAndSyslogNg(options);
  it('hub and spoke: a spoke portal fed by its simulator reaches the hub’s SIEM once per record', async () => {
    const spoke = await startPortal();
    const simulate = new Child(
      process.execPath,
      [CLI, 'simulate', '--portal', spoke.url, '--count', '1500', '--rate', '3000', '--seed', '7'],
      {
        env: { ...process.env, CLOUDSIEM_ADMIN_TOKEN: spoke.api.token },
      },
    );
    expect((await simulate.exited).code).toBe(0);
    const spokeActivities = await everything(spoke, 'activities');
    const spokeAlerts = await everything(spoke, 'alerts');
    expect(spokeActivities).toHaveLength(1500);
    expect(spokeAlerts.length).toBeGreaterThan(0);

    const { portal: hub, file, token } = await startPortalAndSyslogNg({ portal: { args: secretKeyArgs() } });
    const created = await hub.api.call('POST', '/api/v1/connectors', {
      name: 'EMEA portal',
      type: 'cloudsiem',
      settings: { url: spoke.url, dataTypes: { activities: true, alerts: true }, pollSeconds: 10 },
      secret: { token: spoke.api.token },
    });
    expect(created.status).toBe(201);
    const connector = created.body as Connector;
    expect(JSON.stringify(connector)).not.toContain(spoke.api.token);
    const agent = startAgent(token);

    const wanted = [...spokeActivities, ...spokeAlerts].map((r) => r.id);
    // The connector reads what settled 30 s ago on the spoke, then polls every 10 s.
    await waitUntil(
      () => {
        const seen = new Set(received(file).map((e) => e.externalId));
        return wanted.every((id) => seen.has(id));
      },
      `${wanted.length} spoke records at the hub's syslog-ng`,
      120_000,
      () => `${received(file).length} lines; hub: ${hub.output().slice(-2000)}; agent: ${agent.describe()}`,
    );
    const events = received(file);
    const counts = countIds(events);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(wanted.filter((id) => counts.get(id) !== 1)).toEqual([]);
    // The hub's own built-in policies run on what the connector stores (the same ingest service
    // as the API), so the hub's SIEM also gets the alerts the hub raised, and nothing else.
    const upstreamIds = new Set(wanted);
    const hubAlertIds = new Set((await everything(hub, 'alerts')).map((a) => a.id));
    expect([...counts.keys()].filter((id) => !upstreamIds.has(id) && !hubAlertIds.has(id))).toEqual([]);
    // Byte-equal to the encoder's line for the record as the hub stored it (its portal URL, and
    // the hub's own policies added to policyIds); otherwise the hub holds the spoke's record.
    const byId = new Map(events.map((e) => [e.externalId, e.line]));
    const hubActivities = new Map((await everything(hub, 'activities')).map((r) => [r.id, r]));
    expect(hubActivities.size).toBe(spokeActivities.length);
    for (const record of spokeActivities) {
      const stored = hubActivities.get(record.id);
      if (stored === undefined) throw new Error(`the hub has no ${record.id}`);
      const { createdAt: _a, policyIds: spokePolicies, ...rest } = record;
      const { createdAt: _b, policyIds: hubPolicies, ...hubRest } = stored;
      expect(hubRest).toEqual(rest);
      expect(hubPolicies.slice(0, spokePolicies.length)).toEqual(spokePolicies);
      expect(byId.get(record.id)).toBe(expectedLine('activities', stored, hub.publicUrl));
    }
    for (const record of spokeAlerts)
      expect(byId.get(record.id)).toBe(expectedLine('alerts', record, hub.publicUrl));

    const status = (await hub.api.call('GET', `/api/v1/connectors/${connector.id}`)).body as Connector;
    expect(status.status).toBe('Connected');
    expect(status.recordsStored).toBe(wanted.length);
    expect(status.recordsRejected).toBe(0);
  }, 180_000);

  it('mdca: every activity and alert of the fake tenant reaches syslog-ng once, as the mapped record’s line', async () => {
    const tenantId = '6f8a2c1e-1111-4222-8333-944455556666';
    const clientId = '0b2d5f7e-aaaa-4bbb-8ccc-ddddeeeeffff';
    const upstream = await startFakeUpstream();
    onCleanupClose(upstream);
    const entra = fakeEntra({ tenantId, clientId, clientSecret: 'e2e~secret', scopes: [MDCA_SCOPE] });
    const mdca = fakeMdca({ entra, requestsPerMinute: 1000 });
    const start = Date.now() - 3600_000;
    mdca.activities.push(...makeActivities(1200, { start, stepMs: 1000, lateEvery: 10, equalRun: 3 }));
    mdca.alerts.push(...Array.from({ length: 120 }, (_, i) => makeAlert(i, start + i * 10_000, i % 4)));
    upstream.mount('/entra', entra.handler);
    upstream.mount('/mdca', mdca.handler);

    const { portal: hub, file, token } = await startPortalAndSyslogNg({ portal: { args: secretKeyArgs() } });
    const created = await hub.api.call('POST', '/api/v1/connectors', {
      name: 'Contoso MDCA',
      type: 'mdca',
      settings: {
        url: `${upstream.url}/mdca`,
        auth: 'oauth',
        tenantId,
        clientId,
        authorityUrl: `${upstream.url}/entra`,
        requestsPerMinute: 30,
      },
      secret: { clientSecret: 'e2e~secret' },
    });
    expect(created.status).toBe(201);
    const connector = created.body as Connector;
    const agent = startAgent(token);

    const activities = mdca.activities
      .map((r) => mapActivity(r))
      .map((m) => {
        if (!('record' in m)) throw new Error(m.rejected);
        return activitySchema.parse(m.record);
      });
    const alerts = mdca.alerts
      .map((r) => mapAlert(r))
      .map((m) => {
        if (!('record' in m)) throw new Error(m.rejected);
        return alertSchema.parse(m.record);
      });
    const wanted = [...activities, ...alerts].map((r) => r.id);
    await waitUntil(
      () => {
        const seen = new Set(received(file).map((e) => e.externalId));
        return wanted.every((id) => seen.has(id));
      },
      `${wanted.length} MDCA records at syslog-ng`,
      120_000,
      () => `${received(file).length} lines; hub: ${hub.output().slice(-2000)}; agent: ${agent.describe()}`,
    );
    const events = received(file);
    const counts = countIds(events);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(wanted.filter((id) => counts.get(id) !== 1)).toEqual([]);
    // The hub's own built-in policies run on what the connector stores (the same ingest service
    // as the API), so the hub's SIEM also gets the alerts the hub raised, and nothing else.
    const upstreamIds = new Set(wanted);
    const hubAlertIds = new Set((await everything(hub, 'alerts')).map((a) => a.id));
    expect([...counts.keys()].filter((id) => !upstreamIds.has(id) && !hubAlertIds.has(id))).toEqual([]);
    const byId = new Map(events.map((e) => [e.externalId, e.line]));
    for (const record of activities)
      expect(byId.get(record.id)).toBe(expectedLine('activities', record, hub.publicUrl));
    for (const record of alerts)
      expect(byId.get(record.id)).toBe(expectedLine('alerts', record, hub.publicUrl));
    // OAuth: one token for the whole drain, every list call with it.
    expect(entra.issued).toBe(1);
    const status = (await hub.api.call('GET', `/api/v1/connectors/${connector.id}`)).body as Connector;
    expect(status).toMatchObject({ status: 'Connected', recordsStored: wanted.length, recordsRejected: 0 });
    expect(hub.output()).not.toContain('e2e~secret');
  }, 180_000);
});

function onCleanupClose(server: { close(): Promise<void> }): void {
  onCleanup(() => server.close());
}
