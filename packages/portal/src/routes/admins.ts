// Admins and how they sign in: login/logout with an httpOnly SameSite=Strict session cookie, the
// signed-in admin (and, for the web UI, whether this browser has a session at all), admin
// accounts, and admin API tokens for the REST API (shown once).
import {
  ADMIN_API_PREFIX,
  adminCreateSchema,
  adminListResponseSchema,
  adminResponseSchema,
  adminSchema,
  adminTokenCreateSchema,
  adminTokenListResponseSchema,
  adminTokenWithSecretSchema,
  loginSchema,
  sessionResponseSchema,
} from '@cloudsiem/protocol';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { PortalContext } from '../context.ts';
import type { PortalServices } from '../services/index.ts';
import { adminOf, route, type RouteDef } from '../http/route.ts';
import { clientAddress, servedOverHttps, SESSION_COOKIE } from '../http/app.ts';
import { ApiError } from '../errors.ts';

export function adminRoutes({ admins }: PortalServices, { settings }: PortalContext): RouteDef[] {
  return [
    route({
      method: 'post',
      path: `${ADMIN_API_PREFIX}/auth/login`,
      summary: 'Sign in; sets the session cookie (httpOnly, SameSite=Strict)',
      tag: 'Admins',
      auth: 'public',
      body: loginSchema,
      response: adminResponseSchema,
      errors: ['LOGIN_FAILED', 'RATE_LIMITED'],
      handler: async (c, { body }) => {
        const { admin, sessionId, expiresAt } = await admins.login(
          body.email,
          body.password,
          clientAddress(c),
        );
        setCookie(c, SESSION_COOKIE, sessionId, {
          httpOnly: true,
          sameSite: 'Strict',
          // Per request: the public URL is only known once the portal listens.
          secure: servedOverHttps(c, settings.publicUrl),
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
      handler: async (c, { caller }) => {
        if (caller.sessionId !== null) await admins.logout(caller.sessionId);
        deleteCookie(c, SESSION_COOKIE, { path: '/', secure: servedOverHttps(c, settings.publicUrl) });
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: `${ADMIN_API_PREFIX}/auth/me`,
      summary: 'The signed-in admin',
      tag: 'Admins',
      auth: 'admin',
      response: adminResponseSchema,
      handler: (_c, { caller }) => Promise.resolve({ admin: adminOf(caller) }),
    }),
    route({
      method: 'get',
      path: `${ADMIN_API_PREFIX}/auth/session`,
      summary:
        'Whether this browser is signed in: the admin of the session cookie, or null (200 either way, so the web UI asks without an error)',
      tag: 'Admins',
      auth: 'public',
      response: sessionResponseSchema,
      handler: async (c) => {
        const sessionId = getCookie(c, SESSION_COOKIE);
        return { admin: sessionId === undefined ? null : await admins.sessionAdmin(sessionId) };
      },
    }),
    route({
      method: 'get',
      path: `${ADMIN_API_PREFIX}/admins`,
      summary: 'List admins',
      tag: 'Admins',
      auth: 'admin',
      response: adminListResponseSchema,
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
      errors: ['CONFLICT'],
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
      errors: ['NOT_FOUND', 'CONFLICT'],
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
      response: adminTokenListResponseSchema,
      handler: async (_c, { caller }) => ({ data: await admins.listApiTokens(adminOf(caller).id) }),
    }),
    route({
      method: 'post',
      path: `${ADMIN_API_PREFIX}/admin-tokens`,
      summary:
        'Create an admin API token of scope admin (default), ingest (POST /api/v1/ingest/* only) or read (GET and list requests only); the answer holds it, shown this once',
      tag: 'Admins',
      auth: 'admin',
      body: adminTokenCreateSchema,
      response: adminTokenWithSecretSchema,
      successStatus: 201,
      handler: (_c, { body, caller }) => admins.createApiToken(adminOf(caller).id, body.name, body.scope),
    }),
    route({
      method: 'delete',
      path: `${ADMIN_API_PREFIX}/admin-tokens/:id`,
      summary: 'Revoke one of your admin API tokens',
      tag: 'Admins',
      auth: 'admin',
      successStatus: 204,
      errors: ['NOT_FOUND'],
      handler: async (_c, { params, caller }) => {
        if (params.id === undefined) throw new ApiError('NOT_FOUND', 'no token id');
        await admins.revokeApiToken(adminOf(caller).id, params.id);
        return undefined;
      },
    }),
  ];
}
