// The agent's Prometheus metrics (names `cloudsiem_<noun>_<unit>_total`), read from the running
// agent's counters at scrape time, and its /healthz: healthy while the portal answered recently.
import { DATA_TYPES } from '@cloudsiem/protocol';
import type { DataTypeStats, RunningAgent } from './agent.ts';
import { createRegistry, type Counter, type Health, type Labels, type Registry } from './telemetry/index.ts';

/** /healthz turns unhealthy when the portal has not answered for this long. */
export const HEALTHY_PORTAL_CONTACT_MS = 120_000;

type Stats = ReturnType<RunningAgent['stats']>;

export function agentRegistry(agent: Pick<RunningAgent, 'stats'>): Registry {
  const updates: Array<(stats: Stats) => void> = [];
  // One snapshot of the agent's stats per scrape, shared by every series.
  const registry = createRegistry({
    collect: () => {
      const stats = agent.stats();
      for (const update of updates) update(stats);
    },
  });
  /** Counters follow the agent's monotonic numbers: each scrape adds what they grew by. */
  const follow = (counter: Counter, value: number, labels?: Labels) =>
    counter.inc(labels, Math.max(0, value - counter.get(labels)));

  const perDataType = (name: string, help: string, field: Exclude<keyof DataTypeStats, 'lagSeconds'>) => {
    const counter = registry.counter(name, help, ['data_type'], {
      initialLabels: DATA_TYPES.map((dataType) => ({ data_type: dataType })),
    });
    updates.push((stats) => {
      for (const dataType of DATA_TYPES) follow(counter, stats[dataType][field], { data_type: dataType });
    });
  };
  const total = (name: string, help: string, read: (stats: Stats) => number) => {
    const counter = registry.counter(name, help);
    updates.push((stats) => follow(counter, read(stats)));
  };

  perDataType('cloudsiem_sent_events_total', 'Events handed to the syslog socket', 'eventsSent');
  perDataType(
    'cloudsiem_sent_bytes_total',
    'Bytes handed to the syslog socket (CEF lines with their framing)',
    'bytesSent',
  );
  perDataType('cloudsiem_sent_batches_total', 'Pages handed to the syslog socket', 'batchesSent');
  perDataType(
    'cloudsiem_dropped_events_total',
    'Records dropped because they cannot be encoded as CEF',
    'eventsDropped',
  );
  perDataType(
    'cloudsiem_syslog_replayed_events_total',
    'Events sent again because the syslog connection they went over was lost within the replay window',
    'eventsReplayed',
  );
  perDataType(
    'cloudsiem_syslog_rewinds_total',
    'Times the cursor was moved back to send again what a lost syslog connection may not have delivered',
    'rewinds',
  );
  total(
    'cloudsiem_syslog_reconnects_total',
    'Syslog connections re-established after a loss',
    (s) => s.syslogReconnects,
  );
  total('cloudsiem_pull_errors_total', 'Pulls from the portal that failed', (s) => s.pullErrors);
  total(
    'cloudsiem_syslog_datagrams_sent_total',
    'UDP datagrams handed to the socket (UDP cannot tell whether they arrived)',
    (s) => s.syslogDatagramsSent,
  );
  total(
    'cloudsiem_syslog_datagrams_truncated_total',
    'UDP datagrams whose line was cut to udpMaxBytes',
    (s) => s.syslogDatagramsTruncated,
  );
  const lag = registry.gauge(
    'cloudsiem_lag_seconds',
    'Seconds behind the newest event ingested by the portal',
    ['data_type'],
  );
  const connected = registry.gauge('cloudsiem_syslog_connected', '1 while the syslog connection is up');
  const window = registry.gauge(
    'cloudsiem_syslog_replay_window_bytes',
    'Bytes a TCP/TLS connection loss sends again (the replay window)',
  );
  updates.push((stats) => {
    for (const dataType of DATA_TYPES) lag.set({ data_type: dataType }, stats[dataType].lagSeconds);
    connected.set(undefined, stats.syslog.state === 'connected' ? 1 : 0);
    window.set(undefined, stats.replayWindowBytes);
  });
  return registry;
}

export function agentHealth(agent: Pick<RunningAgent, 'stats'>, now = Date.now()): Health {
  const stats = agent.stats();
  const portalOk =
    stats.lastPortalContactAt !== null && now - stats.lastPortalContactAt < HEALTHY_PORTAL_CONTACT_MS;
  return {
    ok: portalOk,
    detail: {
      portal: portalOk ? 'ok' : 'unreachable',
      lastPortalContactAt: stats.lastPortalContactAt,
      configVersion: stats.configVersion,
      enabled: stats.enabled,
      syslog: stats.syslog,
    },
  };
}
