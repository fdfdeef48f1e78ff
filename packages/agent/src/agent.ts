// The SIEM agent daemon (DESIGN §6), wired from its parts: config-sync.ts keeps the config in step
// with the portal, one pipeline.ts per enabled data type (pull → encode-cef → sink → checkpoint),
// heartbeat.ts reports health, and sink/target-switch.ts writes to the current syslog target.
// Edits apply without a restart; an unreachable portal or SIEM is waited out, and nothing is skipped.
import { hostname } from 'node:os';
import {
  CLOUDSIEM_VERSION,
  DATA_TYPES,
  PULL_LIMIT_MAX,
  type AgentConfig,
  type DataType,
} from '@cloudsiem/protocol';
import { backoffDelayMs, type BackoffOptions } from '@cloudsiem/syslog';
import { Checkpoint } from './checkpoint.ts';
import { runConfigSync } from './config-sync.ts';
import { AgentError, isFatal } from './errors.ts';
import { createHeartbeats, type HeartbeatState } from './heartbeat.ts';
import { emptyStats, pause, runPipeline, type AgentLogger, type DataTypeStats } from './pipeline.ts';
import type { PortalClient } from './source/portal-client.ts';
import { createTruncationLog, logSinkEvent } from './sink/log.ts';
import type { SinkState } from './sink/sink.ts';
import { defaultReplayWindowBytes } from './sink/syslog/replay-window.ts';
import { createTargetSwitch } from './sink/target-switch.ts';
import { createPageEncoders, type PageEncoder } from './transform/encode-cef.ts';

export type { AgentLogger, DataTypeStats } from './pipeline.ts';
/** The syslog connection's state as stats and heartbeats report it. */
export type SyslogState = SinkState;

export interface AgentOptions {
  client: PortalClient;
  logger: AgentLogger;
  /** PEM of a private CA for TLS syslog targets (the same --ca-file as for the portal). */
  ca?: string;
  /** The host name reported in heartbeats and written by "Include system name". Default os.hostname(). */
  hostName?: string;
  /** Records per pull, 1–5000. Default 1000. */
  pageSize?: number;
  /** How long a caught-up pipeline waits before pulling again. Default 1000 ms. */
  idlePollMs?: number;
  /** Long-poll wait for config edits, seconds (the portal allows up to 60). Default 25. */
  configWaitS?: number;
  /** Backoff for portal errors (a Retry-After wins when longer). Default 500 ms doubling to 30 s. */
  portalBackoff?: BackoffOptions;
  /** Syslog reconnect backoff. Default 100 ms doubling to 2 s, so a SIEM that is back is found within ~2 s. */
  syslogReconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Bytes a TCP/TLS connection loss re-sends (--replay-window-bytes). Default: sized from this host (RELIABILITY.md). */
  replayWindowBytes?: number;
  /** The receiver-queue part of the default replay window. Default 75 MB. */
  receiverQueueBytes?: number;
  /** How long closing a syslog connection waits for the server to confirm it read everything. Default 3 s. */
  syslogCloseTimeoutMs?: number;
  /** Pull the next page while one is written (where the portal understands `ack`). Default true. */
  readAhead?: boolean;
}

export interface AgentStats {
  activities: DataTypeStats;
  alerts: DataTypeStats;
  syslogReconnects: number;
  pullErrors: number;
  syslog: { state: SyslogState; target: string; error: string | null };
  /** UDP datagrams handed to the socket, and those cut to udpMaxBytes. */
  syslogDatagramsSent: number;
  syslogDatagramsTruncated: number;
  /** Bytes a TCP/TLS connection loss re-sends. */
  replayWindowBytes: number;
  configVersion: number | null;
  /** When the portal last answered anything. */
  lastPortalContactAt: number | null;
  enabled: boolean;
}

export type AgentStop = { reason: 'stopped' } | { reason: 'error'; error: AgentError };

export interface RunningAgent {
  /** Resolves when the agent stops: after stop(), or on an error that ends it (token rejected, agent deleted). */
  readonly done: Promise<AgentStop>;
  /** Stops pulling, lets the page in flight reach the socket, acknowledges what was delivered, closes everything. */
  stop(): Promise<AgentStop>;
  stats(): AgentStats;
}

/**
 * Records per pull. Larger pages do not go faster (the path is pull → encode → send), and a page of
 * 5,000 outgrows V8's young generation: 35% more CPU and +90 MB peak RSS (bench/agent-path).
 */
export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_SYSLOG_RECONNECT: BackoffOptions = { initialDelayMs: 100, maxDelayMs: 2_000 };
export const DEFAULT_SYSLOG_CLOSE_TIMEOUT_MS = 3_000;
/** How long a stop waits for the page in flight to reach the socket before closing the sink under it. */
const STOP_GRACE_MS = 5_000;
/** How long a stop waits for the portal to take its last acknowledgement. */
const FINAL_ACK_TIMEOUT_MS = 5_000;
/** Pages spanning at most W / this are remembered as one: memory stays bounded, duplicates grow by <0.4%. */
const COALESCE_FRACTION = 256;

export function startAgent(options: AgentOptions): RunningAgent {
  const { client, logger } = options;
  const host = options.hostName ?? hostname();
  const pageSize = Math.min(Math.max(1, options.pageSize ?? DEFAULT_PAGE_SIZE), PULL_LIMIT_MAX);
  const idlePollMs = options.idlePollMs ?? 1000;
  const portalBackoff = options.portalBackoff ?? { initialDelayMs: 500, maxDelayMs: 30_000 };
  const replayWindowBytes =
    options.replayWindowBytes ??
    defaultReplayWindowBytes(
      options.receiverQueueBytes === undefined ? {} : { receiverQueueBytes: options.receiverQueueBytes },
    );
  const startedAt = Date.now();

  const stopping = new AbortController();
  let stopResult: AgentStop | undefined;
  let resolveDone!: (result: AgentStop) => void;
  const done = new Promise<AgentStop>((resolve) => (resolveDone = resolve));

  const stats = { activities: emptyStats(), alerts: emptyStats(), pullErrors: 0 };
  let config: AgentConfig | undefined;
  let encoders: Record<DataType, PageEncoder> | undefined;
  let lastPortalContactAt: number | null = null;
  const contact = () => void (lastPortalContactAt = Date.now());
  /** Records dropped since the last heartbeat: reported once, as a notification. */
  const dropped: HeartbeatState['dropped'] = {
    activities: { count: 0, last: '' },
    alerts: { count: 0, last: '' },
  };
  const truncationLog = createTruncationLog(logger);

  const sink = createTargetSwitch({
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    reconnect: { ...DEFAULT_SYSLOG_RECONNECT, ...options.syslogReconnect },
    replayWindowBytes,
    closeTimeoutMs: options.syslogCloseTimeoutMs ?? DEFAULT_SYSLOG_CLOSE_TIMEOUT_MS,
    onEvent: (event) => {
      logSinkEvent(logger, event);
      heartbeats.soon();
    },
  });

  /** Ends the agent with a fatal error from the portal. */
  function fail(error: AgentError): void {
    if (stopResult !== undefined) return;
    logger.error({ code: error.code, reason: error.message }, 'Agent stopping');
    void finish({ reason: 'error', error });
  }

  /** A portal error: fatal ones end the agent; anything else is waited out. Returns the wait. */
  function portalWait(error: unknown, attempt: number, what: string): number {
    if (isFatal(error)) {
      fail(error);
      return 0;
    }
    const delay = Math.max(
      backoffDelayMs(attempt, portalBackoff),
      error instanceof AgentError ? (error.retryAfterMs ?? 0) : 0,
    );
    const message = error instanceof Error ? error.message : String(error);
    logger.warn(
      { code: error instanceof AgentError ? error.code : undefined, reason: message, retryInMs: delay },
      `${what} failed; retrying`,
    );
    return delay;
  }

  const heartbeats = createHeartbeats({
    client,
    logger,
    signal: stopping.signal,
    state: () => ({ host, startedAt, config, stats, sink: sink.report(), dropped }),
    sent: () => {
      contact();
      for (const dataType of DATA_TYPES) dropped[dataType] = { count: 0, last: '' };
    },
    fatal: fail,
  });

  // ---- pipelines ----

  const checkpoints: Record<DataType, Checkpoint> = {
    activities: new Checkpoint({ coalesceBytes: Math.floor(replayWindowBytes / COALESCE_FRACTION) }),
    alerts: new Checkpoint({ coalesceBytes: Math.floor(replayWindowBytes / COALESCE_FRACTION) }),
  };
  /** Per data type: the portal's last page said it understands `ack`. */
  const portalAcks: Record<DataType, boolean> = { activities: false, alerts: false };
  const pipelines = new Map<DataType, { controller: AbortController; running: Promise<void> }>();
  /** Pipelines told to stop whose page in flight has not settled yet. */
  const stoppingPipelines = new Set<Promise<void>>();

  function startPipeline(dataType: DataType): void {
    const controller = new AbortController();
    const context = {
      dataType,
      client,
      sink,
      checkpoint: checkpoints[dataType],
      logger,
      stats: stats[dataType],
      pageSize,
      idlePollMs,
      readAhead: options.readAhead ?? true,
      // Pipelines start only after a config was applied, so the encoders exist.
      encoder: () => encoders![dataType],
      contact,
      pullFailed: (error: unknown, attempt: number) => {
        stats.pullErrors++;
        return portalWait(error, attempt, `Pulling ${dataType}`);
      },
      pullRefused: () => void stats.pullErrors++,
      dropped: (records: { id: string; reason: string }[]) => {
        const last = records.at(-1)!;
        dropped[dataType].count += records.length;
        dropped[dataType].last = `${last.id}: ${last.reason}`;
        logger.warn(
          { dataType, count: records.length, dropped: records.slice(0, 5) },
          'Records dropped: they cannot be encoded as CEF',
        );
        heartbeats.soon();
      },
      truncated: (lines: number) => truncationLog(lines, config?.syslog.udpMaxBytes),
      portalAcks: (understood: boolean) => void (portalAcks[dataType] = understood),
    };
    const running = runPipeline(context, controller.signal).catch((error: unknown) => {
      logger.error({ dataType, err: error }, 'Pipeline failed unexpectedly; stopping the agent');
      void finish({
        reason: 'error',
        error: new AgentError('PORTAL_RESPONSE', `the ${dataType} pipeline failed: ${String(error)}`, {
          cause: error,
        }),
      });
    });
    pipelines.set(dataType, { controller, running });
    logger.info({ dataType }, 'Streaming started');
  }

  async function stopPipeline(dataType: DataType): Promise<void> {
    const pipeline = pipelines.get(dataType);
    if (pipeline === undefined) return;
    pipelines.delete(dataType);
    pipeline.controller.abort();
    stoppingPipelines.add(pipeline.running);
    await pipeline.running;
    stoppingPipelines.delete(pipeline.running);
    logger.info({ dataType }, 'Streaming stopped');
  }

  // ---- config ----

  function apply(next: AgentConfig): void {
    const previous = config;
    config = next;
    sink.configure(next.syslog);
    encoders = createPageEncoders(next.format, {
      systemName: host,
      portalUrl: next.portalUrl,
      deviceVersion: CLOUDSIEM_VERSION,
    });
    if (previous !== undefined && !previous.enabled && next.enabled) {
      // The portal voids cursors on re-enable (a new backfill): so do we.
      for (const dataType of DATA_TYPES) checkpoints[dataType].reset();
    }
    logger.info(
      {
        version: next.version,
        enabled: next.enabled,
        syslog: sink.report().target,
        activities: next.dataTypes.activities.enabled,
        alerts: next.dataTypes.alerts.enabled,
        format: next.format.format,
      },
      'Config applied',
    );
    for (const dataType of DATA_TYPES) {
      const wanted = next.enabled && next.dataTypes[dataType].enabled;
      if (wanted && !pipelines.has(dataType) && !stopping.signal.aborted) startPipeline(dataType);
      // Not awaited: a pipeline stuck on a stalled SIEM must not hold up the config sync.
      else if (!wanted && pipelines.has(dataType)) void stopPipeline(dataType);
    }
    heartbeats.soon();
  }

  // ---- lifecycle ----

  async function finish(result: AgentStop): Promise<AgentStop> {
    if (stopResult !== undefined) return stopResult;
    stopResult = result;
    stopping.abort();
    const heartbeatsStopped = heartbeats.stop();
    const pipelinesStopped = Promise.allSettled([
      ...DATA_TYPES.map((dataType) => stopPipeline(dataType)),
      ...stoppingPipelines,
    ]);
    // A SIEM that stopped reading must not hold the stop: after a grace period the sink closes (a
    // connection that does not confirm within its close timeout is abandoned), which fails the
    // page in flight. That page is not acknowledged, so the next start sends it again.
    const grace = new AbortController();
    const graceOver = await Promise.race([
      pipelinesStopped.then(() => false),
      pause(STOP_GRACE_MS, grace.signal).then(() => true),
    ]);
    grace.abort();
    if (graceOver)
      logger.warn(
        { graceMs: STOP_GRACE_MS, syslog: sink.report().target },
        'The page in flight did not reach the syslog server in time; closing the connection under it',
      );
    const sinkClosed = sink.close();
    await pipelinesStopped;
    await configRunning;
    // Closed: every page is delivered or lost now. Acknowledge up to the first lost one, so a
    // restart sends again exactly what an abandoned connection may not have delivered.
    await sinkClosed;
    if (result.reason === 'stopped') {
      await Promise.allSettled(
        DATA_TYPES.map(async (dataType) => {
          const checkpoint = checkpoints[dataType];
          const rewind = checkpoint.reconcile((position) => sink.status(position));
          if (rewind !== null)
            logger.warn(
              { dataType, events: rewind.events },
              'The SIEM may not have received the last events; the next start sends them again',
            );
          const cursor = checkpoint.cursor;
          if (cursor === undefined || config?.enabled !== true || !config.dataTypes[dataType].enabled) return;
          // An acknowledgement alone (limit=0, nothing read) where the portal understands `ack`;
          // an older portal acknowledges a cursor by reading after it. Bounded: failing to
          // acknowledge only means the next start sends these pages again.
          const signal = AbortSignal.timeout(FINAL_ACK_TIMEOUT_MS);
          if (portalAcks[dataType])
            await client.pull(dataType, { cursor: undefined, ack: cursor, limit: 0, signal });
          else await client.pull(dataType, { cursor, limit: 1, signal });
        }),
      );
      await heartbeatsStopped;
      await heartbeats.final();
    }
    await client.close();
    logger.info({ reason: result.reason }, 'Agent stopped');
    resolveDone(result);
    return result;
  }

  const configRunning = runConfigSync({
    client,
    waitS: options.configWaitS ?? 25,
    apply,
    contact,
    fail,
    failed: (error, attempt) => portalWait(error, attempt, 'Reading the config'),
    ended: () => stopResult !== undefined,
    signal: stopping.signal,
  });
  heartbeats.start();

  return {
    done,
    stop: () => finish({ reason: 'stopped' }),
    stats: () => {
      const report = sink.report();
      return {
        activities: { ...stats.activities },
        alerts: { ...stats.alerts },
        syslogReconnects: report.counters.reconnects,
        pullErrors: stats.pullErrors,
        syslog: { state: report.state, target: report.target, error: report.lastError?.message ?? null },
        syslogDatagramsSent: report.counters.datagramsSent,
        syslogDatagramsTruncated: report.counters.datagramsTruncated,
        replayWindowBytes: report.replayWindowBytes,
        configVersion: config?.version ?? null,
        lastPortalContactAt,
        enabled: config?.enabled ?? false,
      };
    },
  };
}
