// Connectors for admins (DESIGN §9): list, add, read, edit, delete, Test connection (saved or
// unsaved: one page per stream, nothing stored), Sync now, and the rejected records kept.
import {
  ADMIN_API_PREFIX,
  connectorInputSchema,
  connectorListResponseSchema,
  connectorPatchSchema,
  connectorRejectionListResponseSchema,
  connectorSchema,
  connectorTestResultSchema,
} from '@cloudsiem/protocol';
import * as z from 'zod';
import type { PortalServices } from '../services/index.ts';
import { adminOf, route, type RouteDef } from '../http/route.ts';

const BASE = `${ADMIN_API_PREFIX}/connectors`;

export function connectorRoutes({ connectors }: PortalServices): RouteDef[] {
  const id = (params: Record<string, string>) => params.id ?? '';
  return [
    route({
      method: 'get',
      path: BASE,
      summary: 'List connectors with status, lag, records/min, last error and notifications',
      tag: 'Connectors',
      auth: 'admin',
      response: connectorListResponseSchema,
      handler: async () => ({ data: await connectors.list() }),
    }),
    route({
      method: 'post',
      path: BASE,
      summary: 'Add a connector; its secret is write-only (never returned, never logged)',
      tag: 'Connectors',
      auth: 'admin',
      body: connectorInputSchema,
      response: connectorSchema,
      successStatus: 201,
      errors: ['SECRET_KEY_MISSING'],
      handler: (_c, { body, caller }) => connectors.create(adminOf(caller).id, body),
    }),
    route({
      method: 'post',
      path: `${BASE}/test`,
      summary: 'Test an unsaved connector: one page of each stream, the first records and their CEF lines',
      tag: 'Connectors',
      auth: 'admin',
      body: connectorInputSchema,
      response: connectorTestResultSchema,
      handler: (_c, { body }) => connectors.testUnsaved(body),
    }),
    route({
      method: 'get',
      path: `${BASE}/:id`,
      summary: 'One connector',
      tag: 'Connectors',
      auth: 'admin',
      response: connectorSchema,
      errors: ['NOT_FOUND'],
      handler: (_c, { params }) => connectors.get(id(params)),
    }),
    route({
      method: 'patch',
      path: `${BASE}/:id`,
      summary:
        'Edit a connector: settings merge over the stored ones; the stored secret stays unless one is given',
      tag: 'Connectors',
      auth: 'admin',
      body: connectorPatchSchema,
      response: connectorSchema,
      errors: ['NOT_FOUND', 'SECRET_KEY_MISSING'],
      handler: (_c, { params, body }) => connectors.update(id(params), body),
    }),
    route({
      method: 'delete',
      path: `${BASE}/:id`,
      summary: 'Delete a connector; what it stored stays',
      tag: 'Connectors',
      auth: 'admin',
      successStatus: 204,
      errors: ['NOT_FOUND'],
      handler: async (_c, { params }) => {
        await connectors.remove(id(params));
        return undefined;
      },
    }),
    route({
      method: 'post',
      path: `${BASE}/:id/test`,
      summary: 'Test a saved connector with its stored settings and secret; nothing is stored',
      tag: 'Connectors',
      auth: 'admin',
      response: connectorTestResultSchema,
      errors: ['NOT_FOUND', 'CONFLICT', 'SECRET_KEY_MISSING'],
      handler: (_c, { params }) => connectors.test(id(params)),
    }),
    route({
      method: 'post',
      path: `${BASE}/:id/sync`,
      summary: 'Sync now: poll the connector at once, whatever its poll interval',
      tag: 'Connectors',
      auth: 'admin',
      response: connectorSchema,
      errors: ['NOT_FOUND', 'CONFLICT', 'SECRET_KEY_MISSING'],
      handler: (_c, { params }) => connectors.sync(id(params)),
    }),
    route({
      method: 'get',
      path: `${BASE}/:id/rejections`,
      summary: 'The newest records the connector could not store, with their upstream ids and why',
      tag: 'Connectors',
      auth: 'admin',
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }).strict(),
      response: connectorRejectionListResponseSchema,
      errors: ['NOT_FOUND'],
      handler: async (_c, { params, query }) => ({
        data: await connectors.rejections(id(params), query.limit),
      }),
    }),
  ];
}
