// The agent's HTTP(S) client for the portal, on node:http and node:https alone: keep-alive
// connections (the agent's own ones, so a pull reuses the connection of the one before), an HTTP
// CONNECT tunnel through a proxy (RFC 9110 §9.3.6) with TLS to the portal inside it, an idle timeout
// that covers connecting, the wait for the answer and a stalled body, and abort by signal. It
// replaces undici, which was most of the agent's bundle and ~20 MB of an idle agent's memory.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

export interface ProxyAddress {
  host: string;
  port: number;
}

export interface HttpTransportOptions {
  /** The TLS options of an https: origin (minimum version, CA); ignored for http:. */
  tls: ConnectionOptions;
  proxy?: ProxyAddress;
  /** How long an unused connection is kept (shorter when the server announces less). */
  keepAliveMs: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** An absolute http: or https: URL. */
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** The longest the connection may stay silent: connecting, waiting for the answer, reading it. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

export interface HttpTransport {
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Closes the kept connections; a request in flight fails. */
  close(): Promise<void>;
}

/** An error with the code transportError reads (`IDLE_TIMEOUT`, `PROXY_REFUSED`, or Node's). */
function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

const authority = (host: string, port: number): string =>
  `${host.includes(':') ? `[${host}]` : host}:${port}`;

type SocketCallback = (error: Error | null, socket?: Duplex) => void;

/**
 * Opens a tunnel to `host:port` through the proxy and hands the socket to `done`: Node's agents
 * accept a connection created asynchronously through createConnection's callback.
 */
function tunnel(
  proxy: ProxyAddress,
  host: string,
  port: number,
  done: (error: Error | null, socket?: Duplex) => void,
): void {
  const target = authority(host, port);
  const connect = httpRequest({
    host: proxy.host,
    port: proxy.port,
    method: 'CONNECT',
    path: target,
    headers: { host: target },
    agent: false,
  });
  connect.once('connect', (response, socket, head) => {
    if (response.statusCode !== 200) {
      socket.destroy();
      done(codedError('PROXY_REFUSED', `the proxy answered ${response.statusCode} to CONNECT ${target}`));
      return;
    }
    if (head.length > 0) socket.unshift(head);
    done(null, socket);
  });
  connect.once('error', (error) => done(error));
  connect.end();
}

interface ConnectOptions {
  host?: string | null;
  hostname?: string | null;
  port?: number | string | null;
  servername?: string;
}

function targetOf(options: ConnectOptions): { host: string; port: number } {
  const host = (options.hostname ?? options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(options.port) };
}

/** A tunnelled connection for an agent: plain for http:, TLS to the portal inside it for https:. */
function tunnelConnection(
  proxy: ProxyAddress,
  options: ConnectOptions,
  secure: boolean,
  callback: SocketCallback,
): undefined {
  const { host, port } = targetOf(options);
  tunnel(proxy, host, port, (error, socket) => {
    if (error !== null) return callback(error);
    callback(
      null,
      secure
        ? tlsConnect({
            ...(options as ConnectionOptions),
            socket: socket!,
            servername: options.servername ?? host,
          })
        : socket,
    );
  });
  return undefined;
}

/** An https agent whose connections are TLS inside a CONNECT tunnel. */
class HttpsTunnelAgent extends HttpsAgent {
  constructor(
    private readonly proxy: ProxyAddress,
    options: ConstructorParameters<typeof HttpsAgent>[0],
  ) {
    super(options);
  }

  override createConnection(
    options: ConnectionOptions & ConnectOptions,
    callback: SocketCallback,
  ): undefined {
    return tunnelConnection(this.proxy, options, true, callback);
  }
}

/** An http agent whose connections are CONNECT tunnels (a plain-HTTP portal behind a proxy). */
class HttpTunnelAgent extends HttpAgent {
  constructor(
    private readonly proxy: ProxyAddress,
    options: ConstructorParameters<typeof HttpAgent>[0],
  ) {
    super(options);
  }

  override createConnection(options: ConnectOptions, callback: SocketCallback): undefined {
    return tunnelConnection(this.proxy, options, false, callback);
  }
}

function readText(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', reject);
    // A connection that closes before the body ended (content-length or chunked) is an error.
    response.once('aborted', () => reject(codedError('ECONNRESET', 'the connection closed mid-answer')));
  });
}

export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const keep = { keepAlive: true, timeout: options.keepAliveMs, scheduling: 'lifo' as const };
  const { proxy } = options;
  const https =
    proxy === undefined
      ? new HttpsAgent({ ...keep, ...options.tls })
      : new HttpsTunnelAgent(proxy, { ...keep, ...options.tls });
  const http = proxy === undefined ? new HttpAgent(keep) : new HttpTunnelAgent(proxy, keep);

  return {
    request({ method, url, headers, body, idleTimeoutMs, signal }) {
      const secure = url.protocol === 'https:';
      return new Promise<HttpResponse>((resolve, reject) => {
        let req: ClientRequest;
        const settings = {
          method,
          headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
          ...(signal === undefined ? {} : { signal }),
        };
        try {
          req = secure
            ? httpsRequest(url, { ...settings, agent: https })
            : httpRequest(url, { ...settings, agent: http });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        req.setTimeout(idleTimeoutMs, () =>
          req.destroy(codedError('IDLE_TIMEOUT', `no answer within ${Math.round(idleTimeoutMs / 1000)} s`)),
        );
        req.once('error', reject);
        req.once('response', (response) => {
          readText(response).then(
            (text) => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }),
            (error: unknown) =>
              reject(req.destroyed && req.errored !== null ? req.errored : (error as Error)),
          );
        });
        req.end(body);
      });
    },

    close() {
      https.destroy();
      http.destroy();
      return Promise.resolve();
    },
  };
}
