// One declaration per API route: method, path, who may call it, the zod schemas of its input and
// answer. The app validates requests against it and the OpenAPI document is generated from it.
import type { Context } from 'hono';
import type { z } from 'zod';
import type { Admin, AdminTokenScope, ApiErrorCode } from '@cloudsiem/protocol';
import type { AgentRow } from '../services/agents.ts';

export type Method = 'get' | 'post' | 'patch' | 'delete';
/** `admin`: session cookie or admin API token; `agent`: an agent token; `public`: nobody needs to sign in. */
export type AuthKind = 'admin' | 'agent' | 'public';

export interface Caller {
  admin: Admin | null;
  agent: AgentRow | null;
  /** A session id when the admin signed in with a cookie. */
  sessionId: string | null;
  /** The scope of the admin API token used; null for a session (which may do everything). */
  tokenScope: AdminTokenScope | null;
}

export interface RouteInput<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  caller: Caller;
}

/** What a handler may answer besides a plain object: a Response as is, or JSON already encoded (text or UTF-8 bytes). */
export class RawJson {
  constructor(readonly text: string | Uint8Array<ArrayBuffer>) {}
}

export interface RouteDef<B = unknown, Q = unknown> {
  method: Method;
  /** Hono style: `/api/v1/siem-agents/:id`. */
  path: string;
  summary: string;
  tag: string;
  auth: AuthKind;
  /**
   * For `auth: 'admin'`: the admin API token scope that grants this route besides `admin` (which
   * grants every route). Default: `read` for GET, `admin` for every other method, so a route that
   * changes something is never opened to a narrower token by accident.
   */
  scope?: AdminTokenScope;
  /** `json`: one JSON value; `records`: a JSON array or NDJSON, each element kept raw for per-record checks. */
  bodyFormat?: 'json' | 'records';
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  response?: z.ZodType;
  successStatus?: 200 | 201 | 204;
  /**
   * The errors this route answers beyond those every route of its kind does (authentication for
   * its `auth`, BAD_REQUEST when it has a body or query schema): the OpenAPI document adds those.
   */
  errors?: ApiErrorCode[];
  handler(c: Context, input: RouteInput<B, Q>): Promise<unknown>;
}

/** The token scope a route needs besides `admin`: its declaration, else by its method. */
export function scopeOf(def: Pick<RouteDef, 'scope' | 'method'>): AdminTokenScope {
  return def.scope ?? (def.method === 'get' ? 'read' : 'admin');
}

/** Whether a token of `scope` may call the route. */
export function scopeAllows(scope: AdminTokenScope, def: Pick<RouteDef, 'scope' | 'method'>): boolean {
  return scope === 'admin' || scope === scopeOf(def);
}

/** The signed-in admin of an `auth: 'admin'` route (the app has authenticated them already). */
export function adminOf(caller: Caller): Admin {
  if (caller.admin === null) throw new Error('admin route without an admin caller');
  return caller.admin;
}

/** The agent of an `auth: 'agent'` route. */
export function agentOf(caller: Caller): AgentRow {
  if (caller.agent === null) throw new Error('agent route without an agent caller');
  return caller.agent;
}

/** Declares a route with its input types inferred from its schemas. */
export function route<B = undefined, Q = undefined>(def: RouteDef<B, Q>): RouteDef {
  return def;
}
