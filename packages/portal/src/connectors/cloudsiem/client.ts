// The other portal's MDCA-style list API (`POST /api/v1/{activities,alerts}/`, DESIGN §7) with an
// admin API token, through the connector's UpstreamHttp (its budget, TLS rules and retries).
import { ADMIN_API_PREFIX, LIST_LIMIT_MAX, type DataType, type Filter } from '@cloudsiem/protocol';
import { UpstreamError, type UpstreamHttp } from '../types.ts';

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

export function portalListClient(http: UpstreamHttp, baseUrl: string, token: string): PortalListClient {
  return {
    async list(dataType, request) {
      const response = await http.request({
        method: 'POST',
        url: `${baseUrl}${ADMIN_API_PREFIX}/${dataType}/`,
        headers: { authorization: `Token ${token}` },
        json: { ...request, limit: Math.min(request.limit, LIST_LIMIT_MAX) },
        what: `list ${dataType}`,
      });
      const body = response.json<Partial<ListPage>>();
      if (!Array.isArray(body.data) || typeof body.hasNext !== 'boolean')
        throw new UpstreamError('invalid-response', `list ${dataType}: the answer has no data/hasNext`, {
          status: response.status,
        });
      return { data: body.data, hasNext: body.hasNext, total: Number(body.total ?? 0) };
    },
  };
}
