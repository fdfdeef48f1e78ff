// Delivery end to end: records ingested into a real portal reach a real syslog-ng through a real
// agent process — every one exactly once, each line exactly what packages/cef writes for the
// record (DESIGN §4), hostile text sanitised, escaped and truncated as the CEF spec says, over TCP
// and over TLS (RFC 5425) with the private CA of --ca-file.
import { hostname } from 'node:os';
import { expect, it } from 'vitest';
import { CLOUDSIEM_VERSION, type Activity, type Alert, type DataType } from '@cloudsiem/protocol';
import {
  activity,
  alert,
  countIds,
  describeWithSyslogNg,
  expectCaughtUp,
  expectedLine,
  ids,
  received,
  startAgent,
  type ReceivedEvent,
} from './harness.ts';

// ---- an oracle for the spec's rules, written apart from packages/cef ----

/** The longest prefix of whole code points within `maxBytes` UTF-8 bytes. */
function truncated(value: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const char of value.toWellFormed()) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
}

/* eslint-disable no-control-regex -- the point is control characters */
/** An extension value as a SIEM reads it back: C0 (but TAB, CR, LF) and DEL became spaces. */
const extensionText = (value: string | null | undefined, maxBytes: number): string =>
  truncated(value ?? '', maxBytes).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, ' ');
/** A header field as read back: every control character but TAB became a space (CR/LF too). */
const headerText = (value: string, maxBytes: number): string =>
  truncated(value, maxBytes).replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' ');
/** Anything a line must never carry raw: C0 but TAB, and DEL. */
const RAW_CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/* eslint-enable no-control-regex */

const list = (values: readonly string[]): string => truncated(values.join(','), 4000);

const HOSTILE_ACTIVITIES: Activity[] = [
  activity('act-crlf', {
    action: 'Log\r\non',
    description: 'line one\r\nline two\rthree\nfour',
    user: 'bob\n@contoso.com',
  }),
  activity('act-escapes', {
    action: 'Delete | object \\ backslash',
    description: 'a|b=c\\d \\= \\n literal, key=value msg=injected',
    user: 'eve=admin@contoso.com',
    appName: 'Box | Dropbox',
    targetObjects: ['C:\\Windows\\System32', 'a=b', 'pipe|name'],
    policyIds: ['p=1', 'p\\2'],
  }),
  activity('act-control', {
    description: 'nul\0byte bell\x07 esc\x1b[31mred\x1b[0m del\x7f tab\tend \x01\x02\x1f',
    userAgent: 'agent\0x\x1b]0;title\x07',
    action: 'Nul\0 in the name\x1b',
  }),
  activity('act-unicode', {
    action: 'ユーザーがログインしました',
    description: '登录成功 🔐🚨 👩‍💻 🇫🇷 𝄞 𠜎 Zürich ß Ελληνικά Русский עברית العربية हिन्दी 한국어 e\u0301',
    user: '山田太郎@contoso.com',
    appName: 'Microsoft OneDrive for Business 🌍',
    targetObjects: ['ファイル.txt', '𠜎,comma', 'مستند.docx'],
  }),
  activity('act-long', {
    category: `EVENT_CATEGORY_${'A'.repeat(1100)}`,
    // 600 × 3 bytes: the 512-byte header name cuts after 170 characters, none split.
    action: '界'.repeat(600),
    // 1 + 300 × 4 bytes: the 1023-byte limit falls inside an emoji.
    description: `a${'🚨'.repeat(300)}`,
    // A backslash at byte 1023: truncated before escaping, so `\\` is written whole.
    user: `${'x'.repeat(1022)}\\\\\\`,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) '.repeat(60),
    appName: 'é'.repeat(700),
    targetObjects: Array.from({ length: 200 }, (_, i) => `日本語ファイル名=値-${i}`),
    policyIds: Array.from({ length: 400 }, (_, i) => `policy-${i}`),
  }),
  activity('act-newlines-at-limit', {
    // 1100 LFs: 1023 kept (truncation counts raw bytes), each written as the escape `\n`.
    description: '\n'.repeat(1100),
    action: `${'|'.repeat(600)}`,
  }),
  activity('act-ipv6', { ip: '2001:db8::1' }),
  activity('act-ipv6-mapped', { ip: '::ffff:13.82.149.151' }),
  activity('act-ipv6-zone', { ip: 'fe80::1%eth0' }),
  activity('act-empty', {
    ip: null,
    user: null,
    appName: null,
    userAgent: null,
    description: '',
    appIds: [],
  }),
  activity('act=id\\with|pipe and space'),
  activity('act-surrogate', { description: 'lone \ud800 surrogate and \udfff another' }),
];

const HOSTILE_ALERTS: Alert[] = [
  alert('alert-informational', { severity: 'informational', riskScore: 0 }),
  alert('alert-low', {
    severity: 'low',
    policyName: 'Policy | with \\ pipe\r\nand newline',
    riskScore: 3.5,
    description: 'x=1 y\\=2\r\n',
  }),
  alert('alert-medium', {
    severity: 'medium',
    ip: '2001:db8:85a3::8a2e:370:7334',
    relatedActivityIds: ['act-crlf', 'act=id\\with|pipe and space'],
    source: 'identity',
  }),
  alert('alert-high', {
    severity: 'high',
    type: `ALERT_${'X'.repeat(1100)}`,
    policyName: '🚨'.repeat(200),
    description: `esc\x1b[2J nul\0 ${'ß'.repeat(700)}`,
    riskScore: 10,
  }),
  alert('alert-empty', { ip: null, user: null, appName: null, riskScore: null, description: '' }),
];

/** Checks one received event against the record with the oracle above (not packages/cef). */
function checkActivityFields(event: ReceivedEvent, record: Activity): void {
  const { cef } = event;
  const x = cef.extension;
  expect(cef.signature).toBe(headerText(record.category, 1023));
  expect(cef.name).toBe(headerText(record.action, 512));
  expect(cef.severity).toBe('0');
  expect(x.externalId).toBe(record.id);
  expect(x.msg).toBe(extensionText(record.description, 1023));
  expect(x.suser).toBe(extensionText(record.user, 1023));
  expect(x.destinationServiceName).toBe(extensionText(record.appName, 1023));
  expect(x.requestClientApplication).toBe(extensionText(record.userAgent, 1023));
  expect(x.cs3).toBe(extensionText(list(record.targetObjects), 4000));
  expect(x.cs4).toBe(extensionText(list(record.policyIds), 4000));
  expect(x.rt).toBe(String(record.timestamp));
  const v4 = record.ip !== null && !record.ip.includes(':');
  expect(x.dvc).toBe(v4 ? record.ip : '');
  expect(x.c6a1).toBe(record.ip !== null && !v4 ? record.ip : '');
}

function checkAlertFields(event: ReceivedEvent, record: Alert): void {
  const { cef } = event;
  const x = cef.extension;
  expect(cef.signature).toBe(headerText(record.type, 1023));
  expect(cef.name).toBe(headerText(record.policyName, 512));
  expect(cef.severity).toBe({ informational: '1', low: '3', medium: '6', high: '8' }[record.severity]);
  expect(x.externalId).toBe(record.id);
  expect(x.msg).toBe(extensionText(record.description, 1023));
  expect(x.suser).toBe(extensionText(record.user, 1023));
  expect(x.cn1).toBe(record.riskScore === null ? '' : String(record.riskScore));
  expect(x.cs3).toBe(extensionText(list(record.relatedActivityIds), 4000));
  const v4 = record.ip !== null && !record.ip.includes(':');
  expect(x.src).toBe(v4 ? record.ip : '');
  expect(x.c6a1).toBe(record.ip !== null && !v4 ? record.ip : '');
}

/** Every record exactly once, every line what the encoder writes, nothing else received. */
function checkDelivery(
  events: ReceivedEvent[],
  sent: { dataType: DataType; record: Activity | Alert }[],
  portalUrl: string,
): void {
  const counts = countIds(events);
  const notOnce = [...counts].filter(([, n]) => n !== 1);
  expect(notOnce, 'ids received other than exactly once').toEqual([]);
  expect(events.length).toBe(sent.length);
  const byId = new Map(events.map((e) => [e.externalId, e]));
  for (const { dataType, record } of sent) {
    const event = byId.get(record.id);
    expect(event, record.id).toBeDefined();
    expect(event!.cef.vendor).toBe('MCAS');
    expect(event!.cef.product).toBe('SIEM_Agent');
    expect(RAW_CONTROL.test(event!.line), `raw control character in ${record.id}`).toBe(false);
    expect(event!.line, record.id).toBe(expectedLine(dataType, record, portalUrl));
  }
}

describeWithSyslogNg('agent delivery', (suite) => {
  it('delivers hostile and bulk activities and alerts over TCP exactly once, each line as the CEF encoder writes it', async () => {
    const { portal, created, token, file } = await suite.startPortalAndSyslogNg();
    // Two pages of activities (the agent pulls 5000 at a time) around the hostile ones.
    const bulk = ids('bulk-act', 6000).map((id, i) =>
      activity(id, { timestamp: 1_511_373_004_000 + i, ip: i % 2 === 0 ? '10.1.2.3' : '2001:db8::42' }),
    );
    const bulkAlerts = ids('bulk-alert', 1200).map((id, i) =>
      alert(id, { severity: (['informational', 'low', 'medium', 'high'] as const)[i % 4], riskScore: i }),
    );
    await portal.api.ingest('activities', bulk.slice(0, 3000));
    await portal.api.ingest('activities', HOSTILE_ACTIVITIES);
    await portal.api.ingest('activities', bulk.slice(3000));
    await portal.api.ingest('alerts', [...HOSTILE_ALERTS, ...bulkAlerts]);
    expect(created.status).toBe('created');
    const agent = startAgent(token);
    const sent = [
      ...[...bulk, ...HOSTILE_ACTIVITIES].map((record) => ({ dataType: 'activities' as const, record })),
      ...[...HOSTILE_ALERTS, ...bulkAlerts].map((record) => ({ dataType: 'alerts' as const, record })),
    ];
    await agent.waitForDelivery(
      file,
      sent.map((s) => s.record),
      { timeoutMs: 30_000 },
    );
    // Caught up (both pipelines idle with lag 0): anything still to come would be a duplicate.
    await agent.waitForHealth((h) => h.syslog.state === 'connected', 'a connected syslog');
    await expectCaughtUp(agent);
    expect(await agent.metric('cloudsiem_sent_events_total{data_type="activities"}')).toBe(6000 + 12);
    expect(await agent.metric('cloudsiem_dropped_events_total{data_type="activities"}')).toBe(0);
    expect(await agent.metric('cloudsiem_dropped_events_total{data_type="alerts"}')).toBe(0);
    checkDelivery(received(file), sent, portal.publicUrl);
    // The portal shows the agent connected, from the agent's host.
    const seen = await portal.api.getAgent(created.id);
    expect(seen.status).toBe('connected');
    expect(seen.lastHeartbeat).toMatchObject({ host: hostname(), version: CLOUDSIEM_VERSION });

    const byId = new Map(received(file).map((e) => [e.externalId, e]));
    for (const record of HOSTILE_ACTIVITIES) checkActivityFields(byId.get(record.id)!, record);
    for (const record of HOSTILE_ALERTS) checkAlertFields(byId.get(record.id)!, record);
    // The spot checks the oracle cannot get wrong by agreeing with itself.
    expect(byId.get('act-crlf')!.cef.extension.msg).toBe('line one\r\nline two\rthree\nfour');
    expect(byId.get('act-crlf')!.line).toContain(
      String.raw`msg=line one\r\nline two\rthree\nfour suser=bob\n@contoso.com`,
    );
    expect(byId.get('act-crlf')!.cef.name).toBe('Log  on');
    expect(byId.get('act-escapes')!.line).toContain(String.raw`|Delete \| object \\ backslash|`);
    expect(byId.get('act-control')!.cef.extension.msg).toBe(
      'nul byte bell  esc [31mred [0m del  tab\tend    ',
    );
    expect(byId.get('act-long')!.cef.extension.msg).toBe(`a${'🚨'.repeat(255)}`);
    expect(byId.get('act-long')!.cef.extension.suser).toBe(`${'x'.repeat(1022)}\\`);
    expect(byId.get('act-long')!.cef.name).toBe('界'.repeat(170));
    expect(byId.get('act-newlines-at-limit')!.cef.extension.msg).toBe('\n'.repeat(1023));
    expect(byId.get('act-surrogate')!.cef.extension.msg).toBe('lone \ufffd surrogate and \ufffd another');
    expect(byId.get('act-ipv6-zone')!.cef.extension.c6a1).toBe('fe80::1%eth0');
    expect(byId.get('alert-medium')!.cef.extension.c6a1).toBe('2001:db8:85a3::8a2e:370:7334');
    expect(byId.get('act=id\\with|pipe and space')!.cef.extension.cs1).toBe(
      // The id is URL-encoded in the link, so it opens that record whatever it holds.
      `${portal.publicUrl}/#/audits?activity.id=eq(act%3Did%5Cwith%7Cpipe%20and%20space,)`,
    );
    expect(byId.get('alert-high')!.cef.extension.cs1).toBe(`${portal.publicUrl}/#/alerts/alert-high`);
  }, 60_000);

  it('delivers over TLS to syslog-ng, trusting the private CA given with --ca-file', async () => {
    const { portal, token, file } = await suite.startPortalAndSyslogNg({ listener: 'tls' });
    await portal.api.ingest('activities', HOSTILE_ACTIVITIES);
    await portal.api.ingest('alerts', HOSTILE_ALERTS);

    // Without the CA the handshake must fail: so the delivery below proves the certificate is checked.
    const untrusting = startAgent(token);
    const refused = await untrusting.waitForHealth(
      (h) => h.syslog.error !== null && /certificate/i.test(h.syslog.error),
      'a syslog TLS certificate error',
    );
    expect(refused.syslog.state).not.toBe('connected');
    expect(file.lines()).toEqual([]);
    await untrusting.stop();

    const agent = startAgent(token, ['--ca-file', suite.certs.caFile]);
    const sent = [
      ...HOSTILE_ACTIVITIES.map((record) => ({ dataType: 'activities' as const, record })),
      ...HOSTILE_ALERTS.map((record) => ({ dataType: 'alerts' as const, record })),
    ];
    await agent.waitForDelivery(
      file,
      sent.map((s) => s.record),
    );
    await expectCaughtUp(agent);
    checkDelivery(received(file), sent, portal.publicUrl);
    expect((await agent.health()).syslog).toMatchObject({ state: 'connected', error: null });
  }, 60_000);
});
