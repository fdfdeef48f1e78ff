// The UI's hash routes. The CEF lines link into them (DESIGN §4): `<portal>/#/audits?activity.id=eq(<id>,)`
// opens the activity log filtered to one activity, `<portal>/#/alerts/<id>` one alert. Filters in
// the URL use the same MDCA style: `<record>.<field>=<op>(<value>,<value>,)`, values URL-encoded.
import { FILTER_OPS, filterFieldKind, type DataType, type Filter, type FilterOp } from '@cloudsiem/protocol';

/** The Add SIEM agent wizard's steps, each a route: `#/siem-agents/new/<step>`. */
export const NEW_AGENT_STEPS = ['general', 'remote-syslog', 'data-types', 'token'] as const;
export type NewAgentStep = (typeof NEW_AGENT_STEPS)[number];
/** Editing an agent, the same steps but the token: `#/siem-agents/<id>/edit/<step>`, over its details. */
export const EDIT_AGENT_STEPS = ['general', 'remote-syslog', 'data-types'] as const;
export type EditAgentStep = (typeof EDIT_AGENT_STEPS)[number];

export type Route =
  | { page: 'overview' }
  | { page: 'siem-agents'; newAgent?: NewAgentStep }
  | { page: 'siem-agent'; id: string; editStep?: EditAgentStep }
  | { page: 'connectors' }
  | { page: 'connector'; id: string }
  | { page: 'activity-log'; filter: Filter; activityId?: string | null }
  | { page: 'alerts'; filter: Filter; alertId: string | null }
  | { page: 'admins' }
  | { page: 'policies' }
  | { page: 'not-found'; path: string };

/** The record name before the field in URL filters: `activity.id`, `alert.severity`. */
const RECORD_PREFIX: Record<DataType, string> = { activities: 'activity', alerts: 'alert' };

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `activity.id=eq(a,b,)&activity.timestamp=gte(5,)` → the filter; unknown fields and ops are left out. */
export function parseFilterQuery(dataType: DataType, query: string): Filter {
  const prefix = `${RECORD_PREFIX[dataType]}.`;
  const filter: Record<string, Record<string, unknown>> = {};
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    // A link copied from a raw CEF line keeps the extension's escape: `activity.id\=eq(…)`.
    const key = decode(pair.slice(0, eq)).replace(/\\$/, '');
    const field = key.startsWith(prefix) ? key.slice(prefix.length) : key;
    // Own keys only: `activity.constructor=…` is no field.
    const kind = filterFieldKind(dataType, field);
    if (kind === undefined) continue;
    const match = /^([a-z]+)\((.*)\)$/s.exec(pair.slice(eq + 1));
    if (match === null) continue;
    const op = match[1] as FilterOp;
    if (!FILTER_OPS.includes(op)) continue;
    const values = (match[2] ?? '')
      .split(',')
      .filter((v) => v !== '')
      .map(decode);
    const typed = values.map((v): string | number | boolean =>
      kind === 'number' ? Number(v) : kind === 'boolean' ? v === 'true' : v,
    );
    const condition = (filter[field] ??= {});
    if (op === 'isset' || op === 'isnotset') condition[op] = true;
    else if (op === 'eq' || op === 'neq') {
      if (typed.length > 0) condition[op] = [...((condition[op] as unknown[] | undefined) ?? []), ...typed];
    } else if (typed[0] !== undefined)
      condition[op] = op === 'gte' || op === 'lte' ? Number(typed[0]) : String(typed[0]);
    if (Object.keys(condition).length === 0) delete filter[field];
  }
  return filter;
}

/** The filter → its URL query (without `?`); parseFilterQuery reads it back. */
export function filterQuery(dataType: DataType, filter: Filter): string {
  const prefix = RECORD_PREFIX[dataType];
  const parts: string[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    for (const [op, value] of Object.entries(condition)) {
      const list = op === 'isset' || op === 'isnotset' ? [] : Array.isArray(value) ? value : [value];
      const inner = list.map((v) => `${encodeURIComponent(String(v))},`).join('');
      parts.push(`${encodeURIComponent(`${prefix}.${field}`)}=${op}(${inner})`);
    }
  }
  return parts.join('&');
}

/** `#/audits?…` (or `location.hash`) → the route. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q === -1 ? raw : raw.slice(0, q)).replace(/\/+$/, '') || '/';
  const query = q === -1 ? '' : raw.slice(q + 1);
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map(decode);
  // Settings › Connectors: `#/settings/connectors`, one connector at `#/settings/connectors/<id>`.
  if (segments[0] === 'settings' && segments[1] === 'connectors' && segments.length <= 3)
    return segments[2] === undefined ? { page: 'connectors' } : { page: 'connector', id: segments[2] };
  // The Add SIEM agent wizard over the agents list: `#/siem-agents/new` opens it at its first step.
  if (segments[0] === 'siem-agents' && segments[1] === 'new' && segments.length <= 3) {
    const step = segments[2] ?? 'general';
    return NEW_AGENT_STEPS.includes(step as NewAgentStep)
      ? { page: 'siem-agents', newAgent: step as NewAgentStep }
      : { page: 'not-found', path };
  }
  // Editing an agent: its wizard over its details page, `#/siem-agents/<id>/edit` at the first step.
  if (
    segments[0] === 'siem-agents' &&
    segments[1] !== undefined &&
    segments[2] === 'edit' &&
    segments.length <= 4
  ) {
    const step = segments[3] ?? 'general';
    return EDIT_AGENT_STEPS.includes(step as EditAgentStep)
      ? { page: 'siem-agent', id: segments[1], editStep: step as EditAgentStep }
      : { page: 'not-found', path };
  }
  const [first, second, ...rest] = segments;
  if (rest.length > 0) return { page: 'not-found', path };
  switch (first) {
    // The home: the overview of the pipeline.
    case undefined:
    case 'overview':
      return second === undefined ? { page: 'overview' } : { page: 'not-found', path };
    case 'siem-agents':
      return second === undefined ? { page: 'siem-agents' } : { page: 'siem-agent', id: second };
    case 'audits':
    case 'activity-log':
      // `#/audits/<id>`: one activity's own URL, its details over the activity log.
      if (second !== undefined)
        return { page: 'activity-log', filter: parseFilterQuery('activities', query), activityId: second };
      return { page: 'activity-log', filter: parseFilterQuery('activities', query) };
    case 'alerts':
      return { page: 'alerts', filter: parseFilterQuery('alerts', query), alertId: second ?? null };
    case 'admins':
    case 'policies':
      return second === undefined ? { page: first } : { page: 'not-found', path };
    default:
      return { page: 'not-found', path };
  }
}

/** The route → its hash, `#/…`. */
export function hashOf(route: Route): string {
  const withQuery = (path: string, dataType: DataType, filter: Filter) => {
    const query = filterQuery(dataType, filter);
    return query === '' ? `#${path}` : `#${path}?${query}`;
  };
  switch (route.page) {
    case 'overview':
      return '#/';
    case 'siem-agents':
      return route.newAgent === undefined ? '#/siem-agents' : `#/siem-agents/new/${route.newAgent}`;
    case 'siem-agent':
      return route.editStep === undefined
        ? `#/siem-agents/${encodeURIComponent(route.id)}`
        : `#/siem-agents/${encodeURIComponent(route.id)}/edit/${route.editStep}`;
    case 'connectors':
      return '#/settings/connectors';
    case 'connector':
      return `#/settings/connectors/${encodeURIComponent(route.id)}`;
    case 'activity-log':
      return withQuery(
        route.activityId === undefined || route.activityId === null
          ? '/audits'
          : `/audits/${encodeURIComponent(route.activityId)}`,
        'activities',
        route.filter,
      );
    case 'alerts':
      return withQuery(
        route.alertId === null ? '/alerts' : `/alerts/${encodeURIComponent(route.alertId)}`,
        'alerts',
        route.filter,
      );
    case 'admins':
    case 'policies':
      return `#/${route.page}`;
    case 'not-found':
      return `#${route.path}`;
  }
}
