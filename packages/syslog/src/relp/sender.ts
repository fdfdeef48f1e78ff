// The RELP sender (rsyslog's Reliable Event Logging Protocol, librelp doc/relp.html; rsyslog
// imrelp): implements the package's Sender over TCP or TLS (transport/), framing in frame.ts,
// the `open` exchange in offers.ts. A window of unacknowledged `syslog` commands; a batch resolves
// only when the server acknowledged every message of it.
//
// Delivery: nothing is retried inside the sender. A batch whose connection is lost, whose server
// stops answering (ackTimeoutMs) or answers an error for one of its messages REJECTS with a
// retriable SyslogBatchError naming how many of its first messages were acknowledged; the caller
// resends (DESIGN §5, §6). So duplicates come only from messages that were never acknowledged.
import type net from 'node:net';
import { backoffDelayMs, type BackoffOptions } from '../backoff.ts';
import { checkConnectionOptions, OptionProblems } from '../options.ts';
import { connectError, describeCause, formatAddress, SyslogBatchError, SyslogError } from '../errors.ts';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  HEALTHY_CONNECTION_MS,
  nextConnection,
  type SendReceipt,
  type Sender,
  type SenderEvent,
  type SenderStats,
} from '../sender.ts';
import { tcpConnector, type StreamConnector } from '../transport/tcp.ts';
import { buildTlsContext, tlsConnector, type TlsClientOptions } from '../transport/tls.ts';
import { encodeCommands, encodeFrame, nextTxnr, RelpFrameParser, type RelpFrame } from './frame.ts';
import { checkOpenResponse, openOffers, parseResponse } from './offers.ts';

export interface RelpSenderOptions {
  host: string;
  port: number;
  /** RELP over TLS: `true`, or the TLS transport's options (`ca`, `caFile`, `servername`). */
  tls?: boolean | TlsClientOptions;
  /** Messages sent and not yet acknowledged, at most (omrelp's `windowSize`). Default 128. */
  windowSize?: number;
  /** With messages outstanding, a server silent this long is dropped and their batches reject. Default 30 000. */
  ackTimeoutMs?: number;
  /** Default 10 000; covers the TCP connect, the TLS handshake and the RELP `open` exchange. */
  connectTimeoutMs?: number;
  /** close() lets accepted batches finish, then sends `close` and waits for its answer, this long in all. Default 10 000. */
  closeTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  onEvent?: (event: SenderEvent) => void;
}

export interface RelpSenderStats extends SenderStats {
  /** For RELP: messages the server acknowledged (`rsp 200`). */
  messagesSent: number;
  /** Bytes of the acknowledged messages' frames. */
  bytesSent: number;
  /** Messages sent and not yet acknowledged now. */
  windowInUse: number;
  windowSize: number;
}

export const DEFAULT_RELP_WINDOW_SIZE = 128;
export const DEFAULT_RELP_ACK_TIMEOUT_MS = 30_000;
/** Who we are in the `open` offers (librelp's form: name,version). */
const RELP_SOFTWARE = 'cloudsiem,0.1.0';

interface Config {
  host: string;
  port: number;
  windowSize: number;
  ackTimeoutMs: number;
  connectTimeoutMs: number;
  closeTimeoutMs: number;
  backoff: BackoffOptions;
  onEvent: (event: SenderEvent) => void;
}

/** Validates the options (every problem reported at once) and returns a sender; connects lazily. */
export function createRelpSender(options: RelpSenderOptions): RelpSender {
  const problems = new OptionProblems();
  const { port, connectTimeoutMs, closeTimeoutMs, backoff } = checkConnectionOptions(
    options,
    { connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS, closeTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS },
    problems,
  );
  const day = 86_400_000;
  const windowSize = problems.integer(options.windowSize, DEFAULT_RELP_WINDOW_SIZE, 1, 65_536, 'windowSize');
  const ackTimeoutMs = problems.integer(
    options.ackTimeoutMs,
    DEFAULT_RELP_ACK_TIMEOUT_MS,
    1,
    day,
    'ackTimeoutMs',
  );
  let connector: StreamConnector | undefined;
  const endpoint = { host: options.host, port, connectTimeoutMs };
  if (options.tls === undefined || options.tls === false) {
    connector = tcpConnector(endpoint);
  } else {
    const tlsOptions = options.tls === true ? {} : options.tls;
    try {
      connector = tlsConnector(endpoint, buildTlsContext(tlsOptions), tlsOptions.servername);
    } catch (error) {
      problems.list.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (problems.list.length > 0 || connector === undefined) {
    throw new SyslogError('SYSLOG_OPTIONS', `invalid RELP sender options: ${problems.list.join('; ')}`);
  }
  const userOnEvent = options.onEvent;
  return new RelpSender(
    {
      host: options.host,
      port,
      windowSize,
      ackTimeoutMs,
      connectTimeoutMs,
      closeTimeoutMs,
      backoff,
      onEvent: (event) => {
        // A throwing listener must not break the connection state machine.
        try {
          userOnEvent?.(event);
        } catch (error) {
          process.emitWarning(`RELP sender onEvent listener threw: ${describeCause(error)}`);
        }
      },
    },
    connector,
    options.tls !== undefined && options.tls !== false,
  );
}

/** One sendBatch: settles when each of its written messages was answered. */
interface Batch {
  messages: readonly string[];
  /** Index of the next message to write. */
  next: number;
  /** Written and not yet answered. */
  outstanding: number;
  /** How many of the first messages are acknowledged (answers may come in any order). */
  acknowledgedPrefix: number;
  acknowledgedAhead: Set<number> | undefined;
  /** Bytes of the acknowledged frames. */
  bytes: number;
  /** The first error answer; the rest of the batch is then not written. */
  failure: SyslogError | undefined;
  resolve: (receipt: SendReceipt) => void;
  reject: (error: SyslogError) => void;
}

interface InFlight {
  batch: Batch;
  index: number;
  bytes: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: SyslogError) => void;
}

type ConnectionState = 'idle' | 'connecting' | 'open' | 'waiting';

function closedError(): SyslogError {
  return new SyslogError('SYSLOG_CLOSED', 'the RELP sender is closed');
}

function queueClosedError(): SyslogError {
  return new SyslogError(
    'SYSLOG_QUEUE_CLOSED',
    'the RELP sender was closed before the message could be sent',
  );
}

export class RelpSender implements Sender {
  readonly #config: Config;
  readonly #connectSocket: StreamConnector;
  readonly #remote: string;
  readonly #tls: boolean;
  #state: ConnectionState = 'idle';
  #socket: net.Socket | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #connecting: Promise<void> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #everConnected = false;
  #connectedAt = 0;
  /** The open connection's id (receipts name it) and the bytes of its acknowledged frames. */
  #connection = 0;
  #connectionBytes = 0;
  /** The txnr of the next command on this session. */
  #txnr = 1;
  /** Batches with messages not yet written, in order; only the first may be partly written. */
  #pending: Batch[] = [];
  #inFlight = new Map<number, InFlight>();
  #inFlightBytes = 0;
  #ackTimer: NodeJS.Timeout | undefined;
  #connectWaiters: Waiter[] = [];
  /** close() waiting for the window and the queue to empty (or the connection to go). */
  #drainWaiter: (() => void) | undefined;
  /** close() waiting for the answer to `close`. */
  #closeTxnr = 0;
  #closeAnswered: (() => void) | undefined;
  #messagesSent = 0;
  #bytesSent = 0;
  #reconnects = 0;

  constructor(config: Config, connectSocket: StreamConnector, tls: boolean) {
    this.#config = config;
    this.#connectSocket = connectSocket;
    this.#tls = tls;
    this.#remote = formatAddress(config.host, config.port);
  }

  get stats(): RelpSenderStats {
    return {
      messagesSent: this.#messagesSent,
      bytesSent: this.#bytesSent,
      reconnects: this.#reconnects,
      udpTruncated: 0,
      connected: this.#state === 'open',
      queuedBytes: this.#inFlightBytes,
      windowInUse: this.#inFlight.size,
      windowSize: this.#config.windowSize,
    };
  }

  connect(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    if (this.#state === 'open') return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#connectWaiters.push({ resolve, reject });
      this.#wantConnection();
    });
  }

  send(message: string): Promise<SendReceipt> {
    return this.sendBatch([message]);
  }

  /** Resolves once the server acknowledged every message: the receipt's position is delivered. */
  sendBatch(messages: readonly string[]): Promise<SendReceipt> {
    if (this.#closed) return Promise.reject(closedError());
    if (messages.length === 0)
      return Promise.resolve({
        bytes: 0,
        messages: 0,
        connection: this.#connection,
        offset: this.#connectionBytes,
        truncated: 0,
      });
    return new Promise((resolve, reject) => {
      this.#pending.push({
        messages,
        next: 0,
        outstanding: 0,
        acknowledgedPrefix: 0,
        acknowledgedAhead: undefined,
        bytes: 0,
        failure: undefined,
        resolve,
        reject,
      });
      if (this.#state === 'open') this.#pump();
      else this.#wantConnection();
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // --- connection -------------------------------------------------------------------------------

  #wantConnection(): void {
    if (this.#state === 'idle') this.#connecting = this.#attemptConnect();
    else if (this.#state === 'waiting') this.#reconnectTimer?.ref();
  }

  /** One attempt: connect, `open`, check the answer. Never rejects. */
  async #attemptConnect(): Promise<void> {
    this.#state = 'connecting';
    const started = Date.now();
    let socket: net.Socket | undefined;
    let opened: { parser: RelpFrameParser; rest: RelpFrame[] };
    try {
      socket = await this.#connectSocket();
      const remainingMs = Math.max(1, this.#config.connectTimeoutMs - (Date.now() - started));
      opened = await this.#open(socket, remainingMs);
    } catch (caught) {
      socket?.destroy();
      const error =
        caught instanceof SyslogError
          ? caught
          : connectError(this.#config.host, this.#config.port, describeCause(caught), caught);
      this.#state = 'idle';
      this.#failPending(error);
      const waiters = this.#connectWaiters;
      this.#connectWaiters = [];
      for (const waiter of waiters) waiter.reject(error);
      this.#scheduleReconnect(error);
      return;
    }
    this.#adopt(socket, opened.parser, opened.rest);
  }

  /** Sends `open` (txnr 1) and waits for its answer; the socket is paused when this resolves. */
  #open(socket: net.Socket, timeoutMs: number): Promise<{ parser: RelpFrameParser; rest: RelpFrame[] }> {
    const { host, port } = this.#config;
    const parser = new RelpFrameParser();
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.removeListener('data', onData);
        socket.removeListener('end', onEnd);
        socket.removeListener('close', onEnd);
        socket.removeListener('error', onError);
      };
      const fail = (error: SyslogError): void => {
        cleanup();
        reject(error);
      };
      const onData = (chunk: Buffer): void => {
        let frames: RelpFrame[];
        try {
          frames = parser.push(chunk);
        } catch (error) {
          fail(error as SyslogError);
          return;
        }
        const first = frames[0];
        if (first === undefined) return;
        try {
          if (first.command === 'serverclose') {
            throw connectError(host, port, 'the RELP server closed the session during open (serverclose)');
          }
          if (first.command !== 'rsp' || first.txnr !== 1) {
            throw new SyslogError(
              'SYSLOG_RELP_PROTOCOL',
              `RELP server ${this.#remote} answered open with "${first.txnr} ${first.command}"`,
            );
          }
          checkOpenResponse(parseResponse(first.data), host, port);
        } catch (error) {
          fail(error as SyslogError);
          return;
        }
        cleanup();
        socket.pause();
        resolve({ parser, rest: frames.slice(1) });
      };
      const onEnd = (): void =>
        fail(
          connectError(
            host,
            port,
            this.#tls
              ? 'the server closed the connection during RELP open (is it a RELP port? does it require a client certificate?)'
              : 'the server closed the connection during RELP open (is it a RELP port?)',
          ),
        );
      const onError = (error: Error): void => fail(connectError(host, port, describeCause(error), error));
      const timer = setTimeout(() => {
        fail(
          connectError(
            host,
            port,
            `no answer to RELP open after ${this.#config.connectTimeoutMs} ms (is it a RELP port?)`,
          ),
        );
      }, timeoutMs);
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.once('error', onError);
      socket.write(encodeFrame(1, 'open', openOffers(RELP_SOFTWARE)));
    });
  }

  #adopt(socket: net.Socket, parser: RelpFrameParser, rest: RelpFrame[]): void {
    this.#socket = socket;
    this.#state = 'open';
    this.#txnr = 2;
    this.#connectedAt = Date.now();
    this.#connection = nextConnection();
    this.#connectionBytes = 0;
    if (this.#everConnected) this.#reconnects++;
    this.#everConnected = true;
    socket.on('data', (chunk: Buffer) => {
      let frames: RelpFrame[];
      try {
        frames = parser.push(chunk);
      } catch (error) {
        this.#lost(socket, error as SyslogError);
        return;
      }
      this.#onFrames(socket, frames);
    });
    socket.on('end', () => this.#lost(socket, this.#lostError('the server closed the connection')));
    socket.on('error', (error) => this.#lost(socket, this.#lostError(describeCause(error), error)));
    socket.on('close', () => this.#lost(socket, this.#lostError('the connection closed')));
    socket.resume();
    this.#config.onEvent({ type: 'connected', remote: this.#remote, connection: this.#connection });
    if (rest.length > 0) this.#onFrames(socket, rest);
    this.#pump();
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  #lostError(reason: string, cause?: unknown): SyslogError {
    return new SyslogError(
      'SYSLOG_CONNECTION_LOST',
      `connection to RELP server ${this.#remote} lost before every message was acknowledged: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  }

  /** The connection is gone: every batch not yet acknowledged rejects; then reconnect. */
  #lost(socket: net.Socket, error: SyslogError): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#state = 'idle';
    socket.destroy();
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    const batches = new Set<Batch>();
    for (const { batch } of this.#inFlight.values()) batches.add(batch);
    this.#inFlight = new Map();
    this.#inFlightBytes = 0;
    for (const batch of this.#pending) batches.add(batch);
    this.#pending = [];
    for (const batch of batches) this.#reject(batch, error);
    this.#drainWaiter?.();
    this.#closeAnswered?.();
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
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#connecting = this.#attemptConnect();
    }, delayMs);
    // Reconnecting in the background must not keep a process alive that has nothing to send.
    if (this.#pending.length === 0 && this.#connectWaiters.length === 0) this.#reconnectTimer.unref();
  }

  // --- the window -------------------------------------------------------------------------------

  /** Writes messages while the window has room, all of them with one socket write. */
  #pump(): void {
    const socket = this.#socket;
    if (this.#state !== 'open' || socket === undefined || this.#closeTxnr !== 0) return;
    let room = this.#config.windowSize - this.#inFlight.size;
    if (room <= 0 || this.#pending.length === 0) return;
    // A socket that got the peer's FIN must not be written: the frames would vanish.
    if (socket.destroyed || !socket.writable || socket.readableEnded) {
      this.#lost(socket, this.#lostError('the server closed the connection'));
      return;
    }
    const wasIdle = this.#inFlight.size === 0;
    const chunks: Buffer[] = [];
    while (room > 0 && this.#pending.length > 0) {
      const batch = this.#pending[0]!;
      const end = Math.min(batch.messages.length, batch.next + room);
      const { data, frameBytes } = encodeCommands(
        'syslog',
        batch.messages.slice(batch.next, end),
        this.#txnr,
      );
      for (let i = 0; i < frameBytes.length; i++) {
        this.#inFlight.set(this.#txnr, { batch, index: batch.next + i, bytes: frameBytes[i]! });
        this.#txnr = nextTxnr(this.#txnr);
      }
      this.#inFlightBytes += data.length;
      batch.outstanding += end - batch.next;
      room -= end - batch.next;
      batch.next = end;
      if (end === batch.messages.length) this.#pending.shift();
      chunks.push(data);
    }
    socket.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    if (wasIdle) this.#startAckTimer();
  }

  #startAckTimer(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = setTimeout(() => {
      this.#ackTimer = undefined;
      const socket = this.#socket;
      if (socket === undefined || this.#inFlight.size === 0) return;
      this.#lost(
        socket,
        new SyslogError(
          'SYSLOG_RELP_TIMEOUT',
          `RELP server ${this.#remote} acknowledged nothing for ${this.#config.ackTimeoutMs} ms with ${this.#inFlight.size} messages outstanding; the connection was dropped`,
        ),
      );
    }, this.#config.ackTimeoutMs);
  }

  #onFrames(socket: net.Socket, frames: readonly RelpFrame[]): void {
    let progress = false;
    for (const frame of frames) {
      if (socket !== this.#socket) return;
      if (frame.command === 'serverclose') {
        this.#lost(socket, this.#lostError('the server closed the session (serverclose)'));
        return;
      }
      if (frame.command !== 'rsp') {
        this.#lost(socket, this.#protocolError(`unexpected command "${frame.command}" from the server`));
        return;
      }
      if (this.#closeTxnr !== 0 && frame.txnr === this.#closeTxnr) {
        this.#closeAnswered?.();
        continue;
      }
      const entry = this.#inFlight.get(frame.txnr);
      if (entry === undefined) {
        this.#lost(
          socket,
          this.#protocolError(`a response for txnr ${frame.txnr}, which is not outstanding`),
        );
        return;
      }
      let code: number;
      let text: string;
      try {
        ({ code, text } = parseResponse(frame.data));
      } catch (error) {
        this.#lost(socket, error as SyslogError);
        return;
      }
      this.#inFlight.delete(frame.txnr);
      this.#inFlightBytes -= entry.bytes;
      progress = true;
      const { batch } = entry;
      batch.outstanding--;
      if (code === 200) {
        this.#acknowledge(batch, entry);
      } else {
        batch.failure ??= new SyslogError(
          'SYSLOG_RELP_REJECTED',
          `RELP server ${this.#remote} refused message ${entry.index + 1} of the batch: ${code} ${text}`.trimEnd(),
        );
        // Its later messages are not written; they would only become duplicates on resend.
        if (this.#pending[0] === batch) this.#pending.shift();
      }
      if (batch.outstanding === 0 && (batch.failure !== undefined || batch.next === batch.messages.length)) {
        if (batch.failure === undefined)
          batch.resolve({
            bytes: batch.bytes,
            messages: batch.messages.length,
            connection: this.#connection,
            offset: this.#connectionBytes,
            truncated: 0,
          });
        else this.#reject(batch, batch.failure);
      }
    }
    if (socket !== this.#socket) return;
    if (progress) {
      if (this.#inFlight.size === 0) {
        clearTimeout(this.#ackTimer);
        this.#ackTimer = undefined;
      } else {
        this.#ackTimer?.refresh();
      }
    }
    this.#pump();
    if (this.#pending.length === 0 && this.#inFlight.size === 0) this.#drainWaiter?.();
  }

  #acknowledge(batch: Batch, entry: InFlight): void {
    this.#messagesSent++;
    this.#bytesSent += entry.bytes;
    batch.bytes += entry.bytes;
    this.#connectionBytes += entry.bytes;
    if (entry.index === batch.acknowledgedPrefix) {
      batch.acknowledgedPrefix++;
      const ahead = batch.acknowledgedAhead;
      while (ahead?.delete(batch.acknowledgedPrefix)) batch.acknowledgedPrefix++;
    } else {
      (batch.acknowledgedAhead ??= new Set()).add(entry.index);
    }
  }

  #reject(batch: Batch, error: SyslogError): void {
    batch.reject(
      new SyslogBatchError(
        error.code,
        `${error.message} (${batch.acknowledgedPrefix} of the batch's ${batch.messages.length} messages acknowledged first)`,
        batch.acknowledgedPrefix,
        error.cause === undefined ? { cause: error } : { cause: error.cause },
      ),
    );
  }

  #protocolError(problem: string): SyslogError {
    return new SyslogError('SYSLOG_RELP_PROTOCOL', `RELP server ${this.#remote} sent ${problem}`);
  }

  #failPending(error: SyslogError): void {
    const batches = this.#pending;
    this.#pending = [];
    for (const batch of batches) this.#reject(batch, error);
  }

  // --- close ------------------------------------------------------------------------------------

  async #close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    if (this.#state === 'waiting') this.#state = 'idle';
    if (this.#state === 'connecting') await this.#connecting;
    const waiters = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const waiter of waiters) waiter.reject(closedError());
    const socket = this.#socket;
    if (this.#state !== 'open' || socket === undefined) {
      this.#failPending(queueClosedError());
      return;
    }
    const deadline = Date.now() + this.#config.closeTimeoutMs;
    const timedOut = (what: string) =>
      this.#lost(
        socket,
        this.#lostError(`close() timed out after ${this.#config.closeTimeoutMs} ms ${what}`),
      );
    // Accepted batches finish first: close() must not turn them into duplicates.
    if (this.#pending.length > 0 || this.#inFlight.size > 0) {
      const drained = await this.#until(deadline, (done) => (this.#drainWaiter = done));
      this.#drainWaiter = undefined;
      if (!drained) timedOut('waiting for acknowledgements');
    }
    if (socket !== this.#socket) return;
    this.#closeTxnr = this.#txnr;
    socket.write(encodeFrame(this.#closeTxnr, 'close'));
    const answered = await this.#until(deadline, (done) => (this.#closeAnswered = done));
    this.#closeAnswered = undefined;
    if (socket !== this.#socket) return;
    if (!answered) {
      timedOut('waiting for the answer to close');
      return;
    }
    this.#socket = undefined;
    this.#state = 'idle';
    clearTimeout(this.#ackTimer);
    // Every acknowledged message is the server's: nothing of this connection is at risk.
    this.#config.onEvent({
      type: 'closed',
      connection: this.#connection,
      bytesWritten: this.#connectionBytes,
      confirmed: true,
    });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), Math.max(1, deadline - Date.now()));
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('finish', () => socket.destroy());
      socket.end();
    });
  }

  /** Resolves true when `arm`'s callback is called before `deadline`, false after it. */
  #until(deadline: number, arm: (done: () => void) => void): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(1, deadline - Date.now()));
      arm(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
