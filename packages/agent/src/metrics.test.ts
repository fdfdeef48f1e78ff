// The agent's /metrics series follow its stats (counters only grow, per data type from the
// start) and /healthz turns unhealthy when the portal has not answered for two minutes.
import { expect, it } from 'vitest';
import type { AgentStats } from './agent.ts';
import { agentHealth, agentRegistry, HEALTHY_PORTAL_CONTACT_MS } from './metrics.ts';
import { emptyStats } from './pipeline.ts';

function stats(over: Partial<AgentStats> = {}): AgentStats {
  const type = emptyStats();
  return {
    activities: { ...type },
    alerts: { ...type },
    syslogReconnects: 0,
    pullErrors: 0,
    syslog: { state: 'connecting', target: '127.0.0.1:514 (tcp)', error: null },
    syslogDatagramsSent: 0,
    syslogDatagramsTruncated: 0,
    replayWindowBytes: 1000,
    configVersion: 1,
    lastPortalContactAt: null,
    enabled: true,
    ...over,
  };
}

const series = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]),
  );

it('exports every series the README names, per data type from the first scrape', () => {
  let current = stats();
  const registry = agentRegistry({ stats: () => current });
  expect(series(registry.render())).toEqual({
    'cloudsiem_sent_events_total{data_type="activities"}': 0,
    'cloudsiem_sent_events_total{data_type="alerts"}': 0,
    'cloudsiem_sent_bytes_total{data_type="activities"}': 0,
    'cloudsiem_sent_bytes_total{data_type="alerts"}': 0,
    'cloudsiem_sent_batches_total{data_type="activities"}': 0,
    'cloudsiem_sent_batches_total{data_type="alerts"}': 0,
    'cloudsiem_dropped_events_total{data_type="activities"}': 0,
    'cloudsiem_dropped_events_total{data_type="alerts"}': 0,
    'cloudsiem_syslog_replayed_events_total{data_type="activities"}': 0,
    'cloudsiem_syslog_replayed_events_total{data_type="alerts"}': 0,
    'cloudsiem_syslog_rewinds_total{data_type="activities"}': 0,
    'cloudsiem_syslog_rewinds_total{data_type="alerts"}': 0,
    cloudsiem_syslog_reconnects_total: 0,
    cloudsiem_pull_errors_total: 0,
    cloudsiem_syslog_datagrams_sent_total: 0,
    cloudsiem_syslog_datagrams_truncated_total: 0,
    cloudsiem_syslog_connected: 0,
    cloudsiem_syslog_replay_window_bytes: 1000,
  });

  current = stats({
    activities: {
      eventsSent: 1000,
      bytesSent: 800_000,
      batchesSent: 1,
      eventsDropped: 2,
      eventsReplayed: 300,
      rewinds: 1,
      lagSeconds: 12.5,
    },
    syslogReconnects: 3,
    pullErrors: 4,
    syslogDatagramsSent: 50,
    syslogDatagramsTruncated: 5,
    syslog: { state: 'connected', target: 't', error: null },
  });
  const after = series(registry.render());
  expect(after).toMatchObject({
    'cloudsiem_sent_events_total{data_type="activities"}': 1000,
    'cloudsiem_sent_bytes_total{data_type="activities"}': 800_000,
    'cloudsiem_sent_batches_total{data_type="activities"}': 1,
    'cloudsiem_dropped_events_total{data_type="activities"}': 2,
    'cloudsiem_sent_events_total{data_type="alerts"}': 0,
    'cloudsiem_syslog_replayed_events_total{data_type="activities"}': 300,
    'cloudsiem_syslog_rewinds_total{data_type="activities"}': 1,
    cloudsiem_syslog_reconnects_total: 3,
    cloudsiem_pull_errors_total: 4,
    cloudsiem_syslog_datagrams_sent_total: 50,
    cloudsiem_syslog_datagrams_truncated_total: 5,
    'cloudsiem_lag_seconds{data_type="activities"}': 12.5,
    cloudsiem_syslog_connected: 1,
  });
  // No lag before the first pull of a data type: the series is left out, not written as 0.
  expect(after).not.toHaveProperty('cloudsiem_lag_seconds{data_type="alerts"}');
  // Scraping again without change adds nothing.
  expect(series(registry.render())).toEqual(after);
});

it('/healthz is healthy only while the portal answered within two minutes', () => {
  const now = 1_800_000_000_000;
  expect(agentHealth({ stats: () => stats() }, now).ok).toBe(false);
  const recent = stats({ lastPortalContactAt: now - 1000 });
  expect(agentHealth({ stats: () => recent }, now)).toMatchObject({ ok: true, detail: { portal: 'ok' } });
  const stale = stats({ lastPortalContactAt: now - HEALTHY_PORTAL_CONTACT_MS });
  expect(agentHealth({ stats: () => stale }, now)).toMatchObject({
    ok: false,
    detail: { portal: 'unreachable' },
  });
});
