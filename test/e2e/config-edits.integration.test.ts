// Edits in the portal reach a running agent without a restart (DESIGN §6, "edit the agent, no need
// to rerun it"): the syslog target (port, protocol, framing), the activities filter, and switching
// alerts off and on again — each checked on what a real syslog-ng receives afterwards.
import { hostname } from 'node:os';
import { expect, it } from 'vitest';
import { formatSettingsSchema } from '@cloudsiem/protocol';
import { expectedDatagram } from '../interop/messages.ts';
import {
  activity,
  alert,
  CLOSED_SYSLOG,
  countIds,
  describeWithSyslogNg,
  expectedLine,
  ids,
  received,
  startAgent,
  waitUntil,
} from './harness.ts';

describeWithSyslogNg('agent config edits', (suite) => {
  it('follows syslog target, format, filter and data type edits while it runs', async () => {
    const { portal, receiver, created, token } = await suite.startPortalAndSyslogNg();
    const api = portal.api;
    const agent = startAgent(token);
    const files = { tcp: receiver.file('tcp'), octet: receiver.file('octet'), udp: receiver.file('udp') };
    const everywhere = () => Object.values(files).flatMap((file) => received(file));

    // 1. TCP, LF framing (the default).
    const a = ids('a-act', 10).map((id) => activity(id));
    const aAlerts = ids('a-alert', 2).map((id) => alert(id));
    await api.ingest('activities', a);
    await api.ingest('alerts', aAlerts);
    await agent.waitForDelivery(files.tcp, [...a, ...aAlerts]);

    // 2. UDP on another port.
    let edited = await api.updateAgent(created.id, { syslog: { protocol: 'udp', port: receiver.ports.udp } });
    expect(edited.configVersion).toBe(2);
    let health = await agent.waitForConfig(2);
    expect(health.syslog.target).toBe(`127.0.0.1:${receiver.ports.udp} (udp)`);
    // One line over the 2048-byte datagram cap: the message is cut, between characters.
    const b = [
      ...ids('b-act', 10).map((id) => activity(id)),
      activity('b-act-long', {
        targetObjects: Array.from({ length: 100 }, (_, n) => `Grüße 世界 🌍 = \\ ${n}`),
      }),
    ];
    const bAlerts = ids('b-alert', 2).map((id) => alert(id));
    await api.ingest('activities', b);
    await api.ingest('alerts', bAlerts);
    await agent.waitForDelivery(files.udp, [...b, ...bAlerts]);
    // Each datagram is one line, exactly what the encoder writes, capped at 2048 bytes.
    const udpById = new Map(received(files.udp).map((e) => [e.externalId, e.line]));
    for (const record of b)
      expect(udpById.get(record.id)).toBe(
        expectedDatagram(expectedLine('activities', record, portal.publicUrl), 2048),
      );
    expect(Buffer.byteLength(expectedLine('activities', b.at(-1)!, portal.publicUrl))).toBeGreaterThan(2048);
    expect(Buffer.byteLength(udpById.get('b-act-long')!)).toBeLessThanOrEqual(2048);

    // 3. TCP with octet counting, on the listener that rejects LF framing ("Invalid frame header").
    edited = await api.updateAgent(created.id, {
      syslog: { protocol: 'tcp', port: receiver.ports.octet, framing: 'octet' },
    });
    health = await agent.waitForConfig(edited.configVersion);
    expect(health.syslog.target).toBe(`127.0.0.1:${receiver.ports.octet} (tcp)`);
    // Multi-byte text: the octet count is of UTF-8 bytes, or syslog-ng would cut the frames wrong.
    const c = ids('c-act', 10).map((id, i) =>
      activity(id, {
        description: `登录成功 🔐 ${'Ελληνικά '.repeat(i * 20)}`,
        user: '山田太郎@contoso.com',
      }),
    );
    await api.ingest('activities', c);
    await agent.waitForDelivery(files.octet, c);

    // Each batch went to its own target only, once: nothing was re-sent to the new target.
    expect([...countIds(received(files.tcp)).keys()].sort()).toEqual(
      [...a, ...aAlerts].map((r) => r.id).sort(),
    );
    expect([...countIds(received(files.udp)).keys()].sort()).toEqual(
      [...b, ...bAlerts].map((r) => r.id).sort(),
    );
    expect(received(files.octet).map((e) => e.line)).toEqual(
      c.map((r) => expectedLine('activities', r, portal.publicUrl)),
    );

    // 3b. Format edits (the portal's "Advanced settings"): PRI, RFC 3164 time, system name, and
    //     a vendor and product that need escaping.
    const format = {
      includePri: true,
      facility: 3,
      timeFormat: 'rfc3164' as const,
      includeSystemName: true,
      vendor: 'Contoso|SIEM',
      product: 'CASB\\Agent',
    };
    edited = await api.updateAgent(created.id, { format });
    await agent.waitForConfig(edited.configVersion);
    const formatted = activity('c-act-formatted', { timestamp: Date.UTC(2024, 0, 5, 3, 4, 5) });
    await api.ingest('activities', [formatted]);
    const [withFormat] = (await agent.waitForDelivery(files.octet, [formatted])).filter(
      (e) => e.externalId === formatted.id,
    );
    expect(withFormat!.line).toBe(expectedLine('activities', formatted, portal.publicUrl, format));
    expect(
      withFormat!.line.startsWith(`<30>Jan  5 03:04:05 ${hostname()} CEF:0|Contoso\\|SIEM|CASB\\\\Agent|`),
    ).toBe(true);
    edited = await api.updateAgent(created.id, { format: formatSettingsSchema.parse({}) });
    await agent.waitForConfig(edited.configVersion);

    // 4. Apply to: activities of Box only. The Box event ingested last arrives after every earlier
    //    one was read (pages follow ingest order), so the others' absence then is not a race.
    edited = await api.updateAgent(created.id, {
      dataTypes: { activities: { filter: { appName: { eq: ['Box'] } } } },
    });
    await agent.waitForConfig(edited.configVersion);
    const mixed = ids('d-act', 20).map((id, i) => activity(id, { appName: i % 2 === 0 ? 'Box' : 'Dropbox' }));
    const last = activity('d-act-last-box', { appName: 'Box' });
    await api.ingest('activities', [...mixed, last]);
    const box = [...mixed.filter((r) => r.appName === 'Box'), last];
    await agent.waitForDelivery(files.octet, box);
    const dropbox = new Set(mixed.filter((r) => r.appName === 'Dropbox').map((r) => r.id));
    expect(everywhere().filter((e) => dropbox.has(e.externalId))).toEqual([]);
    expect(
      everywhere()
        .filter((e) => e.externalId.startsWith('d-act'))
        .map((e) => e.externalId),
    ).toEqual(box.map((r) => r.id));

    // 5. Alerts off: that pipeline stops; activities go on.
    edited = await api.updateAgent(created.id, { dataTypes: { alerts: { enabled: false } } });
    await agent.waitForConfig(edited.configVersion);
    await waitUntil(
      () => agent.logs().some((l) => l.msg === 'Streaming stopped' && l.dataType === 'alerts'),
      'the alerts pipeline to stop',
    );
    const heldBack = ids('e-alert', 3).map((id) => alert(id));
    await api.ingest('alerts', heldBack);
    const f = ids('f-act', 5).map((id) => activity(id));
    await api.ingest('activities', f);
    await agent.waitForDelivery(files.octet, f);
    expect(await agent.metric('cloudsiem_sent_events_total{data_type="alerts"}')).toBe(4);
    expect(everywhere().filter((e) => e.externalId.startsWith('e-alert'))).toEqual([]);

    // 6. Alerts on again: the alerts ingested meanwhile were held back, not skipped.
    edited = await api.updateAgent(created.id, { dataTypes: { alerts: { enabled: true } } });
    await agent.waitForConfig(edited.configVersion);
    await agent.waitForDelivery(files.octet, heldBack);

    // One process all along, and nothing delivered twice anywhere.
    expect(agent.running).toBe(true);
    expect(agent.logs().filter((l) => l.msg === 'Agent started')).toHaveLength(1);
    const repeated = [...countIds(everywhere())].filter(([, n]) => n > 1);
    expect(repeated).toEqual([]);
  }, 90_000);

  it('reports an unreachable syslog server as an agent notification, and delivers once the port is fixed', async () => {
    // A typo in the portal: no listener on that port.
    const { portal, receiver, created, token, file } = await suite.startPortalAndSyslogNg({
      syslog: CLOSED_SYSLOG,
    });
    const records = ids('held', 100).map((id) => activity(id));
    await portal.api.ingest('activities', records);
    const agent = startAgent(token);
    const health = await agent.waitForHealth((h) => h.syslog.error !== null, 'a syslog error');
    expect(health.syslog.error).toContain('cannot connect to syslog server 127.0.0.1:9');
    // The heartbeat carries it to the portal, where the admin sees it on the agent.
    await waitUntil(
      async () =>
        (await portal.api.getAgent(created.id)).notifications.some((n) => n.code === 'SYSLOG_CONNECT'),
      'a SYSLOG_CONNECT notification in the portal',
    );
    const notification = (await portal.api.getAgent(created.id)).notifications.find(
      (n) => n.code === 'SYSLOG_CONNECT',
    )!;
    expect(notification.message).toContain('127.0.0.1:9');
    expect(notification.resolvedAt).toBeNull();

    const edited = await portal.api.updateAgent(created.id, { syslog: { port: receiver.ports.tcp } });
    await agent.waitForConfig(edited.configVersion);
    await agent.waitForDelivery(file, records);
    expect(received(file)).toHaveLength(records.length);
    // And the notification resolves with the next heartbeat.
    await waitUntil(
      async () =>
        (await portal.api.getAgent(created.id)).notifications.find((n) => n.code === 'SYSLOG_CONNECT')
          ?.resolvedAt !== null,
      'the SYSLOG_CONNECT notification to resolve',
    );
  }, 60_000);
});
