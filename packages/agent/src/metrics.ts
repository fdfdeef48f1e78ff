// The agent's Prometheus metrics (names `cloudsiem_<noun>_<unit>_total`), read from the running
// agent's counters at scrape time, and its /healthz: healthy while the portal answered recently.
import { DATA_TYPES } from '@cloudsiem/protocol';
import type { RunningAgent } from './agent.ts';
import { createRegistry, type Health, type Registry } from './telemetry/index.ts';

/** /healthz turns unhealthy when the portal has not answered for this long. */
export const HEALTHY_PORTAL_CONTACT_MS = 120_000;

export function agentRegistry(agent: Pick<RunningAgent, 'stats'>): Registry {
  const perType = DATA_TYPES.map((dataType) => ({ data_type: dataType }));
  const counters: Array<() => void> = [];
  const registry = createRegistry({ collect: () => counters.forEach((update) => update()) });

  /** A counter that follows a monotonic number of the agent's stats. */
  function follow(
    name: string,
    help: string,
    read: (stats: ReturnType<RunningAgent['stats']>, dataType?: (typeof DATA_TYPES)[number]) => number,
    byType: boolean,
  ): void {
    const counter = byType
      ? registry.counter(name, help, ['data_type'], { initialLabels: perType })
      : registry.counter(name, help);
    counters.push(() => {
      const stats = agent.stats();
      if (!byType) {
        counter.inc(undefined, Math.max(0, read(stats) - counter.get()));
        return;
      }
      for (const dataType of DATA_TYPES) {
        const labels = { data_type: dataType };
        counter.inc(labels, Math.max(0, read(stats, dataType) - counter.get(labels)));
      }
    });
  }

  follow(
    'cloudsiem_sent_events_total',
    'Events handed to the syslog socket',
    (s, t) => s[t!].eventsSent,
    true,
  );
  follow(
    'cloudsiem_sent_bytes_total',
    'Bytes of CEF lines handed to the syslog socket',
    (s, t) => s[t!].bytesSent,
    true,
  );
  follow(
    'cloudsiem_sent_batches_total',
    'Pages handed to the syslog socket',
    (s, t) => s[t!].batchesSent,
    true,
  );
  follow(
    'cloudsiem_dropped_events_total',
    'Records dropped because they cannot be encoded as CEF',
    (s, t) => s[t!].eventsDropped,
    true,
  );
  follow(
    'cloudsiem_syslog_reconnects_total',
    'Syslog connections re-established after a loss',
    (s) => s.syslogReconnects,
    false,
  );
  follow('cloudsiem_pull_errors_total', 'Pulls from the portal that failed', (s) => s.pullErrors, false);
  const lag = registry.gauge(
    'cloudsiem_lag_seconds',
    'Seconds behind the newest event ingested by the portal',
    ['data_type'],
  );
  const connected = registry.gauge('cloudsiem_syslog_connected', '1 while the syslog connection is up');
  counters.push(() => {
    const stats = agent.stats();
    for (const dataType of DATA_TYPES) lag.set({ data_type: dataType }, stats[dataType].lagSeconds);
    connected.set(undefined, stats.syslog.state === 'connected' ? 1 : 0);
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
