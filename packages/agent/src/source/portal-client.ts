// The agent's side of the agent ↔ portal protocol (DESIGN §6): the versioned config (ETag, long
// poll), the cursor pull per data type and the heartbeat, over HTTPS with TLS 1.2 as the minimum
// and the certificate verified, or through an HTTP CONNECT proxy (http-transport.ts).
import { rootCertificates } from 'node:tls';
import {
  AGENT_API_PREFIX,
  agentConfigSchema,
  type AgentConfig,
  type DataType,
  type Heartbeat,
  skippedEventsSchema,
  type SkippedEvents,
} from '@cloudsiem/protocol';
import { AgentError, isFatalCode } from '../errors.ts';
import { createHttpTransport, type HttpResponse, type ProxyAddress } from './http-transport.ts';

export type { ProxyAddress } from './http-transport.ts';

export interface PortalClientOptions {
  /** The portal's base URL, e.g. https://portal.example.com:8443. */
  portalUrl: string;
  token: string;
  proxy?: ProxyAddress;
  /** PEM of a private CA, trusted in addition to Node's root CAs. */
  ca?: string;
  /** Sent as User-Agent. */
  userAgent: string;
  /** How long a request (pull, heartbeat) may take; a long poll gets its wait on top. Default 60 s. */
  requestTimeoutMs?: number;
}

/** A page of one data type, as the portal sent it; records are checked by the encoder, one by one. */
export interface Page {
  events: Record<string, unknown>[];
  /** Where the page starts (older portals leave it out). */
  cursor?: string;
  nextCursor: string;
  /** The position this pull committed: set by portals that understand `ack` (read-ahead). */
  committed?: string;
  hasMore: boolean;
  /** Set when the portal moved past events older than the agent's backfill window. */
  skipped?: SkippedEvents;
}

/** The portal refused a pull without anything being wrong with the agent: wait for a config edit. */
export interface PullRefused {
  refused: 'AGENT_DISABLED' | 'DATA_TYPE_DISABLED';
  message: string;
}

export type ConfigAnswer = { changed: true; config: AgentConfig; etag: string } | { changed: false };

export interface PortalClient {
  /** The config; with `etag`, `{changed:false}` when it is still current. `waitS` long-polls for an edit. */
  config(options?: { etag?: string; waitS?: number; signal?: AbortSignal }): Promise<ConfigAnswer>;
  pull(
    dataType: DataType,
    options: {
      cursor: string | undefined;
      /** Commit this instead of `cursor` (which is then only read from); needs a portal that sets `committed`. */
      ack?: string;
      /** 0 reads nothing: with `ack`, an acknowledgement alone. */
      limit: number;
      signal?: AbortSignal;
    },
  ): Promise<Page | PullRefused>;
  heartbeat(body: Heartbeat, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

const TLS_CODES =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EPIPE: 'the connection broke',
};

/** The innermost error with a code (TLS errors come wrapped in the request's). */
function rootCause(error: unknown): Error & { code?: string } {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (!(current instanceof Error)) break;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return current;
    if (current.cause === undefined) return current;
    current = current.cause;
  }
  return current instanceof Error ? current : new Error(String(current));
}

function tlsAdvice(code: string, message: string): string {
  if (/PROTOCOL[_ ]VERSION|UNSUPPORTED[_ ]PROTOCOL|WRONG[_ ]VERSION/i.test(`${code} ${message}`))
    return 'the portal does not offer TLS 1.2 or later, which this agent requires: enable TLS 1.2+ on the portal (or its load balancer)';
  if (/SELF_SIGNED|UNABLE_TO_|ISSUER|CERT_UNTRUSTED/i.test(code))
    return "the portal's certificate is not trusted: pass its CA with --ca-file FILE";
  if (/ALTNAME|HOSTNAME/i.test(code))
    return "the portal's certificate is not valid for its host name: fix the certificate, or use the name it is issued to in --portal-url";
  if (/EXPIRED|NOT_YET_VALID/i.test(code)) return "the portal's certificate is expired or not yet valid";
  return 'check the portal certificate and the TLS settings';
}

/** A transport failure as an AgentError: TLS problems are named, everything else is retriable. */
export function transportError(error: unknown, what: string, via: string): AgentError {
  if (error instanceof AgentError) return error;
  const cause = rootCause(error);
  const code = cause.code ?? '';
  if (TLS_CODES.test(code) || /SSL routines|certificate|tlsv1 alert/i.test(cause.message)) {
    return new AgentError(
      'PORTAL_TLS',
      `TLS handshake with the portal ${what} failed: ${tlsAdvice(code, cause.message)} (${code || cause.message})`,
      { cause: error },
    );
  }
  const reason = REASONS[code] ?? cause.message;
  return new AgentError(
    'PORTAL_UNREACHABLE',
    `cannot reach the portal ${what}${via}: ${reason}${code !== '' ? ` (${code})` : ''}`,
    { cause: error },
  );
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3600) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - Date.now(), 3600_000));
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
}

function portalError(status: number, text: string): { code: string; message: string } {
  try {
    const body = JSON.parse(text) as ErrorBody;
    if (typeof body.error?.code === 'string' && typeof body.error.message === 'string')
      return { code: body.error.code, message: body.error.message.slice(0, 500) };
  } catch {
    // Not JSON: a proxy or load balancer answered.
  }
  return { code: `HTTP_${status}`, message: `HTTP ${status}` };
}

function checkPage(body: unknown): Page {
  const page = body as Partial<Page> | null;
  if (
    typeof page !== 'object' ||
    page === null ||
    !Array.isArray(page.events) ||
    typeof page.nextCursor !== 'string' ||
    (page.cursor !== undefined && typeof page.cursor !== 'string') ||
    (page.committed !== undefined && typeof page.committed !== 'string') ||
    typeof page.hasMore !== 'boolean' ||
    (page.skipped !== undefined && !skippedEventsSchema.safeParse(page.skipped).success)
  ) {
    throw new AgentError('PORTAL_RESPONSE', 'the portal answered a pull with an unexpected body');
  }
  return page as Page;
}

export function createPortalClient(options: PortalClientOptions): PortalClient {
  const base = options.portalUrl.replace(/\/+$/, '');
  const { origin, pathname } = new URL(base);
  const pathPrefix = pathname.replace(/\/+$/, '');
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  // TLS 1.2 at least, certificate and name always verified; a private CA adds to the roots.
  const tls = {
    minVersion: 'TLSv1.2' as const,
    rejectUnauthorized: true,
    ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }),
  };
  const transport = createHttpTransport({
    tls,
    keepAliveMs: 30_000,
    ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
  });
  const via =
    options.proxy === undefined ? '' : ` through the proxy ${options.proxy.host}:${options.proxy.port}`;
  const headers = {
    authorization: `Token ${options.token}`,
    'user-agent': options.userAgent,
    accept: 'application/json',
  };

  async function call(
    method: 'GET' | 'POST',
    path: string,
    extra: { headers?: Record<string, string>; body?: string; signal?: AbortSignal; waitMs?: number },
  ): Promise<{ status: number; text: string }> {
    const what = `${base}${path.replace(/\?.*$/, '')}`;
    const timeout = timeoutMs + (extra.waitMs ?? 0);
    let response: HttpResponse;
    try {
      response = await transport.request({
        method,
        url: new URL(`${pathPrefix}${path}`, origin),
        headers: { ...headers, ...extra.headers },
        ...(extra.body === undefined ? {} : { body: extra.body }),
        idleTimeoutMs: timeout,
        ...(extra.signal === undefined ? {} : { signal: extra.signal }),
      });
    } catch (error) {
      if (extra.signal?.aborted === true) throw error;
      throw transportError(error, `at ${what}`, via);
    }
    const { status, text } = response;
    if (status < 400 || status === 409) return { status, text };
    const { code, message } = portalError(status, text);
    if (isFatalCode(code)) throw new AgentError(code, message);
    if (status === 429 || status >= 500) {
      const wait = retryAfterMs(response.headers['retry-after']);
      throw new AgentError(
        'PORTAL_UNAVAILABLE',
        `the portal answered ${status} (${code}) at ${what}: ${message}`,
        wait === undefined ? {} : { retryAfterMs: wait },
      );
    }
    throw Object.assign(
      new AgentError('PORTAL_RESPONSE', `the portal answered ${status} (${code}) at ${what}: ${message}`),
      { portalCode: code },
    );
  }

  function json(text: string, what: string): unknown {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new AgentError('PORTAL_RESPONSE', `the portal's answer to ${what} is not JSON`, { cause: error });
    }
  }

  return {
    async config({ etag, waitS, signal } = {}) {
      const query =
        waitS !== undefined && waitS > 0 && etag !== undefined ? `?wait=${Math.round(waitS)}` : '';
      const { status, text } = await call('GET', `${AGENT_API_PREFIX}/config${query}`, {
        ...(etag === undefined ? {} : { headers: { 'if-none-match': etag } }),
        ...(signal === undefined ? {} : { signal }),
        waitMs: (waitS ?? 0) * 1000,
      });
      if (status === 304) return { changed: false };
      if (status !== 200) throw new AgentError('PORTAL_RESPONSE', `the portal answered ${status} to config`);
      const parsed = agentConfigSchema.safeParse(json(text, 'config'));
      if (!parsed.success) {
        throw new AgentError(
          'PORTAL_RESPONSE',
          `the portal's config is not one this agent understands: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
        );
      }
      return { changed: true, config: parsed.data, etag: `"v${parsed.data.version}"` };
    },

    async pull(dataType, { cursor, ack, limit, signal }) {
      const query = new URLSearchParams({ limit: String(limit) });
      if (cursor !== undefined) query.set('cursor', cursor);
      if (ack !== undefined) query.set('ack', ack);
      const { status, text } = await call('GET', `${AGENT_API_PREFIX}/${dataType}?${query.toString()}`, {
        ...(signal === undefined ? {} : { signal }),
      });
      if (status === 409) {
        const { code, message } = portalError(status, text);
        if (code === 'AGENT_DISABLED' || code === 'DATA_TYPE_DISABLED') return { refused: code, message };
        throw new AgentError('PORTAL_RESPONSE', `the portal answered 409 (${code}): ${message}`);
      }
      return checkPage(json(text, dataType));
    },

    async heartbeat(body, signal) {
      await call('POST', `${AGENT_API_PREFIX}/heartbeat`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        ...(signal === undefined ? {} : { signal }),
      });
    },

    close: () => transport.close(),
  };
}

/** The portal's error code behind a PORTAL_RESPONSE (e.g. CURSOR_INVALID), if it sent one. */
export function portalCodeOf(error: unknown): string | undefined {
  const code = (error as { portalCode?: unknown } | null)?.portalCode;
  return typeof code === 'string' ? code : undefined;
}
