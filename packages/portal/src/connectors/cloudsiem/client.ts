// The other portal's MDCA-style list API (`POST /api/v1/{activities,alerts}/`, DESIGN §7) through
// protocol's typed admin client, whose requests go out over the connector's UpstreamHttp (its
// budget, TLS rules, retries and classified failures) instead of the global fetch.
import { AdminApiError, createAdminClient, type DataType, type Filter } from '@cloudsiem/protocol';
import { UpstreamError, type UpstreamHttp, type UpstreamRequest } from '../types.ts';

export interface ListPage {
  data: unknown[];
  hasNext: boolean;
  total: number;
}

export interface PortalListClient {
  list(
    dataType: DataType,
    request: { filters: Filter; sortField: 'createdAt'; sortDirection: 'asc'; skip: number; limit: number },
  ): Promise<ListPage>;
}

/** A fetch for the admin client that goes through UpstreamHttp; its failures come back as they are. */
export function upstreamFetch(http: UpstreamHttp): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase() as UpstreamRequest['method'];
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const response = await http.request({
      method,
      url,
      headers,
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
      what: `${method === 'POST' ? 'list' : method} ${new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? ''}`,
    });
    return new Response(response.status === 204 ? null : response.text, {
      status: response.status,
      headers: response.headers,
    });
  };
}

export function portalListClient(http: UpstreamHttp, baseUrl: string, token: string): PortalListClient {
  const client = createAdminClient({ baseUrl, token, fetch: upstreamFetch(http) });
  return {
    async list(dataType, request) {
      try {
        const page =
          dataType === 'activities' ? await client.listActivities(request) : await client.listAlerts(request);
        return { data: page.data, hasNext: page.hasNext, total: page.total };
      } catch (error) {
        // The transport's own classification (auth, TLS, throttled…) is what the connector reports.
        if (error instanceof AdminApiError && error.cause instanceof UpstreamError) throw error.cause;
        if (error instanceof AdminApiError)
          throw new UpstreamError('invalid-response', `list ${dataType}: ${error.message}`, {
            status: error.status === 0 ? null : error.status,
          });
        throw error;
      }
    },
  };
}
