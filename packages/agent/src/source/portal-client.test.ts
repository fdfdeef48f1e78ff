// The portal client against real local servers: how each answer of the agent API becomes a page,
// a refusal or a typed error (fatal token/agent errors, Retry-After, non-JSON from a proxy), and
// that HTTPS means TLS 1.2+ with the certificate verified against the roots plus --ca-file.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../../../../test/support/certs.ts';
import { toolOrSkip } from '../../../../test/support/tools.ts';
import { AgentError } from '../errors.ts';
import { createPortalClient, portalCodeOf, type PortalClient } from './portal-client.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];
const clients: PortalClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

async function portal(handler: Handler): Promise<PortalClient> {
  const port = await listen(createServer(handler));
  const client = createPortalClient({
    portalUrl: `http://127.0.0.1:${port}`,
    token: 'csat_x',
    userAgent: 'test',
  });
  clients.push(client);
  return client;
}

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

async function rejection(promise: Promise<unknown>): Promise<AgentError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AgentError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

const pull = (client: PortalClient, cursor?: string) => client.pull('activities', { cursor, limit: 10 });

describe('portal client answers', () => {
  it('sends the token, the cursor and the limit, and returns the page', async () => {
    let seen: IncomingMessage | undefined;
    const client = await portal((req, res) => {
      seen = req;
      answer(200, { events: [{ id: 'a' }], nextCursor: 'c1.1.5', hasMore: true })(req, res);
    });
    expect(await pull(client, 'c1.1.4')).toEqual({
      events: [{ id: 'a' }],
      nextCursor: 'c1.1.5',
      hasMore: true,
    });
    expect(seen?.url).toBe('/api/agent/v1/activities?limit=10&cursor=c1.1.4');
    expect(seen?.headers.authorization).toBe('Token csat_x');
  });

  it('passes on what the portal says was skipped past the backfill window, and refuses a malformed note', async () => {
    const skipped = { count: 12, fromTimestamp: 1_000, toTimestamp: 2_000 };
    const good = await portal(answer(200, { events: [], nextCursor: 'c', hasMore: false, skipped }));
    expect(await pull(good)).toEqual({ events: [], nextCursor: 'c', hasMore: false, skipped });
    const bad = await portal(
      answer(200, { events: [], nextCursor: 'c', hasMore: false, skipped: { count: 'many' } }),
    );
    expect((await rejection(pull(bad))).code).toBe('PORTAL_RESPONSE');
  });

  it.each([
    [401, 'TOKEN_INVALID', 3],
    [401, 'TOKEN_OWNER_REMOVED', 3],
    [410, 'AGENT_DELETED', 4],
  ])('%i %s is fatal with exit code %i and the portal message', async (status, code, exitCode) => {
    const client = await portal(
      answer(status, { error: { code, message: 'regenerate the token in the portal' } }),
    );
    const error = await rejection(pull(client));
    expect(error).toMatchObject({ code, exitCode, message: 'regenerate the token in the portal' });
  });

  it('429 and 503 are retriable and carry Retry-After', async () => {
    const limited = await portal(
      answer(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': '7' }),
    );
    expect(await rejection(pull(limited))).toMatchObject({
      code: 'PORTAL_UNAVAILABLE',
      retriable: true,
      retryAfterMs: 7000,
    });
    const down = await portal(answer(503, { error: { code: 'UNAVAILABLE', message: 'store down' } }));
    const error = await rejection(pull(down));
    expect(error).toMatchObject({ code: 'PORTAL_UNAVAILABLE', retryAfterMs: undefined });
    expect(error.message).toMatch(/503 \(UNAVAILABLE\).*store down/);
  });

  it('a proxy or load balancer page (not JSON) is still a clear error', async () => {
    const client = await portal(answer(502, '<html>Bad gateway</html>', { 'content-type': 'text/html' }));
    expect((await rejection(pull(client))).message).toMatch(/answered 502 \(HTTP_502\)/);
  });

  it('409 disabled answers are refusals to wait out, not errors', async () => {
    const client = await portal(
      answer(409, { error: { code: 'AGENT_DISABLED', message: 'disabled in the portal' } }),
    );
    expect(await pull(client)).toEqual({ refused: 'AGENT_DISABLED', message: 'disabled in the portal' });
  });

  it('a refused cursor is named so the pipeline can resume from the committed position', async () => {
    const client = await portal(answer(400, { error: { code: 'CURSOR_INVALID', message: 'malformed' } }));
    const error = await rejection(pull(client, 'nonsense'));
    expect(portalCodeOf(error)).toBe('CURSOR_INVALID');
  });

  it('a body that is not a page is PORTAL_RESPONSE', async () => {
    const client = await portal(answer(200, { events: 'nope' }));
    expect((await rejection(pull(client))).code).toBe('PORTAL_RESPONSE');
  });

  it('config: 304 for a current ETag, the parsed config otherwise, with the long-poll wait', async () => {
    const config = {
      agentId: 'a',
      name: 'n',
      version: 3,
      enabled: true,
      syslog: { host: '127.0.0.1', port: 514 },
      format: {},
      dataTypes: {},
      configPollIntervalMs: 30000,
      heartbeatIntervalMs: 60000,
      backfillHours: 48,
      portalUrl: 'https://portal.example.com',
    };
    const urls: string[] = [];
    const client = await portal((req, res) => {
      urls.push(req.url ?? '');
      if (req.headers['if-none-match'] === '"v3"') {
        res.writeHead(304).end();
        return;
      }
      answer(200, config, { etag: '"v3"' })(req, res);
    });
    const first = await client.config();
    expect(first).toMatchObject({
      changed: true,
      etag: '"v3"',
      config: { version: 3, syslog: { protocol: 'tcp' } },
    });
    expect(await client.config({ etag: '"v3"', waitS: 2 })).toEqual({ changed: false });
    expect(urls).toEqual(['/api/agent/v1/config', '/api/agent/v1/config?wait=2']);
  });

  it('a config this agent does not understand is refused with the fields named', async () => {
    const client = await portal(answer(200, { agentId: 'a', version: 'three' }));
    expect((await rejection(client.config())).message).toMatch(/not one this agent understands: .*version/);
  });

  it('an unreachable portal is PORTAL_UNREACHABLE, retriable, naming the URL', async () => {
    const port = await listen(createServer());
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    const client = createPortalClient({
      portalUrl: `http://127.0.0.1:${port}`,
      token: 't',
      userAgent: 'test',
    });
    clients.push(client);
    const error = await rejection(pull(client));
    expect(error).toMatchObject({ code: 'PORTAL_UNREACHABLE', retriable: true });
    expect(error.message).toMatch(
      new RegExp(
        `cannot reach the portal at http://127.0.0.1:${port}/api/agent/v1/activities: connection refused`,
      ),
    );
  });
});

const openssl = toolOrSkip('openssl');

describe.skipIf(openssl === undefined)('portal client over HTTPS', () => {
  let certs: TestCerts | undefined;
  afterAll(() => removeTestCerts(certs));

  async function httpsPortal(host = '127.0.0.1'): Promise<string> {
    certs ??= makeTestCerts(openssl!.path);
    const server = createHttpsServer(
      { cert: certs.cert, key: certs.key },
      answer(200, { events: [], nextCursor: 'c', hasMore: false }),
    );
    const port = await listen(server, host);
    return `https://${host}:${port}`;
  }

  it('trusts a private CA given as --ca-file', async () => {
    const client = createPortalClient({
      portalUrl: await httpsPortal(),
      token: 't',
      userAgent: 'test',
      ca: certs!.ca,
    });
    clients.push(client);
    expect(await pull(client)).toEqual({ events: [], nextCursor: 'c', hasMore: false });
  });

  it('refuses an untrusted certificate with PORTAL_TLS and says to pass --ca-file', async () => {
    const client = createPortalClient({ portalUrl: await httpsPortal(), token: 't', userAgent: 'test' });
    clients.push(client);
    const error = await rejection(pull(client));
    expect(error.code).toBe('PORTAL_TLS');
    expect(error.message).toMatch(/not trusted: pass its CA with --ca-file FILE/);
  });

  it('refuses a certificate issued to another name', async () => {
    // The certificate names localhost and 127.0.0.1; 127.0.0.2 is loopback too, but not its name.
    const url = await httpsPortal('127.0.0.2');
    const client = createPortalClient({ portalUrl: url, token: 't', userAgent: 'test', ca: certs!.ca });
    clients.push(client);
    const error = await rejection(pull(client));
    expect(error.code).toBe('PORTAL_TLS');
    expect(error.message).toMatch(/not valid for its host name/);
  });
});
