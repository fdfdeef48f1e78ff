// The syslog sink (DESIGN §5): one target over TCP, TLS or UDP through `packages/syslog`'s sender.
// TCP/TLS writes count as delivered once they fall out of the replay window of a live connection,
// or when a close is confirmed by the server; a lost or abandoned connection loses its window (see
// replay-window.ts). UDP promises nothing: every write counts as delivered, and its counters say
// how many datagrams went out and how many were cut.
import { createSender, SyslogError, type Sender, type SenderEvent } from '@cloudsiem/syslog';
import type { SyslogTarget } from '@cloudsiem/protocol';
import { targetLabel, type Sink, type SinkContext, type SinkReport, type SinkState } from '../sink.ts';
import { ReplayWindow } from './replay-window.ts';

/** Makes the sender a sink writes through; the default is the TCP/TLS/UDP sender of `packages/syslog`. */
export type OpenSender = (
  target: SyslogTarget,
  context: SinkContext,
  onEvent: (event: SenderEvent) => void,
) => Sender;

/**
 * `open` swaps the sender (RELP's sink passes its acknowledging sender, with `replayWindowBytes`
 * 0: what a sender acknowledges is delivered, and a lost connection takes nothing with it).
 */
export function createSyslogSink(
  target: SyslogTarget,
  context: SinkContext,
  open: OpenSender = openSyslogSender,
  replayWindowBytes = target.protocol === 'udp' ? 0 : context.replayWindowBytes,
): Sink {
  const label = targetLabel(target);
  const stream = target.protocol !== 'udp';
  const window = new ReplayWindow(replayWindowBytes);
  let state: SinkState = 'connecting';
  let lastError: SyslogError | null = null;
  let everConnected = false;
  let current: number | undefined;
  const counters = { reconnects: 0, datagramsSent: 0, datagramsTruncated: 0 };
  let closing: Promise<void> | undefined;

  const onEvent = (event: SenderEvent): void => {
    switch (event.type) {
      case 'connected':
        if (everConnected) counters.reconnects++;
        everConnected = true;
        current = event.connection;
        window.opened(event.connection);
        state = 'connected';
        lastError = null;
        context.onEvent({ type: 'connected', target: label });
        break;
      case 'disconnected': {
        current = undefined;
        const atRiskBytes = window.lost(event.connection, event.bytesWritten);
        state = 'disconnected';
        lastError = event.error;
        context.onEvent({
          type: 'disconnected',
          target: label,
          error: event.error,
          bytesWritten: event.bytesWritten,
          atRiskBytes,
        });
        break;
      }
      case 'reconnecting':
        state = 'connecting';
        lastError = event.error;
        context.onEvent({ type: 'reconnecting', target: label, error: event.error, delayMs: event.delayMs });
        break;
      case 'closed': {
        current = undefined;
        const atRiskBytes = window.closed(event.connection, event.bytesWritten, event.confirmed);
        if (stream && !event.confirmed)
          context.onEvent({
            type: 'abandoned',
            target: label,
            reason: event.reason ?? 'the server did not confirm the close',
            bytesWritten: event.bytesWritten,
            atRiskBytes,
          });
        break;
      }
    }
  };

  const sender = open(target, context, onEvent);

  return {
    async write(lines) {
      try {
        const receipt = await sender.sendBatch(lines);
        window.written(receipt.connection, receipt.offset);
        if (!stream) {
          counters.datagramsSent += receipt.messages;
          counters.datagramsTruncated += receipt.truncated;
        }
        return {
          position: { connection: receipt.connection, offset: receipt.offset },
          bytes: receipt.bytes,
          truncated: receipt.truncated,
        };
      } catch (error) {
        if (error instanceof SyslogError && closing === undefined) lastError = error;
        throw error;
      }
    },

    status: (position) => window.status(position),

    async waitUntilConnected(signal) {
      const aborted = new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      // The sender's events record state and errors; a closed sender rejects, and that ends the wait.
      while (!signal.aborted && closing === undefined && !sender.stats.connected) {
        const outcome = await Promise.race([
          sender.connect().then(
            () => 'up' as const,
            (error: unknown) =>
              error instanceof SyslogError && error.code === 'SYSLOG_CLOSED' ? 'closed' : 'retry',
          ),
          aborted.then(() => 'aborted' as const),
        ]);
        if (outcome !== 'retry') return;
      }
    },

    report(): SinkReport {
      return {
        state: closing === undefined ? state : 'idle',
        target: label,
        lastError,
        counters: { ...counters },
        replayWindowBytes: window.windowBytes,
      };
    },

    close() {
      if (current !== undefined) window.closing(current);
      closing ??= sender.close();
      return closing;
    },
  };
}

function openSyslogSender(
  target: SyslogTarget,
  context: SinkContext,
  onEvent: (event: SenderEvent) => void,
): Sender {
  if (target.protocol !== 'tcp' && target.protocol !== 'tls' && target.protocol !== 'udp')
    throw new SyslogError('SYSLOG_OPTIONS', `the syslog sink does not write ${target.protocol}`);
  return createSender({
    protocol: target.protocol,
    host: target.host,
    port: target.port,
    ...(target.protocol === 'tcp' ? { framing: target.framing } : {}),
    udpMaxBytes: target.udpMaxBytes,
    ...(target.protocol === 'tls' && context.ca !== undefined ? { tls: { ca: context.ca } } : {}),
    reconnect: context.reconnect,
    closeTimeoutMs: context.closeTimeoutMs,
    ...(context.maxQueueBytes === undefined ? {} : { maxQueueBytes: context.maxQueueBytes }),
    onEvent,
  });
}
