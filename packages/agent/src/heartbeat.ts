// The agent's heartbeat (DESIGN §6, POST heartbeat): version, host, counters, syslog state and the
// problems happening now, which the portal turns into agent notifications. Sent every
// heartbeatIntervalMs (5–60 s), 2 s after a change of state, and once more on stop.
import {
  CLOUDSIEM_VERSION,
  DATA_TYPES,
  type AgentConfig,
  type DataType,
  type Heartbeat,
} from '@cloudsiem/protocol';
import { isFatal, type AgentError } from './errors.ts';
import type { AgentLogger, DataTypeStats } from './pipeline.ts';
import type { PortalClient } from './source/portal-client.ts';
import type { SinkReport } from './sink/sink.ts';

const HEARTBEAT_MIN_MS = 5_000;
const HEARTBEAT_MAX_MS = 60_000;
/** A changed problem is reported this soon, not at the next regular heartbeat. */
const HEARTBEAT_SOON_MS = 2_000;

export interface HeartbeatState {
  host: string;
  startedAt: number;
  config: AgentConfig | undefined;
  stats: Record<DataType, DataTypeStats> & { pullErrors: number };
  sink: SinkReport;
  /** Records dropped since the last heartbeat that reached the portal. */
  dropped: Record<DataType, { count: number; last: string }>;
}

function problems(state: HeartbeatState): Heartbeat['errors'] {
  const list: Heartbeat['errors'] = [];
  const syslogError = state.sink.lastError;
  if (syslogError !== null)
    list.push({ code: syslogError.code, message: syslogError.message.slice(0, 1000) });
  const dropped = DATA_TYPES.filter((dataType) => state.dropped[dataType].count > 0).map(
    (dataType) => `${state.dropped[dataType].count} ${dataType} (the last: ${state.dropped[dataType].last})`,
  );
  if (dropped.length > 0)
    list.push({
      code: 'RECORD_INVALID',
      message: `records that cannot be encoded as CEF were dropped: ${dropped.join('; ')}`.slice(0, 1000),
    });
  return list;
}

export function heartbeatBody(state: HeartbeatState): Heartbeat {
  const counters = (s: DataTypeStats) => ({
    eventsSent: s.eventsSent,
    bytesSent: s.bytesSent,
    batchesSent: s.batchesSent,
    lagSeconds: s.lagSeconds,
    eventsReplayed: s.eventsReplayed,
    rewinds: s.rewinds,
  });
  return {
    version: CLOUDSIEM_VERSION,
    host: state.host.slice(0, 255),
    startedAt: state.startedAt,
    configVersion: state.config?.version ?? null,
    counters: {
      activities: counters(state.stats.activities),
      alerts: counters(state.stats.alerts),
      syslogReconnects: state.sink.counters.reconnects,
      pullErrors: state.stats.pullErrors,
      syslogDatagramsSent: state.sink.counters.datagramsSent,
      syslogDatagramsTruncated: state.sink.counters.datagramsTruncated,
      syslogReplayWindowBytes: state.sink.replayWindowBytes,
    },
    syslog: { state: state.sink.state, target: state.sink.target.slice(0, 300) },
    errors: problems(state),
  };
}

export interface HeartbeatOptions {
  client: PortalClient;
  logger: AgentLogger;
  state: () => HeartbeatState;
  /** The portal took it: the dropped-records report starts over. */
  sent: () => void;
  /** The portal refused the token or the agent: the agent ends. */
  fatal: (error: AgentError) => void;
  signal: AbortSignal;
}

export interface Heartbeats {
  /** Sends one within 2 s (a state change), unless one is due sooner. */
  soon(): void;
  start(): void;
  /** Stops the schedule; resolves once the heartbeat in flight (if any) settled. */
  stop(): Promise<void>;
  /** One last heartbeat (syslog reported idle), best effort, at most 5 s. */
  final(): Promise<void>;
}

export function createHeartbeats(options: HeartbeatOptions): Heartbeats {
  const { client, logger, signal } = options;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let dueAt = 0;

  async function send(): Promise<void> {
    const body = heartbeatBody(options.state());
    try {
      await client.heartbeat(body, signal);
      options.sent();
    } catch (error) {
      if (signal.aborted) return;
      if (isFatal(error)) options.fatal(error);
      else
        logger.debug({ reason: error instanceof Error ? error.message : String(error) }, 'Heartbeat failed');
    }
  }

  function schedule(inMs: number): void {
    if (signal.aborted) return;
    const at = Date.now() + inMs;
    if (timer !== undefined && dueAt <= at) return;
    clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      inFlight ??= send().finally(() => {
        inFlight = undefined;
        const interval = options.state().config?.heartbeatIntervalMs ?? HEARTBEAT_MAX_MS;
        schedule(Math.min(Math.max(interval, HEARTBEAT_MIN_MS), HEARTBEAT_MAX_MS));
      });
    }, inMs);
  }

  return {
    soon: () => schedule(HEARTBEAT_SOON_MS),
    start: () => schedule(0),
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    async final() {
      const body = heartbeatBody(options.state());
      try {
        await client.heartbeat(
          { ...body, syslog: { state: 'idle', target: body.syslog.target } },
          AbortSignal.timeout(5000),
        );
      } catch {
        // Best effort: the portal computes the status from the last contact anyway.
      }
    },
  };
}
