// An HTTPS server on loopback that speaks only TLS 1.0 and 1.1 (RFC 2246, RFC 4346), for proving
// that a client which requires TLS 1.2 (DESIGN.md §6: the agent's minimum) refuses it.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TestCerts } from './certs.ts';

export interface LegacyTlsServer {
  port: number;
  /** `https://127.0.0.1:PORT`. */
  url: string;
  /**
   * The codes of the handshakes the server failed, in order (`ERR_SSL_UNSUPPORTED_PROTOCOL` for a
   * client that offered only TLS 1.2+), so a test can tell a refusal on the protocol version from
   * one for any other reason.
   */
  handshakeErrors(): string[];
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1, port 0. Every request is answered 200 with the negotiated
 * protocol as JSON (`{"protocol":"TLSv1.1"}`), so a client that does get through can show it.
 */
export async function startLegacyTlsServer(certs: TestCerts): Promise<LegacyTlsServer> {
  const server = https.createServer(
    {
      cert: certs.cert,
      key: certs.key,
      // Node's default minimum is TLS 1.2; both bounds are set so the range is exactly 1.0–1.1.
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      // OpenSSL 3 at the default security level 1 forbids the MD5+SHA-1 signatures TLS < 1.2
      // needs: the handshake then fails with "no suitable signature algorithm". Level 0 allows them.
      ciphers: 'DEFAULT@SECLEVEL=0',
    },
    (request, response) => {
      const protocol = (request.socket as TLSSocket).getProtocol();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ protocol }));
    },
  );
  const handshakeErrors: string[] = [];
  server.on('tlsClientError', (error: NodeJS.ErrnoException) =>
    handshakeErrors.push(error.code ?? error.message),
  );
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    handshakeErrors: () => [...handshakeErrors],
    close: () =>
      new Promise((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
