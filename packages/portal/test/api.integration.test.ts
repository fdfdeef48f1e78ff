// The admin REST API over real HTTP on SQLite and PostgreSQL (DESIGN §3, §6, §7): ingest, MDCA
// lists, policies and the alerts they raise, SIEM agents and the preview, admins, API tokens,
// sessions, and the system routes — every answer checked on its body.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_BATCH_MAX } from '@cloudsiem/protocol';
import { startTestPortal, storeTargets, type ApiAnswer, type TestPortal } from '../src/test-support.ts';

const MINUTE = 60_000;
/** Two hours before the fake clock's start: every event time is in the past of the portal. */
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);

type Json = Record<string, unknown>;

function activity(id: string, fields: Json = {}): Json {
  return { id, timestamp: T0, category: 'EVENT_CATEGORY_LOGIN', action: 'Log on', ...fields };
}

function alert(id: string, fields: Json = {}): Json {
  return {
    id,
    timestamp: T0,
    type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
    policyName: 'Imported policy',
    severity: 'low',
    ...fields,
  };
}

/** An activity as the API serves it: the schema's defaults filled in, createdAt stamped at ingest. */
function storedActivity(record: Json, createdAt: number): Json {
  return {
    description: '',
    user: null,
    appName: null,
    appIds: [],
    ip: null,
    userAgent: null,
    targetObjects: [],
    policyIds: [],
    ...record,
    createdAt,
  };
}

const ids = (answer: ApiAnswer): string[] => (answer.body.data as { id: string }[]).map((d) => d.id);
const issuePaths = (answer: ApiAnswer): string[] =>
  (answer.body.error.issues as { path: string }[]).map((i) => i.path);

/** A stack trace in an answer: `at fn (file.ts:12:3)` or any `.ts:` location. */
const STACK_TRACE = /\bat\s.*\.ts:\d+|\.ts:\d+:\d+/;

describe.each(await storeTargets())('admin REST API on $name', (target) => {
  let t: TestPortal;
  /** Every answer this portal gave, so the last tests can check none leaked a stack trace. */
  const answers: { method: string; path: string; answer: ApiAnswer }[] = [];

  beforeAll(async () => {
    t = await startTestPortal(target);
    const raw = t.api.bind(t);
    t.api = async (method, path, options) => {
      const answer = await raw(method, path, options);
      answers.push({ method, path, answer });
      return answer;
    };
  });
  afterAll(() => t.close());

  const ingest = (dataType: 'activities' | 'alerts', body: unknown, headers?: Record<string, string>) =>
    t.api('POST', `/api/v1/ingest/${dataType}`, { body, ...(headers === undefined ? {} : { headers }) });

  describe('ingest', () => {
    it('takes a JSON array: rejects each bad record with its index, id and the field at fault, stores the good ones', async () => {
      const good1 = activity('ing-1', { user: 'alice@contoso.com', ip: '10.0.0.1' });
      const good2 = activity('ing-2', { user: 'bob@contoso.com', ip: '2001:db8::2' });
      const answer = await ingest('activities', [
        good1,
        { id: 'ing-bad-category', timestamp: T0, action: 'Log on' },
        activity('ing-bad-ip', { ip: 'not-an-ip' }),
        good2,
        { timestamp: T0, category: 'EVENT_CATEGORY_LOGIN', action: 'Log on' },
        activity('ing-bad-time', { timestamp: -5 }),
        'not a record',
      ]);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ accepted: 2, duplicates: 0, alertsRaised: 0 });
      const rejected = answer.body.rejected as { index: number; id: string | null; reason: string }[];
      expect(rejected.map((r) => [r.index, r.id])).toEqual([
        [1, 'ing-bad-category'],
        [2, 'ing-bad-ip'],
        [4, null],
        [5, 'ing-bad-time'],
        [6, null],
      ]);
      expect(rejected[0]!.reason).toMatch(/^category: /);
      expect(rejected[1]!.reason).toBe('ip: must be an IPv4 or IPv6 address');
      expect(rejected[2]!.reason).toMatch(/^id: /);
      expect(rejected[3]!.reason).toMatch(/^timestamp: /);
      expect(rejected[4]!.reason).toMatch(/object/);

      const one = await t.api('GET', '/api/v1/activities/ing-1');
      expect(one.status).toBe(200);
      expect(one.body).toEqual(storedActivity(good1, t.clock.now()));
      expect((await t.api('GET', '/api/v1/activities/ing-2')).body.ip).toBe('2001:db8::2');
      for (const id of ['ing-bad-category', 'ing-bad-ip', 'ing-bad-time']) {
        expect((await t.api('GET', `/api/v1/activities/${id}`)).status).toBe(404);
      }
    });

    it('takes NDJSON: a line that is not JSON is rejected with its index, the other lines go through', async () => {
      const lines = [
        JSON.stringify(activity('nd-1')),
        '{"id": "nd-broken", "timestamp": ',
        '',
        JSON.stringify(activity('nd-2', { action: 'Log out' })),
        JSON.stringify(activity('nd-bad', { timestamp: '2026-11-28' })),
        '',
      ].join('\n');
      const answer = await ingest('activities', lines, { 'content-type': 'application/x-ndjson' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ accepted: 2, duplicates: 0, alertsRaised: 0 });
      const rejected = answer.body.rejected as { index: number; id: string | null; reason: string }[];
      expect(rejected.map((r) => [r.index, r.id])).toEqual([
        [1, null],
        [3, 'nd-bad'],
      ]);
      expect(rejected[0]!.reason).toMatch(/^not valid JSON/);
      expect(rejected[1]!.reason).toMatch(/^timestamp: /);
      expect((await t.api('GET', '/api/v1/activities/nd-2')).body.action).toBe('Log out');
      expect((await t.api('GET', '/api/v1/activities/nd-broken')).status).toBe(404);
    });

    it('takes NDJSON in chunks that split lines and characters, with a byte order mark and CRLF', async () => {
      const lines = [
        JSON.stringify(activity('nd-chunk-1', { description: 'Zoë opened 文件 😀' })),
        JSON.stringify(activity('nd-chunk-2', { user: 'jörg@contoso.com' })),
        '',
      ].join('\r\n');
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines)]);
      // Every 7 bytes a chunk: lines, the BOM and multi-byte characters all cross chunk boundaries.
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
      expect(chunks.some((c) => (c[c.length - 1]! & 0xc0) === 0x80 || c[c.length - 1]! >= 0xc0)).toBe(true);
      const response = await fetch(`${t.url}/api/v1/ingest/activities`, {
        method: 'POST',
        headers: { authorization: `Token ${t.adminToken}`, 'content-type': 'application/x-ndjson' },
        body: new ReadableStream({
          pull(controller) {
            const next = chunks.shift();
            if (next === undefined) controller.close();
            else controller.enqueue(next);
          },
        }),
        duplex: 'half',
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ accepted: 2, rejected: [] });
      expect((await t.api('GET', '/api/v1/activities/nd-chunk-1')).body.description).toBe(
        'Zoë opened 文件 😀',
      );
      expect((await t.api('GET', '/api/v1/activities/nd-chunk-2')).body.user).toBe('jörg@contoso.com');
    });

    it('is idempotent by id: a second post of the same records reports duplicates and changes nothing', async () => {
      const again = await ingest('activities', [
        activity('ing-1', { action: 'Changed' }),
        activity('ing-2'),
        activity('ing-3'),
        activity('ing-3', { action: 'Repeated in the batch' }),
      ]);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ accepted: 1, duplicates: 3, alertsRaised: 0, rejected: [] });
      expect((await t.api('GET', '/api/v1/activities/ing-1')).body.action).toBe('Log on');
      expect((await t.api('GET', '/api/v1/activities/ing-3')).body.action).toBe('Log on');
      const listed = await t.api('POST', '/api/v1/activities', {
        body: { filters: { id: { eq: ['ing-1', 'ing-2', 'ing-3'] } } },
      });
      expect(listed.body.total).toBe(3);
    });

    it('stamps createdAt itself, whatever the client sent', async () => {
      t.clock.advance(1234);
      const ingestedAt = t.clock.now();
      const answer = await ingest('activities', [activity('stamp-1', { createdAt: 1 })]);
      expect(answer.body.accepted).toBe(1);
      const stored = await t.api('GET', '/api/v1/activities/stamp-1');
      expect(stored.body.createdAt).toBe(ingestedAt);
      expect(stored.body.timestamp).toBe(T0);
    });

    it('stores a NUL inside a string as a space', async () => {
      const answer = await ingest('activities', [
        activity('nul-1', { description: 'before\u0000after', targetObjects: ['x\u0000y', 'z'] }),
      ]);
      expect(answer.body).toMatchObject({ accepted: 1, rejected: [] });
      const stored = await t.api('GET', '/api/v1/activities/nul-1');
      expect(stored.body.description).toBe('before after');
      expect(stored.body.targetObjects).toEqual(['x y', 'z']);
      expect(stored.text).not.toContain('\\u0000');
    });

    it('answers 415 to a body that is not JSON or NDJSON', async () => {
      const answer = await ingest('activities', JSON.stringify([activity('plain-1')]), {
        'content-type': 'text/plain',
      });
      expect(answer.status).toBe(415);
      expect(answer.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect((await t.api('GET', '/api/v1/activities/plain-1')).status).toBe(404);
    });

    it(`answers 413 to a batch of more than ${INGEST_BATCH_MAX} records, as a JSON array or NDJSON`, async () => {
      const tooMany = Array.from({ length: INGEST_BATCH_MAX + 1 }, (_, i) => activity(`big-${i}`));
      const asArray = await ingest('activities', tooMany);
      expect(asArray.status).toBe(413);
      expect(asArray.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(asArray.body.error.message).toContain(String(INGEST_BATCH_MAX));
      const asLines = await ingest('activities', tooMany.map((r) => JSON.stringify(r)).join('\n'), {
        'content-type': 'application/x-ndjson',
      });
      expect(asLines.status).toBe(413);
      expect((await t.api('GET', '/api/v1/activities/big-0')).status).toBe(404);
      // The limit itself is allowed (these records are all invalid, so nothing is stored).
      const atLimit = await ingest(
        'activities',
        Array.from({ length: INGEST_BATCH_MAX }, () => ({})),
      );
      expect(atLimit.status).toBe(200);
      expect(atLimit.body.rejected).toHaveLength(INGEST_BATCH_MAX);
    });

    it('answers 400 to a JSON body that is not an array', async () => {
      const record = activity('not-array-1');
      for (const body of [
        JSON.stringify(record),
        JSON.stringify(record, null, 2),
        JSON.stringify({ records: [record] }),
        '42',
      ]) {
        const answer = await ingest('activities', body, { 'content-type': 'application/json' });
        expect(answer.status, body).toBe(400);
        expect(answer.body.error.code).toBe('BAD_REQUEST');
      }
      expect((await t.api('GET', '/api/v1/activities/not-array-1')).status).toBe(404);
    });

    it('answers 400 to a JSON array that does not parse', async () => {
      const answer = await ingest('activities', '[{"id": "x",', { 'content-type': 'application/json' });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('BAD_REQUEST');
      expect(answer.body.error.message).toMatch(/not valid JSON/);
    });

    it('ingests alerts, including those Defender for Identity raised (source: identity)', async () => {
      const answer = await ingest('alerts', [
        alert('ing-alert-1', { user: 'alice@contoso.com', riskScore: 7, createdAt: 5 }),
        alert('ing-alert-2', { source: 'identity', severity: 'high' }),
        alert('ing-alert-bad', { severity: 'critical' }),
        alert('ing-alert-bad-type', { type: 'NOT_AN_ALERT' }),
      ]);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ accepted: 2, duplicates: 0, alertsRaised: 0 });
      const rejected = answer.body.rejected as { index: number; id: string; reason: string }[];
      expect(rejected.map((r) => [r.index, r.id])).toEqual([
        [2, 'ing-alert-bad'],
        [3, 'ing-alert-bad-type'],
      ]);
      expect(rejected[0]!.reason).toMatch(/^severity: /);
      expect(rejected[1]!.reason).toMatch(/^type: must look like ALERT_\*/);

      const identity = await t.api('GET', '/api/v1/alerts/ing-alert-2');
      expect(identity.status).toBe(200);
      expect(identity.body).toMatchObject({ source: 'identity', severity: 'high', createdAt: t.clock.now() });
      const cloudApps = await t.api('GET', '/api/v1/alerts/ing-alert-1');
      expect(cloudApps.body).toMatchObject({ source: 'cloud-apps', riskScore: 7, createdAt: t.clock.now() });

      const again = await ingest('alerts', [alert('ing-alert-1'), alert('ing-alert-2')]);
      expect(again.body).toEqual({ accepted: 0, duplicates: 2, alertsRaised: 0, rejected: [] });
    });
  });

  describe('lists', () => {
    const app = { appName: { eq: ['ListApp'] } };
    const records = [
      activity('list-1', {
        timestamp: T0 + 1 * MINUTE,
        user: 'alice@contoso.com',
        appName: 'ListApp',
        description: 'Log on to ListApp',
        ip: '10.0.0.1',
        country: 'US',
      }),
      activity('list-2', {
        timestamp: T0 + 2 * MINUTE,
        user: 'bob@contoso.com',
        appName: 'ListApp',
        action: 'Download file',
        category: 'EVENT_CATEGORY_DOWNLOAD_FILE',
        description: 'Download file: report.pdf',
      }),
      activity('list-3', {
        timestamp: T0 + 3 * MINUTE,
        user: 'carol@fabrikam.com',
        appName: 'ListApp',
        ip: '2001:db8::3',
      }),
      activity('list-4', {
        timestamp: T0 + 4 * MINUTE,
        user: 'alice@contoso.com',
        appName: 'ListApp',
        action: 'Delete object',
        category: 'EVENT_CATEGORY_DELETE_OBJECT',
        ip: '10.0.0.4',
      }),
      activity('list-5', { timestamp: T0 + 5 * MINUTE, user: 'dave@fabrikam.com', appName: 'ListApp' }),
      activity('list-6', {
        timestamp: T0 + 6 * MINUTE,
        user: 'bob@contoso.com',
        appName: 'ListApp',
        ip: '10.0.0.6',
      }),
    ];
    let listedAt: number;

    beforeAll(async () => {
      t.clock.advance(MINUTE);
      listedAt = t.clock.now();
      // Out of time order, so the sort is the list's doing.
      const order = [3, 0, 5, 1, 4, 2];
      const answer = await ingest(
        'activities',
        order.map((i) => records[i]),
      );
      expect(answer.body.accepted).toBe(6);
      const alerts = await ingest('alerts', [
        alert('list-alert-1', { appName: 'ListApp', riskScore: 10, timestamp: T0 + MINUTE }),
        alert('list-alert-2', { appName: 'ListApp', riskScore: 90, source: 'identity', timestamp: T0 }),
        alert('list-alert-3', {
          appName: 'ListApp',
          riskScore: 50,
          severity: 'high',
          timestamp: T0 + 2 * MINUTE,
        }),
      ]);
      expect(alerts.body.accepted).toBe(3);
    });

    const list = (filters: Json, extra: Json = {}) =>
      t.api('POST', '/api/v1/activities', { body: { filters: { ...app, ...filters }, ...extra } });

    it('answers {data, hasNext, total} with the whole records, newest first by default', async () => {
      const answer = await list({});
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        data: [...records].reverse().map((r) => storedActivity(r, listedAt)),
        hasNext: false,
        total: 6,
      });
    });

    it('answers the same on the path with a trailing slash', async () => {
      const plain = await list({});
      const slashed = await t.api('POST', '/api/v1/activities/', { body: { filters: app } });
      expect(slashed.status).toBe(200);
      expect(slashed.body).toEqual(plain.body);
      const alerts = await t.api('POST', '/api/v1/alerts/', { body: { filters: app } });
      expect(alerts.status).toBe(200);
      expect(alerts.body.total).toBe(3);
    });

    it('filters: eq takes a list, neq excludes a list', async () => {
      const eq = await list({ user: { eq: ['alice@contoso.com', 'bob@contoso.com'] } });
      expect(ids(eq)).toEqual(['list-6', 'list-4', 'list-2', 'list-1']);
      expect(eq.body.total).toBe(4);
      const neq = await list({ user: { neq: ['alice@contoso.com', 'bob@contoso.com'] } });
      expect(ids(neq)).toEqual(['list-5', 'list-3']);
      const single = await list({ action: { eq: 'Delete object' } });
      expect(ids(single)).toEqual(['list-4']);
    });

    it('filters: contains and startswith', async () => {
      expect(ids(await list({ description: { contains: 'report.pdf' } }))).toEqual(['list-2']);
      expect(ids(await list({ user: { startswith: 'carol@' } }))).toEqual(['list-3']);
      expect(ids(await list({ user: { contains: '@fabrikam.' } }))).toEqual(['list-5', 'list-3']);
      // Case-sensitive on every store.
      expect((await list({ user: { startswith: 'CAROL' } })).body.total).toBe(0);
    });

    it('filters: gte and lte on timestamp, bounds included', async () => {
      const range = await list({ timestamp: { gte: T0 + 2 * MINUTE, lte: T0 + 4 * MINUTE } });
      expect(ids(range)).toEqual(['list-4', 'list-3', 'list-2']);
      expect((await list({ timestamp: { gte: T0 + 6 * MINUTE + 1 } })).body.total).toBe(0);
    });

    it('filters: isset and isnotset', async () => {
      expect(ids(await list({ ip: { isset: true } }))).toEqual(['list-6', 'list-4', 'list-3', 'list-1']);
      expect(ids(await list({ ip: { isnotset: true } }))).toEqual(['list-5', 'list-2']);
      expect(ids(await list({ country: { isset: true } }))).toEqual(['list-1']);
    });

    it('sorts by sortField and sortDirection', async () => {
      const asc = await list({}, { sortField: 'timestamp', sortDirection: 'asc' });
      expect(ids(asc)).toEqual(['list-1', 'list-2', 'list-3', 'list-4', 'list-5', 'list-6']);
      const byRisk = await t.api('POST', '/api/v1/alerts', {
        body: { filters: app, sortField: 'riskScore', sortDirection: 'desc' },
      });
      expect(ids(byRisk)).toEqual(['list-alert-2', 'list-alert-3', 'list-alert-1']);
    });

    it('pages with skip and limit: hasNext says whether more follow, total counts every match', async () => {
      const sort = { sortField: 'timestamp', sortDirection: 'asc' };
      const first = await list({}, { ...sort, skip: 0, limit: 2 });
      expect(ids(first)).toEqual(['list-1', 'list-2']);
      expect(first.body).toMatchObject({ hasNext: true, total: 6 });
      const middle = await list({}, { ...sort, skip: 2, limit: 2 });
      expect(ids(middle)).toEqual(['list-3', 'list-4']);
      expect(middle.body).toMatchObject({ hasNext: true, total: 6 });
      const last = await list({}, { ...sort, skip: 4, limit: 2 });
      expect(ids(last)).toEqual(['list-5', 'list-6']);
      expect(last.body).toMatchObject({ hasNext: false, total: 6 });
      const past = await list({}, { ...sort, skip: 6, limit: 2 });
      expect(past.body).toEqual({ data: [], hasNext: false, total: 6 });
    });

    it('takes the same request as GET query parameters, filters as JSON text', async () => {
      const filters = encodeURIComponent(JSON.stringify({ ...app, ip: { isset: true } }));
      const answer = await t.api('GET', `/api/v1/activities?limit=2&filters=${filters}`);
      expect(answer.status).toBe(200);
      expect(ids(answer)).toEqual(['list-6', 'list-4']);
      expect(answer.body).toMatchObject({ hasNext: true, total: 4 });
      const paged = await t.api(
        'GET',
        `/api/v1/activities/?filters=${filters}&sortField=timestamp&sortDirection=asc&skip=1&limit=2`,
      );
      expect(ids(paged)).toEqual(['list-3', 'list-4']);
      const identity = encodeURIComponent(JSON.stringify({ ...app, source: { eq: ['identity'] } }));
      const alerts = await t.api('GET', `/api/v1/alerts?filters=${identity}`);
      expect(ids(alerts)).toEqual(['list-alert-2']);
      const notIdentity = encodeURIComponent(JSON.stringify({ ...app, source: { neq: ['identity'] } }));
      expect(ids(await t.api('GET', `/api/v1/alerts?filters=${notIdentity}`))).toEqual([
        'list-alert-3',
        'list-alert-1',
      ]);
    });

    it('rejects an invalid filter with 400 BAD_REQUEST and the path of each issue', async () => {
      const body = await t.api('POST', '/api/v1/activities', {
        body: { filters: { nope: { eq: ['x'] }, timestamp: { contains: 'x' } } },
      });
      expect(body.status).toBe(400);
      expect(body.body.error.code).toBe('BAD_REQUEST');
      expect(issuePaths(body)).toEqual(['body.filters.nope', 'body.filters.timestamp.contains']);

      const unknownOp = await t.api('POST', '/api/v1/alerts', { body: { filters: { user: { like: 'x' } } } });
      expect(unknownOp.status).toBe(400);
      expect(issuePaths(unknownOp)).toContain('body.filters.user');
      expect(unknownOp.body.error.message).toContain('like');

      const query = await t.api(
        'GET',
        `/api/v1/activities?filters=${encodeURIComponent(JSON.stringify({ nope: { eq: ['x'] } }))}`,
      );
      expect(query.status).toBe(400);
      expect(issuePaths(query)).toEqual(['query.filters.nope']);

      const notJson = await t.api('GET', '/api/v1/activities?filters=%7Bnope');
      expect(notJson.status).toBe(400);
      expect(notJson.body.error.code).toBe('BAD_REQUEST');

      const sort = await t.api('POST', '/api/v1/activities', {
        body: { sortField: 'password', limit: 5000 },
      });
      expect(sort.status).toBe(400);
      expect(issuePaths(sort)).toEqual(['body.sortField', 'body.limit']);
    });

    it('serves one record by id, and 404 NOT_FOUND for an unknown id', async () => {
      const one = await t.api('GET', '/api/v1/activities/list-3');
      expect(one.status).toBe(200);
      expect(one.body).toEqual(storedActivity(records[2]!, listedAt));
      const unknown = await t.api('GET', '/api/v1/activities/no-such-activity');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('NOT_FOUND');
      const oneAlert = await t.api('GET', '/api/v1/alerts/list-alert-3');
      expect(oneAlert.body).toMatchObject({ id: 'list-alert-3', riskScore: 50, severity: 'high' });
      const unknownAlert = await t.api('GET', '/api/v1/alerts/no-such-alert');
      expect(unknownAlert.status).toBe(404);
      expect(unknownAlert.body.error.code).toBe('NOT_FOUND');
    });
  });

  describe('policies', () => {
    let deletePolicy: string;
    let burstPolicy: string;
    const deleteByEve = activity('pol-1', {
      timestamp: T0 + 10 * MINUTE,
      user: 'eve@contoso.com',
      appName: 'PolicyApp',
      appIds: ['APPID_POLICYAPP'],
      action: 'Delete object',
      category: 'EVENT_CATEGORY_DELETE_OBJECT',
      ip: '10.1.1.1',
    });
    const failed = (id: string, user: string, minute: number, ip = '10.2.2.2') =>
      activity(id, {
        timestamp: T0 + minute * MINUTE,
        user,
        appName: 'PolicyApp',
        action: 'Failed log on',
        category: 'EVENT_CATEGORY_FAILED_LOGIN',
        ip,
      });
    const alertsOf = (policyId: string) =>
      t.api('POST', '/api/v1/alerts', { body: { filters: { policyIds: { eq: [policyId] } } } });

    it('creates an activity policy and a threshold policy', async () => {
      const one = await t.api('POST', '/api/v1/policies', {
        body: {
          name: 'Delete in PolicyApp',
          severity: 'high',
          filter: { appName: { eq: ['PolicyApp'] }, action: { eq: ['Delete object'] } },
        },
      });
      expect(one.status).toBe(201);
      expect(one.body).toMatchObject({
        name: 'Delete in PolicyApp',
        kind: 'activity',
        severity: 'high',
        alertType: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
        threshold: null,
        enabled: true,
      });
      deletePolicy = one.body.id;

      const burst = await t.api('POST', '/api/v1/policies', {
        body: {
          name: 'Burst of failed logons',
          kind: 'threshold',
          severity: 'medium',
          alertType: 'ALERT_MULTIPLE_FAILED_LOGIN',
          filter: { appName: { eq: ['PolicyApp'] }, action: { eq: ['Failed log on'] } },
          threshold: { count: 3, windowMinutes: 5 },
        },
      });
      expect(burst.status).toBe(201);
      expect(burst.body).toMatchObject({ kind: 'threshold', threshold: { count: 3, windowMinutes: 5 } });
      burstPolicy = burst.body.id;

      const listed = await t.api('GET', '/api/v1/policies');
      expect((listed.body.data as { id: string }[]).map((p) => p.id)).toEqual([deletePolicy, burstPolicy]);
    });

    it('rejects a threshold policy without a threshold, and a filter on an unknown field', async () => {
      const answer = await t.api('POST', '/api/v1/policies', {
        body: { name: 'x', kind: 'threshold', severity: 'low', filter: { nope: { eq: ['x'] } } },
      });
      expect(answer.status).toBe(400);
      expect(issuePaths(answer)).toEqual(expect.arrayContaining(['body.filter.nope']));
      const noThreshold = await t.api('POST', '/api/v1/policies', {
        body: { name: 'x', kind: 'threshold', severity: 'low', filter: {} },
      });
      expect(noThreshold.status).toBe(400);
      expect(issuePaths(noThreshold)).toEqual(['body.threshold']);
    });

    it('raises an alert per matching activity, and one per burst of a threshold policy', async () => {
      t.clock.advance(MINUTE);
      const first = await ingest('activities', [
        deleteByEve,
        failed('pol-2', 'frank@contoso.com', 10),
        failed('pol-3', 'frank@contoso.com', 11),
        failed('pol-grace', 'grace@contoso.com', 11),
      ]);
      expect(first.body).toMatchObject({ accepted: 4, alertsRaised: 1, rejected: [] });

      const raised = await alertsOf(deletePolicy);
      expect(raised.body.total).toBe(1);
      expect(raised.body.data[0]).toMatchObject({
        type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
        policyName: 'Delete in PolicyApp',
        policyIds: [deletePolicy],
        severity: 'high',
        relatedActivityIds: ['pol-1'],
        user: 'eve@contoso.com',
        appName: 'PolicyApp',
        appIds: ['APPID_POLICYAPP'],
        ip: '10.1.1.1',
        source: 'cloud-apps',
        timestamp: T0 + 10 * MINUTE,
        createdAt: t.clock.now(),
      });
      expect((await alertsOf(burstPolicy)).body.total).toBe(0);

      // The third failed logon within 5 minutes, in a later batch: the burst counts stored activities.
      t.clock.advance(MINUTE);
      const third = await ingest('activities', [failed('pol-4', 'frank@contoso.com', 13, '10.2.2.4')]);
      expect(third.body).toMatchObject({ accepted: 1, alertsRaised: 1 });
      const burst = await alertsOf(burstPolicy);
      expect(burst.body.total).toBe(1);
      expect(burst.body.data[0]).toMatchObject({
        type: 'ALERT_MULTIPLE_FAILED_LOGIN',
        policyIds: [burstPolicy],
        severity: 'medium',
        relatedActivityIds: ['pol-2', 'pol-3', 'pol-4'],
        user: 'frank@contoso.com',
        appName: 'PolicyApp',
        ip: '10.2.2.4',
        source: 'cloud-apps',
      });

      // Within the window of the alert just raised: the stored hit holds it back (one per burst),
      // though the window alone holds four failed logons.
      const again = await ingest('activities', [failed('pol-4b', 'frank@contoso.com', 14)]);
      expect(again.body).toMatchObject({ accepted: 1, alertsRaised: 0 });

      // Outside the window of the burst: no new alert.
      const late = await ingest('activities', [failed('pol-5', 'frank@contoso.com', 30)]);
      expect(late.body).toMatchObject({ accepted: 1, alertsRaised: 0 });
    });

    it('stamps each matching activity with the policy ids', async () => {
      expect((await t.api('GET', '/api/v1/activities/pol-1')).body.policyIds).toEqual([deletePolicy]);
      expect((await t.api('GET', '/api/v1/activities/pol-4')).body.policyIds).toEqual([burstPolicy]);
      expect((await t.api('GET', '/api/v1/activities/pol-grace')).body.policyIds).toEqual([burstPolicy]);
      expect((await t.api('GET', '/api/v1/activities/list-1')).body.policyIds).toEqual([]);
      const tagged = await t.api('POST', '/api/v1/activities', {
        body: { filters: { policyIds: { eq: [burstPolicy] } }, sortField: 'timestamp', sortDirection: 'asc' },
      });
      expect(ids(tagged)).toEqual(['pol-2', 'pol-3', 'pol-grace', 'pol-4', 'pol-4b', 'pol-5']);
    });

    it('raises no new alert when the same activities are ingested again', async () => {
      const before = (await t.api('POST', '/api/v1/alerts', { body: {} })).body.total as number;
      const again = await ingest('activities', [
        deleteByEve,
        failed('pol-2', 'frank@contoso.com', 10),
        failed('pol-3', 'frank@contoso.com', 11),
        failed('pol-4', 'frank@contoso.com', 13),
      ]);
      expect(again.body).toEqual({ accepted: 0, duplicates: 4, alertsRaised: 0, rejected: [] });
      expect((await t.api('POST', '/api/v1/alerts', { body: {} })).body.total).toBe(before);
    });

    it('stops raising alerts once the policy is disabled', async () => {
      const disabled = await t.api('PATCH', `/api/v1/policies/${deletePolicy}`, { body: { enabled: false } });
      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({ id: deletePolicy, enabled: false });
      // The policy service re-reads enabled policies every 5 s of the portal clock.
      t.clock.advance(6000);
      const answer = await ingest('activities', [{ ...deleteByEve, id: 'pol-6' }]);
      expect(answer.body).toMatchObject({ accepted: 1, alertsRaised: 0 });
      expect((await alertsOf(deletePolicy)).body.total).toBe(1);
      expect((await t.api('GET', '/api/v1/activities/pol-6')).body.policyIds).toEqual([]);

      const enabled = await t.api('PATCH', `/api/v1/policies/${deletePolicy}`, { body: { enabled: true } });
      expect(enabled.body.enabled).toBe(true);
      t.clock.advance(6000);
      const on = await ingest('activities', [{ ...deleteByEve, id: 'pol-7' }]);
      expect(on.body).toMatchObject({ accepted: 1, alertsRaised: 1 });
    });

    it('deletes a policy; the alerts it raised stay', async () => {
      const raised = ids(await alertsOf(deletePolicy));
      expect(raised).toHaveLength(2);
      for (const id of [deletePolicy, burstPolicy]) {
        const gone = await t.api('DELETE', `/api/v1/policies/${id}`);
        expect(gone.status).toBe(204);
        expect(gone.text).toBe('');
      }
      expect((await t.api('GET', '/api/v1/policies')).body.data).toEqual([]);
      const again = await t.api('DELETE', `/api/v1/policies/${deletePolicy}`);
      expect(again.status).toBe(404);
      expect(again.body.error.code).toBe('NOT_FOUND');
      expect(
        (await t.api('PATCH', `/api/v1/policies/${deletePolicy}`, { body: { enabled: true } })).status,
      ).toBe(404);
      expect((await t.api('GET', `/api/v1/alerts/${raised[0]}`)).status).toBe(200);
      t.clock.advance(6000);
      const after = await ingest('activities', [{ ...deleteByEve, id: 'pol-8' }]);
      expect(after.body).toMatchObject({ accepted: 1, alertsRaised: 0 });
    });
  });

  describe('SIEM agents', () => {
    let id: string;
    let token: string;

    it('creates an agent: 201, the token in this answer only, a hint that is not the token', async () => {
      const created = await t.api('POST', '/api/v1/siem-agents', {
        body: {
          name: 'Splunk',
          syslog: { host: 'siem.example.com', port: 514 },
          dataTypes: { alerts: { filter: { source: { neq: ['identity'] } } } },
        },
      });
      expect(created.status).toBe(201);
      token = created.body.token;
      id = created.body.agent.id;
      expect(token).toMatch(/^csat_[A-Za-z0-9_-]+\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
      expect(token).toContain(id);
      const agent = created.body.agent;
      expect(agent.tokenHint).not.toBe(token);
      expect(agent.tokenHint.length).toBeLessThan(16);
      expect(agent.tokenHint).not.toContain(token.slice(token.lastIndexOf('.') + 1));
      expect(agent).toMatchObject({
        name: 'Splunk',
        enabled: true,
        configVersion: 1,
        status: 'created',
        lastSeenAt: null,
        createdBy: { id: t.adminId, removed: false },
        tokenOwner: { id: t.adminId, removed: false },
        syslog: { host: 'siem.example.com', port: 514, protocol: 'tcp', framing: 'lf', udpMaxBytes: 2048 },
        format: { format: 'generic', timeFormat: 'rfc5424', includePri: false, vendor: 'MCAS' },
        dataTypes: {
          alerts: { enabled: true, filter: { source: { neq: ['identity'] } } },
          activities: { enabled: true, filter: null },
        },
        notifications: [],
      });
    });

    it('lists and reads agents without ever showing the token', async () => {
      const listed = await t.api('GET', '/api/v1/siem-agents');
      expect(listed.status).toBe(200);
      expect((listed.body.data as { id: string }[]).map((a) => a.id)).toContain(id);
      expect(listed.text).not.toContain(token.slice(token.lastIndexOf('.') + 1));
      const one = await t.api('GET', `/api/v1/siem-agents/${id}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id, name: 'Splunk', configVersion: 1 });
      expect(one.text).not.toContain(token.slice(token.lastIndexOf('.') + 1));
      const config = await t.api('GET', '/api/agent/v1/config', { token });
      expect(config.status).toBe(200);
      expect(config.body).toMatchObject({ agentId: id, version: 1, portalUrl: t.portal.publicUrl });
    });

    it('edits an agent: each edit bumps configVersion; invalid settings answer 400 with issues', async () => {
      const edited = await t.api('PATCH', `/api/v1/siem-agents/${id}`, {
        body: { name: 'Splunk (prod)', syslog: { port: 6514, protocol: 'tls' } },
      });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({
        name: 'Splunk (prod)',
        configVersion: 2,
        syslog: { host: 'siem.example.com', port: 6514, protocol: 'tls' },
      });

      const badPort = await t.api('PATCH', `/api/v1/siem-agents/${id}`, {
        body: { syslog: { port: 70000 } },
      });
      expect(badPort.status).toBe(400);
      expect(badPort.body.error.code).toBe('BAD_REQUEST');
      expect(issuePaths(badPort)).toEqual(['body.syslog.port']);
      const badHost = await t.api('PATCH', `/api/v1/siem-agents/${id}`, {
        body: { syslog: { host: 'https://siem.example.com' } },
      });
      expect(badHost.status).toBe(400);
      expect(issuePaths(badHost)).toEqual(['body.syslog.host']);
      expect(badHost.body.error.issues[0].message).toMatch(/without scheme/);
      const badCreate = await t.api('POST', '/api/v1/siem-agents', {
        body: { name: '', syslog: { host: 'tcp://x', port: 0 } },
      });
      expect(badCreate.status).toBe(400);
      expect(issuePaths(badCreate)).toEqual(['body.name', 'body.syslog.host', 'body.syslog.port']);

      const after = await t.api('GET', `/api/v1/siem-agents/${id}`);
      expect(after.body.configVersion).toBe(2);
      expect((await t.api('GET', '/api/agent/v1/config', { token })).body.version).toBe(2);
    });

    it('disables and enables an agent', async () => {
      const disabled = await t.api('POST', `/api/v1/siem-agents/${id}/disable`);
      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({ enabled: false, configVersion: 3 });
      const pull = await t.api('GET', '/api/agent/v1/activities', { token });
      expect(pull.status).toBe(409);
      expect(pull.body.error.code).toBe('AGENT_DISABLED');
      const config = await t.api('GET', '/api/agent/v1/config', { token });
      expect(config.body).toMatchObject({ enabled: false, version: 3 });
      const enabled = await t.api('POST', `/api/v1/siem-agents/${id}/enable`);
      expect(enabled.body).toMatchObject({ enabled: true, configVersion: 4 });
      expect((await t.api('GET', '/api/agent/v1/activities', { token })).status).toBe(200);
    });

    it('regenerates the token: the new one works, the old one stops at once', async () => {
      const regenerated = await t.api('POST', `/api/v1/siem-agents/${id}/regenerate-token`);
      expect(regenerated.status).toBe(200);
      const fresh = regenerated.body.token as string;
      expect(fresh).toMatch(/^csat_/);
      expect(fresh).not.toBe(token);
      expect(regenerated.body.agent.id).toBe(id);
      // Refusals arriving together (an old agent's config poll, pulls and heartbeat) still open
      // one notification: the admin sees that an agent runs with the old token, once.
      const olds = await Promise.all(
        Array.from({ length: 8 }, () => t.api('GET', '/api/agent/v1/config', { token })),
      );
      for (const old of olds) {
        expect(old.status).toBe(401);
        expect(old.body.error.code).toBe('TOKEN_INVALID');
      }
      // It is written after the answer (which takes as long as for an unknown id): wait for it.
      const openRefusals = async () =>
        (await t.api('GET', `/api/v1/siem-agents/${id}`)).body.notifications.filter(
          (n: { code: string; resolvedAt: number | null }) =>
            n.code === 'TOKEN_REJECTED' && n.resolvedAt === null,
        );
      let refused = await openRefusals();
      for (let i = 0; i < 50 && refused.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        refused = await openRefusals();
      }
      expect(refused).toHaveLength(1);
      expect(refused[0].message).toMatch(/old or wrong token .* restart it with the current token/);
      expect((await t.api('GET', '/api/agent/v1/config', { token: fresh })).status).toBe(200);
      // A heartbeat with the current token no longer reports it: the notification resolves.
      const beat = await t.api('POST', '/api/agent/v1/heartbeat', {
        token: fresh,
        body: { version: '0.1.0', host: 'h', startedAt: 1, syslog: { state: 'connected', target: 't' } },
      });
      expect(beat.status, beat.text).toBe(204);
      expect(await openRefusals()).toHaveLength(0);
      token = fresh;
    });

    it('deletes an agent: then 404 for admins and 410 AGENT_DELETED for its token', async () => {
      const gone = await t.api('DELETE', `/api/v1/siem-agents/${id}`);
      expect(gone.status).toBe(204);
      const read = await t.api('GET', `/api/v1/siem-agents/${id}`);
      expect(read.status).toBe(404);
      expect(read.body.error.code).toBe('NOT_FOUND');
      const listed = await t.api('GET', '/api/v1/siem-agents');
      expect((listed.body.data as { id: string }[]).map((a) => a.id)).not.toContain(id);
      expect((await t.api('DELETE', `/api/v1/siem-agents/${id}`)).status).toBe(404);
      expect((await t.api('PATCH', `/api/v1/siem-agents/${id}`, { body: { name: 'x' } })).status).toBe(404);
      expect((await t.api('POST', `/api/v1/siem-agents/${id}/regenerate-token`)).status).toBe(404);
      const agent = await t.api('GET', '/api/agent/v1/config', { token });
      expect(agent.status).toBe(410);
      expect(agent.body.error.code).toBe('AGENT_DELETED');
    });

    it('previews a filter: the total, the newest events first and the exact CEF lines', async () => {
      t.clock.advance(MINUTE);
      await ingest('activities', [
        activity('prev-1', { appName: 'PreviewApp', timestamp: T0 + 1000, user: 'p1@contoso.com' }),
        activity('prev-2', { appName: 'PreviewApp', timestamp: T0 + 2000, user: 'p2@contoso.com' }),
      ]);
      t.clock.advance(MINUTE);
      // Ingested later with an older event time: the preview follows ingest order, as the agent does.
      await ingest('activities', [
        activity('prev-3', { appName: 'PreviewApp', timestamp: T0 - 5000, ip: '10.9.9.9' }),
        activity('prev-4', { appName: 'PreviewApp', timestamp: T0 + 500, action: 'Log|out' }),
        activity('prev-other', { appName: 'OtherApp' }),
      ]);
      const answer = await t.api('POST', '/api/v1/siem-agents/preview', {
        body: { dataType: 'activities', filter: { appName: { eq: ['PreviewApp'] } }, limit: 3 },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.dataType).toBe('activities');
      expect(answer.body.total).toBe(4);
      const events = answer.body.events as { id: string; timestamp: number }[];
      expect(events.map((e) => e.id)).toEqual(['prev-4', 'prev-3', 'prev-2']);
      const lines = answer.body.cefLines as string[];
      expect(lines).toHaveLength(3);
      lines.forEach((line, i) => {
        const event = events[i]!;
        expect(line.startsWith(`${new Date(event.timestamp).toISOString()} CEF:0|MCAS|SIEM_Agent|`)).toBe(
          true,
        );
        expect(line).toContain(`externalId=${event.id} `);
        expect(line).not.toMatch(/[\r\n]/);
      });
      expect(lines[0]).toContain('|Log\\|out|');
      expect(lines[1]).toContain('dvc=10.9.9.9');
      // '=' is escaped in extension values (ArcSight CEF spec).
      expect(lines[0]).toContain(`cs1=${t.portal.publicUrl}/#/audits?activity.id\\=eq(prev-4,) `);

      const withPri = await t.api('POST', '/api/v1/siem-agents/preview', {
        body: {
          dataType: 'activities',
          filter: { appName: { eq: ['PreviewApp'] } },
          format: { format: 'generic', includePri: true },
        },
      });
      expect(withPri.body.total).toBe(4);
      expect(withPri.body.cefLines).toHaveLength(4);
      for (const line of withPri.body.cefLines as string[]) expect(line).toMatch(/^<\d{1,3}>\d{4}-/);
    });

    it('previews alerts with the source filter of the duplicate-alert scenario', async () => {
      await ingest('alerts', [
        alert('prev-alert-1', { appName: 'PreviewApp', severity: 'high', riskScore: 8 }),
        alert('prev-alert-2', { appName: 'PreviewApp', source: 'identity' }),
      ]);
      const answer = await t.api('POST', '/api/v1/siem-agents/preview', {
        body: {
          dataType: 'alerts',
          filter: { appName: { eq: ['PreviewApp'] }, source: { neq: ['identity'] } },
        },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.total).toBe(1);
      expect(answer.body.events.map((e: { id: string }) => e.id)).toEqual(['prev-alert-1']);
      expect(answer.body.cefLines[0]).toMatch(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z CEF:0\|MCAS\|SIEM_Agent\|[^|]+\|ALERT_CABINET_EVENT_MATCH_AUDIT\|Imported policy\|8\|externalId=prev-alert-1 /,
      );
      const invalid = await t.api('POST', '/api/v1/siem-agents/preview', {
        body: { dataType: 'alerts', filter: { isAdmin: { eq: [true] } } },
      });
      expect(invalid.status).toBe(400);
      expect(issuePaths(invalid)).toEqual(['body.filter.isAdmin']);
    });
  });

  describe('admins and admin API tokens', () => {
    it('lists admins', async () => {
      const answer = await t.api('GET', '/api/v1/admins');
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual([
        {
          id: t.adminId,
          email: 'admin@cloudsiem.local',
          name: 'Administrator',
          createdAt: expect.any(Number),
        },
      ]);
    });

    it('adds an admin (201), refuses a taken email (409) and a short password (400), removes one (204)', async () => {
      const added = await t.api('POST', '/api/v1/admins', {
        body: { email: 'Second@Contoso.com', name: 'Second', password: 'a long enough password' },
      });
      expect(added.status).toBe(201);
      expect(added.body).toEqual({
        id: expect.any(String),
        email: 'second@contoso.com',
        name: 'Second',
        createdAt: t.clock.now(),
      });
      expect(added.text).not.toMatch(/scrypt|password/i);

      const taken = await t.api('POST', '/api/v1/admins', {
        body: { email: 'second@contoso.com', name: 'Again', password: 'a long enough password' },
      });
      expect(taken.status).toBe(409);
      expect(taken.body.error.code).toBe('CONFLICT');

      const short = await t.api('POST', '/api/v1/admins', {
        body: { email: 'third@contoso.com', name: 'Third', password: 'short' },
      });
      expect(short.status).toBe(400);
      expect(issuePaths(short)).toEqual(['body.password']);
      expect(short.body.error.message).toMatch(/at least 12 characters/);
      const badEmail = await t.api('POST', '/api/v1/admins', {
        body: { email: 'not-an-email', name: 'Third', password: 'a long enough password' },
      });
      expect(badEmail.status).toBe(400);
      expect(issuePaths(badEmail)).toEqual(['body.email']);

      const removed = await t.api('DELETE', `/api/v1/admins/${added.body.id}`);
      expect(removed.status).toBe(204);
      const listed = await t.api('GET', '/api/v1/admins');
      expect((listed.body.data as { id: string }[]).map((a) => a.id)).toEqual([t.adminId]);
      const again = await t.api('DELETE', `/api/v1/admins/${added.body.id}`);
      expect(again.status).toBe(404);
      expect(again.body.error.code).toBe('NOT_FOUND');
      // A removed admin cannot sign in.
      const login = await t.api('POST', '/api/v1/auth/login', {
        token: null,
        body: { email: 'second@contoso.com', password: 'a long enough password' },
      });
      expect(login.status).toBe(401);
      expect(login.body.error.code).toBe('LOGIN_FAILED');
    });

    it('creates, lists and revokes admin API tokens; a revoked token answers 401 UNAUTHENTICATED', async () => {
      const created = await t.api('POST', '/api/v1/admin-tokens', { body: { name: 'CI pipeline' } });
      expect(created.status).toBe(201);
      const token = created.body.token as string;
      expect(token).toMatch(/^csadm_/);
      expect(created.body.adminToken).toMatchObject({ name: 'CI pipeline', lastUsedAt: null });
      expect(created.body.adminToken.tokenHint).not.toBe(token);
      const tokenId = created.body.adminToken.id as string;

      const me = await t.api('GET', '/api/v1/auth/me', { token });
      expect(me.status).toBe(200);
      expect(me.body.admin.id).toBe(t.adminId);

      const listed = await t.api('GET', '/api/v1/admin-tokens');
      expect(listed.status).toBe(200);
      const mine = (listed.body.data as { id: string; name: string }[]).find((x) => x.id === tokenId);
      expect(mine).toMatchObject({ name: 'CI pipeline', tokenHint: created.body.adminToken.tokenHint });
      expect(listed.text).not.toContain(token.slice(token.lastIndexOf('.') + 1));

      const bad = await t.api('POST', '/api/v1/admin-tokens', { body: { name: '  ' } });
      expect(bad.status).toBe(400);
      expect(issuePaths(bad)).toEqual(['body.name']);

      const revoked = await t.api('DELETE', `/api/v1/admin-tokens/${tokenId}`);
      expect(revoked.status).toBe(204);
      const after = await t.api('GET', '/api/v1/auth/me', { token });
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('UNAUTHENTICATED');
      const relisted = await t.api('GET', '/api/v1/admin-tokens');
      expect((relisted.body.data as { id: string }[]).map((x) => x.id)).not.toContain(tokenId);
      expect((await t.api('DELETE', `/api/v1/admin-tokens/${tokenId}`)).status).toBe(404);
    });

    it('answers 401 UNAUTHENTICATED without credentials or with a made-up admin token', async () => {
      for (const token of [null, 'csadm_nope', `csadm_${randomUUID()}.${'A'.repeat(43)}`, 'garbage']) {
        const answer = await t.api('GET', '/api/v1/siem-agents', { token });
        expect(answer.status, String(token)).toBe(401);
        expect(answer.body.error.code).toBe('UNAUTHENTICATED');
      }
    });
  });

  describe('sessions', () => {
    let cookie: string;

    it('signs in with an httpOnly SameSite=Strict session cookie', async () => {
      const answer = await t.api('POST', '/api/v1/auth/login', {
        token: null,
        body: { email: 'ADMIN@cloudsiem.local', password: t.password },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.admin).toMatchObject({ id: t.adminId, email: 'admin@cloudsiem.local' });
      const setCookie = answer.headers.getSetCookie();
      expect(setCookie).toHaveLength(1);
      const attributes = setCookie[0]!.split(';').map((a) => a.trim());
      expect(attributes[0]).toMatch(/^cloudsiem_session=[A-Za-z0-9_-]{43}$/);
      expect(attributes).toContain('HttpOnly');
      expect(attributes).toContain('SameSite=Strict');
      expect(attributes).toContain('Path=/');
      cookie = attributes[0]!;
      expect(answer.text).not.toContain(cookie.slice('cloudsiem_session='.length));
    });

    it('answers a wrong password exactly as an unknown email: 401 LOGIN_FAILED', async () => {
      const wrong = await t.api('POST', '/api/v1/auth/login', {
        token: null,
        body: { email: 'admin@cloudsiem.local', password: 'not the password' },
      });
      const unknown = await t.api('POST', '/api/v1/auth/login', {
        token: null,
        body: { email: 'nobody@cloudsiem.local', password: 'not the password' },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('LOGIN_FAILED');
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);
      expect(wrong.headers.getSetCookie()).toEqual([]);
    });

    it('reads /auth/me with the cookie alone', async () => {
      const me = await t.api('GET', '/api/v1/auth/me', { token: null, headers: { cookie } });
      expect(me.status).toBe(200);
      expect(me.body.admin.id).toBe(t.adminId);
      const agents = await t.api('GET', '/api/v1/siem-agents', { token: null, headers: { cookie } });
      expect(agents.status).toBe(200);
    });

    it('refuses a cookie-authenticated write from another origin (403 CSRF_REJECTED), allows its own', async () => {
      const write = (headers: Record<string, string>) =>
        t.api('POST', '/api/v1/admin-tokens', {
          token: null,
          headers: { cookie, ...headers },
          body: { name: 'ui' },
        });
      const foreign: Record<string, string>[] = [
        {},
        { origin: 'http://evil.example' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site', origin: t.url },
      ];
      for (const headers of foreign) {
        const answer = await write(headers);
        expect(answer.status, JSON.stringify(headers)).toBe(403);
        expect(answer.body.error.code).toBe('CSRF_REJECTED');
      }
      const before = (await t.api('GET', '/api/v1/admin-tokens')).body.data.length as number;
      expect(before).toBe(1);

      const sameOrigin = await write({ origin: t.url });
      expect(sameOrigin.status).toBe(201);
      const fetchMetadata = await write({ 'sec-fetch-site': 'same-origin' });
      expect(fetchMetadata.status).toBe(201);
      expect((await t.api('GET', '/api/v1/admin-tokens')).body.data).toHaveLength(3);
    });

    it('ends the session at logout', async () => {
      const out = await t.api('POST', '/api/v1/auth/logout', {
        token: null,
        headers: { cookie, origin: t.url },
      });
      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie().join(';')).toMatch(/cloudsiem_session=;/);
      const me = await t.api('GET', '/api/v1/auth/me', { token: null, headers: { cookie } });
      expect(me.status).toBe(401);
      expect(me.body.error.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('system routes and error answers', () => {
    it('answers /healthz without credentials', async () => {
      const answer = await t.api('GET', '/healthz', { token: null });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ status: 'ok', store: 'ok' });
    });

    it('serves an OpenAPI 3.1 document listing every route', async () => {
      const answer = await t.api('GET', '/api/openapi.json', { token: null });
      expect(answer.status).toBe(200);
      expect(answer.body.openapi).toBe('3.1.0');
      const paths = answer.body.paths as Record<string, Record<string, unknown>>;
      const expected: [string, string[]][] = [
        ['/api/v1/activities', ['get', 'post']],
        ['/api/v1/activities/{id}', ['get']],
        ['/api/v1/alerts', ['get', 'post']],
        ['/api/v1/alerts/{id}', ['get']],
        ['/api/v1/ingest/activities', ['post']],
        ['/api/v1/ingest/alerts', ['post']],
        ['/api/v1/siem-agents', ['get', 'post']],
        ['/api/v1/siem-agents/preview', ['post']],
        ['/api/v1/siem-agents/{id}', ['get', 'patch', 'delete']],
        ['/api/v1/siem-agents/{id}/regenerate-token', ['post']],
        ['/api/v1/siem-agents/{id}/disable', ['post']],
        ['/api/v1/siem-agents/{id}/enable', ['post']],
        ['/api/v1/siem-agents/{id}/heartbeats', ['get']],
        ['/api/v1/policies', ['get', 'post']],
        ['/api/v1/policies/{id}', ['patch', 'delete']],
        ['/api/v1/admins', ['get', 'post']],
        ['/api/v1/admins/{id}', ['delete']],
        ['/api/v1/admin-tokens', ['get', 'post']],
        ['/api/v1/admin-tokens/{id}', ['delete']],
        ['/api/v1/auth/login', ['post']],
        ['/api/v1/auth/logout', ['post']],
        ['/api/v1/auth/me', ['get']],
        ['/api/agent/v1/config', ['get']],
        ['/api/agent/v1/activities', ['get']],
        ['/api/agent/v1/alerts', ['get']],
        ['/api/agent/v1/heartbeat', ['post']],
        ['/healthz', ['get']],
        ['/api/openapi.json', ['get']],
      ];
      for (const [path, methods] of expected) {
        expect(Object.keys(paths[path] ?? {}), path).toEqual(expect.arrayContaining(methods));
      }
      const ingestOp = paths['/api/v1/ingest/activities']!.post as { requestBody: { content: object } };
      expect(Object.keys(ingestOp.requestBody.content)).toEqual(['application/json', 'application/x-ndjson']);
      const agentOp = paths['/api/v1/siem-agents/{id}']!.patch as {
        parameters: { name: string; in: string }[];
      };
      expect(agentOp.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path' }));
      // Every route documents the errors its kind of caller and its validated input can bring.
      const described = (path: string, method: string) =>
        JSON.stringify((paths[path]![method] as { responses: object }).responses);
      for (const code of ['UNAUTHENTICATED', 'CSRF_REJECTED', 'BAD_REQUEST', 'PAYLOAD_TOO_LARGE']) {
        expect(described('/api/v1/ingest/activities', 'post')).toContain(code);
      }
      for (const code of ['TOKEN_INVALID', 'TOKEN_OWNER_REMOVED', 'AGENT_DELETED', 'CURSOR_INVALID']) {
        expect(described('/api/agent/v1/activities', 'get')).toContain(code);
      }
      expect(described('/healthz', 'get')).not.toContain('UNAUTHENTICATED');
    });

    it('answers an unknown route with a 404 JSON error body', async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/nothing-here'],
        ['POST', '/api/v2/activities'],
        ['PUT', '/api/v1/siem-agents'],
      ] as const) {
        const answer = await t.api(method, path);
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
        expect(answer.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
      }
    });

    it('answers a malformed JSON body or a wrong content type with 400/415, not 500', async () => {
      const broken = await t.api('POST', '/api/v1/siem-agents', { body: '{"name": ' });
      expect(broken.status).toBe(400);
      expect(broken.body.error.code).toBe('BAD_REQUEST');
      const typed = await t.api('POST', '/api/v1/policies', {
        body: '{"name":"x"}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(typed.status).toBe(415);
      expect(typed.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const deep = await t.api('POST', '/api/v1/activities', {
        body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
      });
      expect(deep.status).toBe(400);
      const unknownField = await t.api('POST', '/api/v1/admin-tokens', { body: { name: 'x', admin: 'y' } });
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.error.message).toContain('admin');
    });

    it('never answers 500 to a NUL character in a request field (PostgreSQL text cannot hold one)', async () => {
      const nul = 'a\u0000b';
      const agent = await t.api('POST', '/api/v1/siem-agents', {
        body: { name: 'nul target', syslog: { host: 'siem.example.com', port: 514 } },
      });
      const cases: [string, string, { body?: unknown; token?: string | null }][] = [
        ['POST', '/api/v1/activities', { body: { filters: { user: { eq: [nul] } } } }],
        ['POST', '/api/v1/alerts', { body: { filters: { user: { contains: nul } } } }],
        ['GET', '/api/v1/activities/a%00b', {}],
        ['POST', '/api/v1/auth/login', { token: null, body: { email: nul, password: 'whatever it is' } }],
        [
          'POST',
          '/api/v1/admins',
          { body: { email: 'nul@contoso.com', name: nul, password: 'long enough password' } },
        ],
        ['POST', '/api/v1/admin-tokens', { body: { name: nul } }],
        [
          'POST',
          '/api/v1/siem-agents',
          { body: { name: nul, syslog: { host: 'siem.example.com', port: 514 } } },
        ],
        ['POST', '/api/v1/policies', { body: { name: nul, severity: 'low', filter: {} } }],
        [
          'POST',
          '/api/agent/v1/heartbeat',
          {
            token: agent.body.token,
            body: {
              version: '0.1.0',
              host: nul,
              startedAt: 1,
              syslog: { state: 'disconnected', target: 'siem.example.com:514' },
              errors: [{ code: 'SYSLOG_CONNECT', message: nul }],
            },
          },
        ],
      ];
      const failures: string[] = [];
      for (const [method, path, options] of cases) {
        const answer = await t.api(method, path, options);
        // A 4xx, or a 2xx that stores it, is the portal's choice; a 500 (PostgreSQL refusing NUL) is a bug.
        if (answer.status >= 500)
          failures.push(`${method} ${path} → ${answer.status} ${answer.text.slice(0, 80)}`);
      }
      // Whatever was stored goes, so the tests after this one see what they expect.
      for (const policy of (await t.api('GET', '/api/v1/policies')).body.data as { id: string }[]) {
        await t.api('DELETE', `/api/v1/policies/${policy.id}`);
      }
      for (const admin of (await t.api('GET', '/api/v1/admins')).body.data as { id: string }[]) {
        if (admin.id !== t.adminId) await t.api('DELETE', `/api/v1/admins/${admin.id}`);
      }
      expect(failures).toEqual([]);
    });

    it('never answers with a stack trace', () => {
      const errors = answers.filter((a) => a.answer.status >= 400);
      expect(errors.length).toBeGreaterThan(50);
      expect(new Set(errors.map((a) => a.answer.status)).size).toBeGreaterThanOrEqual(7);
      for (const { method, path, answer } of answers) {
        expect(answer.text, `${method} ${path}`).not.toMatch(STACK_TRACE);
        if (answer.status >= 400) {
          expect(answer.body, `${method} ${path}`).toEqual({
            error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
          });
        }
      }
    });

    // Last: it removes the first admin, whose token the tests above use.
    it('refuses to remove the last admin (409 CONFLICT)', async () => {
      const other = await t.api('POST', '/api/v1/admins', {
        body: { email: 'survivor@contoso.com', name: 'Survivor', password: 'a long enough password' },
      });
      expect(other.status).toBe(201);
      const { token } = await t.portal.services.admins.createApiToken(other.body.id, 'survivor');
      const removeFirst = await t.api('DELETE', `/api/v1/admins/${t.adminId}`, { token });
      expect(removeFirst.status).toBe(204);
      expect((await t.api('GET', '/api/v1/admins')).status).toBe(401);
      const removeSelf = await t.api('DELETE', `/api/v1/admins/${other.body.id}`, { token });
      expect(removeSelf.status).toBe(409);
      expect(removeSelf.body.error.code).toBe('CONFLICT');
      expect(removeSelf.body.error.message).toMatch(/last admin/);
      const left = await t.api('GET', '/api/v1/admins', { token });
      expect(left.body.data).toEqual([expect.objectContaining({ id: other.body.id })]);
    });
  });
});
