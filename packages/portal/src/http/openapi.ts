// The OpenAPI 3.1 document, generated from the route declarations and their zod schemas
// (zod's own JSON Schema output), never written by hand.
import * as z from 'zod';
import { API_ERRORS, apiErrorBodySchema, CLOUDSIEM_VERSION, type ApiErrorCode } from '@cloudsiem/protocol';
import { scopeOf, type RouteDef } from './route.ts';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function queryParameters(schema: z.ZodType): unknown[] {
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: s,
  }));
}

/** What authenticating each kind of caller can answer, on every route of that kind. */
const AUTH_ERRORS: Record<RouteDef['auth'], readonly ApiErrorCode[]> = {
  admin: ['UNAUTHENTICATED', 'FORBIDDEN', 'TOKEN_SCOPE_DENIED', 'CSRF_REJECTED'],
  agent: ['TOKEN_INVALID', 'TOKEN_OWNER_REMOVED', 'AGENT_DELETED'],
  public: [],
};

/** The route's own errors plus those its kind of caller and its validated input bring. */
export function errorsOf(def: RouteDef): ApiErrorCode[] {
  const validated: ApiErrorCode[] =
    def.body !== undefined || def.query !== undefined || def.bodyFormat === 'records' ? ['BAD_REQUEST'] : [];
  return [...new Set([...AUTH_ERRORS[def.auth], ...validated, ...(def.errors ?? [])])];
}

export function openApiDocument(routes: readonly RouteDef[], publicUrl: string): object {
  const paths: Record<string, Record<string, unknown>> = {};
  const errorBody = jsonSchema(apiErrorBodySchema, 'output');
  for (const def of routes) {
    const path = def.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const params = [...def.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const responses: Record<string, unknown> = {};
    const status = String(def.successStatus ?? 200);
    responses[status] =
      def.response === undefined || status === '204'
        ? { description: 'Done' }
        : {
            description: 'OK',
            content: { 'application/json': { schema: jsonSchema(def.response, 'output') } },
          };
    for (const code of errorsOf(def)) {
      const httpStatus = String(API_ERRORS[code].status);
      const existing = responses[httpStatus] as { description: string } | undefined;
      const description = `${code}: ${API_ERRORS[code].meaning}`;
      responses[httpStatus] = {
        description: existing === undefined ? description : `${existing.description} | ${description}`,
        content: { 'application/json': { schema: errorBody } },
      };
    }
    let requestBody: unknown;
    if (def.bodyFormat === 'records') {
      requestBody = {
        required: true,
        content: {
          'application/json': { schema: { type: 'array', items: { type: 'object' } } },
          'application/x-ndjson': { schema: { type: 'string', description: 'one JSON record per line' } },
        },
      };
    } else if (def.body !== undefined) {
      requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(def.body, 'input') } },
      };
    }
    paths[path] ??= {};
    paths[path][def.method] = {
      summary: def.summary,
      tags: [def.tag],
      security:
        def.auth === 'public'
          ? []
          : def.auth === 'agent'
            ? [{ agentToken: [] }]
            : // One alternative per token scope that grants the route (OpenAPI's roles), or a session.
              [
                ...[...new Set(['admin', scopeOf(def)])].map((scope) => ({ adminToken: [scope] })),
                { session: [] },
              ],
      parameters: [...params, ...(def.query === undefined ? [] : queryParameters(def.query))],
      ...(requestBody === undefined ? {} : { requestBody }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'cloudsiem portal API',
      version: CLOUDSIEM_VERSION,
      description:
        'Admin REST API and agent API of the cloudsiem portal. Errors answer { error: { code, message } }.',
    },
    servers: [{ url: publicUrl }],
    components: {
      securitySchemes: {
        adminToken: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'Token csadm_… — an admin API token of scope admin (everything), ingest (POST /api/v1/ingest/*) or read (GET and list requests); each operation lists the scopes it accepts',
        },
        agentToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Token csat_…' },
        session: { type: 'apiKey', in: 'cookie', name: 'cloudsiem_session' },
      },
    },
    paths,
  };
}
