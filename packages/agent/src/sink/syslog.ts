// The syslog sink: hands CEF lines to `packages/syslog`'s sender for the agent's current target
// (TCP, UDP or TLS, DESIGN §5), replaces the sender when the target is edited in the portal, and
// keeps the connection state and the last error for the heartbeat.
import { createSender, formatAddress, SyslogError, type Sender, type SenderEvent } from '@cloudsiem/syslog';
import type { SyslogTarget } from '@cloudsiem/protocol';

export type SyslogState = 'connected' | 'connecting' | 'disconnected' | 'idle';

export interface SyslogSinkOptions {
  /** PEM of a private CA for TLS targets (the agent's --ca-file), trusted in addition to the roots. */
  ca?: string;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Bound on bytes buffered towards the SIEM; sends wait above it. */
  maxQueueBytes?: number;
  onEvent?: (event: SenderEvent & { target: string }) => void;
}

export interface SyslogSink {
  /** Points the sink at a target; a different target closes the old sender (flushing it) and opens a new one. */
  configure(target: SyslogTarget): void;
  /** Resolves once the lines are handed to the socket, with the bytes written; rejects with a SyslogError otherwise. */
  send(lines: readonly string[]): Promise<number>;
  /** Resolves when a connection is up (or the signal aborts); paced by the sender's backoff. */
  waitUntilConnected(signal: AbortSignal): Promise<void>;
  readonly state: SyslogState;
  /** `host:port (protocol)` of the current target. */
  readonly target: string;
  /** The last connection problem, until a connection succeeds again. */
  readonly lastError: SyslogError | null;
  /** Connections re-established after a loss, over every sender this sink had. */
  readonly reconnects: number;
  /** Which connection a send that resolves now went over: increases with every new connection. */
  readonly connection: number;
  /** When connection `connection` was lost; undefined while it is up (or unknown). */
  lostAt(connection: number): number | undefined;
  close(): Promise<void>;
}

function sameTarget(a: SyslogTarget, b: SyslogTarget): boolean {
  return (
    a.host === b.host &&
    a.port === b.port &&
    a.protocol === b.protocol &&
    a.framing === b.framing &&
    a.udpMaxBytes === b.udpMaxBytes
  );
}

export function createSyslogSink(options: SyslogSinkOptions = {}): SyslogSink {
  let current: { target: SyslogTarget; sender: Sender; label: string } | undefined;
  let state: SyslogState = 'idle';
  let lastError: SyslogError | null = null;
  let reconnects = 0;
  let connection = 0;
  /** Loss times of the last connections (a few suffice: pages are remembered for about a second). */
  const losses = new Map<number, number>();
  const lost = (which: number) => {
    if (losses.has(which)) return;
    losses.set(which, Date.now());
    if (losses.size > 32) losses.delete(losses.keys().next().value!);
  };
  const closing: Promise<void>[] = [];

  function open(target: SyslogTarget) {
    const label = `${formatAddress(target.host, target.port)} (${target.protocol})`;
    const sender: Sender = createSender({
      protocol: target.protocol,
      host: target.host,
      port: target.port,
      ...(target.protocol === 'tcp' ? { framing: target.framing } : {}),
      udpMaxBytes: target.udpMaxBytes,
      ...(target.protocol === 'tls' && options.ca !== undefined ? { tls: { ca: options.ca } } : {}),
      ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
      ...(options.maxQueueBytes === undefined ? {} : { maxQueueBytes: options.maxQueueBytes }),
      onEvent: (event) => {
        if (current?.sender !== sender) return;
        if (event.type === 'connected') {
          if (state === 'disconnected' || lastError !== null) reconnects++;
          lost(connection);
          connection++;
          state = 'connected';
          lastError = null;
        } else {
          if (event.type === 'disconnected') lost(connection);
          state = event.type === 'reconnecting' ? 'connecting' : 'disconnected';
          lastError = event.error;
        }
        options.onEvent?.({ ...event, target: label });
      },
    });
    return { target, sender, label };
  }

  return {
    configure(target) {
      if (current !== undefined && sameTarget(current.target, target)) return;
      const old = current;
      connection++;
      current = open(target);
      state = 'connecting';
      lastError = null;
      // The old sender flushes what it accepted; a page it fails is re-read and goes to the new one.
      if (old !== undefined) closing.push(old.sender.close());
    },

    async send(lines) {
      if (current === undefined) throw new Error('the syslog sink has no target yet');
      const { sender } = current;
      try {
        return await sender.sendBatch(lines);
      } catch (error) {
        if (error instanceof SyslogError && current?.sender === sender) lastError = error;
        throw error;
      }
    },

    async waitUntilConnected(signal) {
      const aborted = new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      while (!signal.aborted && current !== undefined) {
        const { sender } = current;
        if (sender.stats.connected) return;
        // The sender's events record state and errors; a sender closed by a target change
        // rejects, and the loop goes on with the new one.
        await Promise.race([sender.connect(), aborted]).catch(() => undefined);
      }
    },

    get state() {
      return state;
    },
    get target() {
      return current?.label ?? '';
    },
    get lastError() {
      return lastError;
    },
    get reconnects() {
      return reconnects;
    },
    get connection() {
      return connection;
    },
    lostAt(which) {
      return losses.get(which);
    },

    async close() {
      const last = current;
      current = undefined;
      state = 'idle';
      await Promise.allSettled([...closing, last?.sender.close()]);
    },
  };
}
