// o365-management against the loopback fake of the Management Activity API's documented behaviour
// (test/upstream/o365.ts): subscriptions started on the first poll, 24 h windows within 7 days,
// NextPageUri in the docs' quirky form, each blob fetched once (remembered until it expires), blobs
// listed days late, AF429 as a 403, expired and missing blobs, token expiry and 500s mid-drain,
// and the documented samples as CEF. Contract tests against documented behaviour — never run against Microsoft.
import { createActivityEncoder } from '@cloudsiem/cef';
import { activitySchema } from '@cloudsiem/protocol';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { drain, drainState, type DrainState } from '../../../../../test/upstream/drain.ts';
import { fakeEntra, type FakeEntra } from '../../../../../test/upstream/entra.ts';
import {
  fakeO365,
  generatedBlob,
  O365_SCOPE,
  SAMPLE_RECORDS,
  type FakeO365,
} from '../../../../../test/upstream/o365.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../../../test/upstream/server.ts';
import { silentLogger } from '../../context.ts';
import { entraTokenSource } from '../entra.ts';
import { createUpstreamHttp, type UpstreamHttpClient } from '../http.ts';
import type { ConnectorRuntime, Stream } from '../types.ts';
import { testConnection } from '../test-connection.ts';
import { o365ManagementConnector } from './index.ts';
import { category, clientIp, mapAuditRecord, parseCreationTime } from './mapping.ts';
import { DAY_MS } from './streams.ts';

const TENANT = '41463f53-8812-40f4-890f-865bf6e35190';
const CLIENT = '00001111-aaaa-2222-bbbb-3333cccc4444';
const SECRET = 'qWgdYAmab0YSkuL1qKv5bPX';
const T0 = Date.parse('2026-12-07T04:00:00.000Z');
const HOUR = 3600_000;

const cef = createActivityEncoder({
  format: 'generic',
  timeFormat: 'rfc5424',
  includePri: false,
  systemName: null,
  portalUrl: 'https://cloudsiem.example.com',
  deviceVersion: '1.0.0',
});

let upstream: FakeUpstream;
let entra: FakeEntra;
let o365: FakeO365;
let http: UpstreamHttpClient;
let now: number;
const clock = { now: () => now };

let prefix = '/o365';
function setup(
  options: { nextPageHeader?: 'NextPageUri' | 'NextPageUrl'; pageSize?: number } = {},
  at = '/o365',
) {
  prefix = at;
  o365 = fakeO365({ entra, prefix, tenantId: TENANT, now: clock.now, ...options });
  upstream.mount(prefix, o365.handler);
}

function streams(contentTypes: string[], publisherId?: string): Stream[] {
  const runtime: ConnectorRuntime = {
    http,
    entraToken: (o) => entraTokenSource(http, { ...o, now: clock.now }),
    logger: silentLogger,
    clock,
  };
  const settings = o365ManagementConnector.settingsSchema.parse({
    url: `${upstream.url}${prefix}`,
    authorityUrl: `${upstream.url}/entra`,
    tenantId: TENANT,
    clientId: CLIENT,
    contentTypes,
    ...(publisherId === undefined ? {} : { publisherId }),
  });
  return o365ManagementConnector.streams(settings, { clientSecret: SECRET }, runtime);
}

function one(contentType = 'Audit.Exchange'): Stream {
  const [stream] = streams([contentType]);
  if (stream === undefined) throw new Error('no stream');
  return stream;
}

/** Blobs every 20 minutes over the last `hours`, `perBlob` records each. */
function seed(contentType: string, hours: number, perBlob: number) {
  for (let t = T0 - hours * HOUR; t < T0 - 60_000; t += 20 * 60_000)
    o365.blobs.push(generatedBlob(contentType, t, perBlob));
}

const recordIds = (contentType?: string) =>
  o365.blobs
    .filter((b) => contentType === undefined || b.contentType === contentType)
    .filter((b) => b.missing !== true && b.expiration > now)
    .flatMap((b) => b.records.map((r) => r.Id as string))
    .sort();

const fetchedTwice = () => [...o365.fetches.values()].filter((n) => n > 1).length;

beforeEach(async () => {
  await upstream?.close();
  await http?.close();
  now = T0;
  upstream = await startFakeUpstream();
  entra = fakeEntra(
    { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, scopes: [O365_SCOPE] },
    clock.now,
  );
  upstream.mount('/entra', entra.handler);
  setup();
  http = createUpstreamHttp({
    requestsPerMinute: 1_000_000,
    throttleFloorMs: o365ManagementConnector.throttleFloorMs,
    backoffMs: 1,
    maxBackoffMs: 2,
    sleep: () => new Promise((resolve) => setTimeout(resolve, 1)),
  });
});
afterAll(async () => {
  await upstream.close();
  await http.close();
});

function line(record: Record<string, unknown>): string {
  const mapped = mapAuditRecord(record, 'sample');
  if (!('record' in mapped)) throw new Error(mapped.rejected);
  return cef(activitySchema.parse(mapped.record));
}
const sample = (type: string, i: number) => {
  const r = SAMPLE_RECORDS[type]?.[i];
  if (r === undefined) throw new Error(`no sample ${type}[${i}]`);
  return r;
};
const link = (id: string) =>
  `cs1Label=portalURL cs1=https://cloudsiem.example.com/#/audits?activity.id\\=eq(${id},)`;
const tail = 'cs4Label=policyIDs cs4= c6a1Label="Device IPv6 Address" c6a1=';

describe('o365-management: contract tests against documented behaviour', () => {
  it('maps the documented Entra ID samples: a failed and a good sign-in, and Add User.', () => {
    // RecordType 9 sign-in, ResultStatus failed → FAILED_LOGIN; CreationTime has no zone → UTC;
    // Workload AzureActiveDirectory → Microsoft Entra ID / APPID_O365; ObjectId → cs3.
    expect(line(sample('Audit.AzureActiveDirectory', 0))).toBe(
      '2015-06-29T20:03:19.000Z CEF:0|MCAS|SIEM_Agent|1.0.0|EVENT_CATEGORY_FAILED_LOGIN|PasswordLogonInitialAuthUsingPassword|0|' +
        'externalId=80c76bd2-9d81-4c57-a97a-accfc3443dca rt=1435608199000 start=1435608199000 end=1435608199000 ' +
        'msg=PasswordLogonInitialAuthUsingPassword (failed) suser=admin@contoso.onmicrosoft.com destinationServiceName=Microsoft Entra ID ' +
        `dvc=134.170.188.221 requestClientApplication= ${link('80c76bd2-9d81-4c57-a97a-accfc3443dca')} ` +
        `cs2Label=uniqueServiceAppIds cs2=APPID_O365 cs3Label=targetObjects cs3=admin@contoso.onmicrosoft.com ${tail}`,
    );
    expect(line(sample('Audit.AzureActiveDirectory', 1))).toContain(
      '|EVENT_CATEGORY_LOGIN|PasswordLogonInitialAuthUsingPassword|0|',
    );
    // RecordType 8 "Add User." → CREATE_USER (the golden's category for a created user); no ClientIP → dvc=;
    // the Target IDs follow ObjectId in cs3 without repeating it.
    expect(line(sample('Audit.AzureActiveDirectory', 2))).toBe(
      '2015-06-29T20:04:55.000Z CEF:0|MCAS|SIEM_Agent|1.0.0|EVENT_CATEGORY_CREATE_USER|Add User.|0|' +
        'externalId=b567caf0-088e-4c1c-a4ea-633a1e3d66c8 rt=1435608295000 start=1435608295000 end=1435608295000 ' +
        'msg=Add User. (success) suser=admin@contoso.onmicrosoft.com destinationServiceName=Microsoft Entra ID dvc= requestClientApplication= ' +
        `${link('b567caf0-088e-4c1c-a4ea-633a1e3d66c8')} cs2Label=uniqueServiceAppIds cs2=APPID_O365 ` +
        `cs3Label=targetObjects cs3=user001@contoso.onmicrosoft.com,10037FFE91510806 ${tail}`,
    );
  });

  it('maps the real SharePoint record the way MDCA itself stored it (reference/upstream/mdca/activity-record-real.json)', () => {
    // MDCA's record of this very event: timestamp 1595096313000, appName "Microsoft OneDrive for Business"
    // (appId 15600), eventTypeName EVENT_CATEGORY_UNSPECIFIED, description "FilePreviewed", clientIP 8.8.8.8,
    // userAgent OneDriveMpc-Transform_Thumbnail/1.0. Every one of those is reproduced.
    expect(line(sample('Audit.SharePoint', 0))).toBe(
      '2020-07-18T18:18:33.000Z CEF:0|MCAS|SIEM_Agent|1.0.0|EVENT_CATEGORY_UNSPECIFIED|FilePreviewed|0|' +
        'externalId=97ee2049-893e-4c9d-a312-08d82b46faf7 rt=1595096313000 start=1595096313000 end=1595096313000 ' +
        'msg=FilePreviewed suser=avishai@demistodev.onmicrosoft.com destinationServiceName=Microsoft OneDrive for Business ' +
        `dvc=8.8.8.8 requestClientApplication=OneDriveMpc-Transform_Thumbnail/1.0 ${link('97ee2049-893e-4c9d-a312-08d82b46faf7')} ` +
        'cs2Label=uniqueServiceAppIds cs2=APPID_15600 cs3Label=targetObjects ' +
        `cs3=https://demistodev-my.sharepoint.com/personal/avishai_demistodev_onmicrosoft_com/Documents/ibanexample.docx ${tail}`,
    );
  });

  it('maps the Exchange samples: OMEPortal with its MessageId, a mailbox Send with its ClientInfoString', () => {
    expect(line(sample('Audit.Exchange', 1))).toBe(
      '2023-03-22T19:04:09.000Z CEF:0|MCAS|SIEM_Agent|1.0.0|EVENT_CATEGORY_UNSPECIFIED|AttachmentReview|0|' +
        'externalId=ef29c387-c81b-4812-9020-90b378d92cde rt=1679511849000 start=1679511849000 end=1679511849000 ' +
        'msg=AttachmentReview (Failure) suser=admin@M365x965352.onmicrosoft.com destinationServiceName=Microsoft Exchange Online ' +
        `dvc= requestClientApplication= ${link('ef29c387-c81b-4812-9020-90b378d92cde')} cs2Label=uniqueServiceAppIds cs2=APPID_OUTLOOK ` +
        `cs3Label=targetObjects cs3=<MW5PR18MB5094CD4A4C6D8A5636154FEBAA869@MW5PR18MB5094.namprd18.prod.outlook.com> ${tail}`,
    );
    // ClientInfoString "Client=OWA" stands in for the user agent; its = is escaped in the extension.
    expect(line(sample('Audit.Exchange', 2))).toBe(
      '2015-06-29T20:05:12.000Z CEF:0|MCAS|SIEM_Agent|1.0.0|EVENT_CATEGORY_UNSPECIFIED|Send|0|' +
        'externalId=5f2c0d1e-7a3b-4c9d-8e6f-0a1b2c3d4e5f rt=1435608312000 start=1435608312000 end=1435608312000 ' +
        'msg=Send (Succeeded) suser=admin@contoso.onmicrosoft.com destinationServiceName=Microsoft Exchange Online ' +
        `dvc=203.0.113.10 requestClientApplication=Client\\=OWA ${link('5f2c0d1e-7a3b-4c9d-8e6f-0a1b2c3d4e5f')} ` +
        `cs2Label=uniqueServiceAppIds cs2=APPID_OUTLOOK cs3Label=targetObjects cs3=<example-message-id@contoso.onmicrosoft.com> ${tail}`,
    );
  });

  it('reads ClientIP with ports and brackets, times without a zone, and the category table', () => {
    expect(
      ['1.2.3.4', '1.2.3.4:50123', '[2001:db8::1]:443', '2001:db8::1', 'fe80::1%eth0', '::ffff:10.0.0.1'].map(
        clientIp,
      ),
    ).toEqual(['1.2.3.4', '1.2.3.4', '2001:db8::1', '2001:db8::1', 'fe80::1', '::ffff:10.0.0.1']);
    expect(['', 'unknown', '999.1.1.1', '1.2.3.4:x', undefined, 42].map(clientIp)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    // An invalid address is not a rejection: the record is stored without one.
    expect(
      mapAuditRecord(
        { ...sample('Audit.Exchange', 2), ClientIP: 'garbage', ClientIPAddress: undefined },
        'x',
      ),
    ).toMatchObject({
      record: { ip: null },
    });
    expect(parseCreationTime('2015-06-29T20:03:19')).toBe(Date.UTC(2015, 5, 29, 20, 3, 19));
    expect(parseCreationTime('2020-07-18T18:18:33.0000000Z')).toBe(Date.UTC(2020, 6, 18, 18, 18, 33));
    expect(category({ Operation: 'UserLoginFailed', RecordType: 15 })).toBe('EVENT_CATEGORY_FAILED_LOGIN');
    expect(category({ Operation: 'UserLoggedIn', RecordType: 15, ResultStatus: 'Success' })).toBe(
      'EVENT_CATEGORY_LOGIN',
    );
    expect(category({ Operation: 'Delete user.', RecordType: 8 })).toBe('EVENT_CATEGORY_DELETE_USER');
    expect(category({ Operation: 'FileDeleted', RecordType: 6 })).toBe('EVENT_CATEGORY_DELETE_OBJECT');
    expect(category({ Operation: 'FileDownloaded', RecordType: 6 })).toBe('EVENT_CATEGORY_UNSPECIFIED');
    expect(mapAuditRecord({ CreationTime: '2015-06-29T20:03:19' }, 'blob#3')).toEqual({
      upstreamId: 'blob#3',
      rejected: 'the audit record has no Id',
    });
  });

  it('first poll: starts each subscription before listing, drains 3 days of blobs in ≤ 24 h windows, every record once, PublisherIdentifier on every call', async () => {
    for (const type of ['Audit.Exchange', 'Audit.SharePoint']) seed(type, 60, 25);
    const all = streams(['Audit.Exchange', 'Audit.SharePoint']);
    const states = new Map<string, DrainState>();
    const started = performance.now();
    for (const stream of all) {
      const state = drainState();
      states.set(stream.name, state);
      expect(await drain(stream, state, { clock, initialLookbackMs: 72 * HOUR })).toBe(true);
    }
    const seconds = (performance.now() - started) / 1000;
    for (const [type, state] of states) {
      expect([...state.stored.keys()].sort()).toEqual(recordIds(type));
      expect(state.duplicates).toBe(0);
      expect(state.rejected).toEqual([]);
    }
    expect(o365.calls.start).toBe(2);
    expect(fetchedTwice()).toBe(0);
    const feedCalls = upstream.requests.filter((r) => r.path.startsWith('/o365/'));
    expect(
      feedCalls.every(
        (r) => new URL(r.path, upstream.url).searchParams.get('PublisherIdentifier') === TENANT,
      ),
    ).toBe(true);
    // The docs' NextPageUri (…/api/v1/{tenant_id}/…) was followed, its tenant filled in.
    expect(
      feedCalls.some((r) => r.path.startsWith(`/o365/api/v1/${TENANT}/`) && r.path.includes('nextPage=')),
    ).toBe(true);
    const records = [...states.values()].reduce((n, s) => n + s.stored.size, 0);
    console.info(
      `o365-management: ${records} records from ${o365.calls.blob} blobs, ${http.calls} calls ` +
        `(${((http.calls / records) * 1000).toFixed(0)} per 1,000; ${o365.calls.content} list, ${o365.calls.blob} blob, ` +
        `${o365.calls.start} start, ${entra.issued} token), ${(records / seconds).toFixed(0)} records/s`,
    );
  });

  it('later polls re-list but never re-fetch; a blob listed days late is fetched once by the hourly 7-day sweep', async () => {
    seed('Audit.Exchange', 30, 10);
    const stream = one();
    const state = drainState();
    const lookback = { initialLookbackMs: 5 * DAY_MS };
    await drain(stream, state, { clock, ...lookback });
    const blobsAfterFirst = o365.calls.blob;
    // Created 3 days ago, listed only from T0 + 10 min; one created 5 minutes after T0.
    const late = generatedBlob('Audit.Exchange', T0 - 3 * DAY_MS, 7, { listedFrom: T0 + 10 * 60_000 });
    o365.blobs.push(late, generatedBlob('Audit.Exchange', T0 + 5 * 60_000, 4));
    now = T0 + 15 * 60_000;
    await drain(stream, state, { clock, ...lookback }); // recent sweep (the last day): the new blob, not the late one
    expect(o365.calls.blob).toBe(blobsAfterFirst + 1);
    expect(o365.fetches.get(late.contentId)).toBeUndefined();
    now = T0 + HOUR + 60_000;
    await drain(stream, state, { clock, ...lookback }); // the 7-day sweep is due
    expect(o365.fetches.get(late.contentId)).toBe(1);
    now += 5 * 60_000;
    await drain(stream, state, { clock });
    now += HOUR;
    await drain(stream, state, { clock });
    expect([...state.stored.keys()].sort()).toEqual(recordIds());
    expect(state.duplicates).toBe(0);
    expect(fetchedTwice()).toBe(0);
  });

  it('expired and missing blobs are reported once as rejected records named by content id; the rest is stored', async () => {
    seed('Audit.Exchange', 4, 5);
    const expired = generatedBlob('Audit.Exchange', T0 - 2 * HOUR, 5, { expiration: T0 - 1 });
    const missing = generatedBlob('Audit.Exchange', T0 - HOUR, 5, { missing: true });
    o365.blobs.push(expired, missing);
    const stream = one();
    const state = drainState();
    await drain(stream, state, { clock });
    expect(state.rejected.map((r) => r.upstreamId).sort()).toEqual(
      [expired.contentId, missing.contentId].sort(),
    );
    expect(state.rejected.find((r) => r.upstreamId === expired.contentId)?.rejected).toContain('AF20051');
    expect(state.rejected.find((r) => r.upstreamId === missing.contentId)?.rejected).toContain('404 AF20050');
    expect([...state.stored.keys()].sort()).toEqual(recordIds());
    now += 10 * 60_000;
    await drain(stream, state, { clock });
    expect(state.rejected).toHaveLength(2);
  });

  it('AF429 (a 403) is throttling: the poll ends Throttled and the next one resumes; nothing lost or fetched twice', async () => {
    seed('Audit.Exchange', 10, 10);
    const stream = one();
    const state = drainState();
    await drain(stream, state, { clock, maxPages: 2 });
    o365.script.push({ af429: true }, 'ok', 'ok', { af429: true }, { af429: true });
    await drain(stream, state, { clock });
    expect(state.failures.length).toBeGreaterThanOrEqual(2);
    expect(
      state.failures.every((f) => f.kind === 'throttled' && f.status === 403 && f.retryAfterMs === 60_000),
    ).toBe(true);
    expect([...state.stored.keys()].sort()).toEqual(recordIds());
    expect(fetchedTwice()).toBe(0);
  });

  it('a token that expires mid-drain is replaced once; a page then 500s past the retries resumes at the checkpoint', async () => {
    seed('Audit.Exchange', 20, 10);
    const stream = one();
    const state = drainState();
    await drain(stream, state, { clock, maxPages: 2 });
    entra.expireAll();
    await drain(stream, state, { clock, maxPages: 2 });
    expect(entra.issued).toBe(2);
    o365.script.push('ok', ...Array.from({ length: 6 }, () => ({ status: 500 as const })));
    await drain(stream, state, { clock });
    expect(state.failures.some((f) => f.kind === 'http' && f.status === 500)).toBe(true);
    expect([...state.stored.keys()].sort()).toEqual(recordIds());
    expect(state.duplicates).toBe(0);
    expect(fetchedTwice()).toBe(0);
  });

  it('a disabled subscription (AF20023) is started again and the listing retried', async () => {
    seed('Audit.Exchange', 2, 3);
    const stream = one();
    const state = drainState();
    await drain(stream, state, { clock });
    o365.subscriptions.set('Audit.Exchange', 'disabled');
    o365.blobs.push(generatedBlob('Audit.Exchange', T0 + 60_000, 3));
    now = T0 + 5 * 60_000;
    await drain(stream, state, { clock });
    expect(o365.subscriptions.get('Audit.Exchange')).toBe('enabled');
    expect([...state.stored.keys()].sort()).toEqual(recordIds());
  });

  it('test mode starts nothing: it reports that the subscription is not started yet (AF20022)', async () => {
    seed('Audit.Exchange', 2, 3);
    const state = drainState();
    expect(await drain(one(), state, { clock, mode: 'test' })).toBe(true);
    expect(o365.calls.start).toBe(0);
    expect(state.position).toContain('not started yet (AF20022)');
    // What "Test connection" shows: one rejected sample saying so; nothing stored.
    expect(state.rejected).toEqual([
      {
        upstreamId: 'subscription Audit.Exchange',
        rejected: 'the subscription is not started yet (AF20022); the first poll starts it',
      },
    ]);
    o365.subscriptions.set('Audit.Exchange', 'enabled');
    await drain(one(), state, { clock, mode: 'test' });
    expect(state.stored.size).toBe(6); // two blobs of three
    expect(state.remembered.size).toBe(0);
  });

  it("follows NextPageUrl (the troubleshooting page's spelling) and a publisherId setting", async () => {
    setup({ nextPageHeader: 'NextPageUrl', pageSize: 2 }, '/o365-url');
    seed('Audit.Exchange', 5, 2);
    const [stream] = streams(['Audit.Exchange'], 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    if (stream === undefined) throw new Error('no stream');
    const state = drainState();
    await drain(stream, state, { clock });
    expect([...state.stored.keys()].sort()).toEqual(recordIds());
    expect(
      upstream.requests
        .filter((r) => r.path.startsWith('/o365-url/'))
        .every((r) => r.path.includes('PublisherIdentifier=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')),
    ).toBe(true);
  });

  it('a checkpoint resumed 8 days later never asks for more than 7 days back', async () => {
    seed('Audit.Exchange', 3, 2);
    const stream = one();
    const state = drainState();
    await drain(stream, state, { clock, maxPages: 1 });
    now = T0 + 8 * DAY_MS;
    o365.blobs.push(generatedBlob('Audit.Exchange', now - HOUR, 2));
    expect(await drain(stream, state, { clock })).toBe(true);
    expect(state.failures).toEqual([]);
    expect(state.stored.size).toBeGreaterThan(0);
  });

  it('"Test connection" through the portal runtime: the AF20022 note as a sample, then CEF lines once subscribed', async () => {
    seed('Audit.Exchange', 2, 3);
    const settings = o365ManagementConnector.settingsSchema.parse({
      url: `${upstream.url}/o365`,
      authorityUrl: `${upstream.url}/entra`,
      tenantId: TENANT,
      clientId: CLIENT,
      contentTypes: ['Audit.Exchange'],
    });
    const options = {
      clock,
      logger: silentLogger,
      publicUrl: 'https://cloudsiem.example.com',
      initialLookbackMs: DAY_MS,
    };
    const before = await testConnection(o365ManagementConnector, settings, { clientSecret: SECRET }, options);
    expect(before.ok).toBe(true);
    expect(before.streams[0]?.samples[0]?.rejected).toContain('not started yet (AF20022)');
    expect(o365.calls.start).toBe(0);
    o365.subscriptions.set('Audit.Exchange', 'enabled');
    const after = await testConnection(o365ManagementConnector, settings, { clientSecret: SECRET }, options);
    expect(after.streams[0]?.fetched).toBe(6);
    expect(after.streams[0]?.samples[0]?.line).toContain('CEF:0|MCAS|SIEM_Agent|');
  });
});
