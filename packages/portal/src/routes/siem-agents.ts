// SIEM agents for admins (DESIGN §7): list, create (the token is in this answer only), read, edit
// (the running agent picks it up), regenerate the token, disable/enable, delete, heartbeat
// history, and the filter preview with the exact CEF lines.
import {
  ADMIN_API_PREFIX,
  heartbeatListResponseSchema,
  heartbeatsQuerySchema,
  previewRequestSchema,
  previewResponseSchema,
  siemAgentInputSchema,
  siemAgentListResponseSchema,
  siemAgentPatchSchema,
  siemAgentSchema,
  siemAgentWithTokenSchema,
} from '@cloudsiem/protocol';
import type { PortalServices } from '../services/index.ts';
import { adminOf, route, type RouteDef } from '../http/route.ts';

const BASE = `${ADMIN_API_PREFIX}/siem-agents`;

export function siemAgentRoutes({ agents, preview }: PortalServices): RouteDef[] {
  const id = (params: Record<string, string>) => params.id ?? '';
  return [
    route({
      method: 'get',
      path: BASE,
      summary: 'List SIEM agents with status, last connection and notifications',
      tag: 'SIEM agents',
      auth: 'admin',
      response: siemAgentListResponseSchema,
      handler: async () => ({ data: await agents.list() }),
    }),
    route({
      method: 'post',
      path: BASE,
      summary: 'Add a SIEM agent; the answer holds its token, shown this once',
      tag: 'SIEM agents',
      auth: 'admin',
      body: siemAgentInputSchema,
      response: siemAgentWithTokenSchema,
      successStatus: 201,
      errors: ['NAME_TAKEN'],
      handler: (_c, { body, caller }) => agents.create(adminOf(caller).id, body),
    }),
    route({
      method: 'post',
      path: `${BASE}/preview`,
      summary: 'Preview a data type and filter: total matches, the newest events and their exact CEF lines',
      tag: 'SIEM agents',
      auth: 'admin',
      // Shows stored events and their CEF lines; changes nothing.
      scope: 'read',
      body: previewRequestSchema,
      response: previewResponseSchema,
      handler: (_c, { body }) => preview.preview(body),
    }),
    route({
      method: 'get',
      path: `${BASE}/:id`,
      summary: 'One SIEM agent',
      tag: 'SIEM agents',
      auth: 'admin',
      response: siemAgentSchema,
      errors: ['NOT_FOUND'],
      handler: (_c, { params }) => agents.get(id(params)),
    }),
    route({
      method: 'patch',
      path: `${BASE}/:id`,
      summary:
        'Edit a SIEM agent (any of name, format, syslog, dataTypes, enabled); the running agent follows',
      tag: 'SIEM agents',
      auth: 'admin',
      body: siemAgentPatchSchema,
      response: siemAgentSchema,
      errors: ['NOT_FOUND', 'NAME_TAKEN'],
      handler: (_c, { params, body }) => agents.update(id(params), body),
    }),
    route({
      method: 'post',
      path: `${BASE}/:id/regenerate-token`,
      summary: 'Issue a new token (shown once); the old one stops working at once',
      tag: 'SIEM agents',
      auth: 'admin',
      response: siemAgentWithTokenSchema,
      errors: ['NOT_FOUND'],
      handler: (_c, { params, caller }) => agents.regenerateToken(adminOf(caller).id, id(params)),
    }),
    route({
      method: 'post',
      path: `${BASE}/:id/disable`,
      summary: 'Disable a SIEM agent: it stops receiving data and keeps polling its config',
      tag: 'SIEM agents',
      auth: 'admin',
      response: siemAgentSchema,
      errors: ['NOT_FOUND'],
      handler: (_c, { params }) => agents.update(id(params), { enabled: false }),
    }),
    route({
      method: 'post',
      path: `${BASE}/:id/enable`,
      summary: 'Enable a SIEM agent: it backfills what was ingested in the backfill window',
      tag: 'SIEM agents',
      auth: 'admin',
      response: siemAgentSchema,
      errors: ['NOT_FOUND'],
      handler: (_c, { params }) => agents.update(id(params), { enabled: true }),
    }),
    route({
      method: 'delete',
      path: `${BASE}/:id`,
      summary: 'Delete a SIEM agent; its agent stops with AGENT_DELETED',
      tag: 'SIEM agents',
      auth: 'admin',
      successStatus: 204,
      errors: ['NOT_FOUND'],
      handler: async (_c, { params }) => {
        await agents.remove(id(params));
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: `${BASE}/:id/heartbeats`,
      summary: 'Heartbeats since a time (epoch ms; default the last 6 hours), oldest first',
      tag: 'SIEM agents',
      auth: 'admin',
      query: heartbeatsQuerySchema,
      response: heartbeatListResponseSchema,
      errors: ['NOT_FOUND'],
      handler: async (_c, { params, query }) => ({
        data: await agents.heartbeats(id(params), query.since),
      }),
    }),
  ];
}
