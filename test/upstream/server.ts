// A loopback server that speaks Microsoft's documented upstream behaviour, for the connectors'
// contract tests against documented behaviour (never a claim about Microsoft's real service):
// each service (Entra ID token endpoint, MDCA, Graph, O365 Management Activity) is a handler
// mounted under its own path prefix, so one port can serve a whole tenant.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UpstreamRequestRecord {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

/** What a service handler gets: the request, its read body, and helpers to answer. */
export interface HandlerCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  body: string;
  /** JSON answer with the given status and extra headers. */
  json: (status: number, value: unknown, headers?: Record<string, string>) => void;
}

/** A service: answers the calls whose path starts with its prefix; returns false to fall through (404). */
export type Handler = (call: HandlerCall) => void | boolean | Promise<void | boolean>;

export interface FakeUpstream {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** Every request received, in order (the tests count calls and check headers). */
  requests: UpstreamRequestRecord[];
  mount(prefix: string, handler: Handler): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const mounts: { prefix: string; handler: Handler }[] = [];
  const requests: UpstreamRequestRecord[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname + url.search,
        headers: req.headers,
        body,
        at: Date.now(),
      });
      const call: HandlerCall = {
        req,
        res,
        url,
        body,
        json(status, value, headers = {}) {
          res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
          res.end(JSON.stringify(value));
        },
      };
      // Longest prefix first, so /mdca/api and /mdca can both be mounted.
      for (const { prefix, handler } of [...mounts].sort((a, b) => b.prefix.length - a.prefix.length)) {
        if (!url.pathname.startsWith(prefix)) continue;
        if ((await handler(call)) !== false) return;
      }
      call.json(404, { error: { code: 'NotFound', message: `no fake for ${url.pathname}` } });
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mount(prefix, handler) {
      mounts.push({ prefix, handler });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
