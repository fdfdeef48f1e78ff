// Activities and alerts for admins: MDCA-style lists (POST with a body, or GET with query
// parameters), one record by id, and ingest (a JSON array or NDJSON; per-record rejections).
import {
  ADMIN_API_PREFIX,
  ALERT_ACTIONS,
  alertActionRequestSchema,
  alertActionResultSchema,
  type AlertAction,
  type AlertActionRequest,
  activityListRequestSchema,
  activityListResponseSchema,
  alertListRequestSchema,
  alertListResponseSchema,
  storedActivitySchema,
  storedAlertSchema,
  ingestResultSchema,
} from '@cloudsiem/protocol';
import * as z from 'zod';
import type { PortalServices } from '../services/index.ts';
import { adminOf, RawJson, route, type RouteDef } from '../http/route.ts';
import { ApiError, badRequest } from '../errors.ts';
import { LIST_TOTAL_BOUND } from '../store/events.ts';

/** What `total` means, in the OpenAPI description of both list operations. */
const TOTAL_NOTE = `hasNext is exact; total is exact while fewer than max(${LIST_TOTAL_BOUND.toLocaleString('en-US')}, skip + limit + 1) records match, else it is that number and moreThanTotal is true (as in MDCA: total is then a lower bound)`;

/** GET lists take the same fields as query parameters; `filters` is JSON text. */
const listQuerySchema = z
  .object({
    filters: z.string().max(20_000).optional(),
    sortField: z.string().optional(),
    sortDirection: z.string().optional(),
    skip: z.coerce.number().optional(),
    limit: z.coerce.number().optional(),
    cursor: z.string().max(2000).optional(),
  })
  .strict();

function fromQuery(query: z.infer<typeof listQuerySchema>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (key === 'filters') {
      try {
        body.filters = JSON.parse(value as string) as unknown;
      } catch {
        throw new ApiError('BAD_REQUEST', 'query.filters: must be JSON, e.g. {"user":{"eq":["a@b.c"]}}');
      }
    } else body[key] = value;
  }
  return body;
}

export function eventRoutes({ events }: PortalServices): RouteDef[] {
  const routes: RouteDef[] = [];
  const kinds = [
    {
      dataType: 'activities',
      one: 'activity',
      request: activityListRequestSchema,
      response: activityListResponseSchema,
      record: storedActivitySchema,
    },
    {
      dataType: 'alerts',
      one: 'alert',
      request: alertListRequestSchema,
      response: alertListResponseSchema,
      record: storedAlertSchema,
    },
  ] as const;
  for (const kind of kinds) {
    const { dataType, one, response, record } = kind;
    // Either kind's request schema, as the one type the list service takes.
    const request: z.ZodType<Parameters<typeof events.list>[1]> = kind.request as z.ZodType<
      Parameters<typeof events.list>[1]
    >;
    const listed = async (asked: Parameters<typeof events.list>[1]) =>
      new RawJson(await events.list(dataType, asked));
    const list = (input: unknown) => {
      const parsed = request.safeParse(input);
      if (!parsed.success) throw badRequest('query', parsed.error.issues);
      return listed(parsed.data);
    };
    routes.push(
      route({
        method: 'post',
        path: `${ADMIN_API_PREFIX}/${dataType}`,
        summary: `List ${dataType} (MDCA body: filters, sortField, sortDirection, skip, limit; or cursor, the nextCursor of the previous page, which repeats no record while new ones arrive). ${TOTAL_NOTE}`,
        tag: 'Events',
        auth: 'admin',
        // A list request sent as POST: it reads.
        scope: 'read',
        body: request,
        response,
        errors: ['CURSOR_INVALID'],
        handler: (_c, { body }) => listed(body),
      }),
      route({
        method: 'get',
        path: `${ADMIN_API_PREFIX}/${dataType}`,
        summary: `List ${dataType} with query parameters (filters as JSON text). ${TOTAL_NOTE}`,
        tag: 'Events',
        auth: 'admin',
        query: listQuerySchema,
        response,
        errors: ['CURSOR_INVALID'],
        handler: (_c, { query }) => list(fromQuery(query)),
      }),
      route({
        method: 'get',
        path: `${ADMIN_API_PREFIX}/${dataType}/:id`,
        summary: `One ${one} by id`,
        tag: 'Events',
        auth: 'admin',
        response: record,
        errors: ['NOT_FOUND'],
        handler: (_c, { params }) => events.get(dataType, params.id ?? ''),
      }),
      route<unknown[]>({
        method: 'post',
        path: `${ADMIN_API_PREFIX}/ingest/${dataType}`,
        summary: `Ingest ${dataType}: a JSON array or NDJSON; bad records are rejected with their index and reason, the good ones stored, idempotent by id`,
        tag: 'Ingest',
        auth: 'admin',
        scope: 'ingest',
        bodyFormat: 'records',
        response: ingestResultSchema,
        errors: ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'],
        handler: (_c, { body }) =>
          dataType === 'activities'
            ? events.ingestActivities(body, { source: 'ingest-api' })
            : events.ingestAlerts(body, { source: 'ingest-api' }),
      }),
    );
  }
  for (const action of Object.keys(ALERT_ACTIONS) as AlertAction[]) {
    routes.push(
      route<AlertActionRequest>({
        method: 'post',
        path: `${ADMIN_API_PREFIX}/alerts/${action}`,
        summary: `Alert triage, as MDCA's /alerts/${action}/: ${ACTION_WORDS[action]} the alerts with these ids (at most 1,000); the answer lists the ids not found. Closing records who and when.`,
        tag: 'Alerts',
        auth: 'admin',
        scope: 'admin',
        body: alertActionRequestSchema,
        response: alertActionResultSchema,
        handler: (_c, { body, caller }) => events.triageAlerts(action, body, adminOf(caller).email),
      }),
    );
  }
  return routes;
}

const ACTION_WORDS: Record<AlertAction, string> = {
  close_true_positive: 'resolve (close as true positive)',
  close_benign: 'dismiss (close as benign)',
  close_false_positive: 'dismiss (close as false positive)',
  reopen: 'reopen',
  read: 'mark read',
  unread: 'mark unread',
};
