// The Office 365 Management Activity API's calls (O365 docs: Management Activity API reference,
// troubleshooting): start a subscription, list available content in a window (paged by the
// NextPageUri header), fetch a content blob; `PublisherIdentifier` on every call, the AF error
// codes read from the body (AF429 arrives as HTTP 403), a 401 answered with one fresh token.
import type { TokenSource, UpstreamHttp, UpstreamResponse } from '../types.ts';
import { UpstreamError } from '../types.ts';

export interface ContentEntry {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

export type ListResult =
  | { entries: ContentEntry[]; nextPageUri: string | null }
  /** AF20022 (no subscription) or AF20023 (disabled). */
  | { noSubscription: string; message: string };

export type BlobResult = { records: unknown[] } | { gone: string };

export interface O365Client {
  /** Starts (or confirms) the subscription; AF20024 "already enabled" is success. */
  startSubscription(contentType: string): Promise<void>;
  listContent(contentType: string, startMs: number, endMs: number): Promise<ListResult>;
  listPage(nextPageUri: string): Promise<ListResult>;
  fetchBlob(contentUri: string): Promise<BlobResult>;
}

/** The AF codes a caller handles; every other error status is an UpstreamError. */
const NO_SUBSCRIPTION = new Set(['AF20022', 'AF20023']);
const BLOB_GONE = new Set(['AF20050', 'AF20051']);
/** No Retry-After is documented for AF429: wait a minute (the pools are per minute). */
export const AF429_WAIT_MS = 60_000;

/** The API's time format (UTC, no zone: YYYY-MM-DDTHH:MM:SS). */
export function apiTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function afError(response: UpstreamResponse): { code: string; message: string } {
  try {
    const body = JSON.parse(response.text) as { error?: { code?: unknown; message?: unknown } };
    return {
      code: typeof body.error?.code === 'string' ? body.error.code : '',
      message: typeof body.error?.message === 'string' ? body.error.message : response.text.slice(0, 300),
    };
  } catch {
    return { code: '', message: response.text.slice(0, 300) };
  }
}

export function o365Client(
  http: UpstreamHttp,
  tokens: TokenSource,
  options: { baseUrl: string; tenantId: string; publisherId: string },
): O365Client {
  const origin = new URL(options.baseUrl).origin;
  const feed = `${options.baseUrl}/api/v1.0/${encodeURIComponent(options.tenantId)}/activity/feed`;

  /**
   * A URL the API handed us (NextPageUri, contentUri), made safe to call: only on the configured
   * host (the bearer goes with it), the docs' literal `{tenant_id}` filled in, PublisherIdentifier set.
   */
  function given(url: string, what: string): string {
    const filled = url.replace(/\{tenant_id\}|%7Btenant_id%7D/gi, encodeURIComponent(options.tenantId));
    let parsed: URL;
    try {
      parsed = new URL(filled, options.baseUrl);
    } catch {
      throw new UpstreamError('invalid-response', `${what}: not a URL: ${url.slice(0, 200)}`);
    }
    if (parsed.origin !== origin)
      throw new UpstreamError('invalid-response', `${what}: the URL points away from ${origin}`);
    parsed.searchParams.set('PublisherIdentifier', options.publisherId);
    return parsed.href;
  }

  function withPublisher(url: string): string {
    return `${url}${url.includes('?') ? '&' : '?'}PublisherIdentifier=${encodeURIComponent(options.publisherId)}`;
  }

  /** One call; 401 → one fresh token; AF429 (a 403) → throttled; other 4xx come back with their AF code. */
  async function call(method: 'GET' | 'POST', url: string, what: string): Promise<UpstreamResponse> {
    for (let attempt = 0; ; attempt++) {
      const response = await http.request({
        method,
        url,
        what,
        headers: { authorization: `Bearer ${await tokens.bearer()}` },
        accept: [400, 401, 403, 404, 410],
      });
      if (response.status === 401) {
        tokens.invalidate();
        if (attempt >= 1)
          throw new UpstreamError(
            'auth',
            `${what}: the API refused a fresh token (401): ${afError(response).message}`,
            {
              status: 401,
            },
          );
        continue;
      }
      if (response.status === 403) {
        const { code, message } = afError(response);
        if (code === 'AF429')
          throw new UpstreamError('throttled', `${what}: throttled by the API (403 AF429): ${message}`, {
            status: 403,
            retryAfterMs: AF429_WAIT_MS,
            retriable: true,
          });
        throw new UpstreamError(
          'permission',
          `${what}: the app lacks a permission (403${code === '' ? '' : ` ${code}`}): ${message}`,
          {
            status: 403,
          },
        );
      }
      return response;
    }
  }

  function refused(what: string, response: UpstreamResponse): UpstreamError {
    const { code, message } = afError(response);
    return new UpstreamError(
      'http',
      `${what}: the API answered ${response.status}${code === '' ? '' : ` ${code}`}: ${message}`,
      {
        status: response.status,
        // AF50000 and friends say "retry"; a parameter error will not heal by itself.
        retriable: code === 'AF50000' || response.status >= 500,
      },
    );
  }

  function entries(response: UpstreamResponse, what: string): ListResult {
    if (response.status >= 400) {
      const { code, message } = afError(response);
      if (NO_SUBSCRIPTION.has(code)) return { noSubscription: code, message };
      throw refused(what, response);
    }
    const body = response.json<unknown>();
    if (!Array.isArray(body))
      throw new UpstreamError('invalid-response', `${what}: the answer is not a JSON array`);
    const valid = body.filter(
      (e): e is ContentEntry =>
        typeof (e as Partial<ContentEntry> | null)?.contentId === 'string' &&
        typeof (e as Partial<ContentEntry>).contentUri === 'string',
    );
    // The reference page names it NextPageUri, the troubleshooting page NextPageUrl (headers are lower-cased).
    const next = response.headers.nextpageuri ?? response.headers.nextpageurl;
    return { entries: valid, nextPageUri: next === undefined || next === '' ? null : given(next, what) };
  }

  return {
    async startSubscription(contentType) {
      const what = `start subscription ${contentType}`;
      const response = await call(
        'POST',
        withPublisher(`${feed}/subscriptions/start?contentType=${encodeURIComponent(contentType)}`),
        what,
      );
      if (response.status >= 400 && afError(response).code !== 'AF20024') throw refused(what, response);
    },
    async listContent(contentType, startMs, endMs) {
      const what = `list content ${contentType}`;
      const url = withPublisher(
        `${feed}/subscriptions/content?contentType=${encodeURIComponent(contentType)}&startTime=${apiTime(startMs)}&endTime=${apiTime(endMs)}`,
      );
      return entries(await call('GET', url, what), what);
    },
    async listPage(nextPageUri) {
      const what = 'list content (next page)';
      return entries(await call('GET', given(nextPageUri, what), what), what);
    },
    async fetchBlob(contentUri) {
      const what = 'fetch content blob';
      const response = await call('GET', given(contentUri, what), what);
      if (response.status >= 400) {
        const { code, message } = afError(response);
        if (BLOB_GONE.has(code) || response.status === 404 || response.status === 410)
          return { gone: `${response.status}${code === '' ? '' : ` ${code}`}: ${message}` };
        throw refused(what, response);
      }
      const body = response.json<unknown>();
      if (!Array.isArray(body))
        throw new UpstreamError('invalid-response', `${what}: the blob is not a JSON array`);
      return { records: body };
    },
  };
}
