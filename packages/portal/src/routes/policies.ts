// Activity policies for admins: list, create (activity or threshold), enable/disable, delete.
import {
  ADMIN_API_PREFIX,
  policyInputSchema,
  policyListResponseSchema,
  policyPatchSchema,
  policySchema,
} from '@cloudsiem/protocol';
import type { PortalServices } from '../services/index.ts';
import { adminOf, route, type RouteDef } from '../http/route.ts';

const BASE = `${ADMIN_API_PREFIX}/policies`;

export function policyRoutes({ policies }: PortalServices): RouteDef[] {
  return [
    route({
      method: 'get',
      path: BASE,
      summary: 'List policies',
      tag: 'Policies',
      auth: 'admin',
      response: policyListResponseSchema,
      handler: async () => ({ data: await policies.list() }),
    }),
    route({
      method: 'post',
      path: BASE,
      summary:
        'Create a policy: a filter that raises an alert per matching activity, or per burst (threshold)',
      tag: 'Policies',
      auth: 'admin',
      body: policyInputSchema,
      response: policySchema,
      successStatus: 201,
      handler: (_c, { body, caller }) => policies.create(body, adminOf(caller).id),
    }),
    route({
      method: 'patch',
      path: `${BASE}/:id`,
      summary: 'Enable or disable a policy',
      tag: 'Policies',
      auth: 'admin',
      body: policyPatchSchema,
      response: policySchema,
      errors: ['NOT_FOUND'],
      handler: (_c, { params, body }) => policies.setEnabled(params.id ?? '', body.enabled),
    }),
    route({
      method: 'delete',
      path: `${BASE}/:id`,
      summary: 'Delete a policy (alerts it raised stay)',
      tag: 'Policies',
      auth: 'admin',
      successStatus: 204,
      errors: ['NOT_FOUND'],
      handler: async (_c, { params }) => {
        await policies.remove(params.id ?? '');
        return undefined;
      },
    }),
  ];
}
