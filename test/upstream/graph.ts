// A fake Microsoft Graph `GET /v1.0/security/alerts_v2` for the graph-alerts contract tests,
// following the Graph docs in reference/upstream/graph/: Bearer checked against the fake Entra ID,
// `$filter` on lastUpdateDateTime (ge) and serviceSource (eq, or-ed), `$top`/`$skip`, most recent
// alerts first, `@odata.nextLink` carrying every other parameter, the documented 429 with
// `Retry-After: 2.128`, and scripted failures (a page, then 500s).
import sample from './fixtures/graph/alerts_v2-list-response.json' with { type: 'json' };
import type { FakeEntra } from './entra.ts';
import type { Handler } from './server.ts';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** The one published alert (MDE, 4 evidence items), verbatim. */
export const SAMPLE_ALERT = sample.value[0] as unknown as GraphAlert;

export interface GraphAlert {
  id: string;
  createdDateTime: string;
  lastUpdateDateTime: string;
  serviceSource: string;
  [field: string]: unknown;
}

/** The documented 429 body (graph/errors.md, verbatim). */
export const THROTTLED_BODY = {
  error: {
    code: 'TooManyRequests',
    innerError: {
      code: '429',
      date: '2020-08-18T12:51:51',
      message: 'Please retry after',
      'request-id': '94fb3b52-452a-4535-a601-69e0a90e3aa2',
      status: '429',
    },
    message: 'Please retry again later.',
  },
};

export type GraphFault = { status: 429; retryAfter?: string } | { status: 500 | 503 } | 'ok';

export interface FakeGraphOptions {
  entra: FakeEntra;
  /** The prefix the handler is mounted under, e.g. /graph; the base URL is server URL + prefix. */
  prefix: string;
  /** Page size when the request has no $top (Graph chooses; ours is small so paging shows). */
  defaultTop?: number;
}

export interface FakeGraph {
  handler: Handler;
  /** The tenant's alerts (mutable: push new ones, or update one with `update`). */
  alerts: GraphAlert[];
  /** Sets an alert's lastUpdateDateTime (and status), as a Defender update does. */
  update(id: string, at: number, status?: string): void;
  /** Answers to the next list calls, in order, before the data is served ('ok' serves it). */
  script: GraphFault[];
  /** List calls answered with data. */
  readonly served: number;
  /** Alerts sent in all pages (with repeats). */
  readonly alertsSent: number;
}

/** An alert in the documented shape: the sample with a new id, times, source, user and IP evidence. */
export function generatedAlert(
  n: number,
  options: { createdAt: number; updatedAt?: number; serviceSource?: string; user?: string; ip?: string },
): GraphAlert {
  const id = `da6375512276775${String(n).padStart(5, '0')}_-${String(900000000 + n)}`;
  const created = new Date(options.createdAt).toISOString().replace('Z', '0000Z');
  return {
    ...SAMPLE_ALERT,
    id,
    providerAlertId: id,
    serviceSource: options.serviceSource ?? 'microsoftDefenderForCloudApps',
    detectionSource:
      options.serviceSource === 'microsoftDefenderForIdentity'
        ? 'microsoftDefenderForIdentity'
        : 'microsoftDefenderForCloudApps',
    category: n % 2 === 0 ? 'InitialAccess' : 'Exfiltration',
    severity: (['low', 'medium', 'high', 'informational', 'unknown'] as const)[n % 5],
    title: `Generated alert ${n}`,
    createdDateTime: created,
    lastUpdateDateTime: new Date(options.updatedAt ?? options.createdAt).toISOString(),
    evidence: [
      {
        '@odata.type': '#microsoft.graph.security.userEvidence',
        createdDateTime: created,
        verdict: 'suspicious',
        remediationStatus: 'none',
        roles: [],
        tags: [],
        userAccount: {
          accountName: 'user',
          domainName: 'contoso',
          userSid: 'S-1-5-21-0000000000-0000000000-0000000000-1001',
          azureAdUserId: null,
          userPrincipalName: options.user ?? `user${n % 7}@contoso.com`,
          displayName: 'User',
        },
      },
      {
        '@odata.type': '#microsoft.graph.security.ipEvidence',
        createdDateTime: created,
        verdict: 'unknown',
        remediationStatus: 'none',
        roles: [],
        tags: [],
        ipAddress: options.ip ?? `203.0.113.${n % 250}`,
      },
    ],
  };
}

interface Query {
  since: number;
  sources: string[];
}

/** Parses the filters the list page documents for these two properties; anything else is refused. */
function parseFilter(filter: string): Query | null {
  const m = /^lastUpdateDateTime ge (\S+)(?: and \((.+)\))?$/.exec(filter);
  if (m === null || m[1] === undefined) return null;
  const since = Date.parse(m[1]);
  if (Number.isNaN(since)) return null;
  const sources: string[] = [];
  if (m[2] !== undefined) {
    for (const part of m[2].split(' or ')) {
      const s = /^serviceSource eq '([A-Za-z]+)'$/.exec(part);
      if (s?.[1] === undefined) return null;
      sources.push(s[1]);
    }
  }
  return { since, sources };
}

export function fakeGraph(options: FakeGraphOptions): FakeGraph {
  const alerts: GraphAlert[] = [];
  const script: GraphFault[] = [];
  let served = 0;
  let alertsSent = 0;
  const handler: Handler = ({ req, url, json }) => {
    if (req.method !== 'GET' || url.pathname !== `${options.prefix}/v1.0/security/alerts_v2`) return false;
    if (!options.entra.valid(req.headers.authorization, GRAPH_SCOPE)) {
      // No documented 401 body: the documented error shape with the forum-quoted message.
      json(401, {
        error: {
          code: 'InvalidAuthenticationToken',
          message: 'Access token has expired or is not yet valid.',
          innerError: {
            'request-id': '00000000-0000-0000-0000-000000000000',
            date: new Date().toISOString(),
          },
        },
      });
      return;
    }
    const fault = script.shift();
    if (fault !== undefined && fault !== 'ok') {
      if (fault.status === 429) json(429, THROTTLED_BODY, { 'retry-after': fault.retryAfter ?? '2.128' });
      else
        json(fault.status, {
          error: { code: 'serviceNotAvailable', message: 'The service is temporarily unavailable.' },
        });
      return;
    }
    const filter = url.searchParams.get('$filter');
    const query = filter === null ? { since: 0, sources: [] } : parseFilter(filter);
    if (query === null) {
      json(400, { error: { code: 'BadRequest', message: `Invalid filter clause: ${filter}` } });
      return;
    }
    const top = Number(url.searchParams.get('$top') ?? options.defaultTop ?? 100);
    const skip = Number(url.searchParams.get('$skip') ?? 0);
    const matching = alerts
      .filter((a) => Date.parse(a.lastUpdateDateTime) >= query.since)
      .filter((a) => query.sources.length === 0 || query.sources.includes(a.serviceSource))
      // "most recent alerts first"; ties by id so $skip pages are stable.
      .sort(
        (a, b) => Date.parse(b.createdDateTime) - Date.parse(a.createdDateTime) || (a.id < b.id ? -1 : 1),
      );
    const value = matching.slice(skip, skip + top);
    served++;
    alertsSent += value.length;
    const body: Record<string, unknown> = {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2',
      value,
    };
    if (skip + top < matching.length) {
      const next = new URL(url.href);
      next.host = req.headers.host ?? url.host;
      next.searchParams.set('$top', String(top));
      next.searchParams.set('$skip', String(skip + top));
      body['@odata.nextLink'] = next.href;
    }
    json(200, body);
  };
  return {
    handler,
    alerts,
    script,
    update(id, at, status) {
      const alert = alerts.find((a) => a.id === id);
      if (alert === undefined) throw new Error(`no alert ${id}`);
      alert.lastUpdateDateTime = new Date(at).toISOString();
      if (status !== undefined) alert.status = status;
    },
    get served() {
      return served;
    },
    get alertsSent() {
      return alertsSent;
    },
  };
}
