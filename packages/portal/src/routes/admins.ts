// Admins and how they sign in: login/logout with an httpOnly SameSite=Strict session cookie, the
// signed-in admin, admin accounts, and admin API tokens for the REST API (shown once).
import {
  ADMIN_API_PREFIX,
  adminCreateSchema,
  adminSchema,
  adminTokenCreateSchema,
  adminTokenSchema,
  adminTokenWithSecretSchema,
  loginSchema,
} from '@cloudsiem/protocol';
import { z } from 'zod';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { PortalContext } from '../context.ts';
import type { PortalServices } from '../services/index.ts';
import { route, type Caller, type RouteDef } from '../http/route.ts';
import { SESSION_COOKIE } from '../http/app.ts';
import { ApiError } from '../errors.ts';

const ADMIN_ERRORS = ['UNAUTHENTICATED', 'FORBIDDEN', 'CSRF_REJECTED'] as const;

function me(caller: Caller) {
  if (caller.admin === null) throw new Error('admin route without an admin caller');
  return caller.admin;
}

export function adminRoutes({ admins }: PortalServices, { settings }: PortalContext): RouteDef[] {
  const secure = settings.publicUrl.startsWith('https:');
  return [
    route({
      method: 'post',
      path: `${ADMIN_API_PREFIX}/auth/login`,
      summary: 'Sign in; sets the session cookie (httpOnly, SameSite=Strict)',
      tag: 'Admins',
      auth: 'public',
      body: loginSchema,
      response: z.object({ admin: adminSchema }),
      errors: ['LOGIN_FAILED', 'BAD_REQUEST', 'RATE_LIMITED'],
      handler: async (c, { body }) => {
        const { admin, sessionId, expiresAt } = await admins.login(body.email, body.password);
        setCookie(c, SESSION_COOKIE, sessionId, {
          httpOnly: true,
          sameSite: 'Strict',
          secure,
          path: '/',
          expires: new Date(expiresAt),
        });
        return { admin };
      },
    }),
    route({
      method: 'post',
      path: `${ADMIN_API_PREFIX}/auth/logout`,
      summary: 'Sign out: ends the session',
      tag: 'Admins',
      auth: 'admin',
      successStatus: 204,
      errors: [...ADMIN_ERRORS],
      handler: async (c, { caller }) => {
        if (caller.sessionId !== null) await admins.logout(caller.sessionId);
        deleteCookie(c, SESSION_COOKIE, { path: '/' });
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: `${ADMIN_API_PREFIX}/auth/me`,
      summary: 'The signed-in admin',
      tag: 'Admins',
      auth: 'admin',
      response: z.object({ admin: adminSchema }),
      errors: [...ADMIN_ERRORS],
      handler: (_c, { caller }) => Promise.resolve({ admin: me(caller) }),
    }),
    route({
      method: 'get',
      path: `${ADMIN_API_PREFIX}/admins`,
      summary: 'List admins',
      tag: 'Admins',
      auth: 'admin',
      response: z.object({ data: z.array(adminSchema) }),
      errors: [...ADMIN_ERRORS],
      handler: async () => ({ data: await admins.list() }),
    }),
    route({
      method: 'post',
      path: `${ADMIN_API_PREFIX}/admins`,
      summary: 'Add an admin',
      tag: 'Admins',
      auth: 'admin',
      body: adminCreateSchema,
      response: adminSchema,
      successStatus: 201,
      errors: [...ADMIN_ERRORS, 'BAD_REQUEST', 'CONFLICT'],
      handler: (_c, { body }) => admins.create(body),
    }),
    route({
      method: 'delete',
      path: `${ADMIN_API_PREFIX}/admins/:id`,
      summary:
        'Remove an admin: their sessions and API tokens end, and the agent tokens they own stop working',
      tag: 'Admins',
      auth: 'admin',
      successStatus: 204,
      errors: [...ADMIN_ERRORS, 'NOT_FOUND', 'CONFLICT'],
      handler: async (_c, { params }) => {
        await admins.remove(params.id ?? '');
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: `${ADMIN_API_PREFIX}/admin-tokens`,
      summary: "The signed-in admin's API tokens (hints only)",
      tag: 'Admins',
      auth: 'admin',
      response: z.object({ data: z.array(adminTokenSchema) }),
      errors: [...ADMIN_ERRORS],
      handler: async (_c, { caller }) => ({ data: await admins.listApiTokens(me(caller).id) }),
    }),
    route({
      method: 'post',
      path: `${ADMIN_API_PREFIX}/admin-tokens`,
      summary: 'Create an admin API token; the answer holds it, shown this once',
      tag: 'Admins',
      auth: 'admin',
      body: adminTokenCreateSchema,
      response: adminTokenWithSecretSchema,
      successStatus: 201,
      errors: [...ADMIN_ERRORS, 'BAD_REQUEST'],
      handler: (_c, { body, caller }) => admins.createApiToken(me(caller).id, body.name),
    }),
    route({
      method: 'delete',
      path: `${ADMIN_API_PREFIX}/admin-tokens/:id`,
      summary: 'Revoke one of your admin API tokens',
      tag: 'Admins',
      auth: 'admin',
      successStatus: 204,
      errors: [...ADMIN_ERRORS, 'NOT_FOUND'],
      handler: async (_c, { params, caller }) => {
        if (params.id === undefined) throw new ApiError('NOT_FOUND', 'no token id');
        await admins.revokeApiToken(me(caller).id, params.id);
        return undefined;
      },
    }),
  ];
}
