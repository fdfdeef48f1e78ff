import { heartbeatSchema, type Heartbeat } from '@cloudsiem/protocol';
import { describe, expect, it } from 'vitest';
import type { HeartbeatEntry } from '../../api.ts';
import { chartStart, ratesPerMinute, statusHistory } from './heartbeat-history.ts';

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const MIN = 60_000;

function beat(
  at: number,
  sent: { activities?: number; alerts?: number },
  extra: Partial<Omit<Heartbeat, 'counters'>> = {},
): HeartbeatEntry {
  const heartbeat = heartbeatSchema.parse({
    version: '0.1.0',
    host: 'siem-host',
    startedAt: T0,
    configVersion: 1,
    counters: {
      activities: { eventsSent: sent.activities ?? 0 },
      alerts: { eventsSent: sent.alerts ?? 0 },
    },
    syslog: { state: 'connected', target: '127.0.0.1:514 (tcp)' },
    ...extra,
  });
  return { at, heartbeat };
}

describe('events sent per minute', () => {
  it('divides the counter increase by the minutes between heartbeats, from the start for the first', () => {
    const entries = [
      beat(T0 + MIN, { activities: 120 }),
      beat(T0 + 2 * MIN, { activities: 180 }),
      beat(T0 + 4 * MIN, { activities: 380 }),
    ];
    expect(ratesPerMinute(entries, 'activities')).toEqual([
      { at: T0 + MIN, perMinute: 120 },
      { at: T0 + 2 * MIN, perMinute: 60 },
      { at: T0 + 4 * MIN, perMinute: 100 },
    ]);
    expect(ratesPerMinute(entries, 'alerts').map((p) => p?.perMinute)).toEqual([0, 0, 0]);
  });

  it('folds heartbeats closer than 30 s into the next interval (a burst is not a rate)', () => {
    const entries = [
      beat(T0 + 2000, { activities: 500 }),
      beat(T0 + 4000, { activities: 900 }),
      beat(T0 + MIN, { activities: 1000 }),
      beat(T0 + MIN + 2000, { activities: 1010 }),
      beat(T0 + 2 * MIN, { activities: 1060 }),
    ];
    expect(ratesPerMinute(entries, 'activities')).toEqual([
      { at: T0 + MIN, perMinute: 1000 },
      { at: T0 + 2 * MIN, perMinute: 60 },
    ]);
  });

  it('counts a restarted agent from its new start, and breaks the line over a silence', () => {
    const restartedAt = T0 + 30 * MIN;
    const entries = [
      beat(T0 + MIN, { alerts: 10 }),
      beat(restartedAt + MIN, { alerts: 5 }, { startedAt: restartedAt }),
      beat(restartedAt + 2 * MIN, { alerts: 7 }, { startedAt: restartedAt }),
    ];
    expect(ratesPerMinute(entries, 'alerts')).toEqual([
      { at: T0 + MIN, perMinute: 10 },
      null,
      { at: restartedAt + MIN, perMinute: 5 },
      { at: restartedAt + 2 * MIN, perMinute: 2 },
    ]);
  });
});

describe('status history', () => {
  it('lists starts, syslog changes, problems, config versions and silences, newest first', () => {
    const entries = [
      beat(T0 + MIN, {}, { syslog: { state: 'connecting', target: 'siem:514 (tcp)' } }),
      beat(
        T0 + 2 * MIN,
        {},
        {
          syslog: { state: 'disconnected', target: 'siem:514 (tcp)' },
          errors: [{ code: 'SYSLOG_CONNECT', message: 'cannot connect to syslog server siem:514' }],
        },
      ),
      beat(T0 + 3 * MIN, {}, { syslog: { state: 'connected', target: 'siem:514 (tcp)' }, configVersion: 2 }),
      beat(T0 + 20 * MIN, {}, { syslog: { state: 'connected', target: 'siem:514 (tcp)' }, configVersion: 2 }),
    ];
    const history = statusHistory(entries, T0 + 21 * MIN);
    expect(history.map((h) => h.text)).toEqual([
      'No heartbeat for 17 min',
      'Resolved: SYSLOG_CONNECT',
      'Applied configuration version 2',
      'Connected to the SIEM (siem:514 (tcp))',
      'Problem: cannot connect to syslog server siem:514',
      'Lost the connection to the SIEM (siem:514 (tcp))',
      'Connecting to the SIEM (siem:514 (tcp))',
      'Agent started: version 0.1.0 on siem-host',
    ]);
    expect(history.map((h) => h.at)).toEqual([...history.map((h) => h.at)].sort((a, b) => b - a));
  });

  it('says when the agent has been silent until now, and notes restarts', () => {
    const entries = [
      beat(T0 + MIN, {}),
      beat(T0 + 40 * MIN, {}, { startedAt: T0 + 39 * MIN, version: '0.2.0' }),
    ];
    const history = statusHistory(entries, T0 + 100 * MIN);
    expect(history[0]?.text).toBe('No heartbeat since then (1 h)');
    expect(history.map((h) => h.text)).toContain('Agent restarted: version 0.2.0 on siem-host');
    expect(statusHistory([], T0)).toEqual([]);
  });
});

describe('the chart start', () => {
  it("is the agent's creation when that is within the range, else the range's start", () => {
    const to = T0 + 6 * 60 * MIN;
    expect(chartStart(to, 6 * 60 * MIN, T0 + 5 * MIN)).toEqual({ from: T0 + 5 * MIN, sinceAdded: true });
    expect(chartStart(to, 6 * 60 * MIN, T0 - MIN)).toEqual({ from: T0, sinceAdded: false });
    expect(chartStart(to, 60 * MIN, T0 + 5 * MIN)).toEqual({ from: to - 60 * MIN, sinceAdded: false });
    // A clock a little behind the portal's: an agent "added in the future" keeps the range.
    expect(chartStart(to, 60 * MIN, to + MIN)).toEqual({ from: to - 60 * MIN, sinceAdded: false });
  });
});
