// The agent-facing API (DESIGN §6), authenticated by the agent token: config with its version as
// ETag (304 when unchanged), the cursor pull per data type, and the heartbeat.
import {
  AGENT_API_PREFIX,
  activitiesPageSchema,
  agentConfigSchema,
  alertsPageSchema,
  heartbeatSchema,
  pullQuerySchema,
  type DataType,
} from '@cloudsiem/protocol';
import { z } from 'zod';
import type { PortalServices } from '../services/index.ts';
import { RawJson, route, type RouteDef } from '../http/route.ts';
import type { AgentRow } from '../services/agents.ts';

const AUTH_ERRORS = ['TOKEN_INVALID', 'TOKEN_OWNER_REMOVED', 'AGENT_DELETED'] as const;

function self(agent: AgentRow | null): AgentRow {
  if (agent === null) throw new Error('agent route without an agent caller');
  return agent;
}

export function agentApiRoutes({ agents }: PortalServices): RouteDef[] {
  const pull = (dataType: DataType, response: z.ZodType) =>
    route({
      method: 'get',
      path: `${AGENT_API_PREFIX}/${dataType}`,
      summary: `Pull the next page of ${dataType}; the cursor acknowledges everything before it`,
      tag: 'Agent',
      auth: 'agent',
      query: pullQuerySchema,
      response,
      errors: [
        ...AUTH_ERRORS,
        'AGENT_DISABLED',
        'DATA_TYPE_DISABLED',
        'CURSOR_INVALID',
        'RATE_LIMITED',
        'BAD_REQUEST',
      ],
      handler: async (_c, { query, caller }) =>
        new RawJson(await agents.pull(self(caller.agent), dataType, query)),
    });

  return [
    route({
      method: 'get',
      path: `${AGENT_API_PREFIX}/config`,
      summary:
        "The agent's settings; ETag is the config version (If-None-Match → 304). With ?wait=S (up to 60) and a matching If-None-Match, waits up to S seconds for an edit (long poll)",
      tag: 'Agent',
      auth: 'agent',
      query: z.object({ wait: z.coerce.number().int().min(0).max(60).optional() }).strict(),
      response: agentConfigSchema,
      errors: [...AUTH_ERRORS, 'BAD_REQUEST'],
      handler: async (c, { caller, query }) => {
        let agent = self(caller.agent);
        const presented = c.req.header('if-none-match');
        if (query.wait !== undefined && query.wait > 0 && presented === `"v${agent.config_version}"`) {
          agent = await agents.waitForChange(
            agent,
            agent.config_version,
            query.wait * 1000,
            c.req.raw.signal,
          );
        }
        const config = agents.config(agent);
        const etag = `"v${config.version}"`;
        c.header('ETag', etag);
        if (presented === etag) return c.body(null, 304);
        return config;
      },
    }),
    pull('activities', activitiesPageSchema),
    pull('alerts', alertsPageSchema),
    route({
      method: 'post',
      path: `${AGENT_API_PREFIX}/heartbeat`,
      summary: 'Report version, host, counters, syslog state and current problems',
      tag: 'Agent',
      auth: 'agent',
      body: heartbeatSchema,
      successStatus: 204,
      errors: [...AUTH_ERRORS, 'BAD_REQUEST'],
      handler: async (_c, { body, caller }) => {
        await agents.heartbeat(self(caller.agent), body);
        return undefined;
      },
    }),
  ];
}
