// The tinyproxy harness against real tinyproxy: a CONNECT tunnel to a local TCP echo server, an
// absolute-URI GET to a local HTTP server, and the CONNECT targets read back from its log.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTinyproxy, type Tinyproxy } from './tinyproxy.ts';
import { toolOrSkip } from './tools.ts';
import { waitFor } from './wait.ts';

const tool = toolOrSkip('tinyproxy');

async function listening<S extends net.Server>(server: S): Promise<S & { port: number }> {
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  return Object.assign(server, { port: (server.address() as net.AddressInfo).port });
}

function closed(server: net.Server): Promise<void> {
  return new Promise((resolveClose) => server.close(() => resolveClose()));
}

/** Sends CONNECT `target` to the proxy; resolves with the answer's status and, on 200, the tunnel. */
function connectThrough(
  proxy: Tinyproxy,
  target: string,
): Promise<{ statusCode: number | undefined; socket: net.Socket }> {
  return new Promise((resolveConnect, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port: proxy.port,
      method: 'CONNECT',
      path: target,
      headers: { host: target },
    });
    request.once('connect', (response, socket) =>
      resolveConnect({ statusCode: response.statusCode, socket }),
    );
    request.once('error', reject);
    request.end();
  });
}

/** Waits until tinyproxy's log contains `text`; fails showing the log. */
async function waitForLog(proxy: Tinyproxy, text: string): Promise<void> {
  try {
    await waitFor(() => proxy.log().includes(text), `"${text}" in tinyproxy's log`, 5_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}; the log:\n${proxy.log()}`, { cause: error });
  }
}

describe.skipIf(tool === undefined)('tinyproxy harness', () => {
  let proxy: Tinyproxy;
  let echo: net.Server & { port: number };
  let web: http.Server & { port: number };
  /** The requests the HTTP server received: path and Via header, to prove the proxy forwarded them. */
  const served: { url: string | undefined; via: string | undefined }[] = [];

  beforeAll(async () => {
    proxy = await startTinyproxy(tool!);
    echo = await listening(net.createServer((socket) => socket.pipe(socket)));
    web = await listening(
      http.createServer((request, response) => {
        served.push({ url: request.url, via: request.headers.via });
        response.end(`hello from ${request.url}`);
      }),
    );
  });

  afterAll(async () => {
    await proxy?.stop(); // first: it holds the upstream ends of the tunnels
    web?.closeAllConnections();
    await Promise.all([echo, web].filter((server) => server !== undefined).map(closed));
  });

  it('listens on a loopback URL', () => {
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
  });

  it('tunnels a CONNECT to a local echo server and logs its target', async () => {
    const target = `127.0.0.1:${echo.port}`;
    const { statusCode, socket } = await connectThrough(proxy, target);
    expect(statusCode).toBe(200);
    const echoed = new Promise<string>((resolveEcho, reject) => {
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8');
        if (received.endsWith('\n')) resolveEcho(received);
      });
      socket.once('error', reject);
    });
    socket.write('through the tunnel\n');
    expect(await echoed).toBe('through the tunnel\n');
    socket.destroy();
    await waitForLog(proxy, `CONNECT ${target} HTTP/1.1`);
    expect(proxy.connects()).toContain(target);
  });

  it('answers 500 to a CONNECT whose target refuses, so a tunnel test can fail', async () => {
    const refusing = await listening(net.createServer());
    const target = `127.0.0.1:${refusing.port}`;
    await closed(refusing);
    const { statusCode, socket } = await connectThrough(proxy, target);
    socket.destroy();
    expect(statusCode).toBe(500);
    await waitForLog(proxy, `CONNECT ${target} HTTP/1.1`);
    expect(proxy.connects()).toContain(target);
  });

  it('forwards an absolute-URI GET to a local HTTP server', async () => {
    const url = `http://127.0.0.1:${web.port}/hello`;
    const body = await new Promise<string>((resolveGet, reject) => {
      const request = http.get({ host: '127.0.0.1', port: proxy.port, path: url }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.once('end', () => resolveGet(text));
      });
      request.once('error', reject);
    });
    expect(body).toBe('hello from /hello');
    // tinyproxy rewrites the absolute URI to a path and adds its Via header on the way.
    expect(served).toContainEqual({ url: '/hello', via: expect.stringMatching(/tinyproxy/) });
    await waitForLog(proxy, `GET ${url} HTTP/1.1`);
    expect(proxy.connects()).not.toContain(`127.0.0.1:${web.port}`); // a GET is not a CONNECT
  });
});
