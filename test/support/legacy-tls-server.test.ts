// The legacy TLS server really speaks TLS 1.1 to a client that allows it, and refuses a client that
// requires TLS 1.2 — with a protocol-version alert, not some other handshake failure.
import https from 'node:https';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, removeTestCerts, type TestCerts } from './certs.ts';
import { startLegacyTlsServer, type LegacyTlsServer } from './legacy-tls-server.ts';
import { toolOrSkip } from './tools.ts';
import { waitFor } from './wait.ts';

const openssl = toolOrSkip('openssl');

/** What a client must set to reach TLS 1.1 under OpenSSL 3: the version floor and security level 0. */
const LEGACY_CLIENT = { minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;

describe.skipIf(openssl === undefined)('legacy TLS server', () => {
  let certs: TestCerts;
  let server: LegacyTlsServer;

  beforeAll(async () => {
    certs = makeTestCerts(openssl!.path);
    server = await startLegacyTlsServer(certs);
  });

  afterAll(async () => {
    await server?.close();
    removeTestCerts(certs);
  });

  it('negotiates TLS 1.1 with a client that allows it, its certificate verified', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: certs.ca, ...LEGACY_CLIENT });
    try {
      await new Promise<void>((resolveConnect, reject) => {
        socket.once('secureConnect', resolveConnect);
        socket.once('error', reject);
      });
      expect(socket.getProtocol()).toBe('TLSv1.1');
      expect(socket.authorized).toBe(true);
    } finally {
      socket.destroy();
    }
  });

  it('serves HTTPS over TLS 1.1', async () => {
    const body = await new Promise<string>((resolveGet, reject) => {
      const request = https.get(server.url, { ca: certs.ca, ...LEGACY_CLIENT }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.once('end', () => resolveGet(text));
      });
      request.once('error', reject);
    });
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    expect(JSON.parse(body)).toEqual({ protocol: 'TLSv1.1' });
  });

  it.each([
    { name: 'minVersion TLSv1.2', options: { minVersion: 'TLSv1.2' } as const },
    { name: "Node's defaults", options: {} },
  ])('refuses a client with $name on the protocol version', async ({ options }) => {
    const before = server.handshakeErrors().length;
    const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: certs.ca, ...options });
    const error = await new Promise<NodeJS.ErrnoException>((resolveError, reject) => {
      socket.once('secureConnect', () => reject(new Error(`connected with ${socket.getProtocol()}`)));
      socket.once('error', resolveError);
    });
    socket.destroy();
    // The server answers the ClientHello with alert 70, protocol_version (RFC 8446 §6.2).
    expect(error.code).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    expect(error.message).toMatch(/alert protocol version/);
    await waitFor(
      () => server.handshakeErrors().length > before,
      'the server to report the failed handshake',
    );
    expect(server.handshakeErrors().slice(before)).toEqual(['ERR_SSL_UNSUPPORTED_PROTOCOL']);
  });
});
