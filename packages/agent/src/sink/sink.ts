// What a sink promises the agent's pipeline (DESIGN §5, §6; Vector's sink role): write a page of
// lines, say later whether what it wrote is delivered, still at risk, or lost, reconnect, report
// its state, close. One folder per sink (`syslog/`, `relp/`), one line each in `registry.ts`.
import { formatAddress, type BackoffOptions } from '@cloudsiem/syslog';
import type { SyslogTarget } from '@cloudsiem/protocol';

/** Where a write ended: the connection it went over and that connection's byte offset after it. */
export interface SinkPosition {
  readonly connection: number;
  readonly offset: number;
  /** Set by the target switch: which of its sinks wrote it. */
  readonly sink?: number;
}

/** What a write resolves with once the lines were handed over. */
export interface SinkReceipt {
  readonly position: SinkPosition;
  /** Bytes written, framing included. */
  readonly bytes: number;
  /** Lines cut to fit the transport (UDP's udpMaxBytes). */
  readonly truncated: number;
}

/**
 * - delivered: never needs sending again (acknowledged by the server, beyond the replay window of
 *   a live connection, or its connection was closed cleanly);
 * - pending: could still be lost (inside the replay window, or its connection is being closed);
 * - lost: its connection died (or was abandoned) while it could still be in flight: send it again.
 */
export type PositionStatus = 'delivered' | 'pending' | 'lost';

export type SinkState = 'connected' | 'connecting' | 'disconnected' | 'idle';

/** An error with a stable code, as SyslogError and AgentError are. */
export interface SinkError extends Error {
  readonly code: string;
}

export interface SinkCounters {
  /** Connections re-established after a loss. */
  reconnects: number;
  /** UDP: datagrams handed to the socket, and those cut to udpMaxBytes. */
  datagramsSent: number;
  datagramsTruncated: number;
}

export interface SinkReport {
  state: SinkState;
  /** `host:port (protocol)`. */
  target: string;
  /** The last connection problem, until a connection succeeds again. */
  lastError: SinkError | null;
  counters: SinkCounters;
  /** Bytes sent again after a connection loss (TCP/TLS); 0 for a transport that acknowledges, or promises nothing. */
  replayWindowBytes: number;
}

/** What a sink tells the agent, for its log. */
export type SinkEvent = { target: string } & (
  | { type: 'connected' }
  | { type: 'disconnected'; error: SinkError; bytesWritten: number; atRiskBytes: number }
  | { type: 'reconnecting'; error: SinkError; delayMs: number }
  /** A connection closed without the server confirming it read everything (it hung, or was killed). */
  | { type: 'abandoned'; reason: string; bytesWritten: number; atRiskBytes: number }
);

export interface Sink {
  /**
   * Hands the lines over; resolves with where they ended. Rejects with a retriable error (a
   * SyslogError, or AgentError SINK_TARGET_CHANGED) when they were not: the page is read again.
   */
  write(lines: readonly string[]): Promise<SinkReceipt>;
  /** What became of a position an earlier write resolved with. */
  status(position: SinkPosition): PositionStatus;
  /** Resolves when a connection is up (or the signal aborts); paced by the reconnect backoff. */
  waitUntilConnected(signal: AbortSignal): Promise<void>;
  report(): SinkReport;
  /** Flushes and ends the connection; afterwards no position is pending. */
  close(): Promise<void>;
}

export interface SinkContext {
  /** PEM of a private CA for TLS targets (the agent's --ca-file), trusted in addition to the roots. */
  ca?: string;
  reconnect: BackoffOptions;
  /** Bytes a connection loss can take with it (see sink/syslog/replay-window.ts). */
  replayWindowBytes: number;
  /** How long closing waits for the server to read what was written and close its side. */
  closeTimeoutMs: number;
  /** Bound on bytes buffered towards the SIEM; writes wait above it. */
  maxQueueBytes?: number;
  onEvent: (event: SinkEvent) => void;
}

export type SinkFactory = (target: SyslogTarget, context: SinkContext) => Sink;

/** `host:port (protocol)`, with brackets around an IPv6 address. */
export function targetLabel(target: SyslogTarget): string {
  return `${formatAddress(target.host, target.port)} (${target.protocol})`;
}
