// A syslog receiver for tests and `cloudsiem receive`: TCP (RFC 6587, LF or octet counting),
// TLS (RFC 5425, TLS 1.2+) or UDP (RFC 5426, one message per datagram). It deframes and hands
// each message to a callback; it stores nothing.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { describeCause, formatAddress, SyslogError } from './errors.ts';
import { createDeframer, FRAMINGS, type Framing } from './framing.ts';
import { PROTOCOLS, type Protocol } from './sender.ts';
import { TLS_MIN_VERSION } from './transport/tls.ts';

export interface MessageMeta {
  /** The sender's address and port, `host:port`. */
  remote: string;
}

export interface ReceiverOptions {
  protocol: Protocol;
  /** Default 127.0.0.1: a test SIEM listens on loopback unless told otherwise. */
  host?: string;
  /** Default 0: any free port (read it back from `port`). */
  port?: number;
  /** TCP default 'lf', TLS default 'octet' (RFC 5425). Ignored for UDP. */
  framing?: Framing;
  /** PEM certificate chain and key; required for TLS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Longer frames close the connection with a SYSLOG_FRAME error. Default 1 MiB. */
  maxMessageBytes?: number;
  onMessage: (message: string, meta: MessageMeta) => void;
  /** Malformed frames (SYSLOG_FRAME) and failed TLS handshakes (SYSLOG_TLS); the connection is closed. */
  onError?: (error: SyslogError, meta: MessageMeta) => void;
}

export interface ReceiverCloseOptions {
  /** How long open connections may take to end by themselves before they are dropped. Default 0. */
  graceMs?: number;
}

export interface Receiver {
  readonly protocol: Protocol;
  readonly host: string;
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  /**
   * Stops listening and drops open connections. With `graceMs`, connections whose sender is
   * finishing first get that long to hand over what the kernel still holds (stream receivers).
   */
  close(options?: ReceiverCloseOptions): Promise<void>;
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const problems: string[] = [];
  if (!PROTOCOLS.includes(options.protocol))
    problems.push(`protocol: must be one of ${PROTOCOLS.join(', ')}`);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    problems.push(`port: must be 0–65535, got ${port}`);
  if (options.framing !== undefined && !FRAMINGS.includes(options.framing)) {
    problems.push(`framing: must be lf or octet, got ${String(options.framing)}`);
  }
  if (options.protocol === 'tls' && (options.tls?.cert === undefined || options.tls.key === undefined)) {
    problems.push('tls: a TLS receiver needs a certificate and a key (tls.cert, tls.key)');
  }
  if (problems.length > 0) {
    throw new SyslogError('SYSLOG_OPTIONS', `invalid syslog receiver options: ${problems.join('; ')}`);
  }
  return options.protocol === 'udp'
    ? startDatagramReceiver(options, host, port)
    : startStreamReceiver(options, host, port);
}

function listenError(host: string, port: number, error: unknown): SyslogError {
  return new SyslogError(
    'SYSLOG_LISTEN',
    `cannot listen on ${formatAddress(host, port)}: ${describeCause(error)}`,
    {
      cause: error,
    },
  );
}

function remoteOf(socket: net.Socket): string {
  return socket.remoteAddress === undefined
    ? 'unknown'
    : formatAddress(socket.remoteAddress, socket.remotePort ?? 0);
}

async function startStreamReceiver(options: ReceiverOptions, host: string, port: number): Promise<Receiver> {
  const framing = options.framing ?? (options.protocol === 'tls' ? 'octet' : 'lf');
  const onError = options.onError ?? (() => {});
  const sockets = new Set<net.Socket>();

  const handle = (socket: net.Socket): void => {
    sockets.add(socket);
    const meta = { remote: remoteOf(socket) };
    const deframer = createDeframer(framing, { maxMessageBytes: options.maxMessageBytes });
    const emit = (message: string): void => options.onMessage(message, meta);
    const guarded = (step: () => void): void => {
      try {
        step();
      } catch (error) {
        if (!(error instanceof SyslogError)) throw error;
        onError(error, meta);
        socket.destroy();
      }
    };
    socket.on('data', (chunk: Buffer) => guarded(() => deframer.push(chunk, emit)));
    socket.on('end', () => guarded(() => deframer.end(emit)));
    // A sender that resets its connection is not the receiver's problem.
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };

  let server: net.Server;
  if (options.protocol === 'tls') {
    const tlsServer = tls.createServer(
      { cert: options.tls!.cert, key: options.tls!.key, minVersion: TLS_MIN_VERSION },
      handle,
    );
    tlsServer.on('tlsClientError', (error, socket) => {
      const remote = remoteOf(socket);
      onError(
        new SyslogError('SYSLOG_TLS', `TLS handshake with ${remote} failed: ${describeCause(error)}`, {
          cause: error,
        }),
        { remote },
      );
    });
    server = tlsServer;
  } else {
    server = net.createServer(handle);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(host, port, error)));
    server.listen(port, host, () => resolve());
  });
  server.on('error', () => {});
  const address = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    protocol: options.protocol,
    host,
    port: address.port,
    close: (closeOptions = {}) => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const graceMs = closeOptions.graceMs ?? 0;
        const deadline = Date.now() + graceMs;
        // A socket leaves `sockets` on 'close', which follows the sender's FIN once its data is read.
        while (sockets.size > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 10));
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return closing;
    },
  };
}

async function startDatagramReceiver(
  options: ReceiverOptions,
  host: string,
  port: number,
): Promise<Receiver> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  socket.on('message', (message, rinfo) => {
    options.onMessage(message.toString('utf8'), { remote: formatAddress(rinfo.address, rinfo.port) });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => reject(listenError(host, port, error)));
    socket.bind(port, host, () => resolve());
  });
  socket.on('error', () => {});
  let closing: Promise<void> | undefined;
  return {
    protocol: 'udp',
    host,
    port: socket.address().port,
    close: () => {
      closing ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closing;
    },
  };
}
