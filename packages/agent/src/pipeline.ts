// One data type's pipeline (DESIGN §6): pull a page from the portal → encode-cef → write it to the
// sink → the next pull acknowledges it. Before each pull the checkpoint asks the sink what became
// of the pages written earlier and rewinds over any it lost, so they are read and sent again.
// Read-ahead: while page N is written, page N+1 is pulled with `ack` (the position before page N),
// so the portal reads on without acknowledging page N; it is used only if the checkpoint still
// reads from where it started (a failed write, a rewind, a reset or a config applied drops it).
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataType } from '@cloudsiem/protocol';
import { SyslogError } from '@cloudsiem/syslog';
import type { Checkpoint } from './checkpoint.ts';
import { AgentError } from './errors.ts';
import { portalCodeOf, type PortalClient } from './source/portal-client.ts';
import type { TargetSwitch } from './sink/target-switch.ts';
import type { DroppedRecord, PageEncoder } from './transform/encode-cef.ts';

/** pino's calling convention. */
export interface AgentLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DataTypeStats {
  eventsSent: number;
  bytesSent: number;
  batchesSent: number;
  eventsDropped: number;
  /** Events read and sent again because the connection they went over was lost. */
  eventsReplayed: number;
  /** Times the cursor was moved back for that. */
  rewinds: number;
  /** Seconds between the newest event sent and now; 0 when caught up; null before any pull. */
  lagSeconds: number | null;
}

export function emptyStats(): DataTypeStats {
  return {
    eventsSent: 0,
    bytesSent: 0,
    batchesSent: 0,
    eventsDropped: 0,
    eventsReplayed: 0,
    rewinds: 0,
    lagSeconds: null,
  };
}

export interface PipelineContext {
  dataType: DataType;
  client: PortalClient;
  sink: TargetSwitch;
  checkpoint: Checkpoint;
  logger: AgentLogger;
  stats: DataTypeStats;
  pageSize: number;
  idlePollMs: number;
  /** Pull the next page while one is written, where the portal understands `ack`. */
  readAhead: boolean;
  /** The encoder of the config applied now (pipelines start only after one was). */
  encoder: () => PageEncoder;
  /** The portal answered. */
  contact: () => void;
  /** A pull failed (counted); fatal errors end the agent, others are waited out for the returned ms. */
  pullFailed: (error: unknown, attempt: number) => number;
  /** A pull failed in a way the pipeline handles itself (counted only). */
  pullRefused: () => void;
  dropped: (records: DroppedRecord[]) => void;
  /** UDP lines cut to udpMaxBytes in one page. */
  truncated: (lines: number) => void;
  /** Whether the portal's last page said it understands `ack` (it sets `committed`). */
  portalAcks: (understood: boolean) => void;
}

/** Resolves after `ms`, or at once when the signal aborts. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // aborted
  }
}

/** A page the sink did not take: it is read again. Anything else is a bug. */
function notWritten(error: unknown): boolean {
  return (
    error instanceof SyslogError || (error instanceof AgentError && error.code === 'SINK_TARGET_CHANGED')
  );
}

type PullAnswer = Awaited<ReturnType<PortalClient['pull']>>;

/** The next page, read while the one before it is encoded and written. */
interface ReadAhead {
  /** The cursor it reads from: used only if that is still where the checkpoint reads next. */
  from: string;
  /** The encoder of the config it was read under: a config applied since re-reads it. */
  encoder: PageEncoder;
  answer: Promise<PullAnswer>;
  /** Resolves once the portal answered (or the request failed), never rejects. */
  settled: Promise<void>;
  controller: AbortController;
}

/** How long a read-ahead being dropped may take to be answered before it is cut off. */
const READ_AHEAD_SETTLE_MS = 2_000;

/**
 * Drops a read-ahead. It is left to finish first (bounded): its `ack` must reach the portal
 * before the next pull's, or it could commit a position after a rewind moved it back.
 */
async function drop(ahead: ReadAhead): Promise<void> {
  const timer = new AbortController();
  await Promise.race([ahead.settled, pause(READ_AHEAD_SETTLE_MS, timer.signal)]);
  timer.abort();
  ahead.controller.abort();
}

export async function runPipeline(context: PipelineContext, signal: AbortSignal): Promise<void> {
  const { dataType, client, sink, checkpoint, logger, stats } = context;
  let failures = 0;
  let ahead: ReadAhead | undefined;

  /** Reads the page after the one being written (cursor `from`), acknowledging only `ack`. */
  function readAhead(from: string, ack: string): ReadAhead {
    const controller = new AbortController();
    const answer = client.pull(dataType, {
      cursor: from,
      ack,
      limit: context.pageSize,
      signal: controller.signal,
    });
    const settled = answer.then(
      () => undefined,
      () => undefined,
    );
    return { from, encoder: context.encoder(), answer, settled, controller };
  }

  try {
    while (!signal.aborted) {
      // A retired target's close decides whether its last bytes arrived: wait for it (bounded by
      // the close timeout) so a rewind does not re-send what the new target already got.
      await sink.settled(signal);
      if (signal.aborted) return;
      const rewind = checkpoint.reconcile((position) => sink.status(position));
      if (rewind !== null) {
        stats.rewinds++;
        stats.eventsReplayed += rewind.events;
        logger.warn(
          { dataType, events: rewind.events, pages: rewind.pages },
          'Sending again what the lost syslog connection may not have delivered',
        );
      }

      // The page read ahead is this one only if the checkpoint still reads from where it did
      // (no failed write, rewind or reset since) under the same config; otherwise read again.
      let taken: Promise<PullAnswer> | undefined;
      if (ahead !== undefined) {
        const current = ahead;
        ahead = undefined;
        if (current.from === checkpoint.cursor && current.encoder === context.encoder())
          taken = current.answer;
        else await drop(current);
      }

      let answer: PullAnswer;
      try {
        answer = await (taken ??
          client.pull(dataType, { cursor: checkpoint.cursor, limit: context.pageSize, signal }));
        context.contact();
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        if (portalCodeOf(error) === 'CURSOR_INVALID') {
          context.pullRefused();
          logger.warn({ dataType }, 'The portal refused the cursor; resuming from its committed position');
          checkpoint.reset();
          continue;
        }
        failures++;
        await pause(context.pullFailed(error, failures), signal);
        continue;
      }
      if ('refused' in answer) {
        // Disabled in the portal: the config sync stops this pipeline (or restarts it on re-enable).
        logger.info(
          { dataType, code: answer.refused },
          'The portal holds back this data type; waiting for its config',
        );
        await pause(Math.max(context.idlePollMs, 5000), signal);
        continue;
      }
      // The portal sets `committed`, so it understands `ack`: read ahead.
      const portalAcks = answer.committed !== undefined;
      context.portalAcks(portalAcks);

      if (answer.skipped !== undefined) {
        const { count, fromTimestamp, toTimestamp } = answer.skipped;
        logger.warn(
          {
            dataType,
            count,
            from: new Date(fromTimestamp).toISOString(),
            to: new Date(toTimestamp).toISOString(),
          },
          `${count} ${dataType} were older than the backfill window and were not sent`,
        );
      }
      const encoded = answer.events.length > 0 ? context.encoder()(answer.events) : undefined;
      const lines = encoded?.lines ?? [];
      // What the portal has committed so far: the read-ahead acknowledges that and no more.
      const acknowledged = checkpoint.cursor ?? answer.cursor;
      checkpoint.pageTaken(answer.nextCursor, lines.length, answer.cursor);
      if (encoded !== undefined && encoded.dropped.length > 0) {
        stats.eventsDropped += encoded.dropped.length;
        context.dropped(encoded.dropped);
      }
      if (lines.length > 0) {
        // Read the next page while this one is written: at most one pull ahead, two pages held.
        if (
          context.readAhead &&
          portalAcks &&
          answer.hasMore &&
          acknowledged !== undefined &&
          !signal.aborted
        )
          ahead = readAhead(answer.nextCursor, acknowledged);
        let receipt;
        try {
          receipt = await sink.write(lines);
        } catch (error) {
          checkpoint.failed();
          if (!notWritten(error)) throw error;
          logger.debug(
            { dataType, code: (error as SyslogError | AgentError).code },
            'Page not delivered; it will be read again',
          );
          await sink.waitUntilConnected(signal);
          continue;
        }
        // The receipt names the connection these bytes went over: no guessing which one it was.
        checkpoint.delivered(receipt.position, receipt.bytes);
        if (receipt.truncated > 0) context.truncated(receipt.truncated);
        stats.eventsSent += lines.length;
        stats.bytesSent += receipt.bytes;
        stats.batchesSent++;
      } else {
        checkpoint.delivered(null);
      }
      if (encoded !== undefined && encoded.newestCreatedAt !== null)
        stats.lagSeconds = answer.hasMore ? Math.max(0, (Date.now() - encoded.newestCreatedAt) / 1000) : 0;
      else if (!answer.hasMore) stats.lagSeconds = 0;
      if (!answer.hasMore) await pause(context.idlePollMs, signal);
    }
  } finally {
    if (ahead !== undefined) await drop(ahead);
  }
}
