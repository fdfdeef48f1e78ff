// The replay window of a TCP/TLS syslog connection (DESIGN §5: "re-sends after a failure from a
// position that covers everything that could still have been in flight"). RFC 6587 and RFC 5425
// have no acknowledgements: a byte handed to the socket may still sit in Node's buffer, our kernel's
// send buffer, the receiver's receive buffer or the receiver's in-memory queue when the connection
// dies, and all of that is lost with it. So a write whose end lies within the last W bytes written
// on a connection that is later lost (or abandoned) counts as lost; further back it is delivered.
import { readFileSync } from 'node:fs';
import { getDefaultHighWaterMark } from 'node:stream';
import type { PositionStatus, SinkPosition } from '../sink.ts';

/** Fallbacks when /proc cannot be read (not Linux): Linux's own defaults for the maxima. */
export const FALLBACK_SEND_BUFFER_BYTES = 4 * 1024 * 1024;
export const FALLBACK_RECEIVE_BUFFER_BYTES = 6 * 1024 * 1024;
/**
 * What a syslog server may hold in memory, read but not yet written, when it dies: rsyslog's main
 * message queue holds 50,000 messages by default (v8.30+), syslog-ng's destination queue
 * (log-fifo-size) 10,000; at 1,500 bytes per CEF line that is 75 MB and 15 MB. docs/RELIABILITY.md.
 */
export const DEFAULT_RECEIVER_QUEUE_BYTES = 50_000 * 1_500;

export interface ReplayWindowParts {
  /** The kernel's largest TCP send buffer (tcp_wmem max). */
  sendBufferBytes: number;
  /** The receiver's largest TCP receive buffer, estimated by ours (tcp_rmem max). */
  receiveBufferBytes: number;
  /** Node's socket buffer above the kernel (writableHighWaterMark). */
  nodeBufferBytes: number;
  receiverQueueBytes: number;
}

/** The third field of a tcp_wmem / tcp_rmem sysctl: the autotuning maximum. */
function sysctlMax(path: string, fallback: number, read: (path: string) => string): number {
  try {
    const max = Number(read(path).trim().split(/\s+/)[2]);
    return Number.isSafeInteger(max) && max > 0 ? max : fallback;
  } catch {
    return fallback;
  }
}

/** The parts of the default window on this host. */
export function replayWindowParts(
  options: { receiverQueueBytes?: number; read?: (path: string) => string } = {},
): ReplayWindowParts {
  const read = options.read ?? ((path: string) => readFileSync(path, 'utf8'));
  return {
    sendBufferBytes: sysctlMax('/proc/sys/net/ipv4/tcp_wmem', FALLBACK_SEND_BUFFER_BYTES, read),
    receiveBufferBytes: sysctlMax('/proc/sys/net/ipv4/tcp_rmem', FALLBACK_RECEIVE_BUFFER_BYTES, read),
    nodeBufferBytes: getDefaultHighWaterMark(false),
    receiverQueueBytes: options.receiverQueueBytes ?? DEFAULT_RECEIVER_QUEUE_BYTES,
  };
}

export function defaultReplayWindowBytes(options: { receiverQueueBytes?: number } = {}): number {
  const parts = replayWindowParts(options);
  return parts.sendBufferBytes + parts.receiveBufferBytes + parts.nodeBufferBytes + parts.receiverQueueBytes;
}

interface Connection {
  /** The largest offset written on it (from the receipts), or what its end reported. */
  written: number;
  fate: 'open' | 'closing' | 'lost' | 'confirmed';
}

/** Connections remembered; more than a pipeline ever has pages on between two checks. */
const REMEMBERED_CONNECTIONS = 64;

/** The byte ledger of one sink's connections, and the status of a position written on them. */
export class ReplayWindow {
  readonly #connections = new Map<number, Connection>();

  constructor(readonly windowBytes: number) {
    if (!Number.isSafeInteger(windowBytes) || windowBytes < 0)
      throw new RangeError(`the replay window must be a whole number of bytes ≥ 0, got ${windowBytes}`);
  }

  #get(connection: number): Connection {
    let entry = this.#connections.get(connection);
    if (entry === undefined) {
      entry = { written: 0, fate: 'open' };
      this.#connections.set(connection, entry);
      if (this.#connections.size > REMEMBERED_CONNECTIONS)
        this.#connections.delete(this.#connections.keys().next().value!);
    }
    return entry;
  }

  opened(connection: number): void {
    this.#get(connection);
  }

  /** A write on `connection` resolved, ending at `offset`. */
  written(connection: number, offset: number): void {
    const entry = this.#get(connection);
    entry.written = Math.max(entry.written, offset);
  }

  /** The connection died with `bytesWritten` written on it; returns the bytes that may be lost. */
  lost(connection: number, bytesWritten: number): number {
    const entry = this.#get(connection);
    entry.written = Math.max(entry.written, bytesWritten);
    entry.fate = 'lost';
    return Math.min(this.windowBytes, entry.written);
  }

  /** We are closing it: until the outcome is known its window is pending. */
  closing(connection: number): void {
    const entry = this.#get(connection);
    if (entry.fate === 'open') entry.fate = 'closing';
  }

  /** Our close ended: confirmed (the server read to our end of stream) or abandoned (treated as lost). */
  closed(connection: number, bytesWritten: number, confirmed: boolean): number {
    if (!confirmed) return this.lost(connection, bytesWritten);
    const entry = this.#get(connection);
    entry.written = Math.max(entry.written, bytesWritten);
    entry.fate = 'confirmed';
    return 0;
  }

  status(position: SinkPosition): PositionStatus {
    const entry = this.#connections.get(position.connection);
    // Forgotten long ago: cannot tell, so send it again rather than risk a loss.
    if (entry === undefined) return 'lost';
    if (entry.fate === 'confirmed') return 'delivered';
    if (position.offset <= entry.written - this.windowBytes) return 'delivered';
    return entry.fate === 'lost' ? 'lost' : 'pending';
  }
}
