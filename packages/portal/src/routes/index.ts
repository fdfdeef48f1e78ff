// Every route of the portal in one list: the app serves them and the OpenAPI document lists them.
import * as z from 'zod';
import type { PortalContext } from '../context.ts';
import type { PortalServices } from '../services/index.ts';
import { openApiDocument } from '../http/openapi.ts';
import { route, type RouteDef } from '../http/route.ts';
import { adminRoutes } from './admins.ts';
import { agentApiRoutes } from './agent-api.ts';
import { connectorRoutes } from './connectors.ts';
import { downloadRoutes } from './downloads.ts';
import { eventRoutes } from './events.ts';
import { overviewRoutes } from './overview.ts';
import { policyRoutes } from './policies.ts';
import { siemAgentRoutes } from './siem-agents.ts';

export interface RouteOptions {
  /** Where the agent download is built (default: dist/downloads). */
  downloadsDir?: string;
}

export function portalRoutes(
  services: PortalServices,
  context: PortalContext,
  options: RouteOptions = {},
): RouteDef[] {
  const routes: RouteDef[] = [
    ...agentApiRoutes(services),
    ...eventRoutes(services),
    ...siemAgentRoutes(services),
    ...adminRoutes(services, context),
    ...policyRoutes(services),
    ...connectorRoutes(services),
    ...overviewRoutes(services),
    ...downloadRoutes(options.downloadsDir),
  ];
  let document: object | undefined;
  routes.push(
    route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness and store reachability: 503 degraded while the store is unavailable or full',
      tag: 'System',
      auth: 'public',
      response: z.object({
        status: z.enum(['ok', 'degraded']),
        store: z.enum(['ok', 'unavailable', 'full']),
      }),
      handler: async (c) => {
        // The process is alive either way: a supervisor must not restart it over a database outage.
        const store = await context.store.check();
        return c.json({ status: store === 'ok' ? 'ok' : 'degraded', store }, store === 'ok' ? 200 : 503);
      },
    }),
    route({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This API as OpenAPI 3.1',
      tag: 'System',
      auth: 'public',
      handler: () => {
        document ??= openApiDocument(routes, context.settings.publicUrl);
        return Promise.resolve(document);
      },
    }),
  );
  return routes;
}
