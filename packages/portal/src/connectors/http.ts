// The connectors' one way out to an upstream (DESIGN §9): undici with TLS 1.2+ and verified
// certificates (plain http only on loopback), an optional HTTP CONNECT proxy and private CA, a
// token bucket per connector, Retry-After honoured (RFC 9110 §10.2.3, seconds may be fractional as
// Graph sends them), capped exponential backoff for transient failures, and every failure
// classified as an UpstreamError so the UI can say exactly what went wrong.
import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { isLoopbackHost } from '@cloudsiem/protocol';
import { UpstreamError, type UpstreamHttp, type UpstreamRequest, type UpstreamResponse } from './types.ts';

export interface UpstreamHttpOptions {
  /** The connector's budget: at most this many calls a minute (each attempt counts). */
  requestsPerMinute: number;
  /** A 429 without Retry-After waits at least this long (MDCA: 60 s). */
  throttleFloorMs: number;
  /**
   * A throttle wait up to this long is waited out inside the call; a longer one ends the call with
   * UpstreamError `throttled` so the scheduler can show Throttled and come back later. Default 10 s.
   */
  maxInlineWaitMs?: number;
  /** Retries of a transient failure (5xx, reset, timeout) before giving up. Default 4. */
  maxRetries?: number;
  /** Backoff of the first retry, doubling up to `maxBackoffMs`, with jitter. Defaults 500 ms and 15 s. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per call (headers and body). Default 60 s. */
  timeoutMs?: number;
  /** PEM of a private CA, trusted besides Node's root store. */
  ca?: string;
  /** An HTTP CONNECT proxy. */
  proxy?: { host: string; port: number };
  userAgent?: string;
  /** Ends waits and calls when the portal closes or the poll is abandoned. */
  signal?: AbortSignal;
  /** Told of every throttle answer (status Throttled while it lasts). */
  onThrottle?: (waitMs: number) => void;
  /** Waits; tests may pass a faster one. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

export interface UpstreamHttpClient extends UpstreamHttp {
  close(): Promise<void>;
}

const TLS_CODES =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The innermost error with a code: undici wraps socket, TLS and proxy errors. */
function rootCause(error: unknown): Error & { code?: string } {
  let current = error;
  for (let depth = 0; depth < 6; depth++) {
    if (!(current instanceof Error)) break;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('UND_ERR_') && code !== 'ABORT_ERR') return current;
    if (current.cause === undefined) return current;
    current = current.cause;
  }
  return current instanceof Error ? current : new Error(String(current));
}

function tlsAdvice(code: string, message: string): string {
  if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|WRONG_VERSION/i.test(`${code} ${message}`))
    return 'the server does not offer TLS 1.2 or later';
  if (/SELF_SIGNED|UNABLE_TO_|ISSUER|CERT_UNTRUSTED/i.test(code))
    return 'its certificate is not trusted (a private CA needs --connector-ca-file)';
  if (/ALTNAME|HOSTNAME/i.test(code)) return 'its certificate is not valid for this host name';
  if (/EXPIRED|NOT_YET_VALID/i.test(code)) return 'its certificate is expired or not yet valid';
  return 'the TLS handshake failed';
}

/** A transport failure (no HTTP answer) as an UpstreamError: DNS, connect, TLS or timeout. */
export function transportFailure(error: unknown, what: string, host: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const cause = rootCause(error);
  const code = cause.code ?? '';
  const suffix = code === '' ? '' : ` (${code})`;
  if (TLS_CODES.test(code) || /SSL routines|certificate|tlsv1 alert/i.test(cause.message))
    return new UpstreamError(
      'tls',
      `${what}: TLS with ${host} failed: ${tlsAdvice(code, cause.message)}${suffix}`,
      {
        cause: error,
      },
    );
  if (DNS_CODES.has(code))
    return new UpstreamError('dns', `${what}: the host name ${host} was not found in DNS${suffix}`, {
      cause: error,
      retriable: true,
    });
  if (TIMEOUT_CODES.has(code) || cause.name === 'TimeoutError')
    return new UpstreamError('timeout', `${what}: ${host} did not answer in time${suffix}`, { cause: error });
  return new UpstreamError('connect', `${what}: cannot reach ${host}: ${cause.message}${suffix}`, {
    cause: error,
  });
}

/** Retry-After as milliseconds: delta-seconds (fractional allowed, as Graph sends) or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 86_400_000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.min(date - now, 86_400_000));
}

/** The upstream's own error text, short and on one line (never a request header, so never a secret). */
function upstreamMessage(text: string): string {
  let message = text;
  try {
    const body = JSON.parse(text) as {
      error?: { message?: unknown; code?: unknown } | string;
      error_description?: unknown;
      detail?: unknown;
      message?: unknown;
    };
    if (typeof body.error === 'object' && typeof body.error.message === 'string')
      message = `${typeof body.error.code === 'string' ? `${body.error.code}: ` : ''}${body.error.message}`;
    else if (typeof body.error_description === 'string') message = body.error_description;
    else if (typeof body.error === 'string') message = body.error;
    else if (typeof body.detail === 'string') message = body.detail;
    else if (typeof body.message === 'string') message = body.message;
  } catch {
    // not JSON: the text itself
  }
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** An HTTP answer the caller did not accept, as an UpstreamError. */
export function statusFailure(
  what: string,
  status: number,
  text: string,
  retryAfterMs: number | null,
): UpstreamError {
  const detail = upstreamMessage(text);
  const said = detail === '' ? '' : `: ${detail}`;
  if (status === 401)
    return new UpstreamError('auth', `${what}: the upstream refused the credentials (401)${said}`, {
      status,
    });
  if (status === 403)
    return new UpstreamError('permission', `${what}: the credentials lack a permission (403)${said}`, {
      status,
    });
  if (status === 429)
    return new UpstreamError('throttled', `${what}: throttled by the upstream (429)${said}`, {
      status,
      retryAfterMs,
      retriable: true,
    });
  return new UpstreamError('http', `${what}: the upstream answered ${status}${said}`, {
    status,
    retriable: status >= 500 || status === 408,
  });
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * A token bucket: `perMinute` tokens a minute, holding at most a quarter minute's worth, so even the
 * first minute stays near the budget (20/min: at most 25 calls in any first minute, 20 after).
 */
export function tokenBucket(perMinute: number, now: () => number) {
  const capacity = Math.max(1, Math.floor(perMinute / 4));
  const perMs = perMinute / 60_000;
  let tokens = capacity;
  let at = now();
  return {
    /** Takes a token; returns how long to wait first (0 when one is there). */
    take(): number {
      const t = now();
      tokens = Math.min(capacity, tokens + (t - at) * perMs);
      at = t;
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil(-tokens / perMs);
    },
  };
}

function dispatcherFor(options: UpstreamHttpOptions): Dispatcher {
  const tls = {
    minVersion: 'TLSv1.2' as const,
    ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }),
  };
  const timeouts = {
    headersTimeout: options.timeoutMs ?? 60_000,
    bodyTimeout: options.timeoutMs ?? 60_000,
  };
  if (options.proxy !== undefined)
    return new ProxyAgent({
      uri: `http://${options.proxy.host.includes(':') ? `[${options.proxy.host}]` : options.proxy.host}:${options.proxy.port}`,
      requestTls: tls,
      ...timeouts,
    });
  return new Agent({ connect: { ...tls, timeout: 15_000 }, ...timeouts });
}

export function createUpstreamHttp(options: UpstreamHttpOptions): UpstreamHttpClient {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const bucket = tokenBucket(options.requestsPerMinute, now);
  const maxRetries = options.maxRetries ?? 4;
  const maxInlineWaitMs = options.maxInlineWaitMs ?? 10_000;
  const dispatcher = dispatcherFor(options);
  let calls = 0;

  async function attempt(
    request: UpstreamRequest,
    url: URL,
  ): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    const wait = bucket.take();
    if (wait > 0) await sleep(wait, options.signal);
    calls++;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': options.userAgent ?? 'cloudsiem-connector',
      ...request.headers,
    };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(request.form).toString();
    } else if (request.body !== undefined) body = request.body;
    try {
      const response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers,
        body,
        signal: options.signal,
      });
      const text = await response.body.text();
      const flat: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, headers: flat, text };
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      throw transportFailure(error, request.what, url.host);
    }
  }

  async function request(request: UpstreamRequest): Promise<UpstreamResponse> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new UpstreamError('http', `${request.what}: not a URL: ${request.url}`, { retriable: false });
    }
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
      throw new UpstreamError(
        'tls',
        `${request.what}: plain http is allowed only on loopback; use https for ${url.host}`,
      );
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UpstreamError('http', `${request.what}: ${url.protocol} is not http(s)`, {
        retriable: false,
      });

    let failures = 0;
    for (;;) {
      let answer: Awaited<ReturnType<typeof attempt>>;
      try {
        answer = await attempt(request, url);
      } catch (error) {
        const failure =
          error instanceof UpstreamError ? error : transportFailure(error, request.what, url.host);
        if (
          !failure.retriable ||
          failure.kind === 'dns' ||
          failures >= maxRetries ||
          options.signal?.aborted === true
        )
          throw failure;
        await sleep(backoff(failures++), options.signal);
        continue;
      }
      const { status, headers, text } = answer;
      if ((status >= 200 && status < 300) || request.accept?.includes(status)) {
        return {
          status,
          headers,
          text,
          json<T>(): T {
            try {
              return JSON.parse(text) as T;
            } catch {
              throw new UpstreamError(
                'invalid-response',
                `${request.what}: the answer is not JSON (status ${status})`,
                {
                  status,
                },
              );
            }
          },
        };
      }
      if (status === 429) {
        const asked = parseRetryAfter(headers['retry-after'], now());
        const waitMs = Math.max(
          asked ?? options.throttleFloorMs,
          asked === null ? options.throttleFloorMs : 0,
        );
        options.onThrottle?.(waitMs);
        if (waitMs > maxInlineWaitMs || failures >= maxRetries)
          throw statusFailure(request.what, status, text, waitMs);
        failures++;
        await sleep(waitMs, options.signal);
        continue;
      }
      const failure = statusFailure(request.what, status, text, null);
      if (!failure.retriable || failures >= maxRetries) throw failure;
      const asked = parseRetryAfter(headers['retry-after'], now());
      await sleep(Math.max(asked ?? 0, backoff(failures++)), options.signal);
    }
  }

  function backoff(failures: number): number {
    const base = Math.min((options.backoffMs ?? 500) * 2 ** failures, options.maxBackoffMs ?? 15_000);
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  return {
    request,
    get calls() {
      return calls;
    },
    close: () => dispatcher.close(),
  };
}
