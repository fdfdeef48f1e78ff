// The portal's services, built once from the context and handed to the routes.
import type { PortalContext } from '../context.ts';
import { connectorDefinition } from '../connectors/registry.ts';
import { createAdminService } from './admins.ts';
import { createAgentService } from './agents.ts';
import { createConnectorService, type ConnectorServiceDeps } from './connectors.ts';
import { createEventService } from './events.ts';
import { createPolicyService } from './policies.ts';
import { createPreviewService } from './preview.ts';

/** Without a key or definitions (tests of other areas): connectors are listed but cannot be saved. */
const NO_CONNECTORS: ConnectorServiceDeps = { box: null, definitions: connectorDefinition, wake() {} };

export function createServices(context: PortalContext, connectors: ConnectorServiceDeps = NO_CONNECTORS) {
  const policies = createPolicyService(context);
  return {
    admins: createAdminService(context),
    agents: createAgentService(context),
    policies,
    events: createEventService(context, policies),
    preview: createPreviewService(context),
    connectors: createConnectorService(context, connectors),
  };
}

export type PortalServices = ReturnType<typeof createServices>;
