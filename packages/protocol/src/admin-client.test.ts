// The admin API client against a real local HTTP server: what it sends (path, token, JSON or
// NDJSON), a success answer, the portal's error body → AdminApiError (with issues), 429 with
// Retry-After, an error without the portal's body, a body that is not an ingest result, no server.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_CLIENT_ERROR_CODES, AdminApiError, createAdminClient } from './admin-client.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Answer = (seen: Seen, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let answer: Answer;
let seen: Seen[];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      answer(entry, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
  answer = (_seen, res) => res.writeHead(500).end();
});

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return (_seen, res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function failure(promise: Promise<unknown>): Promise<AdminApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AdminApiError);
  return error as AdminApiError;
}

describe('createAdminClient', () => {
  it('posts a list request with the token and answers the parsed list', async () => {
    answer = json(200, { data: [{ id: 'a1' }], hasNext: false, total: 1 });
    const client = createAdminClient({ baseUrl, token: 'csadm_t.s' });
    const list = await client.listActivities({ filters: { user: { eq: ['a@b.c'] } }, limit: 10 });
    expect(list.total).toBe(1);
    expect(list.data[0]?.id).toBe('a1');
    const [request] = seen;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/api/v1/activities');
    expect(request?.headers.authorization).toBe('Token csadm_t.s');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({ filters: { user: { eq: ['a@b.c'] } }, limit: 10 });
  });

  it('sends ingest as NDJSON and checks the answer is an ingest result', async () => {
    answer = json(200, { accepted: 2, duplicates: 0, alertsRaised: 0, rejected: [] });
    const client = createAdminClient({ baseUrl, headers: { 'x-extra': 'yes' } });
    const result = await client.ingestActivities([{ id: 'a' }, { id: 'b' }]);
    expect(result.accepted).toBe(2);
    expect(seen[0]?.url).toBe('/api/v1/ingest/activities');
    expect(seen[0]?.headers['content-type']).toBe('application/x-ndjson');
    expect(seen[0]?.headers['x-extra']).toBe('yes');
    expect(seen[0]?.body).toBe('{"id":"a"}\n{"id":"b"}\n');

    answer = json(200, { hello: 'world' });
    const error = await failure(client.ingestAlerts([{ id: 'c' }]));
    expect(error.code).toBe('BAD_RESPONSE');
  });

  it('answers undefined for 204 and escapes ids in the path', async () => {
    answer = (_seen, res) => res.writeHead(204).end();
    const client = createAdminClient({ baseUrl });
    await expect(client.deleteSiemAgent('a/b?c')).resolves.toBeUndefined();
    expect(seen[0]?.method).toBe('DELETE');
    expect(seen[0]?.url).toBe('/api/v1/siem-agents/a%2Fb%3Fc');
  });

  it('calls each connector endpoint with its method and path, the secret only in what it sends', async () => {
    answer = json(200, {});
    const client = createAdminClient({ baseUrl });
    const input = {
      name: 'Contoso',
      type: 'mdca' as const,
      settings: { url: 'https://contoso.portal.cloudappsecurity.com', auth: 'token' },
      secret: { token: 'legacy' },
    };
    await client.listConnectors();
    await client.createConnector(input);
    await client.getConnector('c/1');
    await client.updateConnector('c/1', { enabled: false });
    await client.testConnector('c/1');
    await client.testUnsavedConnector(input);
    await client.syncConnector('c/1');
    await client.listConnectorRejections('c/1', 20);
    answer = (_seen, res) => res.writeHead(204).end();
    await client.deleteConnector('c/1');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /api/v1/connectors',
      'POST /api/v1/connectors',
      'GET /api/v1/connectors/c%2F1',
      'PATCH /api/v1/connectors/c%2F1',
      'POST /api/v1/connectors/c%2F1/test',
      'POST /api/v1/connectors/test',
      'POST /api/v1/connectors/c%2F1/sync',
      'GET /api/v1/connectors/c%2F1/rejections?limit=20',
      'DELETE /api/v1/connectors/c%2F1',
    ]);
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual(input);
    expect(JSON.parse(seen[3]?.body ?? '')).toEqual({ enabled: false });
    expect(seen[4]?.body).toBe('');
  });

  it("turns the portal's 4xx error body into an AdminApiError with its code, message and issues", async () => {
    const issues = [{ path: 'body.name', message: 'Too small' }];
    answer = json(400, { error: { code: 'BAD_REQUEST', message: 'body.name: Too small', issues } });
    const reported: AdminApiError[] = [];
    const client = createAdminClient({ baseUrl, onError: (e) => reported.push(e) });
    const error = await failure(client.createPolicy({ name: '', severity: 'low', filter: {} }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe('body.name: Too small');
    expect(error.issues).toEqual(issues);
    expect(error.retryAfterMs).toBeNull();
    expect(error.retriable).toBe(false);
    expect(reported).toEqual([error]);
  });

  it('carries Retry-After of a 429 in milliseconds and calls it retriable', async () => {
    answer = json(429, { error: { code: 'RATE_LIMITED', message: 'retry in 7 s' } }, { 'retry-after': '7' });
    const client = createAdminClient({ baseUrl, token: 'csadm_t.s' });
    const error = await failure(client.listAlerts());
    expect(error.status).toBe(429);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBe(7000);
    expect(error.retriable).toBe(true);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({});
  });

  it('reports an error answer that is not the portal error body as HTTP, with its text', async () => {
    answer = (_seen, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    const error = await failure(createAdminClient({ baseUrl }).listSiemAgents());
    expect(error.status).toBe(502);
    expect(error.code).toBe('HTTP');
    expect(error.bodyText).toBe('<h1>Bad gateway</h1>');
    expect(error.statusText).toBe('Bad Gateway');
    expect(error.retriable).toBe(true);
  });

  it('reports a success answer that is not JSON as BAD_RESPONSE', async () => {
    answer = (_seen, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    const error = await failure(createAdminClient({ baseUrl }).getSiemAgent('x'));
    expect(error.code).toBe('BAD_RESPONSE');
    expect(error.bodyText).toBe('<html></html>');
  });

  it('reports a portal that does not answer as NETWORK, status 0, with the cause', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(createAdminClient({ baseUrl: `http://127.0.0.1:${port}` }).listPolicies());
    expect(error.status).toBe(0);
    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.retriable).toBe(true);
  });
});

it("docs/errors.md lists the client's own error codes", () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
  const listed = [...doc.matchAll(/^- `([A-Z_]+)`/gm)].map((m) => m[1]);
  expect(listed).toEqual([...ADMIN_CLIENT_ERROR_CODES]);
});
