// A fake Defender for Cloud Apps REST API (POST {prefix}/api/v1/{activities|alerts}/) following
// the documented behaviour in reference/upstream/mdca/ (requests.json, errors.md): Bearer tokens
// from the fake Entra ID or `Token <legacy>`, filters on created/date, sort, skip/limit with the
// 100-item cap, hasNext/total, scan mode, 429 past N calls a minute, and injectable faults.
// Where Microsoft documents nothing (status of a bad Bearer token, nextQueryFilters' shape, the skip
// cap), the choice is the fake's own and says so.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FakeEntra } from './entra.ts';
import type { Handler } from './server.ts';

export const MDCA_SCOPE = '05a65629-4c1b-48c1-a78b-804c4abdd4af/.default';

type Json = Record<string, unknown>;
const fixtures = resolve(import.meta.dirname, 'fixtures/mdca');
/** The REAL activity record (demisto fixture, MIT): the template of every generated activity. */
export const REAL_ACTIVITY = JSON.parse(
  readFileSync(resolve(fixtures, 'activity-record-real.json'), 'utf8'),
) as Json;
/** The VERBATIM alert of api-alerts-list.md: the template of every generated alert. */
export const DOC_ALERT = (
  JSON.parse(readFileSync(resolve(fixtures, 'alerts-list-response.json'), 'utf8')) as { data: Json[] }
).data[0] as Json;

export interface FakeMdcaOptions {
  entra?: FakeEntra;
  /** The legacy API token accepted as `Authorization: Token <token>`. */
  legacyToken?: string;
  /** Calls a minute before 429 (documented: 30 per tenant). */
  requestsPerMinute?: number;
  /** The fake's own cap on skip (MDCA caps it; the value is not documented). Default 3000. */
  maxSkip?: number;
  /**
   * Scan mode (isScan): `follow` answers like the doc describes — drops the trailing records that
   * share the page's last timestamp and gives `nextQueryFilters` (shape invented: the request's
   * filters with the window field's `gte` moved on); `ignore` answers as without isScan; `refuse`
   * answers 400 (the limit 500..5000 of the doc not met).
   */
  scan?: 'follow' | 'ignore' | 'refuse';
  now?: () => number;
}

export interface FakeMdca {
  handler: Handler;
  /** The tenant's records; only those with `created` ≤ now are listed (not yet saved otherwise). */
  activities: Json[];
  alerts: Json[];
  /** List calls answered (any status). */
  readonly calls: number;
  /** The next `count` list calls answer `status` after `afterCalls` more calls answered normally. */
  fail(options: { afterCalls?: number; count?: number; status?: number }): void;
  /** Called before each list call is answered, with its number (1-based): expire tokens mid-drain. */
  onCall?: (n: number) => void;
  /** The bodies of the list calls, in order. */
  bodies: { resource: string; body: Json }[];
}

const invalidFilter = (value: string) => ({
  filters: [
    {
      error: `${value} is not valid`,
      errorMessageCode: 'CONSOLE_FORMS_NOT_VALID_VALUE',
      errorMessageParams: { value },
    },
  ],
  error: true,
});

/** The window field of each filter name: activities `created` and `date`, alerts `date`. */
const FILTER_FIELDS: Record<string, Record<string, string>> = {
  activities: { created: 'created', date: 'timestamp' },
  alerts: { date: 'timestamp' },
};
const SORT_FIELDS: Record<string, Record<string, string>> = {
  activities: { created: 'created', date: 'timestamp' },
  alerts: { date: 'timestamp', severity: 'severityValue' },
};

function matches(value: number, ops: Json): string | null {
  for (const [op, operand] of Object.entries(ops)) {
    const n = typeof operand === 'number' ? operand : NaN;
    if (op === 'gte') {
      if (!(value >= n)) return 'no';
    } else if (op === 'lte') {
      if (!(value <= n)) return 'no';
    } else if (op === 'gt') {
      if (!(value > n)) return 'no';
    } else if (op === 'lt') {
      if (!(value < n)) return 'no';
    } else if (op === 'eq') {
      if (!Array.isArray(operand) || !operand.includes(value)) return 'no';
    } else if (op === 'range') {
      const ranges = Array.isArray(operand) ? (operand as Json[]) : [];
      if (!ranges.some((r) => value >= Number(r.start) && value <= Number(r.end))) return 'no';
    } else return `bad:${op}`;
  }
  return null;
}

export function fakeMdca(options: FakeMdcaOptions = {}): FakeMdca {
  const now = options.now ?? Date.now;
  const perMinute = options.requestsPerMinute ?? 30;
  const maxSkip = options.maxSkip ?? 3000;
  const recent: number[] = [];
  let calls = 0;
  let fault: { after: number; count: number; status: number } | null = null;

  const fake: FakeMdca = {
    activities: [],
    alerts: [],
    bodies: [],
    get calls() {
      return calls;
    },
    fail({ afterCalls = 0, count = Infinity, status = 500 }) {
      fault = { after: afterCalls, count, status };
    },
    handler: ({ req, res, url, body, json }) => {
      const match = /\/api\/v1\/(activities|alerts)\/?$/.exec(url.pathname);
      if (match === null || req.method !== 'POST') return false;
      const resource = match[1] as 'activities' | 'alerts';
      calls++;
      fake.onCall?.(calls);

      // Auth: documented headers; a wrong legacy token is 403 as the MCAS module saw. The status of
      // a bad or expired Bearer token is undocumented: this fake answers 401.
      const auth = req.headers.authorization ?? '';
      if (auth.startsWith('Token ')) {
        if (options.legacyToken === undefined || auth.slice(6) !== options.legacyToken) {
          json(403, { detail: 'Invalid token.' });
          return;
        }
      } else if (!(auth.startsWith('Bearer ') && options.entra?.valid(auth, MDCA_SCOPE) === true)) {
        json(401, { detail: 'Authentication credentials were not provided or are not valid.' });
        return;
      }

      // Throttle: 30 a minute per tenant; reason phrase as the MCAS module matched it, no Retry-After.
      const t = now();
      while (recent.length > 0 && (recent[0] ?? 0) <= t - 60_000) recent.shift();
      if (recent.length >= perMinute) {
        res.writeHead(429, 'TOO MANY REQUESTS', { 'content-type': 'text/html' });
        res.end('<h1>Too Many Requests</h1>');
        return;
      }
      recent.push(t);

      if (fault !== null) {
        if (fault.after > 0) fault.after--;
        else if (fault.count > 0) {
          fault.count--;
          json(fault.status, { detail: 'Internal server error' });
          return;
        }
      }

      let request: Json;
      try {
        request = JSON.parse(body === '' ? '{}' : body) as Json;
      } catch {
        json(400, invalidFilter('body'));
        return;
      }
      fake.bodies.push({ resource, body: request });
      const isScan = request.isScan === true && resource === 'activities';
      if (isScan && options.scan === 'refuse') {
        json(400, invalidFilter('limit'));
        return;
      }

      const fields = FILTER_FIELDS[resource] ?? {};
      const filters = (
        typeof request.filters === 'object' && request.filters !== null ? request.filters : {}
      ) as Json;
      const conditions: { key: string; ops: Json }[] = [];
      for (const [name, ops] of Object.entries(filters)) {
        const key = fields[name];
        if (key === undefined || typeof ops !== 'object' || ops === null) {
          json(400, invalidFilter(name));
          return;
        }
        conditions.push({ key, ops: ops as Json });
      }
      const records = (resource === 'activities' ? fake.activities : fake.alerts).filter((r) => {
        // Not listed before it is saved.
        if (typeof r.created === 'number' && r.created > t) return false;
        for (const { key, ops } of conditions) {
          const verdict = matches(Number(r[key]), ops);
          if (verdict?.startsWith('bad:') === true) throw new Error(`unsupported operator ${verdict}`);
          if (verdict !== null) return false;
        }
        return true;
      });

      const sortName = typeof request.sortField === 'string' ? request.sortField : 'date';
      const sortKey = SORT_FIELDS[resource]?.[sortName];
      if (sortKey === undefined) {
        json(400, invalidFilter(sortName));
        return;
      }
      const direction = request.sortDirection === 'asc' ? 1 : -1;
      // Ties in a stable order (by _id), so skip is meaningful.
      records.sort(
        (a, b) =>
          direction * (Number(a[sortKey]) - Number(b[sortKey])) || String(a._id).localeCompare(String(b._id)),
      );
      const skip = Number(request.skip ?? 0);
      if (!Number.isInteger(skip) || skip < 0 || skip > maxSkip) {
        json(400, invalidFilter(String(request.skip)));
        return;
      }
      // "If no limit is provided, a default of 100"; "limited to a maximum of 100 items".
      const limit = Math.min(Number(request.limit ?? 100) || 100, 100);
      let data = records.slice(skip, skip + limit);
      const hasNext = skip + data.length < records.length;
      let nextQueryFilters: Json | undefined;
      if (isScan && options.scan === 'follow' && hasNext && data.length > 0) {
        // "the last few records will be dropped" so each record is listed once (doc); the fake's shape.
        const last = Number(data[data.length - 1]?.[sortKey]);
        const kept = data.filter((r) => Number(r[sortKey]) !== last);
        if (kept.length > 0) data = kept;
        const boundary = kept.length > 0 ? last : last + 1;
        const windowName = sortName;
        nextQueryFilters = {
          ...filters,
          [windowName]: { ...(filters[windowName] ?? {}), gte: boundary },
        };
      }
      if (resource === 'activities')
        json(200, {
          total: records.length,
          hasNext,
          data,
          ...(nextQueryFilters ? { nextQueryFilters } : {}),
        });
      else json(200, { data, hasNext, max: limit, total: records.length, moreThanTotal: false });
    },
  };
  return fake;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** An activity in the REAL record's shape with a new id and times (`created` ≥ `timestamp`). */
export function makeActivity(n: number, times: { timestamp: number; created: number }): Json {
  const record = structuredClone(REAL_ACTIVITY);
  const id = `97134000_15600_${hex(n, 8)}-893e-4c9d-a312-${hex(n * 7919, 12).slice(-12)}`;
  return {
    ...record,
    _id: id,
    uid: id,
    timestamp: times.timestamp,
    timestampRaw: times.timestamp,
    instantiation: times.created - 2284,
    instantiationRaw: times.created - 2284,
    created: times.created,
    createdRaw: times.created,
  };
}

/**
 * `count` activities saved one every `stepMs` from `start`, most 2 s after they happened, every
 * `lateEvery`-th 4 min 34 s after (as the REAL record), and runs of `equalRun` sharing one `created`.
 */
export function makeActivities(
  count: number,
  options: { start: number; stepMs?: number; lateEvery?: number; equalRun?: number; firstN?: number },
): Json[] {
  const step = options.stepMs ?? 100;
  const run = options.equalRun ?? 1;
  const first = options.firstN ?? 0;
  return Array.from({ length: count }, (_, i) => {
    const created = options.start + Math.floor(i / run) * run * step;
    const late = options.lateEvery !== undefined && i % options.lateEvery === 0;
    return makeActivity(first + i, { created, timestamp: created - (late ? 274_000 : 2000) });
  });
}

/** An alert in the documented shape (api-alerts-list.md) with a new id and time. */
export function makeAlert(n: number, timestamp: number, severityValue = 1): Json {
  return {
    ...structuredClone(DOC_ALERT),
    _id: `603f704a${hex(n, 16)}`,
    idValue: n,
    timestamp,
    severityValue,
  };
}
