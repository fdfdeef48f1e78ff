// The overview (protocol/overview.ts): sources → store → each SIEM agent → its SIEM as the portal
// knows them now. Rates come from the throughput meter (ingest API, simulator, pulls), the
// connectors' own per-minute counts and the agents' heartbeats; nothing here scans the events.
import {
  OVERVIEW_WINDOW_MINUTES,
  siemSideOf,
  type Heartbeat,
  type Overview,
  type OverviewAgent,
  type OverviewSource,
  type SiemAgent,
} from '@cloudsiem/protocol';
import type { PortalContext } from '../context.ts';
import { listHeartbeats } from '../store/agents.ts';
import { newestCreatedAt } from '../store/events.ts';
import type { AgentService } from './agents.ts';
import type { ConnectorService } from './connectors.ts';
import { MINUTE_MS, type ThroughputMeter, type ThroughputRates } from './throughput.ts';

/** A Connected agent silent for this many heartbeat intervals is reported as failing. */
const STALE_HEARTBEATS = 3;
/** Shorter intervals between heartbeats make a noisy rate (the agent also reports 2 s after a change). */
const MIN_RATE_INTERVAL_MS = 30_000;

function minutes(ms: number): string {
  const n = Math.max(1, Math.round(ms / MINUTE_MS));
  return n < 120 ? `${n} min` : `${Math.round(n / 60)} h`;
}

function sentOf(heartbeat: Heartbeat): number {
  return heartbeat.counters.activities.eventsSent + heartbeat.counters.alerts.eventsSent;
}

/**
 * Events sent per minute over the heartbeats of the window (oldest first): the newest heartbeat's
 * cumulative count against the earliest of the same run at least MIN_RATE_INTERVAL_MS before it,
 * or against the run's start when it began in the window. Null when no heartbeat says.
 */
export function sentPerMinute(entries: readonly { at: number; heartbeat: Heartbeat }[]): number | null {
  const last = entries.at(-1);
  if (last === undefined) return null;
  const run = entries.filter((e) => e.heartbeat.startedAt === last.heartbeat.startedAt);
  const first = run.find((e) => last.at - e.at >= MIN_RATE_INTERVAL_MS);
  const firstAt = entries[0]?.at ?? last.at;
  const anchor =
    last.heartbeat.startedAt >= firstAt || first === undefined
      ? { at: last.heartbeat.startedAt, sent: 0 }
      : { at: first.at, sent: sentOf(first.heartbeat) };
  const interval = last.at - anchor.at;
  if (interval < MIN_RATE_INTERVAL_MS) return null;
  return Math.max(0, ((sentOf(last.heartbeat) - anchor.sent) * MINUTE_MS) / interval);
}

export function createOverviewService(
  context: PortalContext,
  deps: { agents: AgentService; connectors: ConnectorService; throughput: ThroughputMeter },
) {
  const { store, clock, settings } = context;
  const { agents, connectors, throughput } = deps;
  const window = OVERVIEW_WINDOW_MINUTES;

  async function agentOf(agent: SiemAgent, now: number, rates: ThroughputRates): Promise<OverviewAgent> {
    const since = now - window * MINUTE_MS;
    const entries = (await listHeartbeats(store.db, agent.id, since, 100)).map((r) => ({
      at: r.at,
      heartbeat: JSON.parse(r.body) as Heartbeat,
    }));
    const side = agent.status === 'connected' ? siemSideOf(agent.lastHeartbeat) : null;
    const silentMs = agent.lastSeenAt === null ? 0 : now - agent.lastSeenAt;
    const { protocol, host, port } = agent.syslog;
    const problem = !agent.enabled
      ? null
      : agent.status === 'connection-error' || agent.status === 'disconnected'
        ? `No contact from the agent for ${minutes(silentMs)}`
        : agent.status === 'connected' && silentMs > STALE_HEARTBEATS * settings.heartbeatIntervalMs
          ? `No heartbeat for ${minutes(silentMs)}`
          : side?.state === 'unreachable'
            ? `SIEM unreachable: ${side.error ?? 'the connection is down'}`
            : null;
    return {
      id: agent.id,
      name: agent.name,
      enabled: agent.enabled,
      status: agent.status,
      lastSeenAt: agent.lastSeenAt,
      pulledPerMinute: rates.perMinute(`pulled:${agent.id}`),
      sentPerMinute: sentPerMinute(entries),
      lagSeconds: side?.lagSeconds ?? null,
      siem: {
        target: `${protocol}://${host.includes(':') ? `[${host}]` : host}:${port}`,
        state: side?.state ?? 'unknown',
        error: side?.error ?? null,
      },
      problem,
    };
  }

  async function overview(): Promise<Overview> {
    const now = clock.now();
    const rates = await throughput.rates(window);
    const sources: OverviewSource[] = [];
    // The simulator runs inside `cloudsiem up` only: shown while it stores records.
    if (rates.active('simulator'))
      sources.push({
        kind: 'simulator',
        id: null,
        name: 'Simulator',
        eventsPerMinute: rates.perMinute('simulator'),
        connectorStatus: null,
        problem: null,
      });
    sources.push({
      kind: 'ingest-api',
      id: null,
      name: 'Ingest API',
      eventsPerMinute: rates.perMinute('ingest-api'),
      connectorStatus: null,
      problem: null,
    });
    for (const connector of await connectors.list())
      sources.push({
        kind: 'connector',
        id: connector.id,
        name: connector.name,
        eventsPerMinute: connector.recordsPerMinute,
        connectorStatus: connector.status,
        problem:
          connector.status === 'Connection error'
            ? (connector.statusDetail ?? connector.lastError?.message ?? 'Connection error')
            : null,
      });
    const [newestActivityAt, newestAlertAt, listed] = await Promise.all([
      newestCreatedAt(store.db, 'activities'),
      newestCreatedAt(store.db, 'alerts'),
      agents.list(),
    ]);
    const state = store.health.state;
    return {
      at: now,
      windowMinutes: window,
      sources,
      store: {
        state,
        newestActivityAt,
        newestAlertAt,
        problem:
          state === 'full'
            ? 'The store is full: ingest is refused until space is freed'
            : state === 'unavailable'
              ? 'The store is unavailable'
              : null,
      },
      agents: await Promise.all(listed.map((agent) => agentOf(agent, now, rates))),
    };
  }

  return { overview };
}

export type OverviewService = ReturnType<typeof createOverviewService>;
