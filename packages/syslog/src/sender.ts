// The syslog sender: frames messages (framing.ts) and writes them over TCP, TLS or UDP
// (transport/), with a bounded queue, backpressure through 'drain', closed-peer detection and a
// reconnect loop with capped exponential backoff and full jitter.
//
// Delivery on connection loss: a send whose bytes were not yet handed to the socket REJECTS with a
// retriable SyslogError (SYSLOG_CONNECTION_LOST, or SYSLOG_CONNECT when the next attempt fails);
// nothing is retried internally. The caller resends from its last acknowledged position, which is
// what the agent's at-least-once delivery needs (DESIGN §6). The sender meanwhile reconnects with
// backoff; a send made while disconnected waits for the next attempt and goes out on it.
//
// Each send resolves with a receipt naming the connection it was written on and that connection's
// byte offset after it; a lost or closed connection reports how many bytes had been written on it.
// Together they tell the caller exactly which writes the last bytes in flight belonged to.
import type net from 'node:net';
import type dgram from 'node:dgram';
import { backoffDelayMs, type BackoffOptions } from './backoff.ts';
import { connectError, connectionLostError, describeCause, formatAddress, SyslogError } from './errors.ts';
import { checkConnectionOptions, OptionProblems } from './options.ts';
import { datagramPayload, encodeFrames, type Framing } from './framing.ts';
import { tcpConnector, type StreamConnector } from './transport/tcp.ts';
import { buildTlsContext, tlsConnector, type TlsClientOptions } from './transport/tls.ts';
import { openUdpSocket, UDP_MAX_PAYLOAD, UDP_MIN_PAYLOAD } from './transport/udp.ts';

export type Protocol = 'tcp' | 'udp' | 'tls';
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'tls'];

export interface SenderOptions {
  protocol: Protocol;
  host: string;
  port: number;
  /** TCP only; default 'lf'. TLS always uses octet counting (RFC 5425). */
  framing?: Framing;
  /** UDP: a datagram carries one message cut at the end to this many UTF-8 bytes. Default 2048. */
  udpMaxBytes?: number;
  tls?: TlsClientOptions;
  /** Bound on bytes buffered (queue + socket buffer); send() waits when it is reached. Default 4 MiB. */
  maxQueueBytes?: number;
  /** Default 10 000; for TLS it covers the handshake too. */
  connectTimeoutMs?: number;
  /** close() waits this long for buffered bytes to reach the kernel, then drops them. Default 10 000. */
  closeTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  onEvent?: (event: SenderEvent) => void;
}

export type SenderEvent =
  | { type: 'connected'; remote: string; connection: number }
  /** The connection dropped; `bytesWritten`: what its sends that resolved had written on it. */
  | { type: 'disconnected'; error: SyslogError; connection: number; bytesWritten: number }
  /** The last attempt failed (or the connection dropped); the next one starts in `delayMs`. */
  | { type: 'reconnecting'; delayMs: number; attempt: number; error: SyslogError }
  /**
   * close() ended connection `connection`. `confirmed`: the server closed its side after our FIN,
   * so it read every byte (TCP/TLS); false when it did not within closeTimeoutMs (the connection
   * was abandoned, `reason` says why) or cannot tell (UDP).
   */
  | { type: 'closed'; connection: number; bytesWritten: number; confirmed: boolean; reason?: string };

/** What a send resolves with. */
export interface SendReceipt {
  /** Bytes written, framing included. */
  bytes: number;
  messages: number;
  /** The connection (socket) it was written on: unique within the process, increasing. */
  connection: number;
  /** That connection's bytes written after this send, this one included. */
  offset: number;
  /** UDP: messages of this send cut to udpMaxBytes. */
  truncated: number;
}

export interface SenderStats {
  /** Messages handed to the socket (their send resolved). */
  messagesSent: number;
  /** Bytes of those messages, framing included. */
  bytesSent: number;
  /** Connections established after the first one. */
  reconnects: number;
  /** UDP datagrams cut to udpMaxBytes. */
  udpTruncated: number;
  connected: boolean;
  /** Bytes buffered now: queued plus not yet taken by the kernel. At most maxQueueBytes + one send. */
  queuedBytes: number;
}

export interface Sender {
  /** Connects now; rejects with SYSLOG_CONNECT / SYSLOG_TLS. Sends connect lazily anyway. */
  connect(): Promise<void>;
  /** Resolves when the message (without framing) is handed to the socket, with its receipt. */
  send(message: string): Promise<SendReceipt>;
  /** The same for many messages, written at once; they resolve or reject together. */
  sendBatch(messages: readonly string[]): Promise<SendReceipt>;
  /**
   * Flushes what is buffered, ends the connection (waiting up to closeTimeoutMs for the server to
   * close its side) and stops reconnecting; emits 'closed' when a connection was open.
   */
  close(): Promise<void>;
  readonly stats: SenderStats;
}

export const DEFAULT_UDP_MAX_BYTES = 2048;
export const DEFAULT_MAX_QUEUE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/** A connection that lasted this long was healthy: the backoff starts over after it drops. */
export const HEALTHY_CONNECTION_MS = 10_000;

/** Connection ids are unique in the process, so receipts of different senders never collide. */
let lastConnection = 0;
export const nextConnection = (): number => ++lastConnection;

interface Config {
  protocol: Protocol;
  host: string;
  port: number;
  framing: Framing;
  udpMaxBytes: number;
  maxQueueBytes: number;
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  backoff: BackoffOptions;
  onEvent: (event: SenderEvent) => void;
}

/** Validates the options (every problem reported at once) and returns a sender; connects lazily. */
export function createSender(options: SenderOptions): Sender {
  const problems = new OptionProblems();
  const check = problems.check.bind(problems);
  check(PROTOCOLS.includes(options.protocol), `protocol: must be one of ${PROTOCOLS.join(', ')}`);
  const { port, connectTimeoutMs, closeTimeoutMs, backoff } = checkConnectionOptions(
    options,
    { connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS, closeTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS },
    problems,
  );
  const framing = options.framing ?? (options.protocol === 'tls' ? 'octet' : 'lf');
  check(framing === 'lf' || framing === 'octet', `framing: must be lf or octet, got ${String(framing)}`);
  check(
    !(options.protocol === 'tls' && framing !== 'octet'),
    'framing: TLS always uses octet counting (RFC 5425)',
  );
  const udpMaxBytes = problems.integer(
    options.udpMaxBytes,
    DEFAULT_UDP_MAX_BYTES,
    UDP_MIN_PAYLOAD,
    UDP_MAX_PAYLOAD,
    'udpMaxBytes',
  );
  const maxQueueBytes = problems.integer(
    options.maxQueueBytes,
    DEFAULT_MAX_QUEUE_BYTES,
    1,
    2 ** 40,
    'maxQueueBytes',
  );

  let connector: StreamConnector | undefined;
  const endpoint = { host: options.host, port, connectTimeoutMs };
  if (options.protocol === 'tls') {
    try {
      connector = tlsConnector(endpoint, buildTlsContext(options.tls ?? {}), options.tls?.servername);
    } catch (error) {
      problems.list.push(error instanceof Error ? error.message : String(error));
    }
  } else if (options.protocol === 'tcp') {
    connector = tcpConnector(endpoint);
  }
  if (problems.list.length > 0) {
    throw new SyslogError('SYSLOG_OPTIONS', `invalid syslog sender options: ${problems.list.join('; ')}`);
  }

  const userOnEvent = options.onEvent;
  const config: Config = {
    protocol: options.protocol,
    host: options.host,
    port,
    framing,
    udpMaxBytes,
    maxQueueBytes,
    connectTimeoutMs,
    closeTimeoutMs,
    backoff,
    onEvent: (event) => {
      // A throwing listener must not break the connection state machine.
      try {
        userOnEvent?.(event);
      } catch (error) {
        process.emitWarning(`syslog sender onEvent listener threw: ${describeCause(error)}`);
      }
    },
  };
  return connector === undefined ? new DatagramSender(config) : new StreamSender(config, connector);
}

function closedError(): SyslogError {
  return new SyslogError('SYSLOG_CLOSED', 'the syslog sender is closed');
}

function queueClosedError(): SyslogError {
  return new SyslogError(
    'SYSLOG_QUEUE_CLOSED',
    'the syslog sender was closed before the message could be sent',
  );
}

/** One send or sendBatch: its frames, written with one socket write. */
interface Entry {
  data: Buffer;
  messages: number;
  resolve: (receipt: SendReceipt) => void;
  reject: (error: SyslogError) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (error: SyslogError) => void;
}

type ConnectionState = 'idle' | 'connecting' | 'connected' | 'waiting';

/** TCP and TLS. */
class StreamSender implements Sender {
  readonly #config: Config;
  readonly #connectSocket: StreamConnector;
  readonly #remote: string;
  #state: ConnectionState = 'idle';
  #socket: net.Socket | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #connecting: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Failed attempts and drops since the last healthy connection; drives the backoff. */
  #attempt = 0;
  #everConnected = false;
  #connectedAt = 0;
  /** Admitted sends waiting for a connection (only while not connected). */
  #queue: Entry[] = [];
  #queuedBytes = 0;
  /** Sends written while the socket buffer was full: they resolve on 'drain'. */
  #inFlight: Entry[] = [];
  /** Sends waiting for room under maxQueueBytes. */
  #roomWaiters: (() => void)[] = [];
  #connectWaiters: Waiter[] = [];
  #messagesSent = 0;
  #bytesSent = 0;
  #reconnects = 0;
  /** The current (or last) connection's id, and the bytes its resolved sends wrote on it. */
  #connection = 0;
  #connectionBytes = 0;

  constructor(config: Config, connectSocket: StreamConnector) {
    this.#config = config;
    this.#connectSocket = connectSocket;
    this.#remote = formatAddress(config.host, config.port);
  }

  get stats(): SenderStats {
    return {
      messagesSent: this.#messagesSent,
      bytesSent: this.#bytesSent,
      reconnects: this.#reconnects,
      udpTruncated: 0,
      connected: this.#state === 'connected',
      queuedBytes: this.#bufferedBytes(),
    };
  }

  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#connectWaiters.push({ resolve, reject });
      this.#wantConnection();
    });
  }

  send(message: string): Promise<SendReceipt> {
    return this.#submit([message]);
  }

  sendBatch(messages: readonly string[]): Promise<SendReceipt> {
    return messages.length === 0
      ? Promise.resolve({
          bytes: 0,
          messages: 0,
          connection: this.#connection,
          offset: this.#connectionBytes,
          truncated: 0,
        })
      : this.#submit(messages);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  #bufferedBytes(): number {
    return this.#queuedBytes + (this.#socket?.writableLength ?? 0);
  }

  async #submit(messages: readonly string[]): Promise<SendReceipt> {
    if (this.#closed) throw closedError();
    // Backpressure: wait (in order) until the buffered bytes are under the bound.
    if (this.#roomWaiters.length > 0 || this.#bufferedBytes() >= this.#config.maxQueueBytes) {
      do {
        await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
        if (this.#closed) throw queueClosedError();
      } while (this.#bufferedBytes() >= this.#config.maxQueueBytes);
    }
    // Encoded only now, so callers waiting for room hold no buffers of ours.
    const data = encodeFrames(messages, this.#config.framing);
    return new Promise((resolve, reject) => {
      const entry: Entry = { data, messages: messages.length, resolve, reject };
      if (this.#state === 'connected' && this.#writable()) {
        this.#write(entry);
      } else {
        this.#queue.push(entry);
        this.#queuedBytes += data.length;
        this.#wantConnection();
      }
    });
  }

  /** A socket that got the peer's FIN or an error must not be written: the bytes would vanish. */
  #writable(): boolean {
    const socket = this.#socket;
    if (socket !== undefined && !socket.destroyed && socket.writable && !socket.readableEnded) return true;
    if (socket !== undefined) this.#lost(socket, 'the server closed the connection');
    return false;
  }

  #write(entry: Entry): void {
    const ok = this.#socket!.write(entry.data, this.#onFlushed);
    // Resolve in order: once one write waits for 'drain', the following ones wait too.
    if (ok && this.#inFlight.length === 0) this.#settle(entry);
    else this.#inFlight.push(entry);
  }

  /**
   * A write reached the kernel. 'drain' alone would not wake the sends waiting for room when
   * maxQueueBytes is below the socket's high-water mark: no write returns false, no 'drain' comes.
   */
  readonly #onFlushed = (): void => {
    if (this.#roomWaiters.length > 0 && this.#bufferedBytes() < this.#config.maxQueueBytes)
      this.#wakeRoomWaiters();
  };

  /** Sends settle in write order, so the offsets of one connection only grow. */
  #settle(entry: Entry): void {
    this.#messagesSent += entry.messages;
    this.#bytesSent += entry.data.length;
    this.#connectionBytes += entry.data.length;
    entry.resolve({
      bytes: entry.data.length,
      messages: entry.messages,
      connection: this.#connection,
      offset: this.#connectionBytes,
      truncated: 0,
    });
  }

  #settleInFlight(): void {
    const entries = this.#inFlight;
    this.#inFlight = [];
    for (const entry of entries) this.#settle(entry);
  }

  #wakeRoomWaiters(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
  }

  #failQueue(error: SyslogError): void {
    const entries = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const entry of entries) entry.reject(error);
    this.#wakeRoomWaiters();
  }

  #hasWaiters(): boolean {
    return this.#queue.length > 0 || this.#connectWaiters.length > 0;
  }

  /** Someone waits for a connection: start an attempt, or keep the scheduled one from being unref'd. */
  #wantConnection(): void {
    if (this.#state === 'idle') this.#connecting = this.#attemptConnect();
    else if (this.#state === 'waiting') this.#timer?.ref();
  }

  /** One connection attempt; never rejects (failures go to the waiting sends and the backoff loop). */
  async #attemptConnect(): Promise<void> {
    this.#state = 'connecting';
    let socket: net.Socket;
    try {
      socket = await this.#connectSocket();
    } catch (caught) {
      const error =
        caught instanceof SyslogError
          ? caught
          : connectError(this.#config.host, this.#config.port, describeCause(caught), caught);
      this.#state = 'idle';
      this.#failQueue(error);
      const waiters = this.#connectWaiters;
      this.#connectWaiters = [];
      for (const waiter of waiters) waiter.reject(error);
      this.#scheduleReconnect(error);
      return;
    }
    this.#adopt(socket);
  }

  #adopt(socket: net.Socket): void {
    this.#socket = socket;
    this.#connection = nextConnection();
    this.#connectionBytes = 0;
    this.#state = 'connected';
    this.#connectedAt = Date.now();
    if (this.#everConnected) this.#reconnects++;
    this.#everConnected = true;
    // Syslog servers do not talk; reading anyway is what makes a FIN visible as 'end'.
    socket.resume();
    socket.on('end', () => this.#lost(socket, 'the server closed the connection'));
    socket.on('error', (error) => this.#lost(socket, describeCause(error), error));
    socket.on('close', () => this.#lost(socket, 'the connection closed'));
    socket.on('drain', () => {
      this.#settleInFlight();
      this.#wakeRoomWaiters();
    });
    socket.on('finish', () => this.#settleInFlight());
    this.#config.onEvent({ type: 'connected', remote: this.#remote, connection: this.#connection });

    const entries = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    socket.cork();
    for (const entry of entries) this.#write(entry);
    socket.uncork();
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  /** The connection is gone: fail what was not handed to the kernel, then reconnect. */
  #lost(socket: net.Socket, reason: string, cause?: unknown): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#state = 'idle';
    socket.destroy();
    const error = connectionLostError(this.#config.host, this.#config.port, reason, cause);
    const entries = this.#inFlight;
    this.#inFlight = [];
    for (const entry of entries) entry.reject(error);
    this.#failQueue(error);
    if (this.#closed) return;
    this.#config.onEvent({
      type: 'disconnected',
      error,
      connection: this.#connection,
      bytesWritten: this.#connectionBytes,
    });
    if (Date.now() - this.#connectedAt >= HEALTHY_CONNECTION_MS) this.#attempt = 0;
    this.#scheduleReconnect(error);
  }

  #scheduleReconnect(error: SyslogError): void {
    if (this.#closed) return;
    this.#attempt++;
    const delayMs = backoffDelayMs(this.#attempt, this.#config.backoff);
    this.#state = 'waiting';
    this.#config.onEvent({ type: 'reconnecting', delayMs, attempt: this.#attempt, error });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connecting = this.#attemptConnect();
    }, delayMs);
    // Reconnecting in the background must not keep a process alive that has nothing to send.
    if (!this.#hasWaiters()) this.#timer.unref();
  }

  async #close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#state === 'waiting') this.#state = 'idle';
    this.#wakeRoomWaiters();
    if (this.#state === 'connecting') await this.#connecting;
    this.#failQueue(queueClosedError());
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.reject(closedError());
    const socket = this.#socket;
    if (socket === undefined || socket.closed) return;
    const connection = this.#connection;
    let finished = false;
    let confirmed = false;
    let reason: string | undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        // The server stopped reading (or keeps its half open): what is still buffered is dropped,
        // and what it had not read yet may be lost with it.
        reason = `close() timed out after ${this.#config.closeTimeoutMs} ms`;
        this.#lost(socket, reason);
      }, this.#config.closeTimeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('finish', () => (finished = true));
      // The server's FIN after ours: it read up to our end of stream, so every byte reached it.
      // (The 'end' handler of #adopt then destroys the socket.)
      socket.once('end', () => (confirmed = finished));
      socket.once('error', (error) => (reason ??= describeCause(error)));
      socket.end();
    });
    this.#socket = undefined;
    this.#state = 'idle';
    this.#config.onEvent({
      type: 'closed',
      connection,
      bytesWritten: this.#connectionBytes,
      confirmed,
      ...(confirmed ? {} : { reason: reason ?? 'the server did not close its side' }),
    });
  }
}

/** UDP: no connection to lose, no framing; one datagram per message. */
class DatagramSender implements Sender {
  readonly #config: Config;
  readonly #remote: string;
  #socket: dgram.Socket | undefined;
  #opening: Promise<dgram.Socket> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Bytes given to socket.send() whose callback has not run yet. */
  #outstandingBytes = 0;
  #roomWaiters: (() => void)[] = [];
  /** close() waiting for the datagrams already given to the socket. */
  #idleWaiters: (() => void)[] = [];
  #messagesSent = 0;
  #bytesSent = 0;
  #truncated = 0;
  #connection = 0;
  /** Bytes handed to the current socket (its datagrams' payloads). */
  #connectionBytes = 0;

  constructor(config: Config) {
    this.#config = config;
    this.#remote = formatAddress(config.host, config.port);
  }

  get stats(): SenderStats {
    return {
      messagesSent: this.#messagesSent,
      bytesSent: this.#bytesSent,
      reconnects: 0,
      udpTruncated: this.#truncated,
      connected: this.#socket !== undefined && !this.#closed,
      queuedBytes: this.#outstandingBytes,
    };
  }

  async connect(): Promise<void> {
    await this.#open();
  }

  send(message: string): Promise<SendReceipt> {
    return this.sendBatch([message]);
  }

  async sendBatch(messages: readonly string[]): Promise<SendReceipt> {
    if (this.#closed) throw closedError();
    // No await once open: datagrams of a send made before close() are handed over before it runs.
    const socket = this.#socket ?? (await this.#open());
    const sends: Promise<void>[] = [];
    let bytes = 0;
    let truncatedHere = 0;
    try {
      for (const message of messages) {
        while (this.#outstandingBytes >= this.#config.maxQueueBytes) {
          await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
          if (this.#closed) throw queueClosedError();
        }
        const { payload, truncated } = datagramPayload(message, this.#config.udpMaxBytes);
        if (truncated) {
          this.#truncated++;
          truncatedHere++;
        }
        bytes += payload.length;
        sends.push(this.#sendDatagram(socket, payload));
      }
    } catch (error) {
      void Promise.allSettled(sends);
      throw error;
    }
    await Promise.all(sends);
    this.#connectionBytes += bytes;
    return {
      bytes,
      messages: messages.length,
      connection: this.#connection,
      offset: this.#connectionBytes,
      truncated: truncatedHere,
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  #open(): Promise<dgram.Socket> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#socket !== undefined) return Promise.resolve(this.#socket);
    this.#opening ??= openUdpSocket(this.#config.host, this.#config.port, () => {
      // ICMP errors may surface here instead of in a send callback; UDP promises no delivery.
    }).then(
      (socket) => {
        this.#socket = socket;
        this.#connection = nextConnection();
        this.#config.onEvent({ type: 'connected', remote: this.#remote, connection: this.#connection });
        return socket;
      },
      (error: unknown) => {
        this.#opening = undefined;
        throw error;
      },
    );
    return this.#opening;
  }

  #sendDatagram(socket: dgram.Socket, payload: Buffer): Promise<void> {
    this.#outstandingBytes += payload.length;
    return new Promise((resolve, reject) => {
      socket.send(payload, (error) => {
        this.#outstandingBytes -= payload.length;
        const waiters = this.#roomWaiters;
        this.#roomWaiters = [];
        for (const wake of waiters) wake();
        if (this.#outstandingBytes === 0) {
          const idle = this.#idleWaiters;
          this.#idleWaiters = [];
          for (const wake of idle) wake();
        }
        if (error) {
          reject(
            new SyslogError(
              'SYSLOG_SEND',
              `cannot send a datagram to syslog server ${this.#remote}: ${describeCause(error)}`,
              { cause: error },
            ),
          );
          return;
        }
        this.#messagesSent++;
        this.#bytesSent += payload.length;
        resolve();
      });
    });
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const wake of waiters) wake();
    const socket = this.#socket ?? (await this.#opening?.catch(() => undefined));
    if (socket === undefined) return;
    if (this.#outstandingBytes > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    // UDP cannot tell what arrived.
    this.#config.onEvent({
      type: 'closed',
      connection: this.#connection,
      bytesWritten: this.#connectionBytes,
      confirmed: false,
      reason: 'UDP has no acknowledgement',
    });
  }
}
