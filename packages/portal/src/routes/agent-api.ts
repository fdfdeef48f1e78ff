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
import * as z from 'zod';
import type { PortalServices } from '../services/index.ts';
import { agentOf, RawJson, route, type RouteDef } from '../http/route.ts';

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
      errors: ['AGENT_DISABLED', 'DATA_TYPE_DISABLED', 'CURSOR_INVALID', 'RATE_LIMITED'],
      handler: async (_c, { query, caller }) =>
        new RawJson(await agents.pull(agentOf(caller), dataType, query)),
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
      handler: async (c, { caller, query }) => {
        let agent = agentOf(caller);
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
      handler: async (_c, { body, caller }) => {
        await agents.heartbeat(agentOf(caller), body);
        return undefined;
      },
    }),
  ];
}
