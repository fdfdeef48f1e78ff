// The overview for admins: the pipeline now — sources → store → SIEM agents → SIEMs — with events
// per minute on each edge, the agents' lag and what is failing (protocol/overview.ts).
import { ADMIN_API_PREFIX, overviewSchema } from '@cloudsiem/protocol';
import type { PortalServices } from '../services/index.ts';
import { route, type RouteDef } from '../http/route.ts';

export function overviewRoutes({ overview }: PortalServices): RouteDef[] {
  return [
    route({
      method: 'get',
      path: `${ADMIN_API_PREFIX}/overview`,
      summary:
        'The pipeline now: each source, the store, each SIEM agent and its SIEM, with events per minute (over the last 5 minutes), lag and what is failing',
      tag: 'Overview',
      auth: 'admin',
      response: overviewSchema,
      handler: () => overview.overview(),
    }),
  ];
}
