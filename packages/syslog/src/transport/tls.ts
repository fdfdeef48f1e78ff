// TLS transport (RFC 5425): TLS 1.2 or later, the server certificate always verified against
// Node's root CAs plus an optional private CA, the server name checked (SNI from the host unless
// it is an IP address). Handshake failures become a SYSLOG_TLS error that says what to fix.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { connectError, describeCause, formatAddress, SyslogError } from '../errors.ts';
import { awaitReady, type StreamConnector, type StreamEndpoint } from './tcp.ts';

export interface TlsClientOptions {
  /** PEM of an extra CA to trust (a private CA), in addition to the root CAs. */
  ca?: string | Buffer;
  /** File holding that PEM; read once when the sender is created. */
  caFile?: string;
  /** Name the certificate must carry, and the SNI; defaults to the host unless it is an IP. */
  servername?: string;
}

export const TLS_MIN_VERSION = 'TLSv1.2';

/**
 * Reads and checks the extra CA, then builds the secure context once (parsing the root CAs
 * costs milliseconds; reconnects reuse it). Throws a plain message naming the option.
 */
export function buildTlsContext(options: TlsClientOptions): tls.SecureContext {
  const extra: (string | Buffer)[] = [];
  if (options.ca !== undefined) extra.push(checkPem(options.ca, 'tls.ca'));
  if (options.caFile !== undefined) {
    let pem: Buffer;
    try {
      pem = readFileSync(options.caFile);
    } catch (error) {
      throw new Error(`tls.caFile: cannot read ${options.caFile}: ${describeCause(error)}`, { cause: error });
    }
    extra.push(checkPem(pem, `tls.caFile (${options.caFile})`));
  }
  return tls.createSecureContext({
    minVersion: TLS_MIN_VERSION,
    // Passing `ca` replaces the default trust store, so the root CAs are added back explicitly.
    ...(extra.length > 0 ? { ca: [...tls.rootCertificates, ...extra] } : {}),
  });
}

function checkPem(pem: string | Buffer, what: string): string | Buffer {
  try {
    new X509Certificate(pem);
  } catch {
    throw new Error(`${what}: not a PEM certificate`);
  }
  return pem;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

function tlsReason(error: NodeJS.ErrnoException, name: string): string {
  const code = error.code ?? '';
  if (UNTRUSTED.has(code)) {
    return `the server certificate is not trusted (${code}: ${error.message}); give the CA that signed it (tls.ca / tls.caFile, the agent's --ca-file)`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the server certificate is not valid for the name ${name} (${error.message})`;
  }
  if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS|VERSION_TOO_LOW/.test(code)) {
    return `the server does not offer TLS 1.2 or later (${code})`;
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return `the server closed the connection during the handshake; is it a TLS port offering TLS 1.2 or later? (${code})`;
  }
  return code === '' ? error.message : `${error.message} (${code})`;
}

export function tlsConnector(
  endpoint: StreamEndpoint,
  secureContext: tls.SecureContext,
  servername: string | undefined,
): StreamConnector {
  const name = servername ?? endpoint.host;
  const sni = servername ?? (net.isIP(endpoint.host) === 0 ? endpoint.host : undefined);
  const where = formatAddress(endpoint.host, endpoint.port);
  return () => {
    const socket = tls.connect({
      host: endpoint.host,
      port: endpoint.port,
      secureContext,
      minVersion: TLS_MIN_VERSION,
      rejectUnauthorized: true,
      ...(sni === undefined ? {} : { servername: sni }),
      // Checks the certificate against `servername` when given, else against the host.
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
    });
    let tcpConnected = false;
    socket.once('connect', () => {
      tcpConnected = true;
    });
    return awaitReady(
      socket,
      'secureConnect',
      endpoint,
      (error) =>
        tcpConnected
          ? new SyslogError(
              'SYSLOG_TLS',
              `TLS handshake with syslog server ${where} failed: ${tlsReason(error, name)}`,
              {
                cause: error,
              },
            )
          : connectError(endpoint.host, endpoint.port, describeCause(error), error),
      () => (tcpConnected ? 'TLS handshake timed out' : 'timed out'),
    );
  };
}
