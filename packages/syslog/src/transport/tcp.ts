// TCP transport (RFC 6587): opens one connection with a timeout and turns every failure into a
// typed SYSLOG_CONNECT error naming host:port. The sender owns framing, queueing and reconnects.
import net from 'node:net';
import { connectError, describeCause, type SyslogError } from '../errors.ts';

export interface StreamEndpoint {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

/** Opens a connection to the syslog server; rejects with a SyslogError. */
export type StreamConnector = () => Promise<net.Socket>;

/** TCP keepalive probes find a peer that vanished without a FIN (host down, NAT state lost). */
const KEEPALIVE_DELAY_MS = 60_000;

/**
 * Waits for `socket` to emit `readyEvent`, or fails with `classify(error)`, or times out. On
 * failure the socket is destroyed. Shared by the TCP and TLS transports.
 */
export function awaitReady<S extends net.Socket>(
  socket: S,
  readyEvent: 'connect' | 'secureConnect',
  endpoint: StreamEndpoint,
  classify: (error: Error) => SyslogError,
  timeoutReason: () => string,
): Promise<S> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener(readyEvent, onReady);
    };
    const fail = (error: SyslogError): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onError = (error: Error): void => fail(classify(error));
    const onClose = (): void =>
      fail(classify(Object.assign(new Error('socket closed'), { code: 'ECONNRESET' })));
    const onReady = (): void => {
      cleanup();
      socket.setNoDelay(true);
      socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
      resolve(socket);
    };
    const timer = setTimeout(() => {
      fail(
        connectError(
          endpoint.host,
          endpoint.port,
          `${timeoutReason()} after ${endpoint.connectTimeoutMs} ms`,
        ),
      );
    }, endpoint.connectTimeoutMs);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once(readyEvent, onReady);
  });
}

export function tcpConnector(endpoint: StreamEndpoint): StreamConnector {
  return () =>
    awaitReady(
      net.connect({ host: endpoint.host, port: endpoint.port }),
      'connect',
      endpoint,
      (error) => connectError(endpoint.host, endpoint.port, describeCause(error), error),
      () => 'timed out',
    );
}
