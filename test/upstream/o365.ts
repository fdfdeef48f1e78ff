// A fake Office 365 Management Activity API for the o365-management contract tests, following the
// docs in reference/upstream/o365/: subscriptions start/list, content listed by window (≤ 24 h,
// ≤ 7 days back, AF20055 otherwise) and paged by a NextPageUri header in the docs' own form
// (`…/api/v1/{tenant_id}/…`), content blobs, AF20022 before a start, AF429 as an HTTP 403, expired
// blobs (AF20051) and missing ones (AF20050, 404), blobs listed days late. Stricter than Microsoft in
// one place, on purpose: a call without PublisherIdentifier is refused (AF20001), so a test catches it.
import blobs from './fixtures/o365/content-blob-audit-records.json' with { type: 'json' };
import startResponse from './fixtures/o365/subscriptions-start-response.json' with { type: 'json' };
import type { FakeEntra } from './entra.ts';
import type { Handler } from './server.ts';

export const O365_SCOPE = 'https://manage.office.com/.default';
/** The documented sample records by content type (VERBATIM, REAL and RECONSTRUCTED; see fixtures/README.md). */
export const SAMPLE_RECORDS = blobs as unknown as Record<string, Record<string, unknown>[]>;

export interface FakeBlob {
  contentType: string;
  contentId: string;
  /** contentCreated (epoch ms): the listing windows select on it. */
  created: number;
  /** contentExpiration (epoch ms): created + 7 days unless set. */
  expiration: number;
  /** The blob is listed only from this time on (late content). */
  listedFrom: number;
  records: Record<string, unknown>[];
  /** 'missing': the listed blob answers 404 AF20050. */
  missing?: boolean;
}

export type O365Fault = { af429: true } | { status: 500 } | 'ok';

export interface FakeO365Options {
  entra: FakeEntra;
  prefix: string;
  tenantId: string;
  now: () => number;
  /** Entries per content list page (small, so paging shows). Default 3. */
  pageSize?: number;
  /** The paging header's name: the reference page's NextPageUri or the troubleshooting page's NextPageUrl. */
  nextPageHeader?: 'NextPageUri' | 'NextPageUrl';
}

export interface FakeO365 {
  handler: Handler;
  blobs: FakeBlob[];
  /** Subscriptions by content type. */
  subscriptions: Map<string, 'enabled' | 'disabled'>;
  /** Answers to the next calls (any route), in order ('ok' serves normally). */
  script: O365Fault[];
  /** Blob fetches by content id. */
  fetches: Map<string, number>;
  /** Calls answered, by route: start, list, content, blob. */
  calls: Record<'start' | 'list' | 'content' | 'blob', number>;
}

let counter = 0;
/** A blob of `n` records in the shape of the documented samples of its content type. */
export function generatedBlob(
  contentType: string,
  created: number,
  n: number,
  options: { listedFrom?: number; expiration?: number; missing?: boolean } = {},
): FakeBlob {
  const samples = SAMPLE_RECORDS[contentType] ?? SAMPLE_RECORDS['Audit.Exchange'] ?? [];
  const id = ++counter;
  const stamp = new Date(created).toISOString().replace(/[-:TZ.]/g, '');
  return {
    contentType,
    contentId: `${stamp}${String(id).padStart(6, '0')}$${stamp}$${contentType.toLowerCase().replace('.', '_')}$${contentType.replace('.', '_')}$emea0029`,
    created,
    expiration: options.expiration ?? created + 7 * 86_400_000,
    listedFrom: options.listedFrom ?? created,
    ...(options.missing === true ? { missing: true } : {}),
    records: Array.from({ length: n }, (_, i) => {
      const sample = samples[i % samples.length] ?? {};
      return {
        ...sample,
        Id: `${String(id).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`,
        // Half without a zone, as the documented samples write it.
        CreationTime: new Date(created - 60_000 + i).toISOString().slice(0, i % 2 === 0 ? 19 : 23),
      };
    }),
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');
/** The API's times: YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, UTC. */
const parseTime = (text: string) =>
  Date.parse(/Z$/.test(text) ? text : `${text}${text.length === 10 ? 'T00:00:00' : ''}Z`);
const af = (code: string, message: string) => ({ error: { code, message } });

export function fakeO365(options: FakeO365Options): FakeO365 {
  const blobList: FakeBlob[] = [];
  const subscriptions = new Map<string, 'enabled' | 'disabled'>();
  const script: O365Fault[] = [];
  const fetches = new Map<string, number>();
  const calls = { start: 0, list: 0, content: 0, blob: 0 };
  const pageSize = options.pageSize ?? 3;

  const handler: Handler = ({ req, url, json, res }) => {
    // Both the documented /api/v1.0/ and the NextPageUri sample's /api/v1/.
    const m = new RegExp(`^${options.prefix}/api/v1(?:\\.0)?/([^/]+)/activity/feed/(.+)$`).exec(url.pathname);
    if (m?.[1] === undefined || m[2] === undefined) return false;
    if (!options.entra.valid(req.headers.authorization, O365_SCOPE)) {
      // RECONSTRUCTED: the docs give no 401 body.
      json(401, af('AF10001', 'Authorization has been denied for this request.'));
      return;
    }
    const tenant = decodeURIComponent(m[1]);
    if (tenant !== options.tenantId) {
      json(
        400,
        af(
          'AF20010',
          `The tenant ID passed in the URL (${tenant}) does not match the tenant ID passed in the access token (${options.tenantId}).`,
        ),
      );
      return;
    }
    if (!url.searchParams.has('PublisherIdentifier')) {
      json(400, af('AF20001', 'Missing parameter: PublisherIdentifier.'));
      return;
    }
    const fault = script.shift();
    if (fault !== undefined && fault !== 'ok') {
      if ('af429' in fault)
        json(
          403,
          af(
            'AF429',
            `Too many requests. Method=GetBlob, PublisherId=${url.searchParams.get('PublisherIdentifier')}`,
          ),
        );
      else json(500, af('AF50000', 'An internal server error occurred. Retry the request.'));
      return;
    }
    const route = m[2];
    const now = options.now();
    const contentType = url.searchParams.get('contentType') ?? '';

    if (route === 'subscriptions/start' && req.method === 'POST') {
      calls.start++;
      if (subscriptions.get(contentType) === 'enabled') {
        // Not in Microsoft's table; Wazuh and Elastic treat it as success.
        json(400, af('AF20024', 'The subscription is already enabled. No property change.'));
        return;
      }
      subscriptions.set(contentType, 'enabled');
      json(200, { ...startResponse, contentType, webhook: null });
      return;
    }
    if (route === 'subscriptions/list' && req.method === 'GET') {
      calls.list++;
      json(
        200,
        [...subscriptions].map(([type, status]) => ({ contentType: type, status, webhook: null })),
      );
      return;
    }
    if (route === 'subscriptions/content' && req.method === 'GET') {
      calls.content++;
      const state = subscriptions.get(contentType);
      if (state === undefined) {
        json(400, af('AF20022', 'No subscription found for the specified content type.'));
        return;
      }
      if (state === 'disabled') {
        json(400, af('AF20023', 'The subscription was disabled by a tenant admin.'));
        return;
      }
      const startText = url.searchParams.get('startTime');
      const endText = url.searchParams.get('endTime');
      const start = startText === null ? now - 86_400_000 : parseTime(startText);
      const end = endText === null ? now : parseTime(endText);
      if (
        (startText === null) !== (endText === null) ||
        Number.isNaN(start) ||
        Number.isNaN(end) ||
        end - start > 86_400_000 ||
        start >= end ||
        start < now - 7 * 86_400_000
      ) {
        json(
          400,
          af(
            'AF20055',
            'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time prior to end time and start time no more than 7 days in the past.',
          ),
        );
        return;
      }
      const offset = Number(url.searchParams.get('nextPage') ?? 0);
      const listed = blobList
        .filter(
          (b) =>
            b.contentType === contentType && b.created >= start && b.created < end && b.listedFrom <= now,
        )
        .sort((a, b) => a.created - b.created || (a.contentId < b.contentId ? -1 : 1));
      const page = listed.slice(offset, offset + pageSize);
      const headers: Record<string, string> = {};
      if (offset + pageSize < listed.length) {
        // The documented form, quirks included: /api/v1/, the literal {tenant_id}, no PublisherIdentifier.
        headers[options.nextPageHeader ?? 'NextPageUri'] =
          `http://${req.headers.host}${options.prefix}/api/v1/{tenant_id}/activity/feed/subscriptions/content?contentType=${contentType}&startTime=${startText}&endTime=${endText}&nextPage=${offset + pageSize}`;
      }
      const origin = `http://${req.headers.host}${options.prefix}`;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(
        JSON.stringify(
          page.map((b) => ({
            contentType: b.contentType,
            contentId: b.contentId,
            contentUri: `${origin}/api/v1.0/${options.tenantId}/activity/feed/audit/${b.contentId}`,
            contentCreated: iso(b.created),
            contentExpiration: iso(b.expiration),
          })),
        ),
      );
      return;
    }
    if (route.startsWith('audit/') && req.method === 'GET') {
      calls.blob++;
      const contentId = decodeURIComponent(route.slice('audit/'.length));
      fetches.set(contentId, (fetches.get(contentId) ?? 0) + 1);
      const blob = blobList.find((b) => b.contentId === contentId);
      if (blob === undefined || blob.missing === true) {
        json(404, af('AF20050', `The specified content (${contentId}) does not exist.`));
        return;
      }
      if (blob.expiration <= now) {
        json(
          400,
          af(
            'AF20051',
            `Content requested with the key ${contentId} has already expired. Content older than 7 days cannot be retrieved.`,
          ),
        );
        return;
      }
      json(200, blob.records);
      return;
    }
    return false;
  };
  return { handler, blobs: blobList, subscriptions, script, fetches, calls };
}
