// The portal's HTTP app (Hono): authenticates the caller, parses and validates each request
// against its route's schemas, and answers every error as `{ error: { code, message } }` — never
// a stack trace; unexpected errors are logged with a request id the answer carries.
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { API_ERRORS, INGEST_BATCH_MAX } from '@cloudsiem/protocol';
import { ZodError } from 'zod';
import type { PortalContext } from '../context.ts';
import { cleanJson, TooDeepError } from '../text.ts';
import { ApiError, badRequest } from '../errors.ts';
import { ADMIN_TOKEN_PREFIX, AGENT_TOKEN_PREFIX } from '../auth/secrets.ts';
import type { PortalServices } from '../services/index.ts';
import { UnparsableRecord } from '../services/events.ts';
import { RawJson, scopeAllows, scopeOf, type Caller, type RouteDef } from './route.ts';
import { serveWeb } from '../routes/web.ts';

export const SESSION_COOKIE = 'cloudsiem_session';
/** The id each request's answer and log lines carry, so a 500 can be found in the log. */
const requestIds = new WeakMap<Request, string>();
const JSON_BODY_MAX_BYTES = 1024 * 1024;
const RECORDS_BODY_MAX_BYTES = 64 * 1024 * 1024;
/** A restart takes seconds; freeing disk space takes an operator. */
const STORE_RETRY_AFTER_SECONDS = { STORE_UNAVAILABLE: 5, STORE_FULL: 30 } as const;

function presentedToken(c: Context): string | null {
  const header = c.req.header('authorization');
  if (header === undefined) return null;
  const match = /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** HSTS for a year: browsers that reached the portal over HTTPS never fall back to HTTP. */
const HSTS = 'max-age=31536000';

/**
 * Whether browsers reach this request over HTTPS: the portal serves TLS itself (checked on the
 * socket, not the URL a client may spell), or its public URL is https (a TLS-terminating proxy).
 */
export function servedOverHttps(c: { env: unknown }, publicUrl: string): boolean {
  const env = c.env as { incoming?: { socket?: { encrypted?: boolean } } } | undefined;
  return env?.incoming?.socket?.encrypted === true || publicUrl.startsWith('https:');
}

/**
 * The client's address as the socket sees it (a proxy in front shows as one client: forwarded
 * headers are not trusted, any client can write them).
 */
export function clientAddress(c: { env: unknown }): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** A cookie-authenticated write must come from the portal's own pages (SameSite=Strict backs this up). */
function sameOrigin(c: Context, publicUrl: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (origin === undefined) return false;
  const own = new URL(c.req.url).origin;
  return origin === own || origin === new URL(publicUrl).origin;
}

async function authenticate(
  c: Context,
  def: RouteDef,
  services: PortalServices,
  publicUrl: string,
): Promise<Caller> {
  const caller: Caller = { admin: null, agent: null, sessionId: null, tokenScope: null };
  if (def.auth === 'public') return caller;
  const token = presentedToken(c);
  if (def.auth === 'agent') {
    if (token === null || !token.startsWith(AGENT_TOKEN_PREFIX)) {
      throw new ApiError('TOKEN_INVALID', 'an agent token is required: Authorization: Token csat_…');
    }
    caller.agent = await services.agents.authenticate(token);
    return caller;
  }
  if (token !== null) {
    if (token.startsWith(AGENT_TOKEN_PREFIX)) {
      throw new ApiError('FORBIDDEN', "an agent token can only read its own agent's config and data");
    }
    const found = token.startsWith(ADMIN_TOKEN_PREFIX) ? await services.admins.apiTokenCaller(token) : null;
    if (found === null) throw new ApiError('UNAUTHENTICATED', 'the admin API token is not valid');
    if (!scopeAllows(found.scope, def)) {
      throw new ApiError(
        'TOKEN_SCOPE_DENIED',
        `this admin API token has the ${found.scope} scope; ${def.method.toUpperCase()} ${def.path} needs a token of scope ${scopeOf(def)} or admin`,
      );
    }
    caller.admin = found.admin;
    caller.tokenScope = found.scope;
    return caller;
  }
  const sessionId = getCookie(c, SESSION_COOKIE);
  if (sessionId !== undefined) caller.admin = await services.admins.sessionAdmin(sessionId);
  if (caller.admin === null || sessionId === undefined) {
    throw new ApiError(
      'UNAUTHENTICATED',
      'sign in, or send an admin API token: Authorization: Token csadm_…',
    );
  }
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !sameOrigin(c, publicUrl)) {
    throw new ApiError('CSRF_REJECTED', 'a signed-in change must come from the portal itself');
  }
  caller.sessionId = sessionId;
  return caller;
}

/** Requests whose body was abandoned at the size limit: their answer closes the connection. */
const abandonedBodies = new WeakSet<Request>();

/**
 * The body's bytes, counted while they arrive: past `maxBytes` (declared or, for a chunked body,
 * read so far) reading stops and the request is answered 413 with the connection closed, so a
 * client cannot make the portal read or hold more than the limit.
 */
async function readChunks(c: Context, maxBytes: number): Promise<Uint8Array[]> {
  const tooLarge = () => {
    abandonedBodies.add(c.req.raw);
    return new ApiError('PAYLOAD_TOO_LARGE', `the body is over ${maxBytes} bytes`);
  };
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge();
  const stream = c.req.raw.body;
  if (stream === null) return [];
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Not cancelled: cancelling destroys the socket before the 413 is written. Left unread, the
      // stream stops pulling and the answer's `Connection: close` ends the connection.
      reader.releaseLock();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return chunks;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** UTF-8 text, invalid bytes replaced and (at the body's start) a byte order mark dropped, as TextDecoder does. */
function decodeUtf8(bytes: Uint8Array, atStart = true): string {
  const bom = atStart && bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2];
  const start = bom ? 3 : 0;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start).toString('utf8');
}

async function readText(c: Context, maxBytes: number): Promise<string> {
  return decodeUtf8(Buffer.concat(await readChunks(c, maxBytes)));
}

/**
 * NDJSON's lines, each decoded from the bytes it came in: a batch of a few MB is never copied
 * into one buffer or one string (on this kind of machine, allocating and decoding the whole body
 * at once cost more than parsing it). A line split between chunks is joined alone.
 */
function* ndjsonLines(chunks: readonly Uint8Array[]): Generator<string> {
  let carry: Uint8Array[] = [];
  let first = true;
  const decode = (parts: Uint8Array[]) => {
    const text = decodeUtf8(parts.length === 1 ? parts[0]! : Buffer.concat(parts), first);
    first = false;
    return text;
  };
  for (const chunk of chunks) {
    let start = 0;
    for (let lf = chunk.indexOf(10); lf !== -1; lf = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, lf);
      start = lf + 1;
      if (carry.length === 0) {
        yield decode([piece]);
      } else {
        carry.push(piece);
        yield decode(carry);
        carry = [];
      }
    }
    if (start < chunk.byteLength) carry.push(chunk.subarray(start));
  }
  if (carry.length > 0) yield decode(carry);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError(
      'BAD_REQUEST',
      `the body is not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`,
    );
  }
}

/** A JSON array, or NDJSON (one record per line, blank lines skipped). */
function parseRecords(chunks: readonly Uint8Array[], contentType: string): unknown[] {
  let records: unknown[];
  if (contentType.includes('ndjson') || contentType.includes('jsonl')) {
    records = [];
    for (const line of ndjsonLines(chunks)) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as unknown);
      } catch (error) {
        records.push(
          new UnparsableRecord(`not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`),
        );
      }
    }
  } else {
    const text = decodeUtf8(Buffer.concat(chunks));
    if (!text.trimStart().startsWith('[')) {
      throw new ApiError(
        'BAD_REQUEST',
        'an application/json body must be an array of records; send NDJSON as application/x-ndjson',
      );
    }
    const parsed = parseJson(text);
    if (!Array.isArray(parsed))
      throw new ApiError('BAD_REQUEST', 'the body must be a JSON array of records, or NDJSON');
    records = parsed;
  }
  if (records.length > INGEST_BATCH_MAX) {
    throw new ApiError(
      'PAYLOAD_TOO_LARGE',
      `a batch holds at most ${INGEST_BATCH_MAX} records, got ${records.length}`,
    );
  }
  return records;
}

async function readBody(c: Context, def: RouteDef): Promise<unknown> {
  if (def.body === undefined && def.bodyFormat !== 'records') return undefined;
  const contentType = (c.req.header('content-type') ?? '').toLowerCase();
  if (def.bodyFormat === 'records') {
    if (!/json|ndjson|jsonl/.test(contentType)) {
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        'send application/json (an array) or application/x-ndjson',
      );
    }
    return parseRecords(await readChunks(c, RECORDS_BODY_MAX_BYTES), contentType);
  }
  const text = await readText(c, JSON_BODY_MAX_BYTES);
  if (text.trim() === '') return {};
  if (!contentType.includes('json')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send application/json');
  return parseJson(text);
}

function validate<T>(
  schema: { safeParse(v: unknown): { success: boolean; data?: T; error?: ZodError } } | undefined,
  value: unknown,
  part: string,
): T {
  if (schema === undefined) return value as T;
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(part, result.error?.issues ?? []);
  return result.data as T;
}

export function errorResponse(c: Context, error: ApiError): Response {
  const body = {
    error: {
      code: error.code,
      message: error.message,
      ...(error.issues === undefined ? {} : { issues: error.issues }),
    },
  };
  if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds));
  if (abandonedBodies.has(c.req.raw)) c.header('Connection', 'close');
  return c.json(body, error.status as 400);
}

export interface AppOptions {
  /** The built web UI served at `/` (default: packages/web/dist). */
  webDir?: string;
}

export function createApp(
  context: PortalContext,
  services: PortalServices,
  routes: readonly RouteDef[],
  options: AppOptions = {},
): Hono {
  const app = new Hono({ strict: false });
  const { logger, settings } = context;

  app.use('*', async (c, next) => {
    const requestId = randomUUID();
    requestIds.set(c.req.raw, requestId);
    c.header('x-request-id', requestId);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('cache-control', 'no-store');
    if (servedOverHttps(c, settings.publicUrl)) c.header('strict-transport-security', HSTS);
    await next();
  });

  for (const def of routes) {
    app.on(def.method.toUpperCase(), def.path, async (c) => {
      const caller = await authenticate(c, def, services, settings.publicUrl);
      // Ingest records are cleaned per record by the ingest service; everything else here.
      const raw = await readBody(c, def);
      const body = validate(def.body, def.bodyFormat === 'records' ? raw : cleanJson(raw), 'body');
      const query = validate(def.query, cleanJson(c.req.query()), 'query');
      const result = await def.handler(c, {
        body,
        query,
        params: cleanJson(c.req.param()) as Record<string, string>,
        caller,
      });
      if (result instanceof Response) return result;
      if (result instanceof RawJson)
        return c.body(result.text, 200, { 'content-type': 'application/json; charset=utf-8' });
      if (def.successStatus === 204 || result === undefined) return c.body(null, 204);
      return c.json(result as object, def.successStatus ?? 200);
    });
  }

  // The web UI: every other GET outside /api/ (the UI routes in the URL's hash).
  app.get('*', serveWeb(options.webDir));

  app.notFound((c) => errorResponse(c, new ApiError('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)));

  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(c, error);
    if (error instanceof ZodError) return errorResponse(c, badRequest('body', error.issues));
    if (error instanceof TooDeepError) return errorResponse(c, new ApiError('BAD_REQUEST', error.message));
    const requestId = requestIds.get(c.req.raw) ?? randomUUID();
    c.header('x-request-id', requestId);
    const storeDown = context.store.health.report(error);
    if (storeDown !== null) return storeUnavailable(c, storeDown, requestId, error);
    logger.error(
      { err: error, requestId, method: c.req.method, path: c.req.path },
      'Request failed with an unexpected error',
    );
    return errorResponse(
      c,
      new ApiError(
        'INTERNAL',
        `An unexpected error happened (request ${requestId}; details are in the portal log)`,
      ),
    );
  });

  /** A store outage or a full disk is not a bug: 503 with Retry-After, a warning, no stack. */
  function storeUnavailable(
    c: Context,
    code: 'STORE_UNAVAILABLE' | 'STORE_FULL',
    requestId: string,
    error: unknown,
  ): Response {
    logger.warn(
      { err: error, requestId, method: c.req.method, path: c.req.path, code },
      'Request failed: the store is unavailable',
    );
    return errorResponse(
      c,
      new ApiError(
        code,
        `${API_ERRORS[code].meaning} (request ${requestId})`,
        undefined,
        STORE_RETRY_AFTER_SECONDS[code],
      ),
    );
  }

  return app;
}
