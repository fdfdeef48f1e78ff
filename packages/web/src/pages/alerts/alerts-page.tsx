// Alerts: raised by policies (and other services, e.g. Defender for Identity: see their source),
// newest first, filtered with the filter builder. `#/alerts/<id>` — the link in each alert's CEF
// line — opens that alert's details over the list.
import type { Filter } from '@cloudsiem/protocol';
import { api, type StoredAlert } from '../../api.ts';
import { RelativeTime } from '../../components/relative-time.tsx';
import { Tag } from '../../components/status-badge.tsx';
import type { Column } from '../../components/table.tsx';
import { navigate, useLoad, useTitle } from '../../hooks.ts';
import { hashOf } from '../../routes.ts';
import { formatExact } from '../../time.ts';
import { EventDrawer, EventFilters, EventTable } from '../events/event-list.tsx';

const SEVERITY_TONES = { informational: 'info', low: 'neutral', medium: 'warning', high: 'bad' } as const;

function Severity({ severity }: { severity: StoredAlert['severity'] }) {
  return <Tag tone={SEVERITY_TONES[severity]}>{severity}</Tag>;
}

function AlertFacts({ alert }: { alert: StoredAlert }) {
  return (
    <dl className="settings">
      <dt>Time</dt>
      <dd>{formatExact(alert.timestamp)}</dd>
      <dt>Policy</dt>
      <dd>{alert.policyName}</dd>
      <dt>Type</dt>
      <dd className="mono">{alert.type}</dd>
      <dt>Severity</dt>
      <dd>
        <Severity severity={alert.severity} />
        {alert.riskScore !== null ? ` risk score ${alert.riskScore}` : ''}
      </dd>
      <dt>User</dt>
      <dd>{alert.user ?? '—'}</dd>
      <dt>App</dt>
      <dd>{alert.appName ?? '—'}</dd>
      <dt>IP address</dt>
      <dd className="mono">{alert.ip ?? '—'}</dd>
      <dt>Source</dt>
      <dd>{alert.source}</dd>
      {alert.status !== undefined ? (
        <>
          <dt>Status</dt>
          <dd>{alert.status}</dd>
        </>
      ) : null}
      {alert.description ? (
        <>
          <dt>Description</dt>
          <dd>{alert.description}</dd>
        </>
      ) : null}
      <dt>Related activities</dt>
      <dd>
        {alert.relatedActivityIds.length === 0 ? (
          '—'
        ) : (
          <a
            href={hashOf({
              page: 'activity-log',
              filter: { id: { eq: alert.relatedActivityIds.slice(0, 100) } },
            })}
          >
            {alert.relatedActivityIds.length === 1
              ? 'The related activity'
              : `The ${alert.relatedActivityIds.length} related activities`}{' '}
            in the activity log
          </a>
        )}
      </dd>
    </dl>
  );
}

function AlertDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const alert = useLoad(() => api.alert(id), `alert:${id}`);
  return (
    <EventDrawer
      dataType="alerts"
      title={alert.data?.policyName ?? 'Alert'}
      record={alert.data}
      error={alert.error}
      onClose={onClose}
    >
      {alert.data !== undefined ? <AlertFacts alert={alert.data} /> : null}
    </EventDrawer>
  );
}

export function AlertsPage({ filter, alertId }: { filter: Filter; alertId: string | null }) {
  useTitle('Alerts');
  const columns: Column<StoredAlert>[] = [
    {
      header: 'Alert',
      rowHeader: true,
      cell: (a) => <a href={hashOf({ page: 'alerts', alertId: a.id, filter })}>{a.policyName}</a>,
    },
    { header: 'Severity', cell: (a) => <Severity severity={a.severity} /> },
    { header: 'User', cell: (a) => a.user ?? <span className="muted">—</span> },
    { header: 'App', cell: (a) => a.appName ?? <span className="muted">—</span> },
    { header: 'Source', cell: (a) => a.source },
    { header: 'Time', cell: (a) => <RelativeTime ms={a.timestamp} /> },
  ];
  return (
    <>
      <h1>Alerts</h1>
      <p className="page-intro">
        Alerts raised by your policies and by other services. Their source tells them apart: filter on it to
        keep the same alert from reaching your SIEM twice.
      </p>
      <EventFilters
        dataType="alerts"
        filter={filter}
        onApply={(f) => navigate({ page: 'alerts', alertId: null, filter: f })}
      />
      <EventTable<StoredAlert> dataType="alerts" filter={filter} columns={columns} label="Alerts" />
      {alertId !== null ? (
        <AlertDrawer id={alertId} onClose={() => navigate({ page: 'alerts', alertId: null, filter })} />
      ) : null}
    </>
  );
}
