// The portal's services, built once from the context and handed to the routes.
import type { PortalContext } from '../context.ts';
import { connectorDefinition } from '../connectors/registry.ts';
import { createAdminService } from './admins.ts';
import { createAgentService } from './agents.ts';
import { createConnectorService, type ConnectorServiceDeps } from './connectors.ts';
import { createEventService } from './events.ts';
import { createPolicyService } from './policies.ts';
import { createOverviewService } from './overview.ts';
import { createPreviewService } from './preview.ts';
import { createThroughputMeter } from './throughput.ts';

/** Without a key or definitions (tests of other areas): connectors are listed but cannot be saved. */
const NO_CONNECTORS: ConnectorServiceDeps = { box: null, definitions: connectorDefinition, wake() {} };

export function createServices(context: PortalContext, connectors: ConnectorServiceDeps = NO_CONNECTORS) {
  const policies = createPolicyService(context);
  // Records per minute by source and by agent, for the overview (kept in the store).
  const throughput = createThroughputMeter(context);
  const agents = createAgentService(context, throughput);
  const connectorService = createConnectorService(context, connectors);
  return {
    // Removing an admin stops the agent tokens they own: the agents' checked tokens are dropped.
    admins: createAdminService(context, { adminRemoved: () => agents.forgetTokens() }),
    agents,
    policies,
    events: createEventService(context, policies, throughput),
    preview: createPreviewService(context),
    connectors: connectorService,
    overview: createOverviewService(context, { agents, connectors: connectorService, throughput }),
    /** Writes the last counts; the portal calls it before the store closes. */
    close: () => throughput.close(),
  };
}

export type PortalServices = ReturnType<typeof createServices>;
