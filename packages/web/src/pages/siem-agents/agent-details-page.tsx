// One SIEM agent: its connection (status, last contact, version, host, syslog state, lag), its
// settings, the events it sent per minute per data type over the last hours (from its heartbeats),
// its status history and its notifications. Refreshed while open.
import { filterProblems, type DataType, type Heartbeat, type SiemAgent } from '@cloudsiem/protocol';
import { useState } from 'react';
import { api } from '../../api.ts';
import { FormField } from '../../components/form-field.tsx';
import { Menu } from '../../components/menu.tsx';
import { NotificationList } from '../../components/notification-list.tsx';
import { ExactTime, RelativeTime, useNow } from '../../components/relative-time.tsx';
import { AgentStatusBadge, STATUS_HINTS, Tag } from '../../components/status-badge.tsx';
import { describeFilter } from '../../filters.ts';
import { navigate, useLoad, useTitle } from '../../hooks.ts';
import { formatDuration, formatExact } from '../../time.ts';
import { useAgentActions } from './agent-actions.tsx';
import { EventsChart } from './events-chart.tsx';
import { chartStart, ratesPerMinute, statusHistory } from './heartbeat-history.ts';
import { AGENTS_POLL_MS, openNotifications, typeLabel } from './siem-agents-page.tsx';

const RANGES = [
  { hours: 1, label: 'Last hour' },
  { hours: 6, label: 'Last 6 hours' },
  { hours: 24, label: 'Last 24 hours' },
  { hours: 168, label: 'Last 7 days' },
] as const;

const TIME_FORMAT_NAMES = {
  rfc5424: 'RFC 5424',
  rfc3164: 'RFC 3164',
  'rfc3164-year': 'RFC 3164 with year',
} as const;

/** The last heartbeat as the portal stored it (the heartbeat plus receivedAt), if it looks like one. */
function lastHeartbeatOf(agent: SiemAgent): (Heartbeat & { receivedAt?: number }) | null {
  const hb = agent.lastHeartbeat as (Heartbeat & { receivedAt?: number }) | null;
  if (
    hb === null ||
    typeof hb !== 'object' ||
    typeof hb.counters !== 'object' ||
    typeof hb.syslog !== 'object'
  )
    return null;
  return hb;
}

function Lag({ seconds }: { seconds: number | null | undefined }) {
  if (seconds === null || seconds === undefined) return <span className="muted">—</span>;
  return <>{formatDuration(seconds * 1000)}</>;
}

function Settings({ agent }: { agent: SiemAgent }) {
  const { format, syslog, dataTypes } = agent;
  const selection = (dataType: DataType) => {
    const { enabled, filter } = dataTypes[dataType];
    if (!enabled) return <span className="muted">Off</span>;
    if (filter === null) return 'All';
    // A filter saved before the schema refused its value (severity eq High) matches nothing: say so.
    const problems = filterProblems(dataType, filter);
    return (
      <>
        <span className="mono">{describeFilter(dataType, filter)}</span>
        {problems.length > 0 ? (
          <p className="field-error">
            This filter can never match as saved: {problems.map((p) => p.message).join('; ')}. Edit the agent
            to fix it.
          </p>
        ) : null}
      </>
    );
  };
  return (
    <dl className="settings">
      <dt>SIEM format</dt>
      <dd>{format.format === 'arcsight' ? 'ArcSight' : 'Generic CEF'}</dd>
      {format.format === 'generic' ? (
        <>
          <dt>Time format</dt>
          <dd>{TIME_FORMAT_NAMES[format.timeFormat]}</dd>
          <dt>Include PRI</dt>
          <dd>{format.includePri ? `Yes (facility ${format.facility})` : 'No'}</dd>
        </>
      ) : null}
      <dt>Include system name</dt>
      <dd>{format.includeSystemName ? 'Yes' : 'No'}</dd>
      <dt>Vendor | Product</dt>
      <dd className="mono">
        {format.vendor}|{format.product}
      </dd>
      <dt>Remote syslog</dt>
      <dd>
        <span className="mono">
          {syslog.host}:{syslog.port}
        </span>{' '}
        {syslog.protocol.toUpperCase()}
        {syslog.protocol === 'tcp'
          ? syslog.framing === 'octet'
            ? ', octet counting'
            : ', line feed framing'
          : ''}
        {syslog.protocol === 'udp' ? `, at most ${syslog.udpMaxBytes} bytes per datagram` : ''}
      </dd>
      <dt>Type</dt>
      <dd>{typeLabel(agent)}</dd>
      <dt>Alerts</dt>
      <dd>{selection('alerts')}</dd>
      <dt>Activities</dt>
      <dd>{selection('activities')}</dd>
      <dt>Token</dt>
      <dd>
        <span className="mono">{agent.tokenHint}…</span> owned by {agent.tokenOwner.name}
        {agent.tokenOwner.removed ? (
          <>
            {' '}
            <Tag tone="bad">owner removed: regenerate the token</Tag>
          </>
        ) : null}
      </dd>
      <dt>Created</dt>
      <dd>
        <ExactTime ms={agent.createdAt} /> by {agent.createdBy.name}
      </dd>
      <dt>Last edited</dt>
      <dd>
        <RelativeTime ms={agent.updatedAt} /> (configuration version {agent.configVersion})
      </dd>
    </dl>
  );
}

export function AgentDetailsPage({ id }: { id: string }) {
  const agent = useLoad(() => api.agent(id), `agent:${id}`, AGENTS_POLL_MS);
  const [hours, setHours] = useState<number>(6);
  const now = useNow();
  const heartbeats = useLoad(
    () => api.heartbeats(id, Date.now() - hours * 3_600_000).then((r) => r.data),
    `heartbeats:${id}:${hours}`,
    30_000,
  );
  const actions = useAgentActions({
    onChanged: () => {
      agent.reload();
      heartbeats.reload();
    },
    onDeleted: () => navigate('#/siem-agents'),
    shown: agent.data ?? null,
  });
  const data = agent.data;
  useTitle(data?.name ?? 'SIEM agent');

  if (data === undefined) {
    return (
      <>
        <p className="breadcrumb">
          <a href="#/siem-agents">SIEM agents</a> ›
        </p>
        {agent.error !== null ? (
          <>
            <h1>SIEM agent not found</h1>
            <p role="alert" className="error-text">
              {agent.error}
            </p>
          </>
        ) : (
          <p className="muted">Loading…</p>
        )}
        {actions.dialogs}
      </>
    );
  }

  const hb = lastHeartbeatOf(data);
  const entries = heartbeats.data ?? [];
  const to = Math.max(now, Date.now() - 15_000);
  const { from, sinceAdded } = chartStart(to, hours * 3_600_000, data.createdAt);
  const history = statusHistory(entries, to);
  const notifications = data.notifications;

  return (
    <>
      <p className="breadcrumb">
        <a href="#/siem-agents">SIEM agents</a> ›
      </p>
      <div className="page-header">
        <h1 className="agent-title">{data.name}</h1>
        <AgentStatusBadge agent={data} />
        {data.enabled ? null : <Tag>Disabled</Tag>}
        <span className="spacer" />
        <span className="page-actions">
          <button type="button" className="button" onClick={() => actions.menuItems(data)[0]?.onSelect()}>
            Edit
          </button>
          <Menu label={`Actions for ${data.name}`} items={actions.menuItems(data).slice(1)} />
        </span>
      </div>
      {agent.error !== null ? (
        <p role="alert" className="error-text">
          Could not refresh: {agent.error}
        </p>
      ) : null}

      <section className="panel" aria-labelledby="connection-heading">
        <h2 id="connection-heading">Connection</h2>
        <p className="muted">{STATUS_HINTS[data.status]}</p>
        <dl className="stats">
          <div>
            <dt>Last connection</dt>
            <dd>
              <RelativeTime ms={data.lastSeenAt} />
            </dd>
          </div>
          <div>
            <dt>Agent</dt>
            <dd>
              {hb === null ? <span className="muted">No heartbeat yet</span> : `${hb.version} on ${hb.host}`}
            </dd>
          </div>
          <div>
            <dt>SIEM connection</dt>
            <dd>
              {hb === null ? (
                <span className="muted">—</span>
              ) : (
                <>
                  {data.siem?.state === 'unreachable' ? (
                    <strong className="error-text">SIEM unreachable</strong>
                  ) : (
                    (data.siem?.state ?? hb.syslog.state)
                  )}
                  {hb.syslog.target === '' ? '' : ` (${hb.syslog.target})`}
                  {data.siem?.error ? <span className="stat-detail">{data.siem.error}</span> : null}
                </>
              )}
            </dd>
          </div>
          <div>
            <dt>Lag, activities</dt>
            <dd>
              <Lag seconds={hb?.counters.activities.lagSeconds} />
            </dd>
          </div>
          <div>
            <dt>Lag, alerts</dt>
            <dd>
              <Lag seconds={hb?.counters.alerts.lagSeconds} />
            </dd>
          </div>
          <div>
            <dt>Sent since the agent started</dt>
            <dd>
              {hb === null
                ? '—'
                : `${hb.counters.activities.eventsSent.toLocaleString('en-US')} activities, ${hb.counters.alerts.eventsSent.toLocaleString('en-US')} alerts`}
            </dd>
          </div>
        </dl>
        <p className="field-hint">Lag: how long ago the newest event the agent sent arrived in the portal.</p>
      </section>

      <section className="panel" aria-labelledby="settings-heading">
        <h2 id="settings-heading">Settings</h2>
        <Settings agent={data} />
      </section>

      <section className="panel" aria-labelledby="rate-heading">
        <div className="panel-header">
          <h2 id="rate-heading">Events sent per minute</h2>
          <FormField label="Time range" className="field-inline">
            {(props) => (
              <select {...props} value={hours} onChange={(e) => setHours(Number(e.target.value))}>
                {RANGES.map((r) => (
                  <option key={r.hours} value={r.hours}>
                    {r.label}
                  </option>
                ))}
              </select>
            )}
          </FormField>
        </div>
        {heartbeats.error !== null ? (
          <p role="alert" className="error-text">
            {heartbeats.error}
          </p>
        ) : null}
        <EventsChart
          from={from}
          to={to}
          empty={
            entries.length === 0
              ? 'No heartbeats in this time range'
              : 'Not enough heartbeats yet: the agent sends one a minute'
          }
          series={[
            {
              label: 'Activities',
              className: 'series-activities',
              points: ratesPerMinute(entries, 'activities'),
            },
            { label: 'Alerts', className: 'series-alerts', points: ratesPerMinute(entries, 'alerts') },
          ]}
        />
        <p className="field-hint">
          {sinceAdded ? `Since the agent was added (${formatExact(data.createdAt)}). ` : ''}
          From the agent&apos;s heartbeats (one a minute); gaps are times without one.
        </p>
      </section>

      <section className="panel" aria-labelledby="history-heading">
        <h2 id="history-heading">Status history</h2>
        {history.length === 0 ? (
          <p className="muted">
            {data.status === 'created'
              ? 'The agent has not connected yet: continue the setup: run the agent with its token.'
              : 'No heartbeat in this time range.'}
          </p>
        ) : (
          // A scrolling box the keyboard can reach (tabIndex), named by the section's heading.
          <div className="history-scroll" tabIndex={0} role="group" aria-labelledby="history-heading">
            <ol className="history">
              {history.slice(0, 100).map((item, i) => (
                <li key={`${item.at}-${i}`} className={`history-${item.tone}`}>
                  <span className="history-time">
                    <RelativeTime ms={item.at} />
                  </span>
                  <span>{item.text}</span>
                </li>
              ))}
            </ol>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="notifications-heading">
        <h2 id="notifications-heading">Notifications</h2>
        <NotificationList notifications={notifications} none="None: the agent reported no problem." />
        {openNotifications(data).length > 0 ? (
          <p className="field-hint">
            A notification resolves by itself when the agent no longer reports the problem.
          </p>
        ) : null}
      </section>
      {actions.dialogs}
    </>
  );
}
