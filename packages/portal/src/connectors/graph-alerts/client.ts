// Microsoft Graph `GET /v1.0/security/alerts_v2` (Graph docs: list alerts_v2, paging, throttling):
// the first page of a drain with `$filter`, then `@odata.nextLink` followed verbatim, a Bearer
// token from Entra ID re-fetched once after a 401. Throttling and retries are UpstreamHttp's.
import type { TokenSource, UpstreamHttp, UpstreamResponse } from '../types.ts';
import { UpstreamError } from '../types.ts';

export interface GraphAlertsPage {
  /** The page's alerts as Graph sent them (mapped by mapping.ts). */
  alerts: unknown[];
  /** Absolute URL of the next page, or null at the end of the drain. */
  nextLink: string | null;
}

export interface GraphAlertsQuery {
  /** Alerts last updated at or after this (epoch ms). */
  updatedSince: number;
  /** Only these serviceSource values (none: every source). */
  serviceSources?: readonly string[];
  /** `$top`; left out, Graph chooses its page size. */
  top?: number;
}

export interface GraphAlertsClient {
  firstPage(query: GraphAlertsQuery): Promise<GraphAlertsPage>;
  /** The page behind a nextLink; `gone` when Graph no longer accepts it (a stale $skiptoken). */
  follow(nextLink: string): Promise<GraphAlertsPage | 'gone'>;
}

/** OData DateTimeOffset literal (unquoted, UTC, milliseconds). */
export function odataTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The documented `$filter` on lastUpdateDateTime, plus `serviceSource eq '…'` alternatives. */
export function alertsFilter(query: GraphAlertsQuery): string {
  let filter = `lastUpdateDateTime ge ${odataTime(query.updatedSince)}`;
  const sources = query.serviceSources ?? [];
  if (sources.length > 0)
    filter += ` and (${sources.map((s) => `serviceSource eq '${s.replace(/'/g, "''")}'`).join(' or ')})`;
  return filter;
}

export function graphAlertsClient(
  http: UpstreamHttp,
  tokens: TokenSource,
  baseUrl: string,
): GraphAlertsClient {
  const origin = new URL(baseUrl).origin;

  /** One GET with the bearer; a 401 (expired or revoked token) gets one fresh token and one retry. */
  async function get(url: string, what: string, accept: readonly number[]): Promise<UpstreamResponse> {
    for (let attempt = 0; ; attempt++) {
      const response = await http.request({
        method: 'GET',
        url,
        what,
        headers: { authorization: `Bearer ${await tokens.bearer()}` },
        accept: [401, ...accept],
      });
      if (response.status !== 401) return response;
      tokens.invalidate();
      if (attempt >= 1)
        throw new UpstreamError('auth', `${what}: Graph refused a fresh token (401)`, { status: 401 });
    }
  }

  function page(response: UpstreamResponse, what: string): GraphAlertsPage {
    const body = response.json<{ value?: unknown; '@odata.nextLink'?: unknown }>();
    if (typeof body !== 'object' || body === null || !Array.isArray(body.value))
      throw new UpstreamError('invalid-response', `${what}: the answer has no "value" array`, {
        status: response.status,
      });
    const next = body['@odata.nextLink'];
    if (next !== undefined && next !== null && typeof next !== 'string')
      throw new UpstreamError('invalid-response', `${what}: @odata.nextLink is not a string`);
    if (typeof next === 'string' && new URL(next, baseUrl).origin !== origin)
      // The bearer token goes wherever the link points: only ever to the configured Graph host.
      throw new UpstreamError('invalid-response', `${what}: @odata.nextLink points away from ${origin}`);
    return { alerts: body.value, nextLink: typeof next === 'string' ? next : null };
  }

  return {
    async firstPage(query) {
      let url = `${baseUrl}/v1.0/security/alerts_v2?$filter=${encodeURIComponent(alertsFilter(query))}`;
      if (query.top !== undefined) url += `&$top=${query.top}`;
      return page(await get(url, 'list alerts_v2', []), 'list alerts_v2');
    },
    async follow(nextLink) {
      const what = 'list alerts_v2 (next page)';
      const response = await get(nextLink, what, [400, 410]);
      if (response.status === 400 || response.status === 410) return 'gone';
      return page(response, what);
    },
  };
}
