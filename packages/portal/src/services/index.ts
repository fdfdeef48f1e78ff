// The portal's services, built once from the context and handed to the routes.
import type { PortalContext } from '../context.ts';
import { createAdminService } from './admins.ts';
import { createAgentService } from './agents.ts';
import { createEventService } from './events.ts';
import { createPolicyService } from './policies.ts';
import { createPreviewService } from './preview.ts';

export function createServices(context: PortalContext) {
  const policies = createPolicyService(context);
  return {
    admins: createAdminService(context),
    agents: createAgentService(context),
    policies,
    events: createEventService(context, policies),
    preview: createPreviewService(context),
  };
}

export type PortalServices = ReturnType<typeof createServices>;
