// graph-alerts against the loopback fake of Graph's documented behaviour (test/upstream/graph.ts):
// drains as the scheduler runs them, the seed's duplicate Defender for Identity alerts filtered
// at the source, 429 storms, token expiry and 500s mid-drain, and the documented sample as CEF.
// Contract tests against documented behaviour — never run against Microsoft.
import { createAlertEncoder } from '@cloudsiem/cef';
import { alertSchema } from '@cloudsiem/protocol';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { drain, drainState } from '../../../../../test/upstream/drain.ts';
import { fakeEntra, type FakeEntra } from '../../../../../test/upstream/entra.ts';
import {
  fakeGraph,
  generatedAlert,
  GRAPH_SCOPE,
  SAMPLE_ALERT,
  type FakeGraph,
} from '../../../../../test/upstream/graph.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../../../test/upstream/server.ts';
import { silentLogger } from '../../context.ts';
import { entraTokenSource } from '../entra.ts';
import { createUpstreamHttp, type UpstreamHttpClient } from '../http.ts';
import type { ConnectorRuntime, Stream } from '../types.ts';
import { alertsFilter } from './client.ts';
import { testConnection } from '../test-connection.ts';
import { graphAlertsConnector } from './index.ts';
import { alertType, mapAlert, parseGraphTime } from './mapping.ts';
import { OVERLAP_MS } from './streams.ts';

const TENANT = 'b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c';
const CLIENT = '00001111-aaaa-2222-bbbb-3333cccc4444';
const SECRET = 'qWgdYAmab0YSkuL1qKv5bPX';
const T0 = Date.parse('2026-12-07T04:00:00.000Z');

const cef = createAlertEncoder({
  format: 'generic',
  timeFormat: 'rfc5424',
  includePri: false,
  systemName: null,
  portalUrl: 'https://cloudsiem.example.com',
  deviceVersion: '1.0.0',
});

let upstream: FakeUpstream;
let entra: FakeEntra;
let graph: FakeGraph;
let http: UpstreamHttpClient;
let now: number;
const clock = { now: () => now };
let waits: number[];

function alertsStream(serviceSources?: string[]): Stream {
  const runtime: ConnectorRuntime = {
    http,
    entraToken: (o) => entraTokenSource(http, { ...o, now: clock.now }),
    logger: silentLogger,
    clock,
  };
  const settings = graphAlertsConnector.settingsSchema.parse({
    url: `${upstream.url}/graph`,
    authorityUrl: `${upstream.url}/entra`,
    tenantId: TENANT,
    clientId: CLIENT,
    ...(serviceSources === undefined ? {} : { serviceSources }),
  });
  const [stream] = graphAlertsConnector.streams(settings, { clientSecret: SECRET }, runtime);
  if (stream === undefined) throw new Error('no stream');
  return stream;
}

/** n alerts created a minute apart before T0, the MDCA ones each with an MDI twin (the seed's duplicates). */
function seed(n: number) {
  for (let i = 0; i < n; i++) {
    const createdAt = T0 - 24 * 3600_000 + i * 60_000;
    // Ten alerts share each lastUpdateDateTime: ties straddle every page boundary of 50.
    const updatedAt = T0 - 24 * 3600_000 + Math.floor(i / 10) * 600_000;
    graph.alerts.push(
      generatedAlert(i, { createdAt, updatedAt, serviceSource: 'microsoftDefenderForCloudApps' }),
    );
    if (i % 4 === 0)
      graph.alerts.push(
        generatedAlert(100_000 + i, { createdAt, updatedAt, serviceSource: 'microsoftDefenderForIdentity' }),
      );
    if (i % 5 === 0)
      graph.alerts.push(
        generatedAlert(200_000 + i, { createdAt, updatedAt, serviceSource: 'microsoftDefenderForEndpoint' }),
      );
  }
}

const idsOf = (source: string) =>
  graph.alerts
    .filter((a) => a.serviceSource === source)
    .map((a) => a.id)
    .sort();

beforeEach(async () => {
  await upstream?.close();
  await http?.close();
  now = T0;
  upstream = await startFakeUpstream();
  entra = fakeEntra(
    { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, scopes: [GRAPH_SCOPE] },
    clock.now,
  );
  graph = fakeGraph({ entra, prefix: '/graph', defaultTop: 50 });
  upstream.mount('/entra', entra.handler);
  upstream.mount('/graph', graph.handler);
  waits = [];
  http = createUpstreamHttp({
    requestsPerMinute: 1_000_000,
    throttleFloorMs: graphAlertsConnector.throttleFloorMs,
    backoffMs: 1,
    maxBackoffMs: 2,
    // Records what it was asked to wait (Retry-After), waits a millisecond.
    sleep: (ms) => (waits.push(ms), new Promise((resolve) => setTimeout(resolve, 1))),
  });
});
afterAll(async () => {
  await upstream.close();
  await http.close();
});

describe('graph-alerts: contract tests against documented behaviour', () => {
  it('maps the documented sample alert to this exact CEF line', () => {
    const mapped = mapAlert(SAMPLE_ALERT);
    if (!('record' in mapped)) throw new Error(mapped.rejected);
    const alert = alertSchema.parse(mapped.record);
    // createdDateTime 2021-04-27T12:19:27.7211305Z → 1619525967721 (7 fraction digits cut to ms);
    // category DefenseEvasion → ALERT_DEFENSE_EVASION; title → name; severity low → 3;
    // suser: no userEvidence, so the processEvidence account "NT AUTHORITY" + "SYSTEM" (no UPN),
    // its backslash escaped; no cloud app in the evidence → the product that raised it;
    // detectorId → cs4; no ipEvidence → src= (the device's own ipInterfaces are not the alert's IP).
    expect(cef(alert)).toBe(
      '2021-04-27T12:19:27.721Z CEF:0|MCAS|SIEM_Agent|1.0.0|ALERT_DEFENSE_EVASION|Suspicious execution of hidden file|3|' +
        'externalId=da637551227677560813_-961444813 rt=1619525967721 start=1619525967721 end=1619525967721 ' +
        'msg=A hidden file has been launched. This activity could indicate a compromised host. Attackers often hide files associated with malicious tools to evade file system inspection and defenses. ' +
        'suser=NT AUTHORITY\\\\SYSTEM destinationServiceName=Microsoft Defender for Endpoint cn1Label=riskScore cn1= ' +
        'cs1Label=portalURL cs1=https://cloudsiem.example.com/#/alerts/da637551227677560813_-961444813 ' +
        'cs2Label=uniqueServiceAppIds cs2= cs3Label=relatedAudits cs3= cs4Label=policyIDs cs4=e0da400f-affd-43ef-b1d5-afc2eb6f2756 ' +
        'src= c6a1Label="Device IPv6 Address" c6a1=',
    );
    // status new → open.
    expect(alert).toMatchObject({ source: 'microsoftDefenderForEndpoint', status: 'open', riskScore: null });
  });

  it('maps a Defender for Cloud Apps alert: user from userEvidence, IP from ipEvidence, app from the evidence, source cloud-apps', () => {
    const raw = generatedAlert(7, { createdAt: Date.parse('2026-12-06T10:00:00Z'), ip: '2001:db8::7' });
    raw.evidence = [
      ...(raw.evidence as unknown[]),
      {
        '@odata.type': '#microsoft.graph.security.cloudApplicationEvidence',
        appId: 11161,
        displayName: 'Office 365',
        instanceId: 0,
      },
    ];
    const mapped = mapAlert(raw);
    if (!('record' in mapped)) throw new Error(mapped.rejected);
    const alert = alertSchema.parse(mapped.record);
    // n=7: category Exfiltration, severity [7 % 5] = high → 8; IPv6 → c6a1, not src.
    expect(cef(alert)).toBe(
      `2026-12-06T10:00:00.000Z CEF:0|MCAS|SIEM_Agent|1.0.0|ALERT_EXFILTRATION|Generated alert 7|8|externalId=${raw.id} ` +
        'rt=1796551200000 start=1796551200000 end=1796551200000 ' +
        'msg=A hidden file has been launched. This activity could indicate a compromised host. Attackers often hide files associated with malicious tools to evade file system inspection and defenses. ' +
        'suser=user0@contoso.com destinationServiceName=Office 365 cn1Label=riskScore cn1= ' +
        `cs1Label=portalURL cs1=https://cloudsiem.example.com/#/alerts/${raw.id} cs2Label=uniqueServiceAppIds cs2=APPID_11161 ` +
        'cs3Label=relatedAudits cs3= cs4Label=policyIDs cs4=e0da400f-affd-43ef-b1d5-afc2eb6f2756 src= c6a1Label="Device IPv6 Address" c6a1=2001:db8::7',
    );
    expect(alert.source).toBe('cloud-apps');
    expect(
      mapAlert(generatedAlert(1, { createdAt: T0, serviceSource: 'microsoftDefenderForIdentity' })),
    ).toMatchObject({
      record: { source: 'identity' },
    });
  });

  it('maps severities, types and times by the documented table; unknown severity → medium; no id or date → rejected', () => {
    const sev = (severity: unknown) =>
      (mapAlert({ ...SAMPLE_ALERT, severity }) as unknown as { record: { severity: string } }).record
        .severity;
    expect(
      ['informational', 'low', 'medium', 'high', 'unknown', 'unknownFutureValue', undefined].map(sev),
    ).toEqual(['informational', 'low', 'medium', 'high', 'medium', 'medium', 'medium']);
    const status = (fields: Record<string, unknown>) =>
      (mapAlert({ ...SAMPLE_ALERT, ...fields }) as unknown as { record: { status: string } }).record.status;
    expect(
      [
        { status: 'new' },
        { status: 'inProgress', classification: 'truePositive' },
        { status: 'unknownFutureValue' },
        { status: undefined },
        { status: 'resolved', classification: 'truePositive' },
        { status: 'resolved', classification: 'falsePositive' },
        { status: 'resolved', classification: 'informationalExpectedActivity' },
        { status: 'resolved', classification: 'unknown' },
        { status: 'resolved', classification: undefined },
        { status: 'resolved', classification: 'toString' },
      ].map(status),
    ).toEqual([
      'open',
      'open',
      'open',
      'open',
      'closed-true-positive',
      'closed-false-positive',
      'closed-benign',
      'closed-benign',
      'closed-benign',
      'closed-benign',
    ]);
    expect(alertType('InitialAccess', 'x')).toBe('ALERT_INITIAL_ACCESS');
    expect(alertType(null, 'microsoftDefenderForCloudApps')).toBe('ALERT_MICROSOFT_DEFENDER_FOR_CLOUD_APPS');
    expect(alertType(undefined, undefined)).toBe('ALERT_UNKNOWN');
    expect(parseGraphTime('2021-04-27T12:19:27.7211305Z')).toBe(Date.UTC(2021, 3, 27, 12, 19, 27, 721));
    expect(parseGraphTime('2021-04-27T12:19:27')).toBe(Date.UTC(2021, 3, 27, 12, 19, 27));
    expect(parseGraphTime('2021-04-27T14:19:27+02:00')).toBe(Date.UTC(2021, 3, 27, 12, 19, 27));
    expect(parseGraphTime('2021-02-30T00:00:00Z')).toBeNull();
    expect(mapAlert({ ...SAMPLE_ALERT, id: undefined })).toMatchObject({ rejected: 'the alert has no id' });
    expect(mapAlert({ ...SAMPLE_ALERT, createdDateTime: 'yesterday' })).toMatchObject({
      upstreamId: SAMPLE_ALERT.id,
    });
    expect(alertsFilter({ updatedSince: 0, serviceSources: ['a', 'b'] })).toBe(
      "lastUpdateDateTime ge 1970-01-01T00:00:00.000Z and (serviceSource eq 'a' or serviceSource eq 'b')",
    );
  });

  it("drains every Cloud Apps alert exactly once, ties across pages, and none of the seed's duplicate Defender for Identity alerts", async () => {
    seed(1000);
    const stream = alertsStream(['microsoftDefenderForCloudApps']);
    const state = drainState();
    const started = performance.now();
    expect(await drain(stream, state, { clock })).toBe(true);
    const seconds = (performance.now() - started) / 1000;
    expect([...state.stored.keys()].sort()).toEqual(idsOf('microsoftDefenderForCloudApps'));
    expect(state.duplicates).toBe(0);
    expect([...state.stored.values()].every((a) => a.source === 'cloud-apps')).toBe(true);
    // The filter went upstream: Graph sent no Identity or Endpoint alert at all.
    expect(graph.alertsSent).toBe(1000);
    const filters = upstream.requests
      .filter((r) => r.path.includes('alerts_v2'))
      .map((r) => new URL(r.path, upstream.url));
    expect(filters[0]?.searchParams.get('$filter')).toBe(
      `lastUpdateDateTime ge ${new Date(T0 - 48 * 3600_000 - OVERLAP_MS).toISOString()} and (serviceSource eq 'microsoftDefenderForCloudApps')`,
    );
    // The nextLinks were followed verbatim ($skip carried by Graph's link, not built by us).
    expect(filters.slice(1).every((u) => u.searchParams.has('$skip'))).toBe(true);
    console.info(
      `graph-alerts: ${state.stored.size} alerts in ${state.pages} pages, ${http.calls} calls ` +
        `(${((http.calls / state.stored.size) * 1000).toFixed(0)} per 1,000), ${(state.stored.size / seconds).toFixed(0)} records/s`,
    );
    expect(http.calls).toBe(1 + 20); // one token, 20 pages of 50
  });

  it('a second drain re-reads only the overlap and updated alerts (repeats die at ingest), and picks up new and late-visible alerts', async () => {
    seed(200);
    const stream = alertsStream(['microsoftDefenderForCloudApps']);
    const state = drainState();
    await drain(stream, state, { clock });
    now = T0 + 300_000;
    // Updated after the drain: re-delivered, same id → dropped at ingest (later updates are not forwarded).
    for (const a of graph.alerts.slice(0, 10)) graph.update(a.id, now - 60_000, 'resolved');
    // Created yesterday but only now visible/updated: still caught, since the filter is on lastUpdateDateTime.
    graph.alerts.push(generatedAlert(5000, { createdAt: T0 - 20 * 3600_000, updatedAt: now - 30_000 }));
    graph.alerts.push(generatedAlert(5001, { createdAt: now - 10_000 }));
    const before = state.stored.size;
    await drain(stream, state, { clock });
    expect(state.stored.size).toBe(before + 2);
    expect([...state.stored.keys()].sort()).toEqual(idsOf('microsoftDefenderForCloudApps'));
    // The first delivery is kept: open (Graph's "new"), as the SIEM saw it first, not the later resolved.
    expect(state.stored.get(graph.alerts[0]?.id ?? '')?.status).toBe('open');
    // Re-read: the 10 updated, plus the overlap's alerts updated in the last 5 minutes of the first drain.
    expect(state.duplicates).toBeGreaterThanOrEqual(8);
    expect(state.duplicates).toBeLessThanOrEqual(20);
  });

  it('loses nothing when alerts arrive between pages of a newest-first drain', async () => {
    seed(300);
    const stream = alertsStream(['microsoftDefenderForCloudApps']);
    const state = drainState();
    expect(await drain(stream, state, { clock, maxPages: 2 })).toBe(false);
    // New alerts land at the head of the list: the $skip pages shift, so some are read twice, none skipped.
    for (let i = 0; i < 30; i++)
      graph.alerts.push(generatedAlert(7000 + i, { createdAt: T0 - 1000 + i, updatedAt: T0 - 1000 + i }));
    await drain(stream, state, { clock });
    now += 600_000;
    await drain(stream, state, { clock });
    expect([...state.stored.keys()].sort()).toEqual(idsOf('microsoftDefenderForCloudApps'));
  });

  it('waits out a storm of 429s with the documented fractional Retry-After: 2.128', async () => {
    seed(100);
    graph.script.push('ok', ...Array.from({ length: 4 }, () => ({ status: 429 as const })));
    const state = drainState();
    await drain(alertsStream(['microsoftDefenderForCloudApps']), state, { clock });
    expect(state.stored.size).toBe(100);
    expect(waits.filter((w) => w === 2128)).toHaveLength(4);
    expect(state.failures).toHaveLength(0);
  });

  it('a token that expires mid-drain is replaced once and the drain goes on', async () => {
    seed(200);
    const stream = alertsStream(['microsoftDefenderForCloudApps']);
    const state = drainState();
    await drain(stream, state, { clock, maxPages: 2 });
    entra.expireAll();
    await drain(stream, state, { clock });
    expect(entra.issued).toBe(2);
    expect(state.stored.size).toBe(200);
    expect(state.duplicates).toBe(0);
    expect(
      upstream.requests.filter((r) => r.path.includes('alerts_v2') && r.headers.authorization !== undefined),
    ).toHaveLength(4 + 1);
  });

  it('a page, then 500s past the retries: the next poll resumes at the stored nextLink', async () => {
    seed(200);
    // Page 1, then more 500s than UpstreamHttp retries (1 + 4): the poll fails once.
    graph.script.push('ok', ...Array.from({ length: 6 }, () => ({ status: 500 as const })));
    const state = drainState();
    await drain(alertsStream(['microsoftDefenderForCloudApps']), state, { clock });
    expect(state.failures).toHaveLength(1);
    expect(state.failures[0]).toMatchObject({ kind: 'http', status: 500, retriable: true });
    expect(state.stored.size).toBe(200);
    // Resumed, not restarted: page 1 was not read again.
    expect(state.duplicates).toBe(0);
    expect(graph.served).toBe(4);
  });

  it('test mode reads one page of 10, stores nothing upstream-side and says done', async () => {
    seed(100);
    const state = drainState();
    expect(await drain(alertsStream(), state, { clock, mode: 'test' })).toBe(true);
    expect(state.pages).toBe(1);
    expect(state.stored.size).toBe(10);
    expect(upstream.requests.at(-1)?.path).toContain('$top=10');
  });

  it('refuses a nextLink that points away from the configured Graph host (the bearer would follow it)', async () => {
    const state = drainState();
    const stream = alertsStream();
    // The longer prefix answers before the fake Graph: a first page that links elsewhere.
    upstream.mount('/graph/v1.0/security/alerts_v2', ({ json }) =>
      json(200, { value: [], '@odata.nextLink': 'https://attacker.example/v1.0/security/alerts_v2?$skip=1' }),
    );
    await expect(drain(stream, state, { clock })).rejects.toMatchObject({ kind: 'invalid-response' });
  });

  it('"Test connection" through the portal runtime: 10 samples with their CEF lines; a wrong secret names the failure', async () => {
    seed(20);
    const settings = graphAlertsConnector.settingsSchema.parse({
      url: `${upstream.url}/graph`,
      authorityUrl: `${upstream.url}/entra`,
      tenantId: TENANT,
      clientId: CLIENT,
    });
    const options = {
      clock,
      logger: silentLogger,
      publicUrl: 'https://cloudsiem.example.com',
      initialLookbackMs: 48 * 3600_000,
    };
    const result = await testConnection(graphAlertsConnector, settings, { clientSecret: SECRET }, options);
    expect(result).toMatchObject({ ok: true, failure: null });
    expect(result.streams[0]?.fetched).toBe(10);
    expect(result.streams[0]?.samples.every((s) => s.line?.includes('CEF:0|MCAS|SIEM_Agent|'))).toBe(true);
    const refused = await testConnection(graphAlertsConnector, settings, { clientSecret: 'wrong' }, options);
    expect(refused).toMatchObject({ ok: false, failure: { kind: 'auth' } });
  });
});
