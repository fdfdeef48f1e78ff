// The connectors' HTTP client against real loopback servers: Retry-After (fractional and
// missing), retries of transient failures, the token bucket, TLS verification with and without
// the private CA, and the loopback-only rule for plain http.
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../../../../test/support/certs.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../../test/upstream/server.ts';
import { createUpstreamHttp, parseRetryAfter, tokenBucket } from './http.ts';
import { UpstreamError } from './types.ts';

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());

/** A sleep that records what it was asked and returns at once. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => (waits.push(ms), Promise.resolve()) };
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError');
}

describe('parseRetryAfter', () => {
  it('reads delta-seconds, fractional seconds and HTTP dates', () => {
    expect(parseRetryAfter('2.128', 0)).toBe(2128);
    expect(parseRetryAfter('60', 0)).toBe(60_000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(10_000);
    expect(parseRetryAfter(undefined, 0)).toBeNull();
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });
});

describe('tokenBucket', () => {
  it('allows a quarter minute of burst, then the rate', () => {
    let t = 0;
    const bucket = tokenBucket(20, () => t);
    const waits = Array.from({ length: 7 }, () => bucket.take());
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits[5]).toBe(3000);
    expect(waits[6]).toBe(6000);
    t = 60_000;
    // A minute later the bucket is full again, but never more than its capacity.
    expect(Array.from({ length: 6 }, () => bucket.take()).filter((w) => w === 0)).toHaveLength(5);
  });
});

describe('createUpstreamHttp', () => {
  it('waits out a fractional Retry-After and then succeeds', async () => {
    let n = 0;
    upstream.mount('/graph-429', ({ json }) => {
      n++;
      if (n === 1)
        json(
          429,
          { error: { code: 'TooManyRequests', message: 'Please retry again later.' } },
          { 'retry-after': '2.128' },
        );
      else json(200, { value: [] });
    });
    const { waits, sleep } = recordingSleep();
    const throttles: number[] = [];
    const http = createUpstreamHttp({
      requestsPerMinute: 600,
      throttleFloorMs: 0,
      sleep,
      onThrottle: (ms) => throttles.push(ms),
    });
    const answer = await http.request({
      method: 'GET',
      url: `${upstream.url}/graph-429`,
      what: 'list alerts',
    });
    expect(answer.json()).toEqual({ value: [] });
    expect(waits).toContain(2128);
    expect(throttles).toEqual([2128]);
    expect(http.calls).toBe(2);
    await http.close();
  });

  it('ends the call as throttled with at least the floor when a 429 has no Retry-After', async () => {
    upstream.mount('/mdca-429', ({ res }) => {
      res.writeHead(429, 'TOO MANY REQUESTS', { 'content-type': 'text/html' });
      res.end('Too many requests');
    });
    const http = createUpstreamHttp({
      requestsPerMinute: 600,
      throttleFloorMs: 60_000,
      sleep: recordingSleep().sleep,
    });
    const error = await failure(
      http.request({ method: 'POST', url: `${upstream.url}/mdca-429`, what: 'list activities', json: {} }),
    );
    expect(error.kind).toBe('throttled');
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(60_000);
    expect(error.retriable).toBe(true);
    expect(http.calls).toBe(1);
    await http.close();
  });

  it('retries 5xx with growing backoff and gives up with the status named', async () => {
    let n = 0;
    upstream.mount('/flaky', ({ json }) => {
      n++;
      if (n <= 2) json(503, { error: { code: 'ServiceUnavailable', message: 'try later' } });
      else json(200, { ok: true });
    });
    upstream.mount('/down', ({ json }) =>
      json(500, { error: { code: 'InternalServerError', message: 'boom' } }),
    );
    const { waits, sleep } = recordingSleep();
    const http = createUpstreamHttp({ requestsPerMinute: 600, throttleFloorMs: 0, sleep, maxRetries: 3 });
    expect(
      (await http.request({ method: 'GET', url: `${upstream.url}/flaky`, what: 'page' })).json(),
    ).toEqual({ ok: true });
    expect(waits).toHaveLength(2);
    const error = await failure(http.request({ method: 'GET', url: `${upstream.url}/down`, what: 'page' }));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(500);
    expect(error.message).toContain('InternalServerError: boom');
    expect(error.retriable).toBe(true);
    await http.close();
  });

  it('names 401 and 403 as auth and permission, never retried', async () => {
    upstream.mount('/401', ({ json }) =>
      json(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } }),
    );
    upstream.mount('/403', ({ json }) =>
      json(403, { error: { code: 'Forbidden', message: 'Missing role' } }),
    );
    const http = createUpstreamHttp({
      requestsPerMinute: 600,
      throttleFloorMs: 0,
      sleep: recordingSleep().sleep,
    });
    const before = http.calls;
    expect((await failure(http.request({ method: 'GET', url: `${upstream.url}/401`, what: 'x' }))).kind).toBe(
      'auth',
    );
    expect((await failure(http.request({ method: 'GET', url: `${upstream.url}/403`, what: 'x' }))).kind).toBe(
      'permission',
    );
    expect(http.calls - before).toBe(2);
    const accepted = await http.request({
      method: 'GET',
      url: `${upstream.url}/403`,
      what: 'x',
      accept: [403],
    });
    expect(accepted.status).toBe(403);
    await http.close();
  });

  it('spends the token bucket before each call', async () => {
    upstream.mount('/ok', ({ json }) => json(200, {}));
    const { waits, sleep } = recordingSleep();
    const http = createUpstreamHttp({ requestsPerMinute: 4, throttleFloorMs: 0, sleep, now: () => 0 });
    for (let i = 0; i < 3; i++) await http.request({ method: 'GET', url: `${upstream.url}/ok`, what: 'x' });
    // Capacity 1 at 4/min: the second and third calls wait 15 s and 30 s.
    expect(waits).toEqual([15_000, 30_000]);
    await http.close();
  });

  it('refuses plain http off loopback, and says when nothing listens', async () => {
    const http = createUpstreamHttp({
      requestsPerMinute: 600,
      throttleFloorMs: 0,
      sleep: recordingSleep().sleep,
      maxRetries: 0,
    });
    const plain = await failure(http.request({ method: 'GET', url: 'http://192.0.2.1/api', what: 'x' }));
    expect(plain.kind).toBe('tls');
    expect(plain.message).toContain('plain http is allowed only on loopback');
    const closed = createServer0();
    const port = await closed;
    const refused = await failure(
      http.request({ method: 'GET', url: `http://127.0.0.1:${port}/`, what: 'list' }),
    );
    expect(refused.kind).toBe('connect');
    expect(refused.message).toContain('ECONNREFUSED');
    await http.close();
  });

  const openssl = process.env.OPENSSL ?? 'openssl';
  describe('over TLS', () => {
    let certs: TestCerts | undefined;
    let url = '';
    let server: ReturnType<typeof createHttpsServer> | undefined;
    beforeAll(async () => {
      try {
        certs = makeTestCerts(openssl);
      } catch (error) {
        if (process.env.CI === 'true') throw error;
        console.warn(`skipping TLS cases: openssl is missing (${String(error)})`);
        return;
      }
      server = createHttpsServer({ cert: certs.cert, key: certs.key }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"tls":true}');
      });
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(() => {
      server?.close();
      removeTestCerts(certs);
    });

    it('refuses a certificate from an unknown CA, and trusts it with the CA given', async (context) => {
      if (certs === undefined) return context.skip();
      const strict = createUpstreamHttp({ requestsPerMinute: 600, throttleFloorMs: 0, maxRetries: 0 });
      const error = await failure(strict.request({ method: 'GET', url, what: 'list' }));
      expect(error.kind).toBe('tls');
      expect(error.message).toContain('not trusted');
      expect(error.retriable).toBe(false);
      const trusting = createUpstreamHttp({ requestsPerMinute: 600, throttleFloorMs: 0, ca: certs.ca });
      expect((await trusting.request({ method: 'GET', url, what: 'list' })).json()).toEqual({ tls: true });
      await Promise.all([strict.close(), trusting.close()]);
    });
  });
});

/** A port that was free a moment ago: nothing listens there. */
async function createServer0(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
